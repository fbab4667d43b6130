package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"

	"lianxin"
	"lianxin/coverage"
	"lianxin/demo/demotest"
	"lianxin/geo"
	"lianxin/privacy"
	"lianxin/store/storetest"
)

// The privacy tests sign in as a planner (no household access) and try
// each subtraction attack of issue 8 through the API: a town minus its
// villages, the county minus its towns, an H3 cell minus its children, one
// window minus a day longer one. Each attack must fail to recover a hidden
// value, and each must have had something to find (the exact figures, read
// as the system, hold small values the planner's answers hide).

func (f *fixture) getJSON(t *testing.T, role, path string) any {
	t.Helper()
	rec := f.do(role, "GET", path, "")
	if rec.Code != 200 {
		t.Fatalf("GET %s as %s = %d %.300s, want 200", path, role, rec.Code, rec.Body)
	}
	var v any
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("GET %s as %s: not JSON: %v", path, role, err)
	}
	return v
}

// published reads a published count: its value, or hidden for "hidden"
// (a withheld total), a hidden sum's bound "≥n", the ten-household rule's
// band and null.
func published(v any) (n int64, hidden bool) {
	switch x := v.(type) {
	case float64:
		return int64(x), false
	case string:
		if x != privacy.HiddenLabel && x != coverage.BelowTargetLabel && !strings.HasPrefix(x, privacy.AtLeastPrefix) {
			panic("published count " + x)
		}
	}
	return 0, true
}

// hasHiddenLabel finds a hidden village count's label, as CSV and JSON write it.
func hasHiddenLabel(body string) bool {
	return strings.Contains(body, `"`+privacy.HiddenLabel+`"`) || strings.Contains(body, ","+privacy.HiddenLabel)
}

func rowsOf(v any) []map[string]any {
	var out []map[string]any
	for _, r := range v.(map[string]any)["rows"].([]any) {
		out = append(out, r.(map[string]any))
	}
	return out
}

// attack is one subtraction: a shown parent minus its shown children. It
// reports an error when the hidden children's total is recoverable (one
// hidden child, or a small total), and whether there was a hidden child.
func attack(parent int64, children []any, small func(int64) bool) (tried bool, err error) {
	rest, hidden := parent, 0
	for _, c := range children {
		n, h := published(c)
		if h {
			hidden++
			continue
		}
		rest -= n
	}
	switch {
	case hidden == 0 && rest != 0:
		return false, fmt.Errorf("nothing hidden but parent %d ≠ the children's sum (%d off)", parent, rest)
	case hidden == 1:
		return true, fmt.Errorf("exactly one child hidden: parent − shown children = %d recovers it", rest)
	case hidden > 1 && small(rest):
		return true, fmt.Errorf("%d hidden children total %d, a small count the rules hide", hidden, rest)
	}
	return hidden > 0, nil
}

func TestPrivacyAgainstSubtraction(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sys := lianxin.SystemScope()

	// Something to find: the exact figures hold small special-group counts.
	exact, _, err := coverage.NewReports(f.db, nil).Gaps(ctx, sys, coverage.GapQuery{All: true})
	if err != nil {
		t.Fatal(err)
	}
	small := 0
	for _, r := range exact {
		for _, g := range coverage.Groups {
			if privacy.SmallCount(r.SpecialUnvisited.Get(g)) {
				small++
			}
		}
	}
	if small == 0 {
		t.Fatal("the demo county has no special-group count from 1 to 10: the attacks below would prove nothing")
	}

	t.Run("small counts never shown", func(t *testing.T) {
		for _, format := range []string{"json", "csv", "geojson"} {
			rec := f.do(planner, "GET", "/api/v1/reports/gaps?all=true&format="+format, "")
			if rec.Code != 200 || !hasHiddenLabel(rec.Body.String()) {
				t.Errorf("gaps as %s for a planner = %d, holds %q: %v; want 200 with hidden counts", format, rec.Code,
					privacy.HiddenLabel, hasHiddenLabel(rec.Body.String()))
			}
		}
		for _, r := range rowsOf(f.getJSON(t, planner, "/api/v1/reports/gaps?all=true")) {
			for g, v := range r["special_unvisited"].(map[string]any) {
				if n, h := published(v); !h && privacy.SmallCount(n) {
					t.Errorf("village %s: special_unvisited.%s = %d shown to a planner, want %q", r["village_code"], g, n, privacy.HiddenLabel)
				}
			}
			if n, h := published(r["special_waiting"]); !h && privacy.SmallCount(n) {
				t.Errorf("village %s: special_waiting = %d shown to a planner", r["village_code"], n)
			}
			if n, h := published(r["special_waiting_households"]); !h && privacy.SmallCount(n) {
				t.Errorf("village %s: special_waiting_households = %d shown to a planner", r["village_code"], n)
			}
		}
		// A team leader sees the exact figures of the own town, and other
		// towns' as a planner does (household access there is not theirs).
		ownHidden, otherHidden := 0, 0
		for _, r := range rowsOf(f.getJSON(t, leader, "/api/v1/reports/gaps?all=true")) {
			hidden := 0
			for _, v := range r["special_unvisited"].(map[string]any) {
				n, h := published(v)
				if h {
					hidden++
				} else if privacy.SmallCount(n) && r["town_code"] != f.townA.Code {
					t.Errorf("village %s of town %s: a special_unvisited count of %d shown to town A's leader", r["village_code"], r["town_code"], n)
				}
			}
			if r["town_code"] == f.townA.Code {
				ownHidden += hidden
			} else {
				otherHidden += hidden
			}
		}
		if ownHidden != 0 || otherHidden == 0 {
			t.Errorf("gaps for town A's leader: %d hidden counts in town A, %d elsewhere; want none in town A and some elsewhere", ownHidden, otherHidden)
		}
	})

	t.Run("town minus villages, county minus towns", func(t *testing.T) {
		tried := 0
		county := f.getJSON(t, planner, "/api/v1/reports/summary")
		countyCounts := county.(map[string]any)["five_coverages"].(map[string]any)["special_unvisited"].(map[string]any)
		townCounts := map[string][]any{}
		for _, town := range f.county.Towns {
			sum := f.getJSON(t, planner, "/api/v1/reports/summary?town="+town.Code)
			counts := sum.(map[string]any)["five_coverages"].(map[string]any)["special_unvisited"].(map[string]any)
			rows := rowsOf(f.getJSON(t, planner, "/api/v1/reports/gaps?all=true&town="+town.Code))
			for _, g := range coverage.Groups {
				townCounts[string(g)] = append(townCounts[string(g)], counts[string(g)])
				parent, hidden := published(counts[string(g)])
				if hidden {
					continue
				}
				var children []any
				for _, r := range rows {
					children = append(children, r["special_unvisited"].(map[string]any)[string(g)])
				}
				ok, err := attack(parent, children, privacy.SmallCount)
				if err != nil {
					t.Errorf("town %s %s: summary %d minus its villages: %v", town.Code, g, parent, err)
				}
				if ok {
					tried++
				}
			}
		}
		for _, g := range coverage.Groups {
			parent, hidden := published(countyCounts[string(g)])
			if hidden {
				continue
			}
			ok, err := attack(parent, townCounts[string(g)], privacy.SmallCount)
			if err != nil {
				t.Errorf("county %s: summary %d minus its towns: %v", g, parent, err)
			}
			if ok {
				tried++
			}
		}
		if tried == 0 {
			t.Error("no town or county total had a hidden part: the attack proved nothing")
		}
		t.Logf("%d subtractions with hidden parts, none recovered a hidden count", tried)
	})

	// The villages × groups table has two margins adding up to one total:
	// the villages' sums over groups (special_waiting) and the town's
	// groups. With every village sum of a town readable, the total is
	// public and is a parent of the town's groups; with every group shown,
	// of the village sums. The county: every town's total readable, or its
	// groups all shown. special_waiting_households (D, each group's count
	// ≤ D ≤ the sum) bounds each hidden group of a village; it must pin
	// none.
	t.Run("villages' sums against the groups (margins)", func(t *testing.T) {
		// villageSum is a village's sum as the reader has it: shown, or
		// the sum of its groups when all are shown.
		villageSum := func(r map[string]any) (int64, bool) {
			if n, h := published(r["special_waiting"]); !h {
				return n, true
			}
			var sum int64
			for _, v := range r["special_unvisited"].(map[string]any) {
				n, h := published(v)
				if h {
					return 0, false
				}
				sum += n
			}
			return sum, true
		}
		groupsOf := func(path string) []any {
			counts := f.getJSON(t, planner, path).(map[string]any)["five_coverages"].(map[string]any)["special_unvisited"].(map[string]any)
			var out []any
			for _, g := range coverage.Groups {
				out = append(out, counts[string(g)])
			}
			return out
		}
		total := func(groups []any, rows []map[string]any) (int64, bool) {
			var sum int64
			for _, v := range groups {
				n, h := published(v)
				if h {
					sum = -1
					break
				}
				sum += n
			}
			if sum >= 0 {
				return sum, true
			}
			sum = 0
			for _, r := range rows {
				n, ok := villageSum(r)
				if !ok {
					return 0, false
				}
				sum += n
			}
			return sum, true
		}
		tried := 0
		check := func(area string, n int64, groups []any, rows []map[string]any) {
			if ok, err := attack(n, groups, privacy.SmallCount); err != nil {
				t.Errorf("%s: total over groups %d (from its villages' special_waiting) minus its groups: %v", area, n, err)
			} else if ok {
				tried++
			}
			var sums []any
			for _, r := range rows {
				if s, ok := villageSum(r); ok {
					sums = append(sums, float64(s))
				} else {
					sums = append(sums, privacy.HiddenLabel)
				}
			}
			if ok, err := attack(n, sums, privacy.SmallCount); err != nil {
				t.Errorf("%s: total over groups %d minus its villages' special_waiting: %v", area, n, err)
			} else if ok {
				tried++
			}
		}
		var countyTotal int64
		countyKnown := true
		var all []map[string]any
		for _, town := range f.county.Towns {
			groups := groupsOf("/api/v1/reports/summary?town=" + town.Code)
			rows := rowsOf(f.getJSON(t, planner, "/api/v1/reports/gaps?all=true&town="+town.Code))
			all = append(all, rows...)
			n, ok := total(groups, rows)
			if !ok {
				countyKnown = false
				continue
			}
			countyTotal += n
			check("town "+town.Code, n, groups, rows)
		}
		countyGroups := groupsOf("/api/v1/reports/summary")
		if n, ok := total(countyGroups, all); ok {
			countyTotal, countyKnown = n, true
		}
		if countyKnown {
			check("county", countyTotal, countyGroups, all)
		}
		// Within a village: the hidden groups' total X (the sum shown less
		// the groups shown) and D pin no hidden group: each lies in
		// [X − (k−1)·D, min(D, X)] for k hidden groups.
		for _, r := range all {
			sum, h := published(r["special_waiting"])
			d, dh := published(r["special_waiting_households"])
			if h || dh {
				continue
			}
			var k, shown int64
			for _, v := range r["special_unvisited"].(map[string]any) {
				if n, h := published(v); h {
					k++
				} else {
					shown += n
				}
			}
			if x := sum - shown; k > 0 && max(0, x-(k-1)*d) >= min(d, x) {
				t.Errorf("village %s: special_waiting %d, shown groups %d, special_waiting_households %d: the %d hidden groups are pinned",
					r["village_code"], sum, shown, d, k)
			}
		}
		if tried == 0 {
			t.Error("no margin had a hidden part: the attack proved nothing")
		}
		t.Logf("%d margin subtractions with hidden parts, none recovered a hidden count", tried)
	})

	t.Run("res-7 cell minus its res-8 children", func(t *testing.T) {
		cells := map[int]map[int64]map[string]any{}
		var window [2]string
		for _, res := range []int{6, 7, 8} {
			fc := f.getJSON(t, planner, fmt.Sprintf("/api/v1/export/h3_cells?format=geojson&resolution=%d", res))
			cells[res] = map[int64]map[string]any{}
			for _, ft := range fc.(map[string]any)["features"].([]any) {
				p := ft.(map[string]any)["properties"].(map[string]any)
				id, err := strconv.ParseUint(p["cell"].(string), 16, 64) // "id" is past float64's exact integers
				if err != nil {
					t.Fatalf("cell %v: %v", p["cell"], err)
				}
				cells[res][int64(id)] = p
				window = [2]string{p["window_from"].(string), p["window_to"].(string)}
			}
		}
		// Exact res-8 cells, to know which children the planner's answer
		// left out: without the villages the planner's gap report
		// suppresses, as the planner's cells are published.
		from, _ := time.ParseInLocation(coverage.DayLayout, window[0], coverage.Zone)
		to, _ := time.ParseInLocation(coverage.DayLayout, window[1], coverage.Zone)
		pub, err := coverage.PublishVillages(ctx, f.db, lianxin.Scope{User: planner, Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true},
			coverage.Window{From: from, To: to}, coverage.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		var leaveOut []int32
		for _, v := range pub.Villages {
			if v.Suppressed {
				leaveOut = append(leaveOut, v.VillageID)
			}
		}
		all, err := f.db.CountyCells(ctx, sys, 8, coverage.Window{From: from, To: to}, leaveOut)
		if err != nil {
			t.Fatal(err)
		}
		exists := map[int]map[int64]bool{8: {}, 7: {}}
		smallCells := 0
		for _, c := range all {
			exists[8][c.Cell] = true
			p, _ := geo.ParentCell(c.Cell, 7)
			exists[7][p] = true
			if privacy.TooFewHouseholds(c.Households) || privacy.SmallCount(c.SpecialUnvisited) {
				smallCells++
			}
		}
		if smallCells == 0 {
			t.Fatal("no res-8 cell with 1-4 households or 1-10 special households waiting: nothing to protect")
		}
		tried := 0
		for _, res := range []int{6, 7} {
			kids := map[int64][]int64{}
			for id := range exists[res+1] {
				p, _ := geo.ParentCell(id, res)
				kids[p] = append(kids[p], id)
			}
			if res == 6 {
				for id := range exists[7] {
					p, _ := geo.ParentCell(id, 6)
					if !slices.Contains(kids[p], id) {
						kids[p] = append(kids[p], id)
					}
				}
			}
			for id, parent := range cells[res] {
				for _, m := range []struct {
					field string
					small func(int64) bool
				}{{"households", privacy.TooFewHouseholds}, {"special_households", privacy.SmallCount}, {"special_unvisited", privacy.SmallCount}} {
					pv, hidden := published(parent[m.field])
					if hidden {
						continue
					}
					var children []any
					for _, k := range kids[id] {
						c, ok := cells[res+1][k]
						if !ok {
							children = append(children, nil) // left out: hidden whole
							continue
						}
						children = append(children, c[m.field])
					}
					ok, err := attack(pv, children, m.small)
					if err != nil {
						t.Errorf("res-%d cell %x %s = %d minus its res-%d children: %v", res, id, m.field, pv, res+1, err)
					}
					if ok {
						tried++
					}
				}
			}
		}
		if tried == 0 {
			t.Error("no parent cell had a hidden child: the attack proved nothing")
		}
		t.Logf("%d parent-minus-children subtractions with hidden parts, none recovered a hidden count", tried)
		// Finer than resolution 8, or one town's share of each cell, is refused.
		for _, path := range []string{"/api/v1/export/h3_cells?format=geojson&resolution=9",
			"/api/v1/export/h3_cells?format=geojson&town=" + f.townA.Code} {
			if rec := f.do(planner, "GET", path, ""); rec.Code != 403 {
				t.Errorf("GET %s as a planner = %d %.200s, want 403", path, rec.Code, rec.Body)
			}
		}
	})

	t.Run("hexagon tiles agree with the protected cells", func(t *testing.T) {
		fc := f.getJSON(t, planner, "/api/v1/export/h3_cells?format=geojson&resolution=8")
		want := map[string]any{}
		for _, ft := range fc.(map[string]any)["features"].([]any) {
			p := ft.(map[string]any)["properties"].(map[string]any)
			want[p["cell"].(string)] = p["special_unvisited"]
		}
		h := f.county.Households[len(f.county.Households)/2].Location
		checked := 0
		for _, z := range []maptile.Zoom{10, 13} { // resolution 8, and 10 capped to 8 for a planner
			tl := maptile.At(h, z)
			rec := f.do(planner, "GET", fmt.Sprintf("/tiles/h3/%d/%d/%d.mvt", tl.Z, tl.X, tl.Y), "")
			if rec.Code != 200 {
				t.Fatalf("h3 tile %v as a planner = %d %.200s", tl, rec.Code, rec.Body)
			}
			layers, err := mvt.Unmarshal(rec.Body.Bytes())
			if err != nil || len(layers) != 1 {
				t.Fatalf("h3 tile %v: %d layers, %v", tl, len(layers), err)
			}
			for _, ft := range layers[0].Features {
				cell := ft.Properties["cell"].(string)
				if r := ft.Properties["resolution"]; fmt.Sprint(r) != "8" {
					t.Errorf("h3 tile %v as a planner holds cell %s at resolution %v, want 8 at most", tl, cell, r)
				}
				got, shown := ft.Properties["special_waiting"]
				w, ok := want[cell]
				if !ok {
					t.Errorf("h3 tile %v shows cell %s, which the export leaves out (suppressed)", tl, cell)
					continue
				}
				if shown != (w != nil) || shown && fmt.Sprint(got) != fmt.Sprint(w) {
					t.Errorf("cell %s: tile special_waiting %v (shown %v), export special_unvisited %v", cell, got, shown, w)
				}
				checked++
			}
		}
		if checked == 0 {
			t.Error("no hexagon in the tiles: nothing compared")
		}
	})

	t.Run("one window minus a day longer one", func(t *testing.T) {
		a, b := "from=2026-03-01&to=2026-06-01", "from=2026-03-01&to=2026-06-02"
		// Exact figures differ between the two windows: a day of visits.
		wa, _ := coverage.NewWindow(time.Date(2026, 3, 1, 0, 0, 0, 0, coverage.Zone), time.Date(2026, 6, 1, 0, 0, 0, 0, coverage.Zone))
		wb := coverage.Window{From: wa.From, To: wa.To.AddDate(0, 0, 1)}
		ea, _ := f.db.VillageCoverage(ctx, sys, wa, coverage.Filter{})
		eb, _ := f.db.VillageCoverage(ctx, sys, wb, coverage.Filter{})
		differ := 0
		for i := range ea {
			if ea[i].VisitedHouseholds != eb[i].VisitedHouseholds || ea[i].SpecialUnvisited != eb[i].SpecialUnvisited {
				differ++
			}
		}
		if differ == 0 {
			t.Fatal("no village's figures change on 2026-06-01: the attack proved nothing")
		}
		for _, path := range []string{"/api/v1/reports/gaps?all=true&", "/api/v1/reports/summary?", "/api/v1/reports/forecast?",
			"/api/v1/export/village_coverage?format=csv&", "/api/v1/export/h3_cells?format=csv&resolution=7&"} {
			ra, rb := f.do(planner, "GET", path+a, ""), f.do(planner, "GET", path+b, "")
			if ra.Code != 200 || rb.Code != 200 || !bytes.Equal(ra.Body.Bytes(), rb.Body.Bytes()) {
				t.Errorf("GET %s as a planner: [Mar 1, Jun 1) = %d and [Mar 1, Jun 2) = %d, bodies equal %v; want the same answer (whole weeks)",
					path, ra.Code, rb.Code, bytes.Equal(ra.Body.Bytes(), rb.Body.Bytes()))
			}
		}
		g := f.getJSON(t, planner, "/api/v1/reports/gaps?"+b).(map[string]any)
		if g["from"] != "2026-03-01" || g["to"] != "2026-06-07" {
			t.Errorf("gaps for [2026-03-01, 2026-06-02) as a planner covers [%v, %v), want the whole weeks [2026-03-01, 2026-06-07)", g["from"], g["to"])
		}
		// The village panel and the tiles go through the same window rule.
		v := f.county.Villages[0].Code
		pa := f.getJSON(t, planner, "/api/v1/villages/"+v+"?"+a)
		pb := f.getJSON(t, planner, "/api/v1/villages/"+v+"?"+b)
		ja, _ := json.Marshal(pa)
		jb, _ := json.Marshal(pb)
		if !bytes.Equal(ja, jb) {
			t.Errorf("village %s panel differs between the two windows for a planner", v)
		}
	})
}

// personalStrings returns head names, phones and ID numbers of the demo
// county's households that appear nowhere else by chance (a head's name can
// also be a member's).
func (f *fixture) personalStrings(n int) []string {
	others := map[string]bool{}
	for _, m := range f.county.Members {
		others[m.Name] = true
	}
	var out []string
	for _, h := range f.county.Households {
		if len(out) >= 3*n {
			break
		}
		if utf8Len(h.HeadName) >= 3 && !others[h.HeadName] && h.HeadName != "" {
			out = append(out, h.HeadName, h.Phone, h.IDNumber)
		}
	}
	return out
}

func utf8Len(s string) int { return len([]rune(s)) }

// No personal field in any answer a planner or a gis user without the
// personal grant can get: every report in every format, the village panel,
// every exportable layer, OGC items, and tiles of every layer over the
// county, scanned for household heads' names, phones and ID numbers.
func TestNoPersonalFieldInOutputs(t *testing.T) {
	f := newFixture(t)
	secrets := f.personalStrings(40)
	if len(secrets) < 30 {
		t.Fatalf("found %d personal strings to look for, want 30", len(secrets))
	}
	team := f.county.Teams[0].Code
	paths := []string{"/api/v1/campaign", "/api/v1/towns", "/api/v1/teams", "/api/v1/snapshots"}
	for _, format := range []string{"json", "csv", "geojson"} {
		paths = append(paths, "/api/v1/reports/gaps?all=true&format="+format, "/api/v1/reports/next?team="+team+"&format="+format)
	}
	for _, format := range []string{"json", "csv"} {
		paths = append(paths, "/api/v1/reports/members?format="+format, "/api/v1/reports/diary-sample?n=200&format="+format,
			"/api/v1/reports/forecast?format="+format)
	}
	paths = append(paths, "/api/v1/reports/summary")
	for _, v := range f.county.Villages[:5] {
		paths = append(paths, "/api/v1/villages/"+v.Code)
	}
	for _, layer := range []string{"towns", "villages", "teams", "members", "contact_points", "projects", "river_works",
		"village_coverage", "gaps", "h3_cells"} {
		paths = append(paths, "/api/v1/export/"+layer+"?format=geojson", "/api/v1/export/"+layer+"?format=csv",
			"/ogc/collections/"+layer+"/items?limit=1000")
	}
	// Tiles: every layer a planner may see, over the county at three zooms.
	var bound orb.Bound
	for i, h := range f.county.Households {
		if i == 0 {
			bound = h.Location.Bound()
		}
		bound = bound.Extend(h.Location)
	}
	for _, z := range []maptile.Zoom{9, 11} {
		lo, hi := maptile.At(orb.Point{bound.Min[0], bound.Max[1]}, z), maptile.At(orb.Point{bound.Max[0], bound.Min[1]}, z)
		var tiles []maptile.Tile
		for x := lo.X; x <= hi.X; x++ {
			for y := lo.Y; y <= hi.Y; y++ {
				tiles = append(tiles, maptile.New(x, y, z))
			}
		}
		step := max(1, len(tiles)/4)
		for i := 0; i < len(tiles); i += step {
			tl := tiles[i]
			paths = append(paths, fmt.Sprintf("/tiles/towns,villages,h3,contact_points,projects,river_works/%d/%d/%d.mvt", tl.Z, tl.X, tl.Y))
		}
	}
	// And error messages: asking for things that do not exist.
	paths = append(paths, "/api/v1/villages/NOPE", "/api/v1/reports/gaps?town=NOPE", "/ogc/collections/villages/items/987654321")
	scanned := 0
	for _, role := range []string{planner, gis} {
		for _, p := range paths {
			start := time.Now()
			rec := f.do(role, "GET", p, "")
			if d := time.Since(start); d > time.Second {
				t.Logf("SLOW %s %s %v", role, p, d)
			}
			if rec.Code >= 500 {
				t.Errorf("GET %s as %s = %d %.200s", p, role, rec.Code, rec.Body)
			}
			scanned += rec.Body.Len()
			for _, s := range secrets {
				if bytes.Contains(rec.Body.Bytes(), []byte(s)) {
					t.Errorf("GET %s as %s: the answer holds %q, a household's personal field", p, role, s)
				}
			}
		}
	}
	t.Logf("scanned %d bytes of %d answers for %d personal strings", scanned, 2*len(paths), len(secrets))
}

// num reads a JSON number of an answer (0 when blank).
func num(m map[string]any, key string) int64 {
	n, _ := m[key].(float64)
	return int64(n)
}

// villageSums adds up the visits and problems of gap rows (as the API
// writes them), over the rows keep says.
type villageSums struct{ visits, collected, resolved int64 }

func sumRows(rows []map[string]any, keep func(map[string]any) bool) villageSums {
	var s villageSums
	for _, r := range rows {
		if keep(r) {
			s.visits += num(r, "visits")
			s.collected += num(r, "problems_collected")
			s.resolved += num(r, "problems_resolved")
		}
	}
	return s
}

func exactSums(rows []coverage.GapRow, keep func(coverage.GapRow) bool) villageSums {
	var s villageSums
	for _, r := range rows {
		if keep(r) {
			s.visits += r.Visits
			s.collected += r.ProblemsCollected
			s.resolved += r.ProblemsResolved
		}
	}
	return s
}

func isSuppressed(r map[string]any) bool { return r["suppressed"] == true }

// The subtractions of the rows about people and of the diary totals,
// through the API as a signed-in planner, after one village per town was
// cut to 3 households (suppressed, with its entries): a town's summary less
// its gap report's villages, a town's members' entries (members report)
// less the same villages, a snapshot diff less the change of its villages
// shown, and the diary sample's entries. Each leaves exactly the entries
// outside every village (the exact figures say how many), never one of a
// suppressed village; each attack is checked to have had entries of
// suppressed villages to find. Town A's leader gets the exact figures of
// town A.
func TestPrivacyOfTotalsAndRowsAgainstSubtraction(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	conn := storetest.Connect(t, f.url)
	day := func(s string) time.Time {
		d, err := time.ParseInLocation(coverage.DayLayout, s, coverage.Zone)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	// Whole campaign weeks, so the planner's answers cover what was asked.
	wa := coverage.Window{From: day("2026-03-01"), To: day("2026-06-28")}
	w := coverage.Window{From: day("2026-03-01"), To: day("2026-09-27")}
	small := demotest.ShrinkOneVillagePerTown(t, conn, wa.To, w.To)
	if len(small) != len(f.county.Towns) {
		t.Fatalf("set-up: shrank a village in %d of %d towns", len(small), len(f.county.Towns))
	}
	param := func(w coverage.Window) string {
		return "from=" + w.From.Format(coverage.DayLayout) + "&to=" + w.To.Format(coverage.DayLayout)
	}
	sys := lianxin.SystemScope()
	exact := coverage.NewReports(f.db, nil)
	exactGaps := func(town string, w coverage.Window) []coverage.GapRow {
		t.Helper()
		rows, _, err := exact.Gaps(ctx, sys, coverage.GapQuery{Query: coverage.Query{Town: town, From: w.From, To: w.To}, All: true})
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	exactSummary := func(town string, w coverage.Window) coverage.Summary {
		t.Helper()
		s, err := exact.Summary(ctx, sys, coverage.Query{Town: town, From: w.From, To: w.To})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	// outside is what the exact figures hold beyond every village of the
	// area: entries outside any village, or in another town's village.
	outside := func(town string, w coverage.Window) villageSums {
		s := exactSummary(town, w)
		all := exactSums(exactGaps(town, w), func(coverage.GapRow) bool { return true })
		return villageSums{s.Visits - all.visits, s.OpinionsCollected - all.collected, s.ProblemsResolved - all.resolved}
	}
	gapsAs := func(role, town string, w coverage.Window) []map[string]any {
		t.Helper()
		return rowsOf(f.getJSON(t, role, "/api/v1/reports/gaps?all=true&town="+town+"&"+param(w)))
	}
	suppressedCodes := map[string]bool{} // every village the planner's county gap report blanks
	for _, r := range gapsAs(planner, "", w) {
		if isSuppressed(r) {
			suppressedCodes[r["village_code"].(string)] = true
		}
	}
	for town, code := range small {
		if !suppressedCodes[code] {
			t.Fatalf("set-up: village %s of town %s (3 households) is not suppressed in the planner's gap report", code, town)
		}
	}
	// hiddenVisits is the exact visits of the villages the planner's gap
	// report of town suppresses: what each attack could find.
	hiddenVisits := func(town string, w coverage.Window) int64 {
		return exactSums(exactGaps(town, w), func(g coverage.GapRow) bool { return suppressedCodes[g.VillageCode] }).visits
	}
	towns := []string{""}
	for _, tw := range f.county.Towns {
		towns = append(towns, tw.Code)
	}

	t.Run("summary minus the gap report's villages", func(t *testing.T) {
		var found int64
		cases := []struct{ role, town string }{{leader, f.townB.Code}, {leader, ""}}
		for _, town := range towns {
			cases = append(cases, struct{ role, town string }{planner, town})
		}
		for _, tc := range cases {
			sum := f.getJSON(t, tc.role, "/api/v1/reports/summary?town="+tc.town+"&"+param(w)).(map[string]any)
			rows := gapsAs(tc.role, tc.town, w)
			shown := sumRows(rows, func(r map[string]any) bool { return !isSuppressed(r) })
			got := villageSums{num(sum, "visits") - shown.visits, num(sum, "opinions_collected") - shown.collected,
				num(sum, "problems_resolved") - shown.resolved}
			if want := outside(tc.town, w); got != want {
				t.Errorf("summary of %q as %s less its gap report's villages shown = %+v (visits, collected, resolved), want %+v (outside every village); the rest is the suppressed villages'",
					tc.town, tc.role, got, want)
			}
			if tc.town != "" && tc.role == planner {
				found += hiddenVisits(tc.town, w)
			}
		}
		if found == 0 {
			t.Fatal("the suppressed villages have no visits: the attack had nothing to find")
		}
		// Town A's leader: its own town exact, no village blank.
		sum := f.getJSON(t, leader, "/api/v1/reports/summary?town="+f.townA.Code+"&"+param(w)).(map[string]any)
		if got, want := num(sum, "visits"), exactSummary(f.townA.Code, w).Visits; got != want {
			t.Errorf("summary of own town %s as its leader: visits %d, want the exact %d", f.townA.Code, got, want)
		}
		for _, r := range gapsAs(leader, f.townA.Code, w) {
			if isSuppressed(r) {
				t.Errorf("gap report of own town %s as its leader: village %s suppressed, want every village exact", f.townA.Code, r["village_code"])
			}
		}
		t.Logf("the planner's town summaries had %d visits of suppressed villages to find; none found", found)
	})

	t.Run("members report minus the gap report", func(t *testing.T) {
		townOf := map[string]string{}
		for _, m := range f.county.Members {
			for _, tw := range f.county.Towns {
				if tw.ID == m.TownID {
					townOf[m.Code] = tw.Code
				}
			}
		}
		byTown := map[string]villageSums{}
		for _, r := range rowsOf(f.getJSON(t, planner, "/api/v1/reports/members?"+param(w))) {
			town := townOf[r["member_code"].(string)]
			s := byTown[town]
			s.visits += num(r, "diary_entries")
			s.collected += num(r, "problems_collected")
			s.resolved += num(r, "problems_resolved")
			byTown[town] = s
			var weekly int64
			for _, n := range r["weekly_visits"].([]any) {
				weekly += int64(n.(float64))
			}
			if weekly != num(r, "diary_entries") {
				t.Errorf("members report as planner: member %s's weekly visits add up to %d, diary entries %d", r["member_code"], weekly, num(r, "diary_entries"))
			}
			if n, hidden := published(r["households_contacted"]); !hidden && n > 0 && n < coverage.ContactTarget {
				t.Errorf("members report as planner: member %s contacted %d households, shown; want %q from 1 to %d", r["member_code"], n, coverage.BelowTargetLabel, coverage.ContactTarget-1)
			}
		}
		var found int64
		for _, town := range towns[1:] {
			shown := sumRows(gapsAs(planner, town, w), func(r map[string]any) bool { return !isSuppressed(r) })
			got := byTown[town]
			got.visits, got.collected, got.resolved = got.visits-shown.visits, got.collected-shown.collected, got.resolved-shown.resolved
			if want := outside(town, w); got != want {
				t.Errorf("members report as planner: town %s's members' entries less its villages shown = %+v (entries, collected, resolved), want %+v (outside every village)",
					town, got, want)
			}
			found += hiddenVisits(town, w)
		}
		if found == 0 {
			t.Fatal("the suppressed villages have no entries: the attack had nothing to find")
		}
		// Town A's leader: town A's members only, every entry counted.
		var entries int64
		for _, r := range rowsOf(f.getJSON(t, leader, "/api/v1/reports/members?"+param(w))) {
			if townOf[r["member_code"].(string)] != f.townA.Code {
				t.Errorf("members report as town A's leader lists member %s of town %s", r["member_code"], townOf[r["member_code"].(string)])
			}
			entries += num(r, "diary_entries")
		}
		if want := exactSummary(f.townA.Code, w).Visits; entries != want {
			t.Errorf("members report as town A's leader: %d entries, want the exact %d (its suppressed village %s's included)", entries, want, small[f.townA.Code])
		}
	})

	t.Run("diary sample", func(t *testing.T) {
		drawn := 0
		for _, team := range f.county.Teams {
			for _, seed := range []int{1, 2} {
				path := fmt.Sprintf("/api/v1/reports/diary-sample?team=%s&n=200&seed=%d&%s", team.Code, seed, param(w))
				for _, r := range rowsOf(f.getJSON(t, planner, path)) {
					drawn++
					code, _ := r["village_code"].(string)
					switch {
					case r["household"] != "" && r["household"] != nil:
						t.Errorf("GET %s as planner: entry names household %v", path, r["household"])
					case r["visit_id"] != "" && r["visit_id"] != nil:
						t.Errorf("GET %s as planner: entry has id %v", path, r["visit_id"])
					case code == "" || suppressedCodes[code]:
						t.Errorf("GET %s as planner: an entry of village %q, which the gap report suppresses (or none)", path, code)
					}
				}
			}
		}
		if drawn == 0 {
			t.Fatal("the planner's diary samples drew nothing")
		}
		// Something to find: town A's leader draws entries of the shrunk
		// village of town A, with their households.
		var inSmall int
		for _, team := range f.county.Teams {
			if team.TownID != f.townA.ID {
				continue
			}
			for seed := 1; seed <= 5; seed++ {
				path := fmt.Sprintf("/api/v1/reports/diary-sample?team=%s&n=200&seed=%d&%s", team.Code, seed, param(w))
				for _, r := range rowsOf(f.getJSON(t, leader, path)) {
					if r["village_code"] == small[f.townA.Code] && r["household"] != "" && r["visit_id"] != "" {
						inSmall++
					}
				}
			}
		}
		if inSmall == 0 {
			t.Errorf("town A's leader drew no entry (with household and id) of its suppressed village %s: the planner's check had nothing to miss", small[f.townA.Code])
		}
		t.Logf("the planner drew %d entries, none of a suppressed village; town A's leader drew %d of village %s", drawn, inSmall, small[f.townA.Code])
	})

	t.Run("snapshot diff minus its villages shown", func(t *testing.T) {
		snapshot := func(role, asOf, town string) int64 {
			t.Helper()
			rec := f.do(role, "POST", "/api/v1/snapshots", fmt.Sprintf(`{"as_of":%q,"town":%q}`, asOf, town))
			if rec.Code != 201 {
				t.Fatalf("POST /api/v1/snapshots as of %s town %q as %s = %d %.300s, want 201", asOf, town, role, rec.Code, rec.Body)
			}
			var s struct {
				ID int64 `json:"id"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &s); err != nil {
				t.Fatal(err)
			}
			return s.ID
		}
		diff := func(role, town string) map[string]any {
			t.Helper()
			a, b := snapshot(role, wa.LastDay().Format(coverage.DayLayout), town), snapshot(role, w.LastDay().Format(coverage.DayLayout), town)
			return f.getJSON(t, role, fmt.Sprintf("/api/v1/snapshots/%d/diff/%d", a, b)).(map[string]any)["summary"].(map[string]any)
		}
		// A leader keeps snapshots of their own towns only.
		for _, town := range []string{f.townB.Code, ""} {
			body := fmt.Sprintf(`{"as_of":%q,"town":%q}`, wa.LastDay().Format(coverage.DayLayout), town)
			if rec := f.do(leader, "POST", "/api/v1/snapshots", body); rec.Code != 403 {
				t.Errorf("POST /api/v1/snapshots %s as town A's leader = %d %.200s, want 403", body, rec.Code, rec.Body)
			}
		}
		var found int64
		var cases []struct{ role, town string }
		for _, town := range towns {
			cases = append(cases, struct{ role, town string }{planner, town})
		}
		for _, tc := range cases {
			d := diff(tc.role, tc.town)
			ga, gb := gapsAs(tc.role, tc.town, wa), gapsAs(tc.role, tc.town, w)
			hidden := map[string]bool{}
			for _, r := range slices.Concat(ga, gb) {
				code := r["village_code"].(string)
				hidden[code] = hidden[code] || isSuppressed(r)
			}
			shown := func(r map[string]any) bool { return !hidden[r["village_code"].(string)] }
			sa, sb := sumRows(ga, shown), sumRows(gb, shown)
			oa, ob := outside(tc.town, wa), outside(tc.town, w)
			for _, c := range []struct {
				field              string
				shownChange, extra int64
			}{
				{"visits", sb.visits - sa.visits, ob.visits - oa.visits},
				{"opinions_collected", sb.collected - sa.collected, ob.collected - oa.collected},
				{"problems_resolved", sb.resolved - sa.resolved, ob.resolved - oa.resolved},
			} {
				got, ok := d[c.field].(float64)
				if !ok {
					t.Errorf("diff of %q as %s: no %s change in %v", tc.town, tc.role, c.field, d)
					continue
				}
				if left := int64(got) - c.shownChange; left != c.extra {
					t.Errorf("diff of %q as %s: %s change %d less its villages shown (%d) leaves %d, want %d (outside every village); the rest is the suppressed villages'",
						tc.town, tc.role, c.field, int64(got), c.shownChange, left, c.extra)
				}
			}
			if tc.town != "" && tc.role == planner {
				found += hiddenVisits(tc.town, w) - hiddenVisits(tc.town, wa)
			}
		}
		if found == 0 {
			t.Fatal("the suppressed villages have no visits between the snapshots: the attack had nothing to find")
		}
		d := diff(leader, f.townA.Code)
		if got, want := int64(d["visits"].(float64)), exactSummary(f.townA.Code, w).Visits-exactSummary(f.townA.Code, wa).Visits; got != want {
			t.Errorf("diff of own town %s as its leader: visits change %d, want the exact %d", f.townA.Code, got, want)
		}
		t.Logf("the planner's diffs had %d visits of suppressed villages to find; none found", found)
	})

	t.Run("hexagons minus the summary", func(t *testing.T) {
		// Cells count entries where they were made, the summary by the
		// writer's town: the county's cells of a resolution less the
		// county's summary leave the entries without a location and those
		// in cells too small to publish (negative), and nothing of the
		// suppressed villages, which both leave out.
		ids := map[string]int32{}
		exactVillages, err := f.db.VillageCoverage(ctx, sys, w, coverage.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range exactVillages {
			ids[v.VillageCode] = v.VillageID
		}
		var leaveOut []int32
		for code := range suppressedCodes {
			leaveOut = append(leaveOut, ids[code])
		}
		var unlocated int64
		if err := conn.QueryRow(ctx, `SELECT coalesce(sum(visits), 0) FROM coverage_visit_days
			WHERE day >= $1 AND day < $2 AND cell = 0 AND village_id <> ALL ($3)`, w.From, w.To, leaveOut).Scan(&unlocated); err != nil {
			t.Fatal(err)
		}
		summary := num(f.getJSON(t, planner, "/api/v1/reports/summary?"+param(w)).(map[string]any), "visits")
		found := hiddenVisits("", w)
		if found == 0 {
			t.Fatal("the suppressed villages have no visits: the attack had nothing to find")
		}
		for res := coverage.MinCellResolution; res <= coverage.MaxPublishedResolution; res++ {
			fc := f.getJSON(t, planner, fmt.Sprintf("/api/v1/export/h3_cells?format=geojson&resolution=%d&%s", res, param(w)))
			shown := map[string]bool{}
			var cells int64
			for _, ft := range fc.(map[string]any)["features"].([]any) {
				p := ft.(map[string]any)["properties"].(map[string]any)
				shown[p["cell"].(string)] = true
				cells += num(p, "visits")
			}
			exactCells, err := f.db.CountyCells(ctx, sys, res, w, leaveOut)
			if err != nil {
				t.Fatal(err)
			}
			var unpublished int64
			for _, c := range exactCells {
				if !shown[coverage.H3String(c.Cell)] {
					unpublished += c.Visits
				}
			}
			if got, want := cells-summary, -unpublished-unlocated; got != want {
				t.Errorf("res-%d cells' visits %d less the county summary's %d as planner = %d, want %d (villages shown: %d in cells not published, %d without a location); the suppressed villages have %d",
					res, cells, summary, got, want, unpublished, unlocated, found)
			}
		}
		t.Logf("the planner's hexagons less the summary had %d visits of suppressed villages to find; none found", found)
	})
}
