package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"lianxin"
	"lianxin/coverage"
)

// isRefusal reports whether err is a refusal of reason.
func isRefusal(err error, reason string) bool {
	r, ok := lianxin.RefusalOf(err)
	return ok && r.Reason == reason
}

// A member's last day may not come before their own latest diary entry,
// and a diary entry being written while the day is set cannot slip
// between SetMemberLeft's count and its write: the member's row lock
// waits for the entry's transaction, and the count then sees the entry.
// Without the lock the uncommitted entry is invisible to the count, the
// day is written, and the entry commits after it.
func TestSetMemberLeftWaitsForAnEntryBeingWritten(t *testing.T) {
	ctx := context.Background()
	f := newDiaryFixture(t)
	admin := lianxin.Scope{User: "members-admin", Roles: []lianxin.Role{lianxin.RoleAdmin}, AllTowns: true}
	var latest time.Time
	if err := queryRow(ctx, f.dbURL, `SELECT max(occurred_at) FROM visits WHERE member_id = $1`, []any{f.member.ID}, &latest); err != nil {
		t.Fatal(err)
	}
	latestDay := latest.In(coverage.Zone)
	leftOn := time.Date(latestDay.Year(), latestDay.Month(), latestDay.Day()+1, 0, 0, 0, 0, coverage.Zone)
	entryAt := leftOn.AddDate(0, 0, 2).Add(10 * time.Hour)

	conn, err := pgx.Connect(ctx, f.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	// A diary entry written and not yet committed, two days after the day
	// the admin is about to set.
	if _, err := tx.Exec(ctx, `INSERT INTO visits (external_id, member_id, household_id, village_id, town_id, occurred_at, kind)
		SELECT 'race-entry-1', member_id, household_id, village_id, town_id, $2, kind FROM visits
		WHERE member_id = $1 ORDER BY occurred_at DESC LIMIT 1`, f.member.ID, entryAt); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := f.app.SetMemberLeft(ctx, admin, f.member.Code, &leftOn)
		done <- err
	}()
	// Wait until SetMemberLeft waits on the member's row lock (or has
	// already answered, which the check below then judges).
	deadline := time.Now().Add(10 * time.Second)
	for waiting := false; !waiting && time.Now().Before(deadline); {
		if err := queryRow(ctx, f.dbURL, `SELECT count(*) > 0 FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%FOR UPDATE%'`, nil, &waiting); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-done:
			t.Fatalf("SetMemberLeft(%s) answered %v while an entry after that day was being written; want it to wait for the entry",
				leftOn.Format(coverage.DayLayout), err)
		default:
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	err = <-done
	r, _ := lianxin.RefusalOf(err)
	wantLatest := entryAt.In(coverage.Zone).Format(coverage.DayLayout)
	if r.Reason != coverage.ReportReasonLeftBeforeEntries || r.Params["latest"] != wantLatest || fmt.Sprint(r.Params["after"]) != "1" {
		t.Fatalf("SetMemberLeft(%s) after the entry of %s committed: %v (refusal %+v); want left_before_entries, latest %s, after 1",
			leftOn.Format(coverage.DayLayout), wantLatest, err, r, wantLatest)
	}
	var stored *time.Time
	if err := queryRow(ctx, f.dbURL, `SELECT left_on FROM members WHERE id = $1`, []any{f.member.ID}, &stored); err != nil {
		t.Fatal(err)
	}
	if stored != nil {
		t.Errorf("left_on stored as %v after the refusal, want none", stored)
	}
}
