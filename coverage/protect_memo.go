package coverage

import (
	"maps"
	"slices"
	"sync"
)

// The privacy rules are decided over the whole county: every report of a
// role without household access protects every village (ProtectVillages
// over 3,420 villages at scale 10: about 45 ms of CPU, most of such a
// report, measured before the margins rule, which adds a round or two of
// the fixed point where it hides something: 1.6 → 2.1–2.5 ms on the small
// test county), and every hexagon tile the county's resolution-8 cells
// (ProtectCells). Between two writes the input does not change. A memo keeps
// the last few answers; one is reused only when every figure the rules read
// is equal to the input's, so the answer is exactly what a fresh run would
// decide.
type memo[E comparable, R any] struct {
	mu      sync.Mutex
	entries []memoEntry[E, R] // most recent first
}

type memoEntry[E comparable, R any] struct {
	in  []E
	out R // read only once stored
}

// memoSize covers the windows in use at once (the web map's week and
// campaign windows, a report's own).
const memoSize = 4

func (m *memo[E, R]) find(in []E) (R, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, e := range m.entries {
		if slices.Equal(e.in, in) {
			// Most recent first: a hit moves to the front.
			copy(m.entries[1:i+1], m.entries[:i])
			m.entries[0] = e
			return e.out, true
		}
	}
	var zero R
	return zero, false
}

// add keeps out for in; in must not change afterwards.
func (m *memo[E, R]) add(in []E, out R) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.entries = slices.Insert(m.entries, 0, memoEntry[E, R]{in: in, out: out})
	if len(m.entries) > memoSize {
		m.entries = m.entries[:memoSize]
	}
}

// protectInput is what the village rules read of one village.
type protectInput struct {
	villageID                 int32
	townCode, villageCode     string
	households                int64
	special, specialUnvisited SpecialCounts
	distinct, distinctWaiting int64 // SpecialDistinct, SpecialDistinctUnvisited
	known                     bool  // in a town the reader knows
}

// villageMarks is what the rules decide for one village.
type villageMarks struct {
	suppressed, waitingHidden bool
	distinctHidden            bool  // SpecialDistinctUnvisited hidden
	special, unvisited        uint8 // hidden bits of SpecialHouseholds, SpecialUnvisited
}

// protectedVillages is ProtectVillages' answer as marks by village id, with
// the towns' and the county's unvisited counts.
type protectedVillages struct {
	marks    map[int32]villageMarks
	towns    map[string]SpecialCounts
	county   SpecialCounts
	distinct distinctCounts // read only once stored
}

var (
	villagesMemo   memo[protectInput, protectedVillages]
	cellsMemo      memo[CellAggregate, map[int][]CellAggregate]
	knownCellsMemo memo[knownCell, map[int][]CellAggregate]
)

// knownCell is a cell with what a team leader knows of it (cellsKnown).
type knownCell struct {
	CellAggregate
	households, special, unvisited bool
}

// protectMarks is ProtectVillages(all) as marks by village id, for a reader
// who knows the towns known names (nil: none), from the memo when the same
// figures were protected for the same towns before. The towns map is the
// caller's.
func protectMarks(all []VillageCoverage, known map[string]bool) (map[int32]villageMarks, map[string]SpecialCounts, SpecialCounts) {
	marks, towns, county, _ := protectMarksDistinct(all, known)
	return marks, towns, county
}

// protectMarksDistinct is protectMarks with the towns' and the county's
// special-group households waiting counted once each (shared: callers
// clone what they change).
func protectMarksDistinct(all []VillageCoverage, known map[string]bool) (map[int32]villageMarks, map[string]SpecialCounts, SpecialCounts, distinctCounts) {
	in := make([]protectInput, len(all))
	for i, v := range all {
		in[i] = protectInput{villageID: v.VillageID, townCode: v.TownCode, villageCode: v.VillageCode,
			households: v.Households, special: v.SpecialHouseholds, specialUnvisited: v.SpecialUnvisited,
			distinct: v.SpecialDistinct, distinctWaiting: v.SpecialDistinctUnvisited, known: known[v.TownCode]}
	}
	if p, ok := villagesMemo.find(in); ok {
		return p.marks, maps.Clone(p.towns), p.county, p.distinct
	}
	masked, towns, county, distinct := protectVillages(all, known)
	marks := make(map[int32]villageMarks, len(masked))
	for _, v := range masked {
		marks[v.VillageID] = villageMarks{suppressed: v.Suppressed, waitingHidden: v.SpecialWaitingHidden,
			distinctHidden: v.SpecialDistinctHidden, special: v.SpecialHouseholds.hidden, unvisited: v.SpecialUnvisited.hidden}
	}
	villagesMemo.add(in, protectedVillages{marks: marks, towns: maps.Clone(towns), county: county, distinct: distinct})
	return marks, towns, county, distinct
}

// protectCells is ProtectCells(fine) for a reader who knows the cells known
// marks (the zero cellsKnown: none), from the memo when the same cells were
// protected for the same knowledge before. The levels are shared: callers
// copy what they keep and never change them.
func protectCells(fine []CellAggregate, known cellsKnown) (map[int][]CellAggregate, error) {
	if known.households != nil {
		in := make([]knownCell, len(fine))
		for i, c := range fine {
			in[i] = knownCell{c, known.households[c.Cell], known.special[c.Cell], known.unvisited[c.Cell]}
		}
		if levels, ok := knownCellsMemo.find(in); ok {
			return levels, nil
		}
		levels, err := protectCellsKnowing(fine, known)
		if err != nil {
			return nil, err
		}
		knownCellsMemo.add(in, levels)
		return levels, nil
	}
	if levels, ok := cellsMemo.find(fine); ok {
		return levels, nil
	}
	levels, err := ProtectCells(fine)
	if err != nil {
		return nil, err
	}
	cellsMemo.add(slices.Clone(fine), levels)
	return levels, nil
}
