package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"lianxin"
	"lianxin/api"
	"lianxin/demo"
	"lianxin/diary"
)

// TestDiarySearchHTTP drives GET /api/v1/diary's filters and paging over
// the demo county as an admin with the household grant and as a team
// leader: each filter's total is counted here from the county as
// generated, every entry listed matches the filter, pages do not overlap,
// the leader sees only their towns, times are answered at +08:00 and bad
// parameters are 400s naming the parameter and a reason the page words.
func TestDiarySearchHTTP(t *testing.T) {
	f := newDiaryFixture(t, "office-member")
	ctx := context.Background()
	c := f.county
	err := f.owner.InScope(ctx, lianxin.SystemScope(), func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO users (username) VALUES ('office-admin'), ('office-leader')`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO user_roles (user_id, role) SELECT id, 'admin' FROM users WHERE username = 'office-admin'`); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO user_roles (user_id, role, town_id) SELECT id, 'team_leader', $1 FROM users WHERE username = 'office-leader'`,
			c.Towns[0].ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	admin := f.server(lianxin.Scope{User: "office-admin", Roles: []lianxin.Role{lianxin.RoleAdmin}, AllTowns: true, HouseholdPoints: true})
	leaderTowns := []int32{c.Towns[0].ID}
	leader := f.server(lianxin.Scope{User: "office-leader", Roles: []lianxin.Role{lianxin.RoleTeamLeader}, Towns: leaderTowns, HouseholdPoints: true})

	members, households, villages, towns := map[int32]string{}, map[int64]string{}, map[int32]string{}, map[int32]string{}
	for _, m := range c.Members {
		members[m.ID] = m.Code
	}
	for _, h := range c.Households {
		households[h.ID] = h.ExternalID
	}
	for _, v := range c.Villages {
		villages[v.ID] = v.Code
	}
	for _, tw := range c.Towns {
		towns[tw.ID] = tw.Code
	}
	// A visit in the middle of the campaign, with a household, picks the
	// codes the filters name.
	var pick demo.Visit
	for _, v := range c.Visits[len(c.Visits)/2:] {
		if v.HouseholdID != 0 && v.Notes != "" {
			pick = v
			break
		}
	}
	word := []rune(pick.Notes)[:2]
	day := pick.OccurredAt.In(diary.Zone)
	from := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, diary.Zone)
	to := from.AddDate(0, 0, 7)
	inWeek := func(v demo.Visit) bool { return !v.OccurredAt.Before(from) && v.OccurredAt.Before(to) }

	cases := []struct {
		name  string
		query url.Values
		match func(v demo.Visit) bool
	}{
		{"id", url.Values{"id": {pick.ExternalID}}, func(v demo.Visit) bool { return v.ExternalID == pick.ExternalID }},
		{"member", url.Values{"member": {members[pick.MemberID]}}, func(v demo.Visit) bool { return v.MemberID == pick.MemberID }},
		{"member typed in lower case", url.Values{"member": {strings.ToLower(members[pick.MemberID])}}, func(v demo.Visit) bool { return v.MemberID == pick.MemberID }},
		{"household", url.Values{"household": {households[pick.HouseholdID]}}, func(v demo.Visit) bool { return v.HouseholdID == pick.HouseholdID }},
		{"village", url.Values{"village": {villages[pick.VillageID]}}, func(v demo.Visit) bool { return v.VillageID == pick.VillageID }},
		{"town", url.Values{"town": {towns[pick.TownID]}}, func(v demo.Visit) bool { return v.TownID == pick.TownID }},
		{"week by dates", url.Values{"from": {from.Format("2006-01-02")}, "to": {to.Format("2006-01-02")}}, inWeek},
		{"week by UTC times", url.Values{"from": {from.UTC().Format(time.RFC3339)}, "to": {to.UTC().Format(time.RFC3339)}}, inWeek},
		{"words of the note", url.Values{"q": {string(word)}}, func(v demo.Visit) bool { return strings.Contains(v.Notes, string(word)) }},
		{"a wildcard is a character", url.Values{"q": {"%"}}, func(v demo.Visit) bool { return strings.Contains(v.Notes, "%") }},
		{"member in a week", url.Values{"member": {members[pick.MemberID]}, "from": {from.Format("2006-01-02")}, "to": {to.Format("2006-01-02")}},
			func(v demo.Visit) bool { return v.MemberID == pick.MemberID && inWeek(v) }},
		{"unknown member", url.Values{"member": {"NOSUCH"}}, func(demo.Visit) bool { return false }},
	}
	offset := regexp.MustCompile(`"(occurred_at|recorded_at)":"[^"]*"`)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := 0
			for _, v := range c.Visits {
				if tc.match(v) {
					want++
				}
			}
			page, body := getDiaryPage(t, admin, tc.query)
			if page.Total != int64(want) {
				t.Fatalf("total = %d, want %d counted from the county", page.Total, want)
			}
			if len(page.Entries) != min(want, diary.DefaultLimit) {
				t.Errorf("%d entries listed, want %d", len(page.Entries), min(want, diary.DefaultLimit))
			}
			for i, e := range page.Entries {
				if i > 0 && e.OccurredAt.After(page.Entries[i-1].OccurredAt) {
					t.Errorf("%s listed after an older entry", e.ID)
				}
				if tc.name == "id" && e.ID != pick.ExternalID {
					t.Errorf("listed %s, want %s", e.ID, pick.ExternalID)
				}
			}
			for _, m := range offset.FindAllString(body, -1) {
				if !strings.HasSuffix(m, `+08:00"`) {
					t.Errorf("time %s, want it at +08:00", m)
					break
				}
			}
		})
	}

	// Pages: the second page follows the first with no entry twice.
	q := url.Values{"town": {towns[pick.TownID]}, "limit": {"7"}}
	p1, _ := getDiaryPage(t, admin, q)
	q.Set("offset", "7")
	p2, _ := getDiaryPage(t, admin, q)
	if p1.Total != p2.Total || len(p1.Entries) != 7 || len(p2.Entries) != 7 || p2.Offset != 7 || p2.Limit != 7 {
		t.Fatalf("pages: total %d/%d, %d and %d entries, offset %d; want the same total and two pages of 7", p1.Total, p2.Total, len(p1.Entries), len(p2.Entries), p2.Offset)
	}
	seen := map[string]bool{}
	for _, e := range append(p1.Entries, p2.Entries...) {
		if seen[e.ID] {
			t.Errorf("entry %s on both pages", e.ID)
		}
		seen[e.ID] = true
	}
	if last, first := p1.Entries[6], p2.Entries[0]; first.OccurredAt.After(last.OccurredAt) {
		t.Errorf("page 2 starts with %s (%v), newer than page 1's last %s (%v)", first.ID, first.OccurredAt, last.ID, last.OccurredAt)
	}

	// The leader sees their towns only: another town's filter finds none,
	// and their whole list is their town's.
	var other demo.Town
	for _, tw := range c.Towns[1:] {
		other = tw
		break
	}
	if p, _ := getDiaryPage(t, leader, url.Values{"town": {other.Code}}); p.Total != 0 {
		t.Errorf("a leader of %s searching town %s: total %d, want 0", c.Towns[0].Code, other.Code, p.Total)
	}
	own := 0
	for _, v := range c.Visits {
		if v.TownID == c.Towns[0].ID {
			own++
		}
	}
	if p, _ := getDiaryPage(t, leader, nil); p.Total != int64(own) {
		t.Errorf("a leader's whole list: total %d, want %d (their town's entries)", p.Total, own)
	}

	for _, tc := range []struct {
		query, field, reason string
	}{
		{"offset=-1", "offset", diary.ReasonOffsetRange},
		{"offset=x", "offset", diary.ReasonOffsetRange},
		{fmt.Sprintf("offset=%d", diary.MaxOffset+1), "offset", diary.ReasonOffsetRange},
		{"limit=501", "limit", diary.ReasonLimitRange},
		{"from=2026-13-01", "from", diary.ReasonTimeBad},
		{"from=2026-09-02&to=2026-09-01", "to", diary.ReasonRangeEmpty},
		{"q=" + strings.Repeat("字", 101), "q", diary.ReasonFilterBad},
		{"member=a&member=b", "member", diary.ReasonFilterBad},
		{"colour=red", "colour", diary.ReasonUnknownField},
	} {
		w := httptest.NewRecorder()
		admin.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/api/v1/diary?"+tc.query, nil))
		var e struct {
			Error struct {
				Details diary.Refusal `json:"details"`
			} `json:"error"`
		}
		_ = json.Unmarshal(w.Body.Bytes(), &e)
		if d := e.Error.Details; w.Code != 400 || d.Field != tc.field || d.Reason != tc.reason {
			t.Errorf("GET /api/v1/diary?%.40s = %d %.200s; want 400 on %s (%s)", tc.query, w.Code, w.Body, tc.field, tc.reason)
		}
	}
}

type diaryPage struct {
	Entries []diary.Written `json:"entries"`
	Total   int64           `json:"total"`
	Offset  int             `json:"offset"`
	Limit   int             `json:"limit"`
}

func getDiaryPage(t *testing.T, srv *api.Server, q url.Values) (diaryPage, string) {
	t.Helper()
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/api/v1/diary?"+q.Encode(), nil))
	var p diaryPage
	if err := json.Unmarshal(w.Body.Bytes(), &p); w.Code != 200 || err != nil {
		t.Fatalf("GET /api/v1/diary?%s = %d %.300s", q.Encode(), w.Code, w.Body)
	}
	return p, w.Body.String()
}
