package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"lianxin"
	"lianxin/auth"
	"lianxin/coverage"
	"lianxin/diary"
	"lianxin/store"
)

// A member who left the corps (members.left_on, migration 038): the web
// diary refuses their entries dated after their last day and takes those
// up to it; the members report and the summary's member checks judge them
// over a window that ended by their last day and not over one that ended
// after it, while their entries count in both; the change is one audit
// line with its actor; clearing the date brings them back.
func TestMemberLeftTheCorps(t *testing.T) {
	ctx := context.Background()
	f := newDiaryFixture(t)
	admin := lianxin.Scope{User: "members-admin", Roles: []lianxin.Role{lianxin.RoleAdmin}, AllTowns: true,
		HouseholdPoints: true, PersonalFields: true}
	lastDay := time.Date(2026, 9, 10, 0, 0, 0, 0, coverage.Zone)
	// The demo member's diary runs past that day: the day is refused
	// (left_before_entries) until the later entries are gone.
	if _, err := f.app.SetMemberLeft(ctx, admin, f.member.Code, &lastDay); !isRefusal(err, coverage.ReportReasonLeftBeforeEntries) {
		t.Fatalf("SetMemberLeft(%s, 2026-09-10) with entries after it: %v, want left_before_entries", f.member.Code, err)
	}
	if _, err := exec(ctx, f.dbURL, `DELETE FROM visits WHERE member_id = $1 AND occurred_at >= '2026-09-11T00:00:00+08:00'`, f.member.ID); err != nil {
		t.Fatal(err)
	}
	m, err := f.app.SetMemberLeft(ctx, admin, f.member.Code, &lastDay)
	if err != nil {
		t.Fatalf("SetMemberLeft(%s, 2026-09-10): %v", f.member.Code, err)
	}
	if m.LeftOn == nil || *m.LeftOn != "2026-09-10" || m.Code != f.member.Code {
		t.Fatalf("SetMemberLeft answered %+v, want member %s left_on 2026-09-10", m, f.member.Code)
	}
	if _, err := f.app.SetMemberLeft(ctx, admin, "NO-SUCH-MEMBER", &lastDay); lianxin.ErrorCode(err) != lianxin.ENotFound {
		t.Errorf("SetMemberLeft of an unknown member: %v, want not_found", err)
	}

	var actor, target, leftOn string
	var n int64
	queryRow(ctx, f.dbURL, `SELECT count(*), max(actor), max(target), max(detail->>'left_on') FROM audit_log WHERE action = $1`,
		[]any{store.ActionMemberLeft}, &n, &actor, &target, &leftOn)
	if n != 1 || actor != "members-admin" || target != f.member.Code || leftOn != "2026-09-10" {
		t.Errorf("audit of the change: %d lines, actor %q, target %q, left_on %q; want 1, members-admin, %s, 2026-09-10",
			n, actor, target, leftOn, f.member.Code)
	}

	entry := func(id, at string) diary.Request {
		return diary.Request{ID: id, Household: f.fresh.ExternalID, Kind: "入户走访", OccurredAt: at}
	}
	write := []struct {
		name, id, at string
		reason       string // "" written
	}{
		{"on the last day", "app-left-0001", "2026-09-10T18:00:00+08:00", ""},
		{"the day after, China time", "app-left-0002", "2026-09-11T00:30:00+08:00", diary.ReasonMemberLeft},
		{"a month after", "app-left-0003", "2026-10-11T09:00:00+08:00", diary.ReasonMemberLeft},
	}
	for _, tc := range write {
		t.Run("write "+tc.name, func(t *testing.T) {
			_, err := f.svc.Write(ctx, f.memberS, entry(tc.id, tc.at), "")
			var r diary.Refusal
			if le := (*lianxin.Error)(nil); errors.As(err, &le) {
				r, _ = le.Details.(diary.Refusal)
			}
			switch {
			case tc.reason == "" && err != nil:
				t.Fatalf("entry at %s for a member whose last day is 2026-09-10: %v, want written", tc.at, err)
			case tc.reason != "" && (lianxin.ErrorCode(err) != lianxin.EInvalid || r.Reason != tc.reason || r.Field != "member"):
				t.Fatalf("entry at %s: %v (refusal %+v), want invalid member %s", tc.at, err, r, tc.reason)
			}
		})
	}

	// The report as a team leader sees it: exact figures.
	reports := coverage.NewReports(f.app, nil)
	member := func(t *testing.T, from, to string) coverage.MemberRow {
		t.Helper()
		rows, _, err := reports.Members(ctx, f.leaderS, coverage.Query{Town: f.townA.Code, From: day(from), To: day(to)})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if r.MemberCode == f.member.Code {
				return r
			}
		}
		t.Fatalf("members report %s..%s has no row for %s", from, to, f.member.Code)
		return coverage.MemberRow{}
	}
	windows := []struct {
		name, from, to string
		left           bool
	}{
		{"ends on the last day", "2026-09-01", "2026-09-11", false},
		{"ends the day after", "2026-09-01", "2026-09-12", true},
		{"after leaving", "2026-09-15", "2026-09-22", true},
		{"long before", "2026-04-01", "2026-05-01", false},
	}
	for _, tc := range windows {
		t.Run("report "+tc.name, func(t *testing.T) {
			r := member(t, tc.from, tc.to)
			if r.LeftOn == nil || *r.LeftOn != "2026-09-10" || r.Left != tc.left {
				t.Fatalf("window %s..%s: left_on %v, left %v; want 2026-09-10, %v", tc.from, tc.to, r.LeftOn, r.Left, tc.left)
			}
			if tc.left && r.NeedsAttention {
				t.Errorf("window %s..%s: a member who left needs attention (meets %v, contact %v)", tc.from, tc.to, r.MeetsTarget, r.HasContact)
			}
			if !tc.left && r.NeedsAttention != (!r.MeetsTarget || !r.HasContact) {
				t.Errorf("window %s..%s: needs_attention %v with meets %v, contact %v", tc.from, tc.to, r.NeedsAttention, r.MeetsTarget, r.HasContact)
			}
			sum, err := f.app.SummaryNumbers(ctx, admin, coverage.Window{From: day(tc.from), To: day(tc.to)}, f.townA.Code, nil)
			if err != nil {
				t.Fatal(err)
			}
			c := sum.Checks
			listed := slices.Contains(c.MembersBelowTarget, f.member.Code) || slices.Contains(c.MembersWithoutContactPoint, f.member.Code)
			if tc.left && listed {
				t.Errorf("summary %s..%s lists %s, who had left (below %v, no contact point %v)", tc.from, tc.to, f.member.Code,
					c.MembersBelowTarget, c.MembersWithoutContactPoint)
			}
			if !tc.left && listed != r.NeedsAttention {
				t.Errorf("summary %s..%s lists %s: %v; the members report's needs_attention: %v", tc.from, tc.to, f.member.Code, listed, r.NeedsAttention)
			}
		})
	}
	// The entry on the last day counts in its window, asked after the
	// member left.
	if r := member(t, "2026-09-10", "2026-09-11"); r.DiaryEntries < 1 {
		t.Errorf("the entry written on the last day does not count in its window: %d entries", r.DiaryEntries)
	}

	if m, err := f.app.SetMemberLeft(ctx, admin, f.member.Code, nil); err != nil || m.LeftOn != nil {
		t.Fatalf("clearing left_on: %+v, %v", m, err)
	}
	if _, err := f.svc.Write(ctx, f.memberS, entry("app-left-0004", "2026-10-11T09:00:00+08:00"), ""); err != nil {
		t.Errorf("entry after the date was cleared: %v, want written", err)
	}
	queryRow(ctx, f.dbURL, `SELECT count(*) FROM audit_log WHERE action = $1`, []any{store.ActionMemberLeft}, &n)
	if n != 2 {
		t.Errorf("audit lines after setting and clearing: %d, want 2", n)
	}
}

// An account linked to a member is the only one linked to that member
// (user_roles_member_key, migration 038): a second account is refused
// with member_taken naming the first, whether created with the role or
// granted it later; the same account granted it again changes nothing.
func TestOneAccountPerMember(t *testing.T) {
	ctx := context.Background()
	f := newDiaryFixture(t) // diary-member holds f.member
	svc := newAuthService(t, f.app)
	grant := auth.RoleGrant{Role: lianxin.RoleMember, Member: f.member.Code}
	cases := []struct {
		name string
		do   func() error
	}{
		{"a new account with the role", func() error {
			_, err := svc.AddUser(ctx, auth.NewUser{Username: "second-account", Roles: []auth.RoleGrant{grant}}, "test")
			return err
		}},
		{"a grant to another account", func() error {
			if _, err := svc.AddUser(ctx, auth.NewUser{Username: "third-account"}, "test"); err != nil {
				return err
			}
			_, err := svc.Grant(ctx, "third-account", grant, "test")
			return err
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.do()
			var r auth.Refusal
			if le := (*lianxin.Error)(nil); errors.As(err, &le) {
				r, _ = le.Details.(auth.Refusal)
			}
			if lianxin.ErrorCode(err) != lianxin.EConflict || r.Reason != auth.ReasonMemberTaken || r.Params["username"] != "diary-member" {
				t.Fatalf("%s: %v (refusal %+v), want conflict member_taken naming diary-member", tc.name, err, r)
			}
		})
	}
	if _, err := f.app.UserByName(ctx, "second-account"); lianxin.ErrorCode(err) != lianxin.ENotFound {
		t.Errorf("the refused account was created: %v", err)
	}
	if _, err := svc.Grant(ctx, "diary-member", grant, "test"); err != nil {
		t.Errorf("granting diary-member its own member again: %v, want no change", err)
	}
	// The index itself, as an admin's SQL would meet it.
	_, err := exec(ctx, f.dbURL, `INSERT INTO user_roles (user_id, role, town_id, member_id)
		SELECT id, 'member', $1, $2 FROM users WHERE username = 'third-account'`, f.member.TownID, f.member.ID)
	if err == nil {
		t.Error("a second member role of the same member was stored past the unique index")
	}
}

// User names: Chinese (Han) as well as ASCII, a length in characters, no
// space or control character — the service's rule and the table's check
// agree, and a Chinese account signs in.
func TestChineseUsernames(t *testing.T) {
	ctx := context.Background()
	f := newDiaryFixture(t)
	svc := newAuthService(t, f.app)
	long := ""
	for range auth.MaxUsernameChars {
		long += "张"
	}
	cases := []struct {
		name  string
		valid bool
	}{
		{"张伟", true},
		{"王小明2", true},
		{"zhang.wei-2", true},
		{"阿卜杜·热合曼", true},
		{long, true},
		{long + "伟", false},
		{"张 伟", false},
		{"张伟\t", false},
		{"张\u0000伟", false},
		{"张\u200b伟", false}, // zero-width space
		{"Ｚhang", false},    // full-width letter
		{"·张", false},
		{"-zhang", false},
		{"", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := auth.ValidUsername(tc.name); got != tc.valid {
				t.Fatalf("ValidUsername(%q) = %v, want %v", tc.name, got, tc.valid)
			}
			_, err := svc.AddUser(ctx, auth.NewUser{Username: tc.name, Password: "correct horse battery"}, "test")
			if tc.valid && err != nil {
				t.Fatalf("AddUser(%q): %v", tc.name, err)
			}
			if !tc.valid && lianxin.ErrorCode(err) != lianxin.EInvalid {
				t.Fatalf("AddUser(%q): %v, want invalid", tc.name, err)
			}
			// The table's check agrees, whatever the service says (a
			// name with a 9 after it: the valid ones are taken now).
			if tc.name == "" || tc.name == long {
				return // "9" is valid, and long+"9" one too many either way
			}
			_, dbErr := exec(ctx, f.dbURL, `INSERT INTO users (username) VALUES ($1 || '9')`, tc.name)
			if (dbErr == nil) != tc.valid {
				t.Errorf("the table took %q9: %v, want taken %v", tc.name, dbErr, tc.valid)
			}
		})
	}
	token, u, _, err := svc.Login(ctx, "王小明2", "correct horse battery", auth.Client{IP: "192.0.2.9"})
	if err != nil || token == "" || u.Username != "王小明2" {
		t.Fatalf("sign-in as 王小明2: %q, %+v, %v", token, u, err)
	}
}

// newAuthService is the account service over s with cheap password hashing.
func newAuthService(t *testing.T, s *store.Store) *auth.Service {
	t.Helper()
	svc, err := auth.New(s, auth.Options{Params: auth.Params{MemoryKiB: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}
