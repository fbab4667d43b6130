package diary_test

import (
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"lianxin"
	"lianxin/diary"
	"lianxin/ingest"
)

func ptr[T any](v T) *T { return &v }

// The checks an entry passes before it reaches the store: each failure a
// 400 naming its field; times read as a browser or a person writes them.
func TestCheck(t *testing.T) {
	china := time.FixedZone("UTC+8", 8*3600)
	now := time.Date(2026, 11, 27, 18, 0, 0, 0, china)
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, china)
	ok := diary.Request{ID: "app-0f6c2a1e-7d1b-4c55-9a43-1f6e2b0c9d11", Household: "3212991012010001", Kind: "household_visit"}
	with := func(f func(*diary.Request)) diary.Request { r := ok; f(&r); return r }
	cases := []struct {
		name    string
		req     diary.Request
		wantErr string // message prefix; "" for success
		check   func(diary.Entry) bool
	}{
		{"plain", ok, "", func(e diary.Entry) bool { return e.OccurredAt.Equal(now) && !e.OccurredAtGiven && e.Position == nil }},
		{"Chinese kind", with(func(r *diary.Request) { r.Kind = "企业走访" }), "", func(e diary.Entry) bool { return e.Kind == "enterprise_visit" }},
		{"China time", with(func(r *diary.Request) { r.OccurredAt = "2026-09-15 14:30" }), "",
			func(e diary.Entry) bool {
				return e.OccurredAt.Equal(time.Date(2026, 9, 15, 6, 30, 0, 0, time.UTC)) && e.OccurredAtGiven
			}},
		{"browser time", with(func(r *diary.Request) { r.OccurredAt = "2026-11-27T09:59:00.123Z" }), "",
			func(e diary.Entry) bool {
				return e.OccurredAt.Equal(time.Date(2026, 11, 27, 9, 59, 0, 123e6, time.UTC))
			}},
		{"full-width household and time", with(func(r *diary.Request) {
			r.Household, r.OccurredAt = "３２１２９９１０１２０１０００１", "２０２６－０９－１５　１４：３０"
		}), "", func(e diary.Entry) bool {
			return e.Household == "3212991012010001" && e.OccurredAt.Equal(time.Date(2026, 9, 15, 6, 30, 0, 0, time.UTC))
		}},
		{"clock a little ahead", with(func(r *diary.Request) { r.OccurredAt = now.Add(4 * time.Minute).Format(time.RFC3339) }), "", nil},
		{"campaign's first instant", with(func(r *diary.Request) { r.OccurredAt = "2026-03-01 00:00" }), "", nil},
		{"phone's place", with(func(r *diary.Request) { r.Lon, r.Lat = ptr(120.05), ptr(32.17) }), "",
			func(e diary.Entry) bool {
				return e.Position != nil && *e.Position == orb.Point{120.05, 32.17} && e.Cell > 0
			}},
		{"no id", with(func(r *diary.Request) { r.ID = " " }), "id: missing", nil},
		{"import-style id", with(func(r *diary.Request) { r.ID = "V00000001" }), "id: \"V00000001\" is not an entry id", nil},
		{"id too short", with(func(r *diary.Request) { r.ID = "app-1" }), "id:", nil},
		{"no household", with(func(r *diary.Request) { r.Household = "" }), "household: missing", nil},
		{"no kind", with(func(r *diary.Request) { r.Kind = "" }), "kind: missing", nil},
		{"other kind", with(func(r *diary.Request) { r.Kind = "visit" }), "kind: \"visit\" is not a kind", nil},
		{"participants below 0", with(func(r *diary.Request) { r.Participants = ptr[int64](-1) }), "participants: -1", nil},
		{"problems too many", with(func(r *diary.Request) { r.ProblemsCollected = ptr[int64](diary.MaxCount + 1) }), "problems_collected:", nil},
		{"resolved more than collected", with(func(r *diary.Request) { r.ProblemsResolved = ptr[int64](1) }), "problems_resolved: more problems resolved (1) than collected (0)", nil},
		{"notes too long", with(func(r *diary.Request) { r.Notes = strings.Repeat("情", diary.MaxNotes+1) }), "notes: 4001 characters", nil},
		{"notes with a NUL", with(func(r *diary.Request) { r.Notes = "了解\x00情况" }), "notes: holds a control character (U+0000)", nil},
		{"notes with an escape", with(func(r *diary.Request) { r.Notes = "了解\x1b[2J" }), "notes: holds a control character (U+001B)", nil},
		{"notes over lines", with(func(r *diary.Request) { r.Notes = "第一行\r\n第二行\t完" }), "",
			func(e diary.Entry) bool { return e.Notes == "第一行\r\n第二行\t完" }},
		{"future", with(func(r *diary.Request) { r.OccurredAt = now.Add(6 * time.Minute).Format(time.RFC3339) }), "occurred_at: 2026-11-27 18:06 is in the future", nil},
		{"before the campaign", with(func(r *diary.Request) { r.OccurredAt = "2026-02-28 23:59" }), "occurred_at: 2026-02-28 23:59 is before the campaign began (2026-03-01)", nil},
		{"not a time", with(func(r *diary.Request) { r.OccurredAt = "today" }), "occurred_at: \"today\" is not a time", nil},
		{"lat alone", with(func(r *diary.Request) { r.Lat = ptr(32.17) }), "lon: missing while lat is given", nil},
		{"swapped", with(func(r *diary.Request) { r.Lon, r.Lat = ptr(32.17), ptr(120.05) }), "lon: coordinates look swapped", nil},
		{"outside", with(func(r *diary.Request) { r.Lon, r.Lat = ptr(116.39), ptr(39.91) }), "lon: (116.390000, 39.910000) lies outside the county", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, err := tc.req.Check(now, start, ingest.CountyBounds)
			if tc.wantErr != "" {
				if lianxin.ErrorCode(err) != lianxin.EInvalid || !strings.HasPrefix(lianxin.ErrorMessage(err), tc.wantErr) {
					t.Fatalf("Check(%+v) = %v; want an invalid error starting %q", tc.req, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Check(%+v) = %v; want no error", tc.req, err)
			}
			if tc.check != nil && !tc.check(e) {
				t.Errorf("Check(%+v) = %+v; not what the case wants", tc.req, e)
			}
		})
	}
}

func TestMayWrite(t *testing.T) {
	for _, tc := range []struct {
		roles []lianxin.Role
		ok    bool
	}{
		{[]lianxin.Role{lianxin.RoleMember}, true},
		{[]lianxin.Role{lianxin.RoleTeamLeader}, true},
		{[]lianxin.Role{lianxin.RoleAdmin}, true},
		{[]lianxin.Role{lianxin.RolePlanner}, false},
		{[]lianxin.Role{lianxin.RoleGIS}, false},
		{nil, false},
	} {
		err := diary.MayWrite(lianxin.Scope{User: "u", Roles: tc.roles})
		if (err == nil) != tc.ok || (err != nil && lianxin.ErrorCode(err) != lianxin.EForbidden) {
			t.Errorf("MayWrite(%v) = %v; want allowed %v (else forbidden)", tc.roles, err, tc.ok)
		}
	}
}
