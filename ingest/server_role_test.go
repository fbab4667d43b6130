package ingest_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"lianxin"
	"lianxin/ingest"
	"lianxin/store"
	"lianxin/store/storetest"
)

// countyAsServerRole loads the test county and opens a store on it as the
// server's role, lianxin_app: held to row-level security and its grants.
func countyAsServerRole(t *testing.T) (*store.Store, string) {
	t.Helper()
	owner, url := storetest.New(t)
	loadCounty(t, owner)
	st, err := store.Open(context.Background(), url, store.Options{Role: "lianxin_app"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	return st, url
}

// t01Leader is the scope of a team leader of town T01, signed in as clerk.
func t01Leader(t *testing.T, url string) lianxin.Scope {
	t.Helper()
	var t01 int32
	if err := queryRow(url, `SELECT id FROM towns WHERE code = 'T01'`, &t01); err != nil {
		t.Fatal(err)
	}
	return lianxin.Scope{User: "clerk", Roles: []lianxin.Role{lianxin.RoleTeamLeader}, Towns: []int32{t01}}
}

// TestImportsAsServerRole imports through a store connected as the
// server's role, lianxin_app, held to row-level security and to its
// grants, with a signed-in user's scope as an upload has: the import record
// must end as the import did, and personal columns need their grant. A team
// leader's rows in other towns — by the village, team, town, member or
// geometry they name, or by a key another town's row already holds — are
// rejected row by row: the whole file without skip-invalid, only those rows
// with it.
func TestImportsAsServerRole(t *testing.T) {
	st, url := countyAsServerRole(t)
	ctx := context.Background()
	dir := t.TempDir()
	admin := lianxin.Scope{User: "clerk", Roles: []lianxin.Role{lianxin.RoleAdmin}, AllTowns: true}
	withPersonal := admin
	withPersonal.PersonalFields = true
	leader := t01Leader(t, url)
	leaderPersonal := leader
	leaderPersonal.PersonalFields = true
	const (
		householdsHeader = "external_id,village_code,residents,lon,lat\n"
		villagesHeader   = "code,name,town_code,kind,resident_population,registered_households,wkt\n"
		// One household of each kind a leader's file may hold: a new one of
		// their town (line 2), a new one in another town's village (3),
		// another town's household moved into theirs (4), one of their own
		// changed (5).
		mixedHouseholds = householdsHeader + "S0010,T01V01,2,120.021,32.131\nS0011,T02V01,2,120.151,32.161\n" +
			"H0005,T01V02,5,120.071,32.151\nH0001,T01V01,4,120.021,32.131\n"
		householdsAfter = `SELECT string_agg(h.external_id || ':' || h.residents || ':' || t.code, ',' ORDER BY h.external_id)
FROM households h JOIN towns t ON t.id = h.town_id WHERE h.external_id IN ('S0010', 'S0011', 'H0005', 'H0001')`
	)
	mixedRejects := []string{
		"3 village_code: village T02V01 is in town T02, outside your towns T01",
		"4 external_id: household H0005 already exists in another town (T02)",
	}
	cases := []struct {
		name, layer, body string
		scope             lianxin.Scope
		skipInvalid       bool
		wantStatus        string
		wantCounts        ingest.Counts
		wantMessage       string   // in the record's message
		wantRejects       []string // "line field: reason", in line order
		changes           bool
		// after, run as the owner once the import is done, answers wantAfter.
		after, wantAfter string
	}{
		{name: "new household", layer: "households", body: householdsHeader + "S0001,T01V01,2,120.021,32.131\n",
			scope: admin, wantStatus: ingest.StatusSucceeded, wantCounts: ingest.Counts{Inserted: 1}, changes: true},
		{name: "unknown village", layer: "households", body: householdsHeader + "S0002,T09V99,2,120.021,32.131\n",
			scope: admin, wantStatus: ingest.StatusRejected, wantCounts: ingest.Counts{Rejected: 1}, wantMessage: "unknown village_code T09V99",
			wantRejects: []string{"2 village_code: unknown village_code T09V99 (no such row in villages)"}},
		{name: "personal columns without the grant", layer: "households", body: "户编号,村代码,人口,户主,经度,纬度\nH0001,T01V01,3,李四,120.021,32.131\n",
			scope: admin, wantStatus: ingest.StatusFailed, wantMessage: "needs the personal_fields grant"},
		{name: "personal columns with the grant", layer: "households", body: "户编号,村代码,人口,户主,经度,纬度\nS0003,T01V01,3,李四,120.021,32.131\n",
			scope: withPersonal, wantStatus: ingest.StatusSucceeded, wantCounts: ingest.Counts{Inserted: 1}, changes: true},
		{name: "team leader, own town", layer: "households", body: householdsHeader + "S0004,T01V02,2,120.071,32.151\n",
			scope: leader, wantStatus: ingest.StatusSucceeded, wantCounts: ingest.Counts{Inserted: 1}, changes: true},
		{name: "team leader, another town's new household", layer: "households", body: householdsHeader + "S0005,T02V01,2,120.151,32.161\n",
			scope: leader, wantStatus: ingest.StatusRejected, wantCounts: ingest.Counts{Rejected: 1},
			wantMessage: "line 2, field village_code: village T02V01 is in town T02, outside your towns T01",
			wantRejects: []string{"2 village_code: village T02V01 is in town T02, outside your towns T01"}},
		{name: "team leader, another town's household changed", layer: "households", body: householdsHeader + "H0004,T02V01,7,120.151,32.161\n",
			scope: leader, wantStatus: ingest.StatusRejected, wantCounts: ingest.Counts{Rejected: 1},
			wantMessage: "household H0004 already exists in another town (T02)",
			wantRejects: []string{"2 external_id: household H0004 already exists in another town (T02)"}},
		{name: "team leader, another town's household moved into theirs", layer: "households", body: householdsHeader + "H0004,T01V01,2,120.021,32.131\n",
			scope: leader, wantStatus: ingest.StatusRejected, wantCounts: ingest.Counts{Rejected: 1},
			wantMessage: "household H0004 already exists in another town (T02)",
			wantRejects: []string{"2 external_id: household H0004 already exists in another town (T02)"}},
		{name: "team leader, mixed file, refused whole", layer: "households", body: mixedHouseholds,
			scope: leader, wantStatus: ingest.StatusRejected, wantCounts: ingest.Counts{Rejected: 2},
			wantMessage: "2 rows rejected, nothing imported; first: h8.csv line 3, field village_code: village T02V01 is in town T02, outside your towns T01",
			wantRejects: mixedRejects,
			after:       householdsAfter, wantAfter: "H0001:3:T01,H0005:5:T02"},
		{name: "team leader, mixed file, skip invalid", layer: "households", body: mixedHouseholds, skipInvalid: true,
			scope: leader, wantStatus: ingest.StatusSucceeded, wantCounts: ingest.Counts{Inserted: 1, Updated: 1, Rejected: 2},
			wantMessage: "2 rows rejected, the rest imported", wantRejects: mixedRejects, changes: true,
			after: householdsAfter, wantAfter: "H0001:4:T01,H0005:5:T02,S0010:2:T01"},
		{name: "team leader, mixed file with personal columns, skip invalid", layer: "households", skipInvalid: true,
			body: "external_id,village_code,residents,head_name,lon,lat\nS0012,T01V01,2,王五,120.021,32.131\n" +
				"H0005,T01V02,5,陈刚,120.071,32.151\n",
			scope: leaderPersonal, wantStatus: ingest.StatusSucceeded, wantCounts: ingest.Counts{Inserted: 1, Rejected: 1},
			wantRejects: []string{"3 external_id: household H0005 already exists in another town (T02)"}, changes: true,
			after: `SELECT string_agg(h.external_id || ':' || p.head_name, ',' ORDER BY h.external_id)
FROM households h JOIN household_personal p ON p.household_id = h.id WHERE h.external_id IN ('S0012', 'H0005')`,
			wantAfter: "H0005:陈刚,S0012:王五"},
		{name: "admin, every town's rows land", layer: "households", body: mixedHouseholds,
			scope: admin, wantStatus: ingest.StatusSucceeded, wantCounts: ingest.Counts{Inserted: 1, Updated: 1, Unchanged: 2}, changes: true,
			after: householdsAfter, wantAfter: "H0001:4:T01,H0005:5:T01,S0010:2:T01,S0011:2:T02"},
		{name: "team leader, another town's village", layer: "villages", body: villagesHeader +
			"T02V01,后港村,T02,村,1,1,\"POLYGON((120.10 32.10,120.20 32.10,120.20 32.20,120.10 32.10))\"\n",
			scope: leader, wantStatus: ingest.StatusRejected, wantCounts: ingest.Counts{Rejected: 1},
			wantRejects: []string{"2 code: village T02V01 is in town T02, outside your towns T01"}},
		{name: "team leader, villages, skip invalid", layer: "villages", skipInvalid: true, body: villagesHeader +
			"T01V09,新村,T01,village,10,5,\"POLYGON((120.00 32.10,120.01 32.10,120.01 32.11,120.00 32.10))\"\n" +
			"T02V01,后港村,T01,village,800,260,\"POLYGON((120.00 32.10,120.01 32.10,120.01 32.11,120.00 32.10))\"\n" +
			"T02V09,新村二,T02,village,10,5,\"POLYGON((120.15 32.15,120.16 32.15,120.16 32.16,120.15 32.15))\"\n",
			scope: leader, wantStatus: ingest.StatusSucceeded, wantCounts: ingest.Counts{Inserted: 1, Rejected: 2},
			wantRejects: []string{"3 code: village T02V01 is in town T02, outside your towns T01",
				"4 town_code: town T02 is outside your towns T01"}, changes: true,
			after:     `SELECT string_agg(v.code || ':' || t.code, ',' ORDER BY v.code) FROM villages v JOIN towns t ON t.id = v.town_id WHERE v.code IN ('T01V09', 'T02V01', 'T02V09')`,
			wantAfter: "T01V09:T01,T02V01:T02"},
		{name: "team leader, another town's team", layer: "teams", body: "code,name,town_code,lon,lat\nD02,西湖街道工作队,T01,120.05,32.15\n",
			scope: leader, wantStatus: ingest.StatusRejected, wantCounts: ingest.Counts{Rejected: 1},
			wantRejects: []string{"2 code: team D02 is in town T02, outside your towns T01"}},
		{name: "team leader, towns", layer: "towns",
			body: "code,name,wkt\nT02,西湖街道,\"POLYGON((120.10 32.10,120.20 32.10,120.20 32.20,120.10 32.20,120.10 32.10))\"\n" +
				"T09,新镇,\"POLYGON((120.20 32.10,120.30 32.10,120.30 32.20,120.20 32.20,120.20 32.10))\"\n",
			scope: leader, wantStatus: ingest.StatusRejected, wantCounts: ingest.Counts{Rejected: 2},
			wantRejects: []string{"2 code: town T02 is outside your towns T01",
				"3 code: town T09 is new, and only a county-wide role (admin) may add towns"}},
		{name: "team leader, members, skip invalid", layer: "members", skipInvalid: true,
			body:  "code,name,team_code,role\nM10,新人,D01,cadre\nM11,新人二,D02,cadre\nM03,林海,D01,cadre\n",
			scope: leader, wantStatus: ingest.StatusSucceeded, wantCounts: ingest.Counts{Inserted: 1, Rejected: 2},
			wantRejects: []string{"3 team_code: team D02 is in town T02, outside your towns T01",
				"4 code: member M03 already exists in another town (T02)"}, changes: true,
			after:     `SELECT string_agg(m.code || ':' || t.code, ',' ORDER BY m.code) FROM members m JOIN towns t ON t.id = m.town_id WHERE m.code IN ('M03', 'M10', 'M11')`,
			wantAfter: "M03:T02,M10:T01"},
		{name: "team leader, contact points, skip invalid", layer: "contact_points", skipInvalid: true,
			body: "code,member_code,village_code,established_on,lon,lat\nCP10,M02,T01V02,2026-04-01,120.071,32.151\n" +
				"CP02,M03,T02V01,2026-04-01,120.155,32.165\nCP11,M01,T02V01,2026-04-01,120.155,32.165\n",
			scope: leader, wantStatus: ingest.StatusSucceeded, wantCounts: ingest.Counts{Inserted: 1, Rejected: 2},
			wantRejects: []string{"3 code: contact point CP02 already exists in another town (T02)",
				"4 village_code: village T02V01 is in town T02, outside your towns T01"}, changes: true,
			after:     `SELECT string_agg(c.code || ':' || m.code, ',' ORDER BY c.code) FROM contact_points c JOIN members m ON m.id = c.member_id`,
			wantAfter: "CP01:M01,CP02:M03,CP10:M02"},
		{name: "team leader, visits, skip invalid", layer: "visits", skipInvalid: true,
			body: "external_id,member_code,household_id,occurred_at,kind,lon,lat\n" +
				"V10,M01,H0001,2026-04-01 10:00,household_visit,120.021,32.131\n" +
				"V11,M03,,2026-04-01 11:00,village_meeting,120.151,32.161\n" +
				"V12,M01,H0004,2026-04-01 12:00,household_visit,120.151,32.161\n" +
				"V03,M01,,2026-04-01 13:00,village_meeting,120.021,32.131\n",
			scope: leader, wantStatus: ingest.StatusSucceeded, wantCounts: ingest.Counts{Inserted: 1, Rejected: 3},
			wantRejects: []string{"3 member_code: member M03 is in town T02, outside your towns T01",
				"4 household_id: household H0004 is in town T02, outside your towns T01",
				"5 external_id: visit V03 already exists in another town (T02)"}, changes: true,
			after: `SELECT string_agg(v.external_id || ':' || m.code, ',' ORDER BY v.external_id)
FROM visits v JOIN members m ON m.id = v.member_id WHERE v.external_id IN ('V03', 'V10', 'V11', 'V12')`,
			wantAfter: "V03:M03,V10:M01"},
		{name: "team leader, projects, skip invalid", layer: "projects", skipInvalid: true,
			body: "code,name,kind,town_code,village_code,wkt\n" +
				"P01,东岳镇某科技公司,key_enterprise,,T01V01,POINT(120.02 32.12)\n" +
				"P02,西湖垃圾中转站,refuse_station,T01,,POINT(120.05 32.15)\n" +
				"P10,甲,other,T02,,POINT(120.15 32.15)\n" +
				"P11,乙,other,,T02V01,POINT(120.05 32.15)\n" +
				"P12,丙,other,,,POINT(120.15 32.15)\n" +
				"P13,丁,other,,,POINT(120.05 32.15)\n",
			// P01 unchanged: the columns the file lacks (status, investment) keep their stored values.
			scope: leader, wantStatus: ingest.StatusSucceeded, wantCounts: ingest.Counts{Inserted: 1, Unchanged: 1, Rejected: 4},
			wantRejects: []string{"3 code: project P02 already exists in another town (T02)",
				"4 town_code: town T02 is outside your towns T01",
				"5 village_code: village T02V01 is in town T02, outside your towns T01",
				"6 geometry: the geometry lies in town T02, outside your towns T01"}, changes: true,
			after:     `SELECT string_agg(p.code || ':' || t.code, ',' ORDER BY p.code) FROM projects p JOIN towns t ON t.id = p.town_id`,
			wantAfter: "P01:T01,P02:T02,P13:T01"},
		{name: "team leader, river works, skip invalid", layer: "river_works", skipInvalid: true,
			body: "code,name,kind,town_code,wkt\n" +
				"W01,东岳河,river_dredging,T01,\"LINESTRING(120.00 32.15,120.05 32.16,120.09 32.16)\"\n" +
				"W02,西湖路,road,,\"MULTILINESTRING((120.12 32.12,120.18 32.18))\"\n" +
				"W10,新路,road,,\"LINESTRING(120.12 32.12,120.18 32.18)\"\n",
			// W01 unchanged: status and completed_on, absent from the file, keep their stored values.
			scope: leader, wantStatus: ingest.StatusSucceeded, wantCounts: ingest.Counts{Unchanged: 1, Rejected: 2},
			wantRejects: []string{"3 code: river work W02 already exists in another town (T02)",
				"4 geometry: the geometry lies in town T02, outside your towns T01"}, changes: true,
			after:     `SELECT string_agg(w.code || ':' || t.code, ',' ORDER BY w.code) FROM river_works w JOIN towns t ON t.id = w.town_id`,
			wantAfter: "W01:T01,W02:T02"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, fmt.Sprintf("h%d.csv", i))
			writeFile(t, path, tc.body)
			before := checksum(t, url)
			opt := ingest.Options{Layer: tc.layer, Path: path, StartedBy: tc.scope.User, SkipInvalid: tc.skipInvalid}
			rec, runErr := ingest.Run(ctx, st, tc.scope, "api", opt)
			got, err := st.Import(ctx, tc.scope, rec.ID)
			if err != nil {
				t.Fatalf("read import %d: %v", rec.ID, err)
			}
			var rejects []string
			for _, r := range got.Rejects {
				rejects = append(rejects, fmt.Sprintf("%d %s: %s", r.Line, r.Field, r.Reason))
			}
			if got.Status != tc.wantStatus || got.Counts != tc.wantCounts || got.FinishedAt == nil ||
				!strings.Contains(got.Message, tc.wantMessage) || !slices.Equal(rejects, tc.wantRejects) || got.StartedBy != "clerk" {
				t.Fatalf("import of %q (skip invalid %v, run error %v) recorded as status %q counts %+v finished %v message %q by %q, rejects\n%s\nwant %q %+v finished, message with %q, by clerk, rejects\n%s",
					tc.body, tc.skipInvalid, runErr, got.Status, got.Counts, got.FinishedAt, got.Message, got.StartedBy, strings.Join(rejects, "\n"),
					tc.wantStatus, tc.wantCounts, tc.wantMessage, strings.Join(tc.wantRejects, "\n"))
			}
			// Every reject the store's checks gave carries a code they
			// handed over (codes.go), none left as "other".
			for _, r := range got.Rejects {
				if r.Code == "" || r.Code == ingest.CodeOther {
					t.Errorf("reject %d %s: %q has code %q, want one of codes.go", r.Line, r.Field, r.Reason, r.Code)
				}
			}
			if changed := checksum(t, url) != before; changed != tc.changes {
				t.Fatalf("import of %q changed the database: %v, want %v", tc.body, changed, tc.changes)
			}
			if tc.after != "" {
				var after string
				if err := queryRow(url, tc.after, &after); err != nil {
					t.Fatalf("after import of %q: %v", tc.body, err)
				}
				if after != tc.wantAfter {
					t.Fatalf("after import of %q (skip invalid %v), %s\n= %q, want %q", tc.body, tc.skipInvalid, tc.after, after, tc.wantAfter)
				}
			}
			// The rows a skip-invalid import rejected go to the rejects
			// file, to be fixed and imported again.
			if tc.skipInvalid && len(tc.wantRejects) > 0 {
				var buf bytes.Buffer
				if _, err := ingest.WriteRejects(ctx, rec, opt, &buf); err != nil {
					t.Fatalf("write rejects of %q: %v", tc.body, err)
				}
				rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\ufeff"))).ReadAll()
				if err != nil || len(rows) == 0 {
					t.Fatalf("rejects file of %q = %q (%v), want a CSV", tc.body, buf.String(), err)
				}
				line, reason := slices.Index(rows[0], "reject_line"), slices.Index(rows[0], "reject_reason")
				if line < 0 || reason < 0 {
					t.Fatalf("rejects file of %q has the header %q, want reject_line and reject_reason", tc.body, rows[0])
				}
				var gotFile []string
				for _, r := range rows[1:] {
					gotFile = append(gotFile, r[line]+" "+r[reason])
				}
				if !slices.Equal(gotFile, tc.wantRejects) {
					t.Fatalf("rejects file of %q lists\n%s\nwant\n%s", tc.body, strings.Join(gotFile, "\n"), strings.Join(tc.wantRejects, "\n"))
				}
			}
		})
	}
}
