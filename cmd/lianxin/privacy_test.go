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
	"lianxin/geo"
	"lianxin/privacy"
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

// published reads a published count: its value, or hidden for "<11", a
// hidden sum's bound "≥n" and null.
func published(v any) (n int64, hidden bool) {
	switch x := v.(type) {
	case float64:
		return int64(x), false
	case string:
		if x != privacy.SmallLabel && !strings.HasPrefix(x, privacy.AtLeastPrefix) {
			panic("published count " + x)
		}
	}
	return 0, true
}

// hasSmallLabel finds "<11" as CSV writes it and as JSON escapes it.
func hasSmallLabel(body string) bool {
	return strings.Contains(body, privacy.SmallLabel) || strings.Contains(body, `\u003c11`)
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
			if rec.Code != 200 || !hasSmallLabel(rec.Body.String()) {
				t.Errorf("gaps as %s for a planner = %d, holds %q: %v; want 200 with hidden counts", format, rec.Code,
					privacy.SmallLabel, hasSmallLabel(rec.Body.String()))
			}
		}
		for _, r := range rowsOf(f.getJSON(t, planner, "/api/v1/reports/gaps?all=true")) {
			for g, v := range r["special_unvisited"].(map[string]any) {
				if n, h := published(v); !h && privacy.SmallCount(n) {
					t.Errorf("village %s: special_unvisited.%s = %d shown to a planner, want %q", r["village_code"], g, n, privacy.SmallLabel)
				}
			}
			if n, h := published(r["special_waiting"]); !h && privacy.SmallCount(n) {
				t.Errorf("village %s: special_waiting = %d shown to a planner", r["village_code"], n)
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
		// Exact res-8 cells, to know which children the planner's answer left out.
		from, _ := time.ParseInLocation(coverage.DayLayout, window[0], coverage.Zone)
		to, _ := time.ParseInLocation(coverage.DayLayout, window[1], coverage.Zone)
		all, err := f.db.CellAggregates(ctx, sys, 8, coverage.Window{From: from, To: to}, orb.Bound{}, "")
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
