package coverage

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/paulmach/orb"

	"lianxin/geo"
)

// randomCounty makes villages in a few towns with small and large counts,
// so that every privacy rule has something to hide.
func randomCounty(r *rand.Rand, villages int) []VillageCoverage {
	vs := make([]VillageCoverage, villages)
	for i := range vs {
		v := VillageCoverage{VillageID: int32(i + 1), VillageCode: fmt.Sprintf("V%04d", i), TownCode: fmt.Sprintf("T%02d", i%7)}
		v.Households = int64(r.IntN(300))
		for _, g := range Groups {
			n := int64(r.IntN(30))
			v.SpecialHouseholds.AddGroup(g, n)
			v.SpecialUnvisited.AddGroup(g, int64(r.IntN(int(n)+1)))
		}
		// Households in several groups: the distinct counts lie between
		// the largest group and the sum.
		v.SpecialDistinct = v.SpecialHouseholds.Total() * 3 / 4
		v.SpecialDistinctUnvisited = min(v.SpecialDistinct, v.SpecialUnvisited.Total()*3/4)
		vs[i] = v
	}
	return vs
}

// marksOf is what PublishVillages takes from ProtectVillages, as text.
func marksOf(masked []VillageCoverage) map[int32]villageMarks {
	m := map[int32]villageMarks{}
	for _, v := range masked {
		m[v.VillageID] = villageMarks{suppressed: v.Suppressed, waitingHidden: v.SpecialWaitingHidden,
			distinctHidden: v.SpecialDistinctHidden, special: v.SpecialHouseholds.hidden, unvisited: v.SpecialUnvisited.hidden}
	}
	return m
}

// The memo answers exactly what ProtectVillages answers, for a repeated
// input and for an input that differs in one figure, and a caller changing
// the towns it got cannot change a later answer.
func TestProtectMarksMatchesProtectVillages(t *testing.T) {
	villagesMemo = memo[protectInput, protectedVillages]{}
	r := rand.New(rand.NewPCG(7, 8))
	county := randomCounty(r, 400)
	changed := randomCounty(rand.New(rand.NewPCG(7, 8)), 400)
	changed[17].SpecialUnvisited.AddGroup(Groups[2], 3) // one figure moves: the memo must not answer
	hidden := 0
	for step, in := range [][]VillageCoverage{county, county, changed, county, changed} {
		masked, wantTowns, wantCounty := ProtectVillages(in)
		want := marksOf(masked)
		marks, towns, c := protectMarks(in, nil)
		if got := fmt.Sprint(marks); got != fmt.Sprint(want) {
			t.Fatalf("step %d: marks differ from ProtectVillages:\n got %.400s\nwant %.400s", step, got, fmt.Sprint(want))
		}
		if fmt.Sprint(towns) != fmt.Sprint(wantTowns) || c != wantCounty {
			t.Fatalf("step %d: towns/county differ:\n got %v %v\nwant %v %v", step, towns, c, wantTowns, wantCounty)
		}
		for k := range towns {
			towns[k] = SpecialCounts{Poor: -1}
		}
		for _, m := range marks {
			if m.special != 0 || m.unvisited != 0 || m.suppressed {
				hidden++
			}
		}
	}
	if hidden == 0 {
		t.Fatal("no village had anything hidden: the test county does not exercise the rules")
	}
	if n := len(villagesMemo.entries); n != 2 {
		t.Errorf("memo holds %d entries after two distinct inputs; want 2", n)
	}
}

// randomCells makes resolution-8 cells around a county seat with small and
// large counts, so that the cell rules have something to hide.
func randomCells(t *testing.T, r *rand.Rand, points int) []CellAggregate {
	t.Helper()
	byCell := map[int64]*CellAggregate{}
	var order []int64
	for range points {
		p := orb.Point{120.0 + r.Float64()*0.3, 32.0 + r.Float64()*0.3}
		id, err := geo.CellIDOf(p, 8)
		if err != nil {
			t.Fatal(err)
		}
		c, ok := byCell[id]
		if !ok {
			c = &CellAggregate{Cell: id, H3: H3String(id), Resolution: 8}
			byCell[id] = c
			order = append(order, id)
		}
		c.Households++
		c.Residents += int64(1 + r.IntN(5))
		if r.IntN(4) == 0 {
			c.SpecialHouseholds++
			if r.IntN(2) == 0 {
				c.SpecialUnvisited++
			}
		}
	}
	out := make([]CellAggregate, len(order))
	for i, id := range order {
		out[i] = *byCell[id]
	}
	return out
}

// The cells memo answers exactly what ProtectCells answers, for a repeated
// input and for one that differs in one figure.
func TestProtectCellsMatchesProtectCells(t *testing.T) {
	cellsMemo = memo[CellAggregate, map[int][]CellAggregate]{}
	fine := randomCells(t, rand.New(rand.NewPCG(3, 4)), 6000)
	changed := slices.Clone(fine)
	changed[5].SpecialUnvisited++
	hidden := 0
	for step, in := range [][]CellAggregate{fine, fine, changed, fine} {
		want, err := ProtectCells(in)
		if err != nil {
			t.Fatal(err)
		}
		got, err := protectCells(in, cellsKnown{})
		if err != nil {
			t.Fatal(err)
		}
		// ProtectCells' order within a level is not fixed (PublishCells
		// sorts what it keeps): compare each level by cell.
		byCell := func(levels map[int][]CellAggregate) string {
			out := map[int][]CellAggregate{}
			for res, cs := range levels {
				out[res] = slices.SortedFunc(slices.Values(cs), func(a, b CellAggregate) int { return cmp.Compare(a.Cell, b.Cell) })
			}
			return fmt.Sprint(out)
		}
		if byCell(got) != byCell(want) {
			t.Fatalf("step %d: protectCells differs from ProtectCells", step)
		}
		for _, cs := range got {
			for _, c := range cs {
				if c.SpecialHouseholdsHidden || c.SpecialUnvisitedHidden {
					hidden++
				}
			}
		}
	}
	if hidden == 0 {
		t.Fatal("no cell had anything hidden: the test cells do not exercise the rules")
	}
	if n := len(cellsMemo.entries); n != 2 {
		t.Errorf("memo holds %d entries after two distinct inputs; want 2", n)
	}
}
