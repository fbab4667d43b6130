package coverage

import (
	"maps"
	"slices"
	"sync"
)

// Every report of a role without household access protects the whole
// county (ProtectVillages over 3,420 villages at scale 10: about 45 ms of
// CPU, most of such a report), and between two writes its input does not
// change. protectMemo keeps the last few answers; one is reused only when
// every figure the rules read is equal to the input's, so the marks are
// exactly what a fresh run would decide.
type protectMemo struct {
	mu      sync.Mutex
	entries []protectEntry // most recent first
}

// protectMemoSize covers the windows in use at once (the web map's week and
// campaign windows, a report's own).
const protectMemoSize = 4

var protected protectMemo

// cellsMemo does for ProtectCells what protectMemo does for
// ProtectVillages: every hexagon tile of a role without household access
// protects the county's resolution-8 cells, the same input between writes.
type cellsMemo struct {
	mu      sync.Mutex
	entries []cellsEntry // most recent first
}

type cellsEntry struct {
	in     []CellAggregate
	levels map[int][]CellAggregate // read only once stored
}

var protectedCells cellsMemo

// protectCells is ProtectCells(fine), from the memo when the same cells
// were protected before. The levels are shared: callers copy what they
// keep and never change them.
func protectCells(fine []CellAggregate) (map[int][]CellAggregate, error) {
	m := &protectedCells
	m.mu.Lock()
	for i, e := range m.entries {
		if slices.Equal(e.in, fine) {
			copy(m.entries[1:i+1], m.entries[:i])
			m.entries[0] = e
			m.mu.Unlock()
			return e.levels, nil
		}
	}
	m.mu.Unlock()
	levels, err := ProtectCells(fine)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	m.entries = slices.Insert(m.entries, 0, cellsEntry{in: slices.Clone(fine), levels: levels})
	if len(m.entries) > protectMemoSize {
		m.entries = m.entries[:protectMemoSize]
	}
	m.mu.Unlock()
	return levels, nil
}

// protectInput is what the rules read of one village.
type protectInput struct {
	villageID                 int32
	townCode, villageCode     string
	households                int64
	special, specialUnvisited SpecialCounts
}

// villageMarks is what the rules decide for one village.
type villageMarks struct {
	suppressed, waitingHidden bool
	special, unvisited        uint8 // hidden bits of SpecialHouseholds, SpecialUnvisited
}

type protectEntry struct {
	in     []protectInput
	marks  map[int32]villageMarks // by village id; read only once stored
	towns  map[string]SpecialCounts
	county SpecialCounts
}

// protectMarks is ProtectVillages(all) as marks by village id, from the memo
// when all's figures were protected before. The towns map is the caller's.
func protectMarks(all []VillageCoverage) (map[int32]villageMarks, map[string]SpecialCounts, SpecialCounts) {
	in := make([]protectInput, len(all))
	for i, v := range all {
		in[i] = protectInput{villageID: v.VillageID, townCode: v.TownCode, villageCode: v.VillageCode,
			households: v.Households, special: v.SpecialHouseholds, specialUnvisited: v.SpecialUnvisited}
	}
	if e, ok := protected.find(in); ok {
		return e.marks, maps.Clone(e.towns), e.county
	}
	masked, towns, county := ProtectVillages(all)
	marks := make(map[int32]villageMarks, len(masked))
	for _, v := range masked {
		marks[v.VillageID] = villageMarks{suppressed: v.Suppressed, waitingHidden: v.SpecialWaitingHidden,
			special: v.SpecialHouseholds.hidden, unvisited: v.SpecialUnvisited.hidden}
	}
	protected.add(protectEntry{in: in, marks: marks, towns: maps.Clone(towns), county: county})
	return marks, towns, county
}

func (m *protectMemo) find(in []protectInput) (protectEntry, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, e := range m.entries {
		if slices.Equal(e.in, in) {
			// Most recent first: a hit moves to the front.
			copy(m.entries[1:i+1], m.entries[:i])
			m.entries[0] = e
			return e, true
		}
	}
	return protectEntry{}, false
}

func (m *protectMemo) add(e protectEntry) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.entries = slices.Insert(m.entries, 0, e)
	if len(m.entries) > protectMemoSize {
		m.entries = m.entries[:protectMemoSize]
	}
}
