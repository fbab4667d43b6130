package api_test

import (
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"testing"

	"lianxin"
	"lianxin/demo/demotest"
	"lianxin/export"
)

// The OGC collections take town= as the exports do, and town_code=, the
// property filter QGIS users saved before, keeps working: for every
// collection of a town's rows both select the same features, as many as the
// export's town= counts. An unknown town and another town's stored layer
// are refused as the exports refuse them.
func TestOGCTownFilter(t *testing.T) {
	st, _, _ := demotest.New(t)
	mine, other := twoTowns(t, st)
	all := downloadServer(t, st, lianxin.SystemScope())
	leader := downloadServer(t, st, lianxin.Scope{User: "leader", Roles: []lianxin.Role{lianxin.RoleTeamLeader},
		Towns: []int32{mine.ID}, HouseholdPoints: true})

	type page struct {
		NumberMatched int64 `json:"numberMatched"`
		Features      []struct {
			ID         any            `json:"id"`
			Properties map[string]any `json:"properties"`
		} `json:"features"`
		Links []struct{ Rel, Href string } `json:"links"`
	}
	items := func(t *testing.T, collection string, q url.Values) page {
		t.Helper()
		q.Set("limit", "300") // the first page of each: both are in id order
		var p page
		if err := json.Unmarshal(getBody(t, all.URL+"/ogc/collections/"+collection+"/items?"+q.Encode(), 200), &p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ids := func(p page) []string {
		var out []string
		for _, f := range p.Features {
			out = append(out, strconv.Quote(jsonString(f.ID)))
		}
		slices.Sort(out)
		return out
	}

	tested, narrowed := 0, 0 // layers of a town's rows; those town= narrowed to some
	for _, l := range export.Layers() {
		if _, ok := l.Field("town_code"); !ok {
			continue
		}
		tested++
		t.Run(l.Name, func(t *testing.T) {
			byTown := items(t, l.Name, url.Values{"town": {other.Code}})
			byCode := items(t, l.Name, url.Values{"town_code": {other.Code}})
			everyTown := items(t, l.Name, url.Values{})
			if byTown.NumberMatched > everyTown.NumberMatched {
				t.Fatalf("town=%s matched %d of %d features", other.Code, byTown.NumberMatched, everyTown.NumberMatched)
			}
			if byTown.NumberMatched > 0 && byTown.NumberMatched < everyTown.NumberMatched {
				narrowed++
			}
			if byTown.NumberMatched != byCode.NumberMatched || !slices.Equal(ids(byTown), ids(byCode)) {
				t.Errorf("town=%s matched %d features, town_code=%s %d (or other ids): want the same", other.Code, byTown.NumberMatched, other.Code, byCode.NumberMatched)
			}
			for _, f := range byTown.Features {
				if f.Properties["town_code"] != other.Code {
					t.Fatalf("town=%s gave a feature of town_code %v", other.Code, f.Properties["town_code"])
				}
			}
			var check struct{ Rows int64 }
			if err := json.Unmarshal(getBody(t, all.URL+"/api/v1/export/"+l.Name+"?check=true&town="+other.Code, 200), &check); err != nil {
				t.Fatal(err)
			}
			if check.Rows != byTown.NumberMatched {
				t.Errorf("the export's town=%s counts %d rows, the collection's %d: want one meaning", other.Code, check.Rows, byTown.NumberMatched)
			}
			for _, link := range byTown.Links {
				if u, err := url.Parse(link.Href); link.Rel == "next" && (err != nil || u.Query().Get("town") != other.Code) {
					t.Errorf("next link %s: want it to keep town=%s", link.Href, other.Code)
				}
			}
		})
	}
	if tested < 5 || narrowed < 4 {
		t.Fatalf("%d layers with town_code, %d narrowed to some of their features by town: want 5 and 4 at least (villages, households, visits, the coverage layers)", tested, narrowed)
	}

	for _, tc := range []struct {
		name, path string
		srvLeader  bool
		status     int
		reason     string
	}{
		{"no such town", "/ogc/collections/villages/items?town=nowhere", false, 400, export.ReasonTownUnknown},
		{"another town's visits", "/ogc/collections/visits/items?town=" + other.Code, true, 403, export.ReasonTownNotYours},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := all
			if tc.srvLeader {
				srv = leader
			}
			var got refusalBody
			if err := json.Unmarshal(getBody(t, srv.URL+tc.path, tc.status), &got); err != nil {
				t.Fatal(err)
			}
			if got.Error.Details.Field != "town" || got.Error.Details.Reason != tc.reason {
				t.Errorf("GET %s: refusal %+v, want field town, reason %s", tc.path, got.Error.Details, tc.reason)
			}
		})
	}
}

// jsonString is a feature id as text, whether JSON gave a number or a string.
func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
