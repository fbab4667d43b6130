package api_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"slices"
	"testing"

	"lianxin"
	"lianxin/api"
	"lianxin/demo/demotest"
	"lianxin/store/storetest"
)

// The diary spot-check sample names each entry's village and town beside
// their codes — in JSON, and in the CSV under Chinese headers (lang=zh) and
// English ones — as the tables hold them: a checker phones a household by
// its village's name, not its code.
func TestDiarySampleNamesPlaces(t *testing.T) {
	st, url, _ := demotest.New(t)
	system := lianxin.SystemScope()
	srv := httptest.NewServer(api.NewServer(api.Config{}, api.Deps{
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Health: st, DefaultScope: &system, Reports: st}))
	t.Cleanup(srv.Close)
	const ask = "/api/v1/reports/diary-sample?n=8&seed=11"

	var sample struct {
		Rows []struct {
			VisitID     string `json:"visit_id"`
			VillageCode string `json:"village_code"`
			VillageName string `json:"village_name"`
			TownCode    string `json:"town_code"`
			TownName    string `json:"town_name"`
		} `json:"rows"`
	}
	if err := json.Unmarshal(getBody(t, srv.URL+ask, 200), &sample); err != nil {
		t.Fatal(err)
	}
	if len(sample.Rows) < 5 {
		t.Fatalf("the sample drew %d entries: too few to judge", len(sample.Rows))
	}
	withVillage := 0
	for _, r := range sample.Rows {
		var village, townCode, townName string
		storetest.QueryRow(t, url, `SELECT coalesce(vl.name, ''), tw.code, tw.name FROM visits v
			JOIN towns tw ON tw.id = v.town_id LEFT JOIN villages vl ON vl.id = v.village_id
			WHERE v.external_id = '`+r.VisitID+`'`, &village, &townCode, &townName)
		if r.VillageName != village || r.TownCode != townCode || r.TownName != townName {
			t.Errorf("entry %s: village %q (%s), town %s %q; want village %q, town %s %q",
				r.VisitID, r.VillageName, r.VillageCode, r.TownCode, r.TownName, village, townCode, townName)
		}
		if r.VillageCode != "" {
			withVillage++
			if r.VillageName == "" {
				t.Errorf("entry %s: village %s without its name", r.VisitID, r.VillageCode)
			}
		}
	}
	if withVillage == 0 {
		t.Fatal("no sampled entry has a village: the names go untested")
	}

	for _, tc := range []struct {
		lang                           string
		villageCode, village, town, tc string
	}{
		{"zh", "村代码", "村（社区）", "乡镇", "乡镇代码"},
		{"en", "village_code", "village_name", "town_name", "town_code"},
	} {
		t.Run("csv "+tc.lang, func(t *testing.T) {
			body := getBody(t, srv.URL+ask+"&format=csv&lang="+tc.lang, 200)
			recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\ufeff")))).ReadAll()
			if err != nil || len(recs) != 1+len(sample.Rows) {
				t.Fatalf("CSV: %v, %d records; want a header and %d rows", err, len(recs), len(sample.Rows))
			}
			head := recs[0]
			col := func(name string) int {
				i := slices.Index(head, name)
				if i < 0 {
					t.Fatalf("CSV header %q lacks %q", head, name)
				}
				return i
			}
			iCode, iVillage, iTown, iTownCode := col(tc.villageCode), col(tc.village), col(tc.town), col(tc.tc)
			if iVillage != iCode+1 {
				t.Errorf("CSV header %q: the village's name comes at %d, want beside its code (%d)", head, iVillage, iCode+1)
			}
			for i, r := range sample.Rows {
				got := recs[1+i]
				// Codes are written as ="…" for Excel.
				if got[iVillage] != r.VillageName || got[iTown] != r.TownName || !bytes.Contains([]byte(got[iTownCode]), []byte(r.TownCode)) {
					t.Errorf("CSV row %d: village %q town %q (%s); want %q %q (%s)", i+1, got[iVillage], got[iTown], got[iTownCode], r.VillageName, r.TownName, r.TownCode)
				}
			}
		})
	}
}
