package spotcheck

import (
	"encoding/json"
	"testing"

	"lianxin"
	"lianxin/coverage"
)

func member(team, code string, meets bool) coverage.MemberRow {
	return coverage.MemberRow{MemberActivity: coverage.MemberActivity{Team: team, TeamName: "队" + team, MemberCode: code}, MeetsTarget: meets}
}

// TestBuildRanking ranks teams and members by share ok, then mean score,
// then entries checked; ties share a rank; a team or member without a
// result ranks after every one with; the attendance figure counts the
// members report's rows.
func TestBuildRanking(t *testing.T) {
	members := []coverage.MemberRow{
		member("A", "a1", true), member("A", "a2", false), member("A", "a3", true),
		member("B", "b1", true), member("C", "c1", false), member("D", "d1", true),
	}
	tallies := []Tally{
		{Team: "A", MemberCode: "a1", Checked: 2, OK: 2, ScoreSum: 180, Scored: 2}, // 1.0, mean 90
		{Team: "A", MemberCode: "a2", Checked: 2, OK: 1, Failed: 1},                // 0.5, no score
		{Team: "B", MemberCode: "b1", Checked: 4, OK: 3, Incomplete: 1, ScoreSum: 300, Scored: 4},
		{Team: "C", MemberCode: "c1", Checked: 4, OK: 3, Failed: 1, ScoreSum: 300, Scored: 4}, // ties B
	}
	got := BuildRanking(tallies, members, true)
	type want struct {
		rank, members, meeting int
		checked                int64
		share, mean            *float64
	}
	f := func(v float64) *float64 { return &v }
	teams := map[string]want{
		"A": {1, 3, 2, 4, f(0.75), f(90)}, // 3 of 4 ok, mean 90 beats B and C's 75
		"B": {2, 1, 1, 4, f(0.75), f(75)},
		"C": {2, 1, 0, 4, f(0.75), f(75)}, // a tie with B: the same rank
		"D": {4, 1, 1, 0, nil, nil},       // nothing checked: last
	}
	if len(got.Teams) != len(teams) {
		t.Fatalf("%d teams ranked, want %d", len(got.Teams), len(teams))
	}
	order := ""
	for _, r := range got.Teams {
		order += r.Team
		w := teams[r.Team]
		if r.Rank != w.rank || r.Members != w.members || r.MembersMeetingTarget != w.meeting || r.EntriesChecked != w.checked ||
			!samePtr(r.OKShare, w.share) || !samePtr(r.MeanScore, w.mean) {
			b, _ := json.Marshal(r)
			t.Errorf("team %s: %s; want rank %d, %d members (%d meeting), %d checked, share %v, mean %v",
				r.Team, b, w.rank, w.members, w.meeting, w.checked, deref(w.share), deref(w.mean))
		}
	}
	if order != "ABCD" {
		t.Errorf("teams in order %s, want ABCD (B before C by code in a tie)", order)
	}
	ranks := map[string]int{}
	for _, m := range got.Members {
		ranks[m.Team+"/"+m.MemberCode] = m.Rank
	}
	for k, w := range map[string]int{"A/a1": 1, "A/a2": 2, "A/a3": 3, "B/b1": 1, "C/c1": 1, "D/d1": 1} {
		if ranks[k] != w {
			t.Errorf("member %s ranks %d, want %d (all: %v)", k, ranks[k], w, ranks)
		}
	}
	if noMembers := BuildRanking(tallies, members, false); noMembers.Members != nil {
		t.Errorf("without members asked: %d members ranked", len(noMembers.Members))
	}
}

func samePtr(a, b *float64) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestRequestCheck: each field's refusal, at its edge.
func TestRequestCheck(t *testing.T) {
	score := func(v int) *int { return &v }
	long := make([]rune, MaxNoteChars)
	for i := range long {
		long[i] = '记'
	}
	for _, tc := range []struct {
		name   string
		r      Request
		reason string
	}{
		{"fine", Request{Entry: 1, Verdict: VerdictOK}, ""},
		{"score 0 and 100", Request{Entry: 1, Verdict: VerdictFailed, Score: score(100)}, ""},
		{"note at the limit", Request{Entry: 1, Verdict: VerdictIncomplete, Note: string(long)}, ""},
		{"note over the limit", Request{Entry: 1, Verdict: VerdictIncomplete, Note: string(long) + "多"}, ReasonNoteLong},
		{"note with tab and line breaks", Request{Entry: 1, Verdict: VerdictOK, Note: "a\tb\r\nc"}, ""},
		{"note with a bell", Request{Entry: 1, Verdict: VerdictOK, Note: "a\ab"}, ReasonNoteControl},
		{"no entry", Request{Verdict: VerdictOK}, ReasonEntryMissing},
		{"verdict in Chinese", Request{Entry: 1, Verdict: "合格"}, ReasonVerdictUnknown},
		{"score 101", Request{Entry: 1, Verdict: VerdictOK, Score: score(101)}, ReasonScoreRange},
		{"score -1", Request{Entry: 1, Verdict: VerdictOK, Score: score(-1)}, ReasonScoreRange},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.r.check()
			if tc.reason == "" {
				if err != nil {
					t.Fatalf("check(%+v) = %v, want nil", tc.r, err)
				}
				return
			}
			b, _ := json.Marshal(err)
			if err == nil || !containsReason(err, tc.reason) {
				t.Fatalf("check = %v (%s), want reason %s", err, b, tc.reason)
			}
		})
	}
}

func containsReason(err error, reason string) bool {
	r, ok := lianxin.RefusalOf(err)
	return ok && r.Reason == reason
}
