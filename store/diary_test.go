package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"lianxin"
	"lianxin/coverage"
	"lianxin/demo"
	"lianxin/demo/demotest"
	"lianxin/diary"
	"lianxin/store"
)

func ptr[T any](v T) *T { return &v }

// diaryFixture is a demo county with a member-only account, a team leader
// of the member's town and a planner, written through the server's role.
type diaryFixture struct {
	owner                   *store.Store
	app                     *store.Store
	svc                     *diary.Service
	county                  *demo.County
	member, colleague       demo.Member
	townA, townB            demo.Town
	memberS, leaderS, planS lianxin.Scope
	fresh, visitedByOther   demo.Household // town A: never visited; visited by a colleague only
	otherTown               demo.Household // town B
	freshVillage            demo.Village
	dbURL                   string // the test database, as its owner
}

func newDiaryFixture(t *testing.T) *diaryFixture {
	t.Helper()
	ctx := context.Background()
	owner, dbURL, county := demotest.New(t)
	app := openApp(t, dbURL, store.Options{MaxConns: 2})
	f := &diaryFixture{owner: owner, app: app, svc: diary.NewService(app, orb.Bound{}), county: county, dbURL: dbURL}
	f.member = county.Members[0]
	for _, tw := range county.Towns {
		if tw.ID == f.member.TownID {
			f.townA = tw
		} else if f.townB.ID == 0 {
			f.townB = tw
		}
	}
	visitedBy := map[int64]map[int32]bool{}
	for _, v := range county.Visits {
		if v.HouseholdID != 0 {
			if visitedBy[v.HouseholdID] == nil {
				visitedBy[v.HouseholdID] = map[int32]bool{}
			}
			visitedBy[v.HouseholdID][v.MemberID] = true
		}
	}
	for _, h := range county.Households {
		switch {
		case h.TownID == f.townB.ID && f.otherTown.ID == 0:
			f.otherTown = h
		case h.TownID != f.townA.ID:
		case len(visitedBy[h.ID]) == 0 && f.fresh.ID == 0:
			f.fresh = h
		case len(visitedBy[h.ID]) > 0 && !visitedBy[h.ID][f.member.ID] && f.visitedByOther.ID == 0:
			f.visitedByOther = h
		}
	}
	for _, m := range county.Members {
		if m.TownID == f.townA.ID && m.ID != f.member.ID {
			f.colleague = m
			break
		}
	}
	for _, v := range county.Villages {
		if v.ID == f.fresh.VillageID {
			f.freshVillage = v
		}
	}
	if f.fresh.ID == 0 || f.visitedByOther.ID == 0 || f.otherTown.ID == 0 {
		t.Fatalf("demo county lacks the households the test needs: fresh %d, visited by another %d, other town %d",
			f.fresh.ID, f.visitedByOther.ID, f.otherTown.ID)
	}
	err := owner.InScope(ctx, lianxin.SystemScope(), func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO users (username) VALUES ('diary-member'), ('diary-leader'), ('diary-planner')`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO user_roles (user_id, role, town_id, member_id)
			SELECT id, 'member', $1, $2 FROM users WHERE username = 'diary-member'`, f.member.TownID, f.member.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO user_roles (user_id, role, town_id)
			SELECT id, 'team_leader', $1 FROM users WHERE username = 'diary-leader'`, f.member.TownID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO user_roles (user_id, role) SELECT id, 'planner' FROM users WHERE username = 'diary-planner'`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	towns := []int32{f.townA.ID}
	f.memberS = lianxin.Scope{User: "diary-member", Roles: []lianxin.Role{lianxin.RoleMember}, Towns: towns}
	f.leaderS = lianxin.Scope{User: "diary-leader", Roles: []lianxin.Role{lianxin.RoleTeamLeader}, Towns: towns,
		HouseholdPoints: true, PersonalFields: true}
	f.planS = lianxin.Scope{User: "diary-planner", Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true}
	return f
}

// villageGap is the gap report's row of a village, as the town's leader
// sees it (exact figures), over the whole campaign so far.
func (f *diaryFixture) villageGap(t *testing.T, village string) coverage.GapRow {
	t.Helper()
	rows, _, err := coverage.NewReports(f.app, nil).Gaps(context.Background(), f.leaderS,
		coverage.GapQuery{Query: coverage.Query{Town: f.townA.Code}, All: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.VillageCode == village {
			return r
		}
	}
	t.Fatalf("gap report of town %s has no village %s", f.townA.Code, village)
	return coverage.GapRow{}
}

// householdDaysExact compares the household's coverage rows with its visits
// counted afresh (as the owner, who sees every visit).
func (f *diaryFixture) householdDaysExact(t *testing.T, household int64) {
	t.Helper()
	var days, wantDays, visits, wantVisits int64
	err := f.owner.InScope(context.Background(), lianxin.SystemScope(), func(tx pgx.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT
		  (SELECT count(*) FROM coverage_household_days WHERE household_id = $1),
		  (SELECT count(DISTINCT campaign_day(occurred_at)) FROM visits WHERE household_id = $1 AND household_contact(kind)),
		  (SELECT coalesce(sum(visits), 0) FROM coverage_household_days WHERE household_id = $1),
		  (SELECT count(*) FROM visits WHERE household_id = $1 AND household_contact(kind))`, household).Scan(&days, &wantDays, &visits, &wantVisits)
	})
	if err != nil {
		t.Fatal(err)
	}
	if days != wantDays || visits != wantVisits {
		t.Errorf("household %d: coverage_household_days has %d days, %d visits; its visits give %d days, %d visits",
			household, days, visits, wantDays, wantVisits)
	}
}

func (f *diaryFixture) rowsWithID(t *testing.T, id string) (n int64, member int32) {
	t.Helper()
	err := f.owner.InScope(context.Background(), lianxin.SystemScope(), func(tx pgx.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT count(*), coalesce(min(member_id), 0) FROM visits WHERE external_id = $1`, id).Scan(&n, &member)
	})
	if err != nil {
		t.Fatal(err)
	}
	return n, member
}

func TestWriteDiary(t *testing.T) {
	ctx := context.Background()
	f := newDiaryFixture(t)
	// After the demo diary's last day: these are the latest visits, which
	// the lists put first.
	at := time.Date(2026, 10, 15, 10, 30, 0, 0, time.FixedZone("UTC+8", 8*3600))
	entry := func(id, household string) diary.Request {
		return diary.Request{ID: id, Household: household, Kind: "入户走访", Participants: ptr[int64](2),
			Notes: "了解生产生活情况", ProblemsCollected: ptr[int64](2), ProblemsResolved: ptr[int64](1),
			OccurredAt: at.Format(time.RFC3339)}
	}
	before := f.villageGap(t, f.freshVillage.Code)
	var versionBefore int64
	if err := queryRowOwner(f, `SELECT version FROM layer_versions WHERE layer = 'visits'`, &versionBefore); err != nil {
		t.Fatal(err)
	}

	// A member writes their own entry at a household nobody visited yet.
	first, err := f.svc.Write(ctx, f.memberS, entry("app-member-0001", f.fresh.ExternalID), "192.0.2.1")
	if err != nil {
		t.Fatalf("member writes an entry at %s: %v", f.fresh.ExternalID, err)
	}
	if !first.Created || first.Member != f.member.Code || first.Household != f.fresh.ExternalID || first.Village != f.freshVillage.Code ||
		first.Kind != "household_visit" || first.Lon == nil || *first.Lon != f.fresh.Location[0] || *first.Lat != f.fresh.Location[1] {
		t.Errorf("written %+v; want created, member %s, household %s, village %s, household_visit, at the household %v",
			first, f.member.Code, f.fresh.ExternalID, f.freshVillage.Code, f.fresh.Location)
	}
	if n, m := f.rowsWithID(t, "app-member-0001"); n != 1 || m != f.member.ID {
		t.Errorf("visits with id app-member-0001: %d rows, member %d; want 1 row of member %d", n, m, f.member.ID)
	}
	after := f.villageGap(t, f.freshVillage.Code)
	if after.VisitedResidents != before.VisitedResidents+int64(f.fresh.Residents) || after.VisitedHouseholds != before.VisitedHouseholds+1 ||
		after.Visits != before.Visits+1 || after.ProblemsCollected != before.ProblemsCollected+2 || after.ProblemsResolved != before.ProblemsResolved+1 {
		t.Errorf("village %s after the entry: visited residents %d, households %d, visits %d, problems %d/%d; "+
			"want %d+%d, %d+1, %d+1, %d+2/%d+1",
			f.freshVillage.Code, after.VisitedResidents, after.VisitedHouseholds, after.Visits, after.ProblemsCollected, after.ProblemsResolved,
			before.VisitedResidents, f.fresh.Residents, before.VisitedHouseholds, before.Visits, before.ProblemsCollected, before.ProblemsResolved)
	}
	var versionAfter int64
	if err := queryRowOwner(f, `SELECT version FROM layer_versions WHERE layer = 'visits'`, &versionAfter); err != nil {
		t.Fatal(err)
	}
	if versionAfter <= versionBefore {
		t.Errorf("visits layer version %d after the entry, %d before; want it bumped", versionAfter, versionBefore)
	}
	var audited int64
	if err := queryRowOwner(f, `SELECT count(*) FROM audit_log WHERE action = 'diary_write' AND actor = 'diary-member'
	    AND detail ->> 'entry' = 'app-member-0001' AND ip = '192.0.2.1'`, &audited); err != nil || audited != 1 {
		t.Errorf("audit lines of the entry: %d (%v), want 1", audited, err)
	}

	type want struct {
		code    string // error code, "" for success
		message string // part of the error message
		created bool
	}
	withNotes := entry("app-member-0001", f.fresh.ExternalID)
	withNotes.Notes = "另一条"
	naming := func(r diary.Request, member string) diary.Request { r.Member = member; return r }
	withPlace := entry("app-member-0003", f.visitedByOther.ExternalID)
	withPlace.Lon, withPlace.Lat = ptr(f.visitedByOther.Location[0]+0.0001), ptr(f.visitedByOther.Location[1])
	cases := []struct {
		name  string
		scope lianxin.Scope
		req   diary.Request
		want  want
	}{
		{"retry of the same entry", f.memberS, entry("app-member-0001", f.fresh.ExternalID), want{created: false}},
		{"same id, other notes", f.memberS, withNotes, want{code: lianxin.EConflict, message: "id: entry \"app-member-0001\" was already written with another notes"}},
		{"household of another town", f.memberS, entry("app-member-0002", f.otherTown.ExternalID),
			want{code: lianxin.ENotFound, message: "household: no household"}},
		{"unknown household", f.memberS, entry("app-member-0002", "NO-SUCH-HOUSEHOLD"), want{code: lianxin.ENotFound, message: "household: no household"}},
		{"member naming a colleague", f.memberS, naming(entry("app-member-0002", f.fresh.ExternalID), f.colleague.Code),
			want{code: lianxin.EForbidden, message: "member: a member writes diary entries as themselves only"}},
		{"member naming themselves", f.memberS, naming(entry("app-member-0004", f.fresh.ExternalID), f.member.Code), want{created: true}},
		{"member at a colleague's household, with the phone's place", f.memberS, withPlace, want{created: true}},
		{"leader for a member of the town", f.leaderS, naming(entry("app-leader-0001", f.fresh.ExternalID), f.colleague.Code), want{created: true}},
		{"leader without a member", f.leaderS, entry("app-leader-0002", f.fresh.ExternalID), want{code: lianxin.EInvalid, message: "member: missing"}},
		{"leader reusing the member's id", f.leaderS, naming(entry("app-member-0001", f.fresh.ExternalID), f.colleague.Code),
			want{code: lianxin.EConflict, message: "another member"}},
		{"member reusing the leader's id", f.memberS, entry("app-leader-0001", f.fresh.ExternalID),
			want{code: lianxin.EConflict, message: "id: \"app-leader-0001\" is already the id of another diary entry"}},
		{"planner", f.planS, naming(entry("app-planner-0001", f.fresh.ExternalID), f.member.Code), want{code: lianxin.EForbidden, message: "needs the member"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := f.svc.Write(ctx, tc.scope, tc.req, "")
			if tc.want.code != "" {
				if lianxin.ErrorCode(err) != tc.want.code || !strings.Contains(lianxin.ErrorMessage(err), tc.want.message) {
					t.Fatalf("write %+v as %s = %v; want %s error containing %q", tc.req, tc.scope.User, err, tc.want.code, tc.want.message)
				}
				return
			}
			if err != nil || got.Created != tc.want.created {
				t.Fatalf("write %+v as %s = %+v, %v; want created %v", tc.req, tc.scope.User, got, err, tc.want.created)
			}
			if n, _ := f.rowsWithID(t, tc.req.ID); n != 1 {
				t.Errorf("visits with id %s: %d, want 1", tc.req.ID, n)
			}
			if tc.req.ID == "app-member-0001" && got.VisitID != first.VisitID {
				t.Errorf("retry answered visit %d, want the first write's %d", got.VisitID, first.VisitID)
			}
			if tc.req.Lon != nil && (got.Lon == nil || *got.Lon != *tc.req.Lon || *got.Lat != *tc.req.Lat) {
				t.Errorf("entry written at %v,%v; want the phone's place %v,%v", got.Lon, got.Lat, *tc.req.Lon, *tc.req.Lat)
			}
		})
	}

	// The unknown code and the other town's household answer alike.
	_, errOther := f.svc.Write(ctx, f.memberS, entry("app-member-0005", f.otherTown.ExternalID), "")
	_, errNone := f.svc.Write(ctx, f.memberS, entry("app-member-0005", "X"), "")
	norm := func(err error, code string) string {
		return strings.ReplaceAll(lianxin.ErrorMessage(err), code, "CODE")
	}
	if lianxin.ErrorCode(errOther) != lianxin.ErrorCode(errNone) || norm(errOther, f.otherTown.ExternalID) != norm(errNone, "X") {
		t.Errorf("another town's household = %v; an unknown one = %v; want the same answer", errOther, errNone)
	}
	// The member's entry at a colleague's household keeps the colleague's
	// visit days in the aggregates (migration 020).
	f.householdDaysExact(t, f.visitedByOther.ID)
	f.householdDaysExact(t, f.fresh.ID)

	// The member lists their own entries only; the leader the town's.
	mine, err := f.svc.Entries(ctx, f.memberS, 500)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range mine {
		if e.Member != f.member.Code {
			t.Errorf("member's list holds %s's entry %s", e.Member, e.ID)
		}
	}
	if len(mine) == 0 || mine[0].ID != "app-member-0003" {
		t.Errorf("member's list starts with %v, want their latest entry app-member-0003 first", firstIDs(mine))
	}
	town, err := f.svc.Entries(ctx, f.leaderS, 10)
	if err != nil || len(town) == 0 || town[0].ID != "app-leader-0001" {
		t.Errorf("leader's list = %v, %v; want app-leader-0001 first", firstIDs(town), err)
	}
	if _, err := f.svc.Entries(ctx, f.planS, 10); lianxin.ErrorCode(err) != lianxin.EForbidden {
		t.Errorf("planner's list: %v, want forbidden", err)
	}
}

func firstIDs(es []diary.Written) []string {
	var ids []string
	for i, e := range es {
		if i == 3 {
			break
		}
		ids = append(ids, e.ID)
	}
	return ids
}

func queryRowOwner(f *diaryFixture, sql string, dest ...any) error {
	return f.owner.InScope(context.Background(), lianxin.SystemScope(), func(tx pgx.Tx) error {
		return tx.QueryRow(context.Background(), sql).Scan(dest...)
	})
}
