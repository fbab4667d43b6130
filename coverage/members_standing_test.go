package coverage_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"lianxin"
	"lianxin/coverage"
	"lianxin/demo/demotest"
	"lianxin/store/storetest"
)

// The published households counts agree with the ten-household rule's
// line: no band straddles it, 0 is shown, and the standing count reads no
// more than the verdict for a role without household access.
func TestMemberCountBands(t *testing.T) {
	cases := []struct {
		n                   int64
		exact, window, band string
	}{
		{0, "0", "0", "0"},
		{1, "1", `"<10"`, `"<10"`},
		{9, "9", `"<10"`, `"<10"`},
		{10, "10", "10", `"≥10"`},
		{11, "11", "11", `"≥10"`},
		{169, "169", "169", `"≥10"`},
	}
	for _, tc := range cases {
		t.Run(strconv.FormatInt(tc.n, 10), func(t *testing.T) {
			for _, c := range []struct {
				name string
				got  coverage.MemberCount
				want string
			}{{"ExactCount", coverage.ExactCount(tc.n), tc.exact}, {"BelowTargetHidden", coverage.BelowTargetHidden(tc.n), tc.window},
				{"TargetBand", coverage.TargetBand(tc.n), tc.band}} {
				b, err := json.Marshal(c.got)
				var back, want any
				if err == nil {
					err = json.Unmarshal(b, &back)
				}
				_ = json.Unmarshal([]byte(c.want), &want)
				if err != nil || back != want {
					t.Errorf("%s(%d) marshals to %s (%v), want %s", c.name, tc.n, b, err, c.want)
				}
				if s := c.got.String(); s != strings.Trim(c.want, `"`) {
					t.Errorf("%s(%d).String() = %q, want %s unquoted", c.name, tc.n, s, c.want)
				}
			}
		})
	}
	if coverage.BelowTargetLabel != "<"+strconv.Itoa(coverage.ContactTarget) || coverage.AtTargetLabel != "≥"+strconv.Itoa(coverage.ContactTarget) {
		t.Errorf("band labels %q, %q do not sit at the target %d", coverage.BelowTargetLabel, coverage.AtTargetLabel, coverage.ContactTarget)
	}
}

// The ten-household rule is a standing one: a member with ten or more
// households since the campaign's start meets it in a one-week window in
// which they contacted fewer, in the members report and in the summary's
// members_below_target alike; the window's own figures stay the window's.
// The members report takes town= and the county for a planner, with the
// team's and town's names; its CSV has one column per week.
func TestMembersStandingRule(t *testing.T) {
	ctx := context.Background()
	s, url, county := demotest.New(t)
	conn := storetest.Connect(t, url)
	reports := coverage.NewReports(s, func() time.Time { return day("2026-11-27") })
	system := lianxin.SystemScope()
	planner, _, _, _ := testRoles(county.Towns[0].ID)

	// The week ending 2026-09-27 (whole campaign weeks from 2026-03-01), and
	// a member who has 10+ households by then but fewer than 10 in it.
	week := coverage.Window{From: day("2026-09-20"), To: day("2026-09-27")}
	const standingSQL = `
SELECT m.code,
       count(DISTINCT v.household_id) FILTER (WHERE household_contact(v.kind) AND v.occurred_at < $2),
       count(DISTINCT v.household_id) FILTER (WHERE household_contact(v.kind) AND v.occurred_at >= $1 AND v.occurred_at < $2)
FROM members m LEFT JOIN visits v ON v.member_id = m.id
GROUP BY m.code ORDER BY m.code`
	rows, err := conn.Query(ctx, standingSQL, week.From, week.To)
	if err != nil {
		t.Fatal(err)
	}
	toDate, inWeek := map[string]int64{}, map[string]int64{}
	var picked string
	for rows.Next() {
		var code string
		var a, b int64
		if err := rows.Scan(&code, &a, &b); err != nil {
			t.Fatal(err)
		}
		toDate[code], inWeek[code] = a, b
		if picked == "" && a >= coverage.ContactTarget && b < coverage.ContactTarget {
			picked = code
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if picked == "" {
		t.Fatal("no member with 10+ households to date and fewer in the week: the test has nothing to judge")
	}

	got, w, err := reports.Members(ctx, system, coverage.Query{From: week.From, To: week.To})
	if err != nil {
		t.Fatal(err)
	}
	if w != week {
		t.Errorf("members over %v cover %v", week, w)
	}
	if len(got) != len(county.Members) {
		t.Errorf("members of the county as the system: %d rows, want %d", len(got), len(county.Members))
	}
	teamsSeen := map[string]bool{}
	for _, r := range got {
		teamsSeen[r.Team] = true
		if r.TeamName == "" || r.TownCode == "" || r.TownName == "" {
			t.Errorf("member %s: team name %q, town %q %q; want all three", r.MemberCode, r.TeamName, r.TownCode, r.TownName)
		}
		meets := toDate[r.MemberCode] >= coverage.ContactTarget
		if r.MeetsTarget != meets || r.HouseholdsToDate.String() != strconv.FormatInt(toDate[r.MemberCode], 10) ||
			r.HouseholdsContacted.String() != strconv.FormatInt(inWeek[r.MemberCode], 10) {
			t.Errorf("member %s over %v: meets %v, to date %s, this week %s; want %v, %d (since the start), %d (in the week)",
				r.MemberCode, week, r.MeetsTarget, r.HouseholdsToDate, r.HouseholdsContacted, meets, toDate[r.MemberCode], inWeek[r.MemberCode])
		}
		if r.NoEntryThisWeek != (r.DiaryEntries == 0) {
			t.Errorf("member %s: no_entry_this_week %v with %d entries in the one-week window", r.MemberCode, r.NoEntryThisWeek, r.DiaryEntries)
		}
	}
	if len(teamsSeen) < 2 {
		t.Errorf("the county's members came from %d teams", len(teamsSeen))
	}

	// The summary lists the same members below the target.
	sum, err := reports.Summary(ctx, system, coverage.Query{From: week.From, To: week.To})
	if err != nil {
		t.Fatal(err)
	}
	var below []string
	for code, n := range toDate {
		if n < coverage.ContactTarget {
			below = append(below, code)
		}
	}
	slices.Sort(below)
	if listed := slices.Sorted(slices.Values(sum.Checks.MembersBelowTarget)); !slices.Equal(listed, below) {
		t.Errorf("summary over %v: members_below_target %v, want %v (fewer than 10 households since the start)", week, listed, below)
	}
	if slices.Contains(sum.Checks.MembersBelowTarget, picked) {
		t.Errorf("summary over %v lists %s below 10 households with %d since the start", week, picked, toDate[picked])
	}

	// A planner: the same verdicts, the counts in the rule's bands.
	pl, _, err := reports.Members(ctx, planner, coverage.Query{From: week.From, To: week.To})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range pl {
		want := "0"
		if n := toDate[r.MemberCode]; n >= coverage.ContactTarget {
			want = coverage.AtTargetLabel
		} else if n > 0 {
			want = coverage.BelowTargetLabel
		}
		if r.HouseholdsToDate.String() != want || r.MeetsTarget != (toDate[r.MemberCode] >= coverage.ContactTarget) {
			t.Errorf("planner: member %s to date %s, meets %v; want %s (%d since the start)", r.MemberCode, r.HouseholdsToDate, r.MeetsTarget, want, toDate[r.MemberCode])
		}
		c := r.HouseholdsContacted.String()
		if n := r.HouseholdsContacted.N; n > 0 && n < coverage.ContactTarget && c != coverage.BelowTargetLabel || n == 0 && c != "0" {
			t.Errorf("planner: member %s households this week %q (%d)", r.MemberCode, c, n)
		}
	}

	// town= narrows to that town's members.
	town := county.Towns[1].Code
	tr, _, err := reports.Members(ctx, planner, coverage.Query{Town: town, From: week.From, To: week.To})
	if err != nil {
		t.Fatal(err)
	}
	if len(tr) == 0 {
		t.Fatalf("members of town %s: none", town)
	}
	for _, r := range tr {
		if r.TownCode != town {
			t.Errorf("members of town %s: %s is of town %s", town, r.MemberCode, r.TownCode)
		}
	}
	if _, _, err := reports.Members(ctx, planner, coverage.Query{Town: "999999999"}); lianxin.ErrorCode(err) != lianxin.ENotFound {
		t.Errorf("members of an unknown town: %v, want not found", err)
	}

	// The CSV over five weeks: one column per week, headed by its dates.
	five := coverage.Window{From: day("2026-08-30"), To: day("2026-10-04")}
	fr, fw, err := reports.Members(ctx, system, coverage.Query{From: five.From, To: five.To})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := coverage.WriteCSV(&buf, fr); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(buf.Bytes(), []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	header := recs[0]
	var weekCols []int
	for i, h := range header {
		if strings.HasPrefix(h, "weekly_visits.") {
			weekCols = append(weekCols, i)
		}
	}
	if len(weekCols) != 5 || header[weekCols[0]] != "weekly_visits.2026-08-30~09-05" || header[weekCols[4]] != "weekly_visits.2026-09-27~10-03" {
		t.Fatalf("members CSV over %v: week columns %v", fw, header)
	}
	col := func(name string) int { return slices.Index(header, name) }
	for _, name := range []string{"team", "team_name", "town_name", "diary_entries", "no_entry_this_week", "households_to_date"} {
		if col(name) < 0 {
			t.Fatalf("members CSV: no column %s in %v", name, header)
		}
	}
	for _, rec := range recs[1:] {
		var sum int64
		for _, i := range weekCols {
			n, err := strconv.ParseInt(rec[i], 10, 64)
			if err != nil {
				t.Fatalf("members CSV: week cell %q: %v", rec[i], err)
			}
			sum += n
		}
		if entries := rec[col("diary_entries")]; strconv.FormatInt(sum, 10) != entries {
			t.Errorf("members CSV: member %s's weeks add up to %d, entries %s", rec[col("member_code")], sum, entries)
		}
		if last := rec[weekCols[4]]; (last == "0") != (rec[col("no_entry_this_week")] == "true") {
			t.Errorf("members CSV: member %s last week %s, no_entry_this_week %s", rec[col("member_code")], last, rec[col("no_entry_this_week")])
		}
	}
}
