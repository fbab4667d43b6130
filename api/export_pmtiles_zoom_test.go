package api_test

import (
	"encoding/json"
	"strings"
	"testing"

	"lianxin"
	"lianxin/demo/demotest"
	"lianxin/export"
)

// An offline package's check answers what its download answers: a zoom
// below the layers' first (tiles.DataMinZoom) is refused by both, up front,
// naming the parameter; a package the check accepts downloads.
func TestPMTilesCheckAgreesWithDownload(t *testing.T) {
	st, _, _ := demotest.New(t)
	mine, _ := twoTowns(t, st)
	scope := lianxin.Scope{User: "gis-one-town", Roles: []lianxin.Role{lianxin.RoleGIS}, Towns: []int32{mine.ID}}
	ts := downloadServer(t, st, scope)
	ask := func(t *testing.T, query string) (int, []byte) {
		t.Helper()
		res, body := get(t, ts.Config.Handler, "/api/v1/export/pmtiles?town="+mine.Code+query)
		return res.StatusCode, body
	}
	for _, tc := range []struct {
		name, query string
		want        int
		wantParam   string
	}{
		{"the whole world's zooms", "&minzoom=0&maxzoom=4", 400, "minzoom"},
		{"one zoom below the layers'", "&minzoom=4&maxzoom=6", 400, "minzoom"},
		{"a maxzoom below the layers'", "&minzoom=5&maxzoom=3", 400, "maxzoom"},
		{"from the layers' first zoom", "&minzoom=5&maxzoom=6", 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkStatus, checkBody := ask(t, tc.query+"&check=true")
			status, body := ask(t, tc.query)
			if checkStatus != tc.want || status != tc.want {
				t.Fatalf("pmtiles%s: check %d %.200s, download %d %.200s; want both %d", tc.query, checkStatus, checkBody, status, body, tc.want)
			}
			if tc.want == 200 {
				if len(body) < 127 || string(body[:7]) != "PMTiles" {
					t.Errorf("pmtiles%s: download of %d bytes is not a PMTiles archive", tc.query, len(body))
				}
				return
			}
			if string(checkBody) != string(body) {
				t.Errorf("pmtiles%s: check said %s, download %s; want the same refusal", tc.query, checkBody, body)
			}
			var got refusalBody
			if err := json.Unmarshal(checkBody, &got); err != nil {
				t.Fatalf("pmtiles%s: %s: %v", tc.query, checkBody, err)
			}
			e := got.Error
			if e.Details.Field != tc.wantParam || e.Details.Reason != export.ReasonBadZoom || !strings.Contains(e.Message, "from 5 to 16") {
				t.Errorf("pmtiles%s: refusal %+v, want field %s, reason %s and the range 5 to 16 in the message", tc.query, e, tc.wantParam, export.ReasonBadZoom)
			}
		})
	}
}
