package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"lianxin"
	"lianxin/diary"
)

// An admin's role works county-wide on aggregates; household rows need the
// household_points grant. A diary entry names a household, its village and
// its place, so an admin without the grant neither writes for a member (the
// answer would give the household's place) nor lists others' entries.
func TestDiaryNeedsHouseholdPointsForOthers(t *testing.T) {
	ctx := context.Background()
	f := newDiaryFixture(t)
	if _, err := f.svc.Write(ctx, f.memberS, diary.Request{ID: "app-own-00000001", Household: f.fresh.ExternalID, Kind: "household_visit"}, ""); err != nil {
		t.Fatalf("member writes an entry: %v", err)
	}
	admin := lianxin.Scope{User: "diary-admin", Roles: []lianxin.Role{lianxin.RoleAdmin}, AllTowns: true}
	adminHH := admin
	adminHH.HouseholdPoints = true

	for _, tc := range []struct {
		name    string
		scope   lianxin.Scope
		wantErr string // error code of the write, "" for written
		sees    bool   // the member's entry is in the scope's list
	}{
		{"admin without household points", admin, lianxin.EForbidden, false},
		{"admin with household points", adminHH, "", true},
		{"member", f.memberS, "", true},
		{"leader", f.leaderS, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := diary.Request{ID: "app-for-" + strings.ReplaceAll(tc.scope.User, "-", "") + fmt.Sprint(tc.scope.HouseholdPoints),
				Household: f.visitedByOther.ExternalID, Member: f.member.Code, Kind: "household_visit"}
			w, err := f.svc.Write(ctx, tc.scope, req, "")
			if lianxin.ErrorCode(err) != tc.wantErr && !(tc.wantErr == "" && err == nil) {
				t.Errorf("write for member %s as %s = %+v, %v; want error code %q", f.member.Code, tc.scope.User, w, err, tc.wantErr)
			}
			if tc.wantErr != "" && (w.Lon != nil || w.Village != "") {
				t.Errorf("refused write as %s still answered the household's place or village: %+v", tc.scope.User, w)
			}
			entries, err := f.svc.Entries(ctx, tc.scope, 500)
			if !tc.scope.HouseholdPoints && !tc.scope.Has(lianxin.RoleMember) {
				// No grant and no member role: no entries of its own to
				// list, and told so rather than given an empty list.
				if lianxin.ErrorCode(err) != lianxin.EForbidden {
					t.Errorf("entries as %s = %d entries, %v; want forbidden", tc.scope.User, len(entries), err)
				}
				return
			}
			if err != nil {
				t.Fatalf("entries as %s: %v", tc.scope.User, err)
			}
			sees := false
			for _, e := range entries {
				sees = sees || e.ID == "app-own-00000001"
				if !tc.scope.HouseholdPoints && e.Member != f.member.Code {
					t.Errorf("entries as %s hold %s of member %s (household %s): not their own", tc.scope.User, e.ID, e.Member, e.Household)
				}
			}
			if sees != tc.sees {
				t.Errorf("entries as %s (%d) hold the member's entry: %v, want %v", tc.scope.User, len(entries), sees, tc.sees)
			}
		})
	}
}

// A script writing entries as a member inflates their town's coverage (and
// the households they may see) without end: one account writes at most
// diary.MaxEntriesPerDay in 24 hours; a retry of an entry already written
// still answers it.
func TestDiaryEntriesPerDay(t *testing.T) {
	ctx := context.Background()
	f := newDiaryFixture(t)
	entry := func(id string) diary.Request {
		return diary.Request{ID: id, Household: f.fresh.ExternalID, Kind: "household_visit"}
	}
	if _, err := f.svc.Write(ctx, f.memberS, entry("app-quota-00000001"), ""); err != nil {
		t.Fatalf("first entry: %v", err)
	}
	// The entries of the day so far, as the audit log has them.
	fill := func(at string) {
		t.Helper()
		err := f.owner.InScope(ctx, lianxin.SystemScope(), func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO audit_log (actor, action, target, at)
				SELECT 'diary-member', 'diary_write', 'visits', `+at+` FROM generate_series(1, $1)`, diary.MaxEntriesPerDay)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	fill("now() - interval '25 hours'")
	if _, err := f.svc.Write(ctx, f.memberS, entry("app-quota-00000002"), ""); err != nil {
		t.Fatalf("entry after %d entries yesterday: %v; want written (only the last 24 hours count)", diary.MaxEntriesPerDay, err)
	}
	fill("now() - interval '1 hour'")
	_, err := f.svc.Write(ctx, f.memberS, entry("app-quota-00000003"), "")
	if lianxin.ErrorCode(err) != lianxin.ERateLimited || !strings.Contains(lianxin.ErrorMessage(err), "in the last 24 hours") {
		t.Errorf("entry after %d today = %v; want %s", diary.MaxEntriesPerDay, err, lianxin.ERateLimited)
	}
	if n, _ := f.rowsWithID(t, "app-quota-00000003"); n != 0 {
		t.Errorf("refused entry: %d rows written, want 0", n)
	}
	if w, err := f.svc.Write(ctx, f.memberS, entry("app-quota-00000001"), ""); err != nil || w.Created {
		t.Errorf("retry of an entry written before the limit = %+v, %v; want the stored entry", w, err)
	}
	// Another account is not held by this one's count.
	if _, err := f.svc.Write(ctx, f.leaderS, diary.Request{ID: "app-quota-leader01", Household: f.fresh.ExternalID,
		Member: f.colleague.Code, Kind: "household_visit"}, ""); err != nil {
		t.Errorf("leader's entry while the member is at the limit: %v", err)
	}
}

// diary_household and the coverage trigger clear lianxin.user (migration
// 020) for their own run only: after them — also after a statement that
// called diary_household failed, rolled back to a savepoint — the
// transaction reads as the signed-in member again, so member_rows holds the
// member's next statement. And with lianxin.user cleared, town_scope still
// holds: another town's household is not found.
func TestDiaryHouseholdRestoresUser(t *testing.T) {
	ctx := context.Background()
	f := newDiaryFixture(t)
	user := func(tx pgx.Tx) string {
		t.Helper()
		var u string
		if err := tx.QueryRow(ctx, `SELECT current_setting('lianxin.user', true)`).Scan(&u); err != nil {
			t.Fatal(err)
		}
		return u
	}
	visible := func(tx pgx.Tx) int64 {
		t.Helper()
		var n int64
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM visits WHERE member_id <> $1`, f.member.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	const insert = `INSERT INTO visits (external_id, member_id, household_id, village_id, town_id, occurred_at, kind)
SELECT $1, $2, h.id, h.village_id, h.town_id, now(), 'household_visit' FROM diary_household($3) h`
	err := f.app.InScope(ctx, f.memberS, func(tx pgx.Tx) error {
		for _, tc := range []struct {
			code string
			want int64
		}{{f.fresh.ExternalID, 1}, {f.otherTown.ExternalID, 0}, {"NO-SUCH", 0}} {
			var n int64
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM diary_household($1)`, tc.code).Scan(&n); err != nil {
				return err
			}
			if n != tc.want {
				t.Errorf("diary_household(%q) as town %s's member: %d rows, want %d", tc.code, f.townA.Code, n, tc.want)
			}
		}
		if u := user(tx); u != f.memberS.User {
			t.Errorf("lianxin.user after diary_household = %q, want %q", u, f.memberS.User)
		}
		if n := visible(tx); n != 0 {
			t.Errorf("after diary_household the member sees %d visits of others, want 0", n)
		}
		// The coverage trigger runs with lianxin.user cleared.
		if _, err := tx.Exec(ctx, insert, "app-guc-00000001", f.member.ID, f.fresh.ExternalID); err != nil {
			return fmt.Errorf("insert an entry: %w", err)
		}
		if u := user(tx); u != f.memberS.User {
			t.Errorf("lianxin.user after an insert that ran the coverage trigger = %q, want %q", u, f.memberS.User)
		}
		// The same id again fails (unique external_id) after diary_household ran.
		sp, err := tx.Begin(ctx)
		if err != nil {
			return err
		}
		if _, err := sp.Exec(ctx, insert, "app-guc-00000001", f.member.ID, f.fresh.ExternalID); err == nil {
			t.Errorf("second insert of app-guc-00000001 succeeded; want a unique violation")
		}
		if err := sp.Rollback(ctx); err != nil {
			return err
		}
		if u := user(tx); u != f.memberS.User {
			t.Errorf("lianxin.user after a failed statement rolled back to its savepoint = %q, want %q", u, f.memberS.User)
		}
		if n := visible(tx); n != 0 {
			t.Errorf("after the failed statement the member sees %d visits of others, want 0", n)
		}
		return errors.New("roll back")
	})
	if err == nil || err.Error() != "roll back" && !strings.Contains(err.Error(), "roll back") {
		t.Fatal(err)
	}
}
