package diary_test

import (
	"errors"
	"lianxin/frontend/wordstest"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"lianxin"
	"lianxin/diary"
	"lianxin/ingest"
)

// TestRefusalsWorded checks that every refusal reason is worded in both
// languages of the web map (i18n.js diary.refusal.<reason>): a refusal
// the page cannot word would show the server's English.
func TestRefusalsWorded(t *testing.T) {
	wordstest.CheckWorded(t, "diary.refusal.", diary.Reasons)
}

// TestRefusalDetails checks that the checks' and the access rules'
// refusals carry their field, reason and parameters, with the English
// message as it was.
func TestRefusalDetails(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	start := time.Date(2026, 2, 28, 16, 0, 0, 0, time.UTC)
	n := func(v int64) *int64 { return &v }
	f := func(v float64) *float64 { return &v }
	ok := diary.Request{ID: "app-0123456789", Household: "H1", Kind: "household_visit"}
	with := func(m func(*diary.Request)) diary.Request { r := ok; m(&r); return r }
	member := lianxin.Scope{User: "m", Roles: []lianxin.Role{lianxin.RoleMember}}
	admin := lianxin.Scope{User: "a", Roles: []lianxin.Role{lianxin.RoleAdmin}, AllTowns: true}
	adminHH := admin
	adminHH.HouseholdPoints = true
	planner := lianxin.Scope{User: "p", Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true}
	cases := []struct {
		name                string
		err                 error
		code, field, reason string
		message             string
	}{
		{"bad id", check(with(func(r *diary.Request) { r.ID = "x" }), now, start), lianxin.EInvalid, "id", diary.ReasonIDBad, `id: "x" is not an entry id`},
		{"kind", check(with(func(r *diary.Request) { r.Kind = "chat" }), now, start), lianxin.EInvalid, "kind", diary.ReasonKindBad, `kind: "chat" is not a kind`},
		{"count", check(with(func(r *diary.Request) { r.Participants = n(-1) }), now, start), lianxin.EInvalid, "participants", diary.ReasonCountRange, "participants: -1; want a whole number"},
		{"resolved", check(with(func(r *diary.Request) { r.ProblemsCollected, r.ProblemsResolved = n(1), n(2) }), now, start), lianxin.EInvalid, "problems_resolved", diary.ReasonResolvedOver, "problems_resolved: more problems resolved"},
		{"before", check(with(func(r *diary.Request) { r.OccurredAt = "2026-02-28 23:59" }), now, start), lianxin.EInvalid, "occurred_at", diary.ReasonTimeBeforeCampaign, "is before the campaign began"},
		{"pair", check(with(func(r *diary.Request) { r.Lon = f(120.05) }), now, start), lianxin.EInvalid, "lat", diary.ReasonPlacePair, "lat: missing while lon is given"},
		{"outside", check(with(func(r *diary.Request) { r.Lon, r.Lat = f(116.39), f(39.91) }), now, start), lianxin.EInvalid, "lon", diary.ReasonPlaceOutside, "lies outside the county"},
		{"no household", diary.ErrNoHousehold("H9"), lianxin.ENotFound, "household", diary.ReasonNoHousehold, `household: no household "H9" in your towns`},
		{"planner writes", diary.MayWrite(planner), lianxin.EForbidden, "", diary.ReasonWriteRole, "writing diary entries needs"},
		{"planner reads", diary.MayRead(planner), lianxin.EForbidden, "", diary.ReasonReadRole, "reading diary entries needs"},
		{"admin reads without the grant", diary.MayRead(admin), lianxin.EForbidden, "", diary.ReasonReadGrant, "reading others' diary entries needs the household_points grant"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var le *lianxin.Error
			if !errors.As(tc.err, &le) {
				t.Fatalf("%s: error %v, want a *lianxin.Error", tc.name, tc.err)
			}
			d, _ := le.Details.(diary.Refusal)
			if le.Code != tc.code || d.Field != tc.field || d.Reason != tc.reason || !strings.Contains(le.Message, tc.message) {
				t.Errorf("%s: %s %q details %+v; want %s, field %q, reason %s, a message holding %q", tc.name, le.Code, le.Message, d, tc.code, tc.field, tc.reason, tc.message)
			}
		})
	}
	for _, s := range []lianxin.Scope{member, adminHH} {
		if err := diary.MayRead(s); err != nil {
			t.Errorf("MayRead(%v) = %v, want nil: a member lists their own, the grant lists the towns'", s.Roles, err)
		}
	}
}

func check(r diary.Request, now, start time.Time) error {
	_, err := r.Check(now, start, orb.Bound(ingest.CountyBounds))
	return err
}
