package spotcheck

import (
	"cmp"
	"slices"

	"lianxin/coverage"
)

// Tally is one member's results within a window: each entry checked
// counts once, by its latest result.
type Tally struct {
	Team       string
	TeamName   string
	MemberCode string
	MemberName string
	Checked    int64
	OK         int64
	Incomplete int64
	Failed     int64
	ScoreSum   int64
	Scored     int64 // results with a score
}

// Figures are the spot check's figures of a team or a member.
type Figures struct {
	EntriesChecked int64 `json:"entries_checked"`
	OK             int64 `json:"ok"`
	Incomplete     int64 `json:"incomplete"`
	Failed         int64 `json:"failed"`
	// OKShare is OK / EntriesChecked (0–1), nil with nothing checked.
	OKShare *float64 `json:"ok_share"`
	// MeanScore is the mean of the scores given (0–100), nil without one.
	MeanScore *float64 `json:"mean_score"`
	scoreSum  int64
	scored    int64
}

func (f *Figures) add(t Tally) {
	f.EntriesChecked += t.Checked
	f.OK += t.OK
	f.Incomplete += t.Incomplete
	f.Failed += t.Failed
	f.scoreSum += t.ScoreSum
	f.scored += t.Scored
}

func (f *Figures) finish() {
	if f.EntriesChecked > 0 {
		v := float64(f.OK) / float64(f.EntriesChecked)
		f.OKShare = &v
	}
	if f.scored > 0 {
		v := float64(f.scoreSum) / float64(f.scored)
		f.MeanScore = &v
	}
}

// TeamRank is a team's place in the ranking.
type TeamRank struct {
	Rank     int    `json:"rank"`
	Team     string `json:"team"`
	TeamName string `json:"team_name"`
	// Members and MembersMeetingTarget are the attendance figure: the
	// team's members the caller sees, and those of them meeting the
	// ten-household rule (the members report's meets_target).
	Members              int `json:"members"`
	MembersMeetingTarget int `json:"members_meeting_target"`
	Figures
}

// MemberRank is a member's place within their team.
type MemberRank struct {
	Rank        int    `json:"rank"`
	Team        string `json:"team"`
	MemberCode  string `json:"member_code"`
	MemberName  string `json:"member_name"`
	MeetsTarget bool   `json:"meets_target"`
	Figures
}

// Ranking is the spot check's ranking over a window.
type Ranking struct {
	From    string       `json:"from"`
	To      string       `json:"to"`
	Team    string       `json:"team,omitempty"`
	Teams   []TeamRank   `json:"teams"`
	Members []MemberRank `json:"members,omitempty"`
}

// better orders figures best first: something checked before nothing;
// then the larger share ok, the higher mean score (one before none), the
// more entries checked. 0 is a tie, which shares a rank.
func better(a, b Figures) int {
	if c := boolCmp(a.EntriesChecked > 0, b.EntriesChecked > 0); c != 0 {
		return c
	}
	if c := cmpPtr(a.OKShare, b.OKShare); c != 0 {
		return c
	}
	if c := cmpPtr(a.MeanScore, b.MeanScore); c != 0 {
		return c
	}
	return cmp.Compare(b.EntriesChecked, a.EntriesChecked)
}

// boolCmp puts true first.
func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return -1
	}
	return 1
}

// cmpPtr puts the larger value first and nil last.
func cmpPtr(a, b *float64) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	return cmp.Compare(*b, *a)
}

// BuildRanking ranks teams (every team with a member or a result) and,
// with withMembers, the members: the teams' figures add their members'.
func BuildRanking(tallies []Tally, members []coverage.MemberRow, withMembers bool) Ranking {
	teams := map[string]*TeamRank{}
	team := func(code, name string) *TeamRank {
		t, ok := teams[code]
		if !ok {
			t = &TeamRank{Team: code, TeamName: name}
			teams[code] = t
		}
		if t.TeamName == "" {
			t.TeamName = name
		}
		return t
	}
	people := map[[2]string]*MemberRank{}
	person := func(teamCode, code, name string) *MemberRank {
		k := [2]string{teamCode, code}
		m, ok := people[k]
		if !ok {
			m = &MemberRank{Team: teamCode, MemberCode: code, MemberName: name}
			people[k] = m
		}
		return m
	}
	for _, m := range members {
		t := team(m.Team, m.TeamName)
		t.Members++
		if m.MeetsTarget {
			t.MembersMeetingTarget++
		}
		person(m.Team, m.MemberCode, m.MemberName).MeetsTarget = m.MeetsTarget
	}
	for _, x := range tallies {
		team(x.Team, x.TeamName).add(x)
		person(x.Team, x.MemberCode, x.MemberName).add(x)
	}
	out := Ranking{Teams: make([]TeamRank, 0, len(teams))}
	for _, t := range teams {
		t.finish()
		out.Teams = append(out.Teams, *t)
	}
	slices.SortFunc(out.Teams, func(a, b TeamRank) int {
		return cmp.Or(better(a.Figures, b.Figures), cmp.Compare(a.Team, b.Team))
	})
	for i := range out.Teams {
		out.Teams[i].Rank = i + 1
		if i > 0 && better(out.Teams[i-1].Figures, out.Teams[i].Figures) == 0 {
			out.Teams[i].Rank = out.Teams[i-1].Rank
		}
	}
	if !withMembers {
		return out
	}
	out.Members = make([]MemberRank, 0, len(people))
	for _, m := range people {
		m.finish()
		out.Members = append(out.Members, *m)
	}
	slices.SortFunc(out.Members, func(a, b MemberRank) int {
		return cmp.Or(cmp.Compare(a.Team, b.Team), better(a.Figures, b.Figures), cmp.Compare(a.MemberCode, b.MemberCode))
	})
	for i := range out.Members {
		out.Members[i].Rank = 1
		if i > 0 && out.Members[i-1].Team == out.Members[i].Team {
			out.Members[i].Rank = i + 1 - firstOfTeam(out.Members, i)
			if better(out.Members[i-1].Figures, out.Members[i].Figures) == 0 {
				out.Members[i].Rank = out.Members[i-1].Rank
			}
		}
	}
	return out
}

// firstOfTeam is the index of the first member of row i's team.
func firstOfTeam(rows []MemberRank, i int) int {
	j := i
	for j > 0 && rows[j-1].Team == rows[i].Team {
		j--
	}
	return j
}
