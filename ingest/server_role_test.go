package ingest_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"lianxin"
	"lianxin/ingest"
	"lianxin/store"
	"lianxin/store/storetest"
)

// TestImportsAsServerRole imports through a store connected as the
// server's role, lianxin_app, held to row-level security and to its
// grants, with a signed-in user's scope as an upload has: the import record
// must end as the import did, and personal columns need their grant.
func TestImportsAsServerRole(t *testing.T) {
	owner, url := storetest.New(t)
	loadCounty(t, owner)
	ctx := context.Background()
	st, err := store.Open(ctx, url, store.Options{Role: "lianxin_app"})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	dir := t.TempDir()
	admin := lianxin.Scope{User: "clerk", Roles: []lianxin.Role{lianxin.RoleAdmin}, AllTowns: true}
	withPersonal := admin
	withPersonal.PersonalFields = true
	var t01 int32
	if err := queryRow(url, `SELECT id FROM towns WHERE code = 'T01'`, &t01); err != nil {
		t.Fatal(err)
	}
	leader := lianxin.Scope{User: "clerk", Roles: []lianxin.Role{lianxin.RoleTeamLeader}, Towns: []int32{t01}}
	cases := []struct {
		name, body  string
		scope       lianxin.Scope
		wantStatus  string
		wantCounts  ingest.Counts
		wantMessage string // in the record's message
		wantRejects int
		changes     bool
	}{
		{"new household", "external_id,village_code,residents,lon,lat\nS0001,T01V01,2,120.021,32.131\n",
			admin, ingest.StatusSucceeded, ingest.Counts{Inserted: 1}, "", 0, true},
		{"unknown village", "external_id,village_code,residents,lon,lat\nS0002,T09V99,2,120.021,32.131\n",
			admin, ingest.StatusRejected, ingest.Counts{Rejected: 1}, "unknown village_code T09V99", 1, false},
		{"personal columns without the grant", "户编号,村代码,人口,户主,经度,纬度\nH0001,T01V01,3,李四,120.021,32.131\n",
			admin, ingest.StatusFailed, ingest.Counts{}, "needs the personal_fields grant", 0, false},
		{"personal columns with the grant", "户编号,村代码,人口,户主,经度,纬度\nS0003,T01V01,3,李四,120.021,32.131\n",
			withPersonal, ingest.StatusSucceeded, ingest.Counts{Inserted: 1}, "", 0, true},
		{"team leader, own town", "external_id,village_code,residents,lon,lat\nS0004,T01V02,2,120.071,32.151\n",
			leader, ingest.StatusSucceeded, ingest.Counts{Inserted: 1}, "", 0, true},
		{"team leader, another town's new household", "external_id,village_code,residents,lon,lat\nS0005,T02V01,2,120.151,32.161\n",
			leader, ingest.StatusFailed, ingest.Counts{}, "in towns outside yours", 0, false},
		{"team leader, another town's household changed", "external_id,village_code,residents,lon,lat\nH0004,T02V01,7,120.151,32.161\n",
			leader, ingest.StatusFailed, ingest.Counts{}, "in towns outside yours", 0, false},
		{"team leader, another town's household moved into theirs", "external_id,village_code,residents,lon,lat\nH0004,T01V01,2,120.021,32.131\n",
			leader, ingest.StatusFailed, ingest.Counts{}, "in towns outside yours", 0, false},
		{"team leader, another town's village", "code,name,town_code,kind,resident_population,registered_households,wkt\n" +
			"T02V01,后港村,T02,村,1,1,\"POLYGON((120.10 32.10,120.20 32.10,120.20 32.20,120.10 32.10))\"\n",
			leader, ingest.StatusFailed, ingest.Counts{}, "in towns outside yours", 0, false},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, "h"+string(rune('a'+i))+".csv")
			writeFile(t, path, tc.body)
			before := checksum(t, url)
			layer := "households"
			if strings.HasPrefix(tc.body, "code,") {
				layer = "villages"
			}
			rec, runErr := ingest.Run(ctx, st, tc.scope, "api", ingest.Options{Layer: layer, Path: path, StartedBy: tc.scope.User})
			got, err := st.Import(ctx, tc.scope, rec.ID)
			if err != nil {
				t.Fatalf("read import %d: %v", rec.ID, err)
			}
			if got.Status != tc.wantStatus || got.Counts != tc.wantCounts || got.FinishedAt == nil ||
				!strings.Contains(got.Message, tc.wantMessage) || len(got.Rejects) != tc.wantRejects || got.StartedBy != "clerk" {
				t.Fatalf("import of %q (run error %v) recorded as status %q counts %+v finished %v message %q rejects %d by %q;\nwant %q %+v finished, message with %q, %d rejects, by clerk",
					tc.body, runErr, got.Status, got.Counts, got.FinishedAt, got.Message, len(got.Rejects), got.StartedBy,
					tc.wantStatus, tc.wantCounts, tc.wantMessage, tc.wantRejects)
			}
			if changed := checksum(t, url) != before; changed != tc.changes {
				t.Fatalf("import of %q changed the database: %v, want %v", tc.body, changed, tc.changes)
			}
		})
	}
}
