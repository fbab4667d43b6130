package coverage_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"lianxin/coverage"
	"lianxin/demo/demotest"
	"lianxin/privacy"
)

// A village's special-group count hidden from a planner is either small
// (1 to 10, or the visited count it implies is; rule 3) or a complement
// hidden to protect a small sibling (rule 4), which may hold any value. It
// once read "<11" either way: false for a complement of 15. Now every
// hidden village count reads the same label whatever its value ("hidden",
// or for special_waiting "≥" the sum of the groups shown once that passes
// 10), in the published figures, the gap report's JSON and CSV and the
// village panel: no label is false, and none tells a complement from the
// small count it protects.
func TestHiddenVillageCountsReadAlike(t *testing.T) {
	ctx := context.Background()
	s, _, _ := demotest.New(t)
	reports := coverage.NewReports(s, func() time.Time { return day("2026-11-27") })
	planner, _, _, _ := testRoles(0)

	// label is a published count as JSON writes it, a string when hidden.
	label := func(c privacy.Count) string {
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatalf("%+v marshals to %s: %v", c, b, err)
		}
		if c.String() != fmt.Sprint(v) {
			t.Errorf("%+v reads %v in JSON but %q in CSV", c, v, c.String())
		}
		return fmt.Sprint(v)
	}

	// Whole campaign weeks: the planner's window is the one asked.
	cases := []struct{ name, from, to string }{
		{"the first week", "2026-03-01", "2026-03-08"},
		{"five weeks", "2026-03-01", "2026-04-05"},
		{"the whole diary", "2026-03-01", "2026-09-27"},
	}
	// labels[kind][small] is the set of labels hidden counts of that kind
	// read, for values from 1 to 10 (small) and for the rest.
	labels := map[string]map[bool]map[string]bool{}
	note := func(kind string, n int64, l string) {
		if labels[kind] == nil {
			labels[kind] = map[bool]map[string]bool{false: {}, true: {}}
		}
		labels[kind][privacy.SmallCount(n)][l] = true
	}
	var complements int
	var panelCode string // a village with a complement among its households per group
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := coverage.Window{From: day(tc.from), To: day(tc.to)}
			pub, err := coverage.PublishVillages(ctx, s, planner, w, coverage.Filter{})
			if err != nil {
				t.Fatal(err)
			}
			if pub.Window != w {
				t.Fatalf("planner's window %v, want the whole weeks asked %v", pub.Window, w)
			}
			byCode := map[string]coverage.VillageCoverage{}
			for _, v := range pub.Villages {
				byCode[v.VillageCode] = v
				for _, g := range coverage.Groups {
					hh, un := v.SpecialHouseholds.Get(g), v.SpecialUnvisited.Get(g)
					for _, c := range []struct {
						kind    string
						counts  coverage.SpecialCounts
						n       int64
						primary bool // hidden by rules 2 and 3, before any complement
					}{
						{"special_households", v.SpecialHouseholds, hh, v.Suppressed || privacy.SmallCount(hh)},
						{"special_unvisited", v.SpecialUnvisited, un, v.Suppressed || privacy.SmallCount(un) || privacy.SmallCount(hh-un)},
					} {
						if !c.counts.Hidden(g) {
							continue
						}
						got := label(c.counts.Published(g))
						note(c.kind, c.n, got)
						if got != privacy.HiddenLabel {
							t.Errorf("village %s %s.%s = %d hidden (primary %v) reads %q, want %q", v.VillageCode, c.kind, g, c.n, c.primary, got, privacy.HiddenLabel)
						}
						if !c.primary && c.n > privacy.SmallCountMax {
							complements++
							if c.kind == "special_households" && panelCode == "" {
								panelCode = v.VillageCode
							}
						}
					}
				}
				if sw := v.SpecialWaiting(); sw.Hidden {
					var shown int64
					for _, g := range coverage.Groups {
						if !v.Suppressed && !v.SpecialUnvisited.Hidden(g) {
							shown += v.SpecialUnvisited.Get(g)
						}
					}
					want := privacy.HiddenLabel
					if shown > privacy.SmallCountMax {
						want = privacy.AtLeastPrefix + strconv.FormatInt(shown, 10)
					}
					// The label is a function of what the planner reads
					// beside it (the groups shown), not of the total.
					if got := label(sw); got != want {
						t.Errorf("village %s special_waiting = %d hidden, groups shown add up to %d: reads %q, want %q", v.VillageCode, sw.N, shown, got, want)
					}
				}
			}

			// The gap report says the same in JSON and in CSV.
			rows, _, err := reports.Gaps(ctx, planner, coverage.GapQuery{Query: coverage.Query{From: w.From, To: w.To}, All: true, Sort: "village_code"})
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := coverage.WriteCSV(&buf, rows); err != nil {
				t.Fatal(err)
			}
			recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\uFEFF"))).ReadAll()
			if err != nil || len(recs) != len(rows)+1 {
				t.Fatalf("gap CSV: %d records, %v; want a header and %d rows", len(recs), err, len(rows))
			}
			for i, r := range rows {
				var asJSON struct {
					SpecialUnvisited map[string]any `json:"special_unvisited"`
				}
				if err := json.Unmarshal(mustJSON(t, r), &asJSON); err != nil {
					t.Fatal(err)
				}
				v := byCode[r.VillageCode]
				for _, g := range coverage.Groups {
					want := strconv.FormatInt(v.SpecialUnvisited.Get(g), 10)
					if v.SpecialUnvisited.Hidden(g) {
						want = privacy.HiddenLabel
					}
					if got := fmt.Sprint(asJSON.SpecialUnvisited[string(g)]); got != want {
						t.Errorf("gap report JSON: village %s special_unvisited.%s = %s, want %s", r.VillageCode, g, got, want)
					}
					col := slices.Index(recs[0], "special_unvisited."+string(g))
					if col < 0 {
						t.Fatalf("gap CSV header %v has no special_unvisited.%s", recs[0], g)
					}
					if got := recs[i+1][col]; got != want {
						t.Errorf("gap report CSV: village %s special_unvisited.%s = %s, want %s", r.VillageCode, g, got, want)
					}
				}
			}
		})
	}
	if complements == 0 {
		t.Fatalf("set-up: no village count of 11 or more hidden as a complement in %v: nothing tells the labels apart", cases)
	}
	// No hidden count's label depends on its value.
	for kind, bySize := range labels {
		for l := range bySize[false] {
			if len(bySize[true]) > 0 && !bySize[true][l] {
				t.Errorf("%s: hidden counts of 11 or more (or 0) read %q, which none from 1 to 10 reads (they read %v)", kind, l, bySize[true])
			}
		}
		for l := range bySize[true] {
			if len(bySize[false]) > 0 && !bySize[false][l] {
				t.Errorf("%s: hidden counts from 1 to 10 read %q, which none of 11 or more reads (they read %v)", kind, l, bySize[false])
			}
		}
	}

	// The village panel: a complement among the households per group.
	if panelCode == "" {
		t.Fatal("set-up: no village with a complement among its households per group")
	}
	d, err := reports.Village(ctx, planner, panelCode, coverage.Query{From: day("2026-03-01"), To: day("2026-03-08")})
	if err != nil {
		t.Fatal(err)
	}
	var panel struct {
		SpecialHouseholds map[string]any `json:"special_households"`
	}
	if err := json.Unmarshal(mustJSON(t, d), &panel); err != nil {
		t.Fatal(err)
	}
	var hidden int
	for g, v := range panel.SpecialHouseholds {
		if l, ok := v.(string); ok {
			hidden++
			if l != privacy.HiddenLabel {
				t.Errorf("village panel %s: special_households.%s reads %q, want %q", panelCode, g, l, privacy.HiddenLabel)
			}
		}
	}
	if hidden == 0 {
		t.Errorf("village panel %s: special_households %v hides nothing, want the complement hidden", panelCode, panel.SpecialHouseholds)
	}
}
