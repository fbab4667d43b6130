package export

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"slices"

	"github.com/paulmach/orb"
)

// The GeoPackage's spatial index is an SQLite R*-tree (a virtual table
// backed by three ordinary tables: _node, _rowid, _parent). GDAL 3.6, the
// one Debian 12 ships, fills it after the last row by inserting the entries
// one at a time, which was over half of ogr2ogr's time (2.3 s of 3.6 s for a
// scale-1 county's households, 27 s of 40 at scale 10). GDAL 3.7 and later
// bulk-load the tree themselves; the export does not ask which GDAL it has
// and always loads the tree here, so that one path, the tested one, runs
// everywhere: the loader reads the table and trigger names from the file
// GDAL made rather than assuming them.
//
// The loader packs the tree as the rows stream (Sort-Tile-Recursive within
// chunks of rtreeChunk entries), so memory stays bounded whatever the
// layer's size: only one chunk's entries and every leaf's box are held,
// the leaves themselves and the feature→leaf map go to files in the
// export's temporary directory until the GeoPackage is complete. Rows come
// in table order, village by village, so consecutive rows are close on the
// ground and a chunk's leaves are as tight as a whole-layer sort makes them.

// rtreeChunk is how many entries are sorted and packed together: 24 bytes
// each, under a megabyte. Larger chunks make no tighter tree here (rows
// come village by village) and count twice against the server's memory, as
// live heap and as the garbage collector's headroom over it.
const rtreeChunk = 1 << 15

// rtreeBox is an entry's box as SQLite's rtree stores it: float32 minx,
// maxx, miny, maxy.
type rtreeBox [4]float32

func (b rtreeBox) union(o rtreeBox) rtreeBox {
	return rtreeBox{min(b[0], o[0]), max(b[1], o[1]), min(b[2], o[2]), max(b[3], o[3])}
}

// rtreeEntry is one cell: a feature id (in a leaf) or a child node number
// (above the leaves) and its box.
type rtreeEntry struct {
	id  int64
	box rtreeBox
}

// rtreeDown and rtreeUp round a coordinate to float32 the way SQLite's
// rtree does when a row is inserted (rtree.c, rtreeValueDown and
// rtreeValueUp): the nearest float32, moved one step outwards by scaling if
// it fell inside the box. Equal rounding makes the boxes equal to those GDAL
// would have had SQLite store.
func rtreeDown(d float64) float32 {
	f := float32(d)
	if float64(f) > d {
		if d < 0 {
			f = float32(d * (1 + 1.0/8388608))
		} else {
			f = float32(d * (1 - 1.0/8388608))
		}
	}
	return f
}

func rtreeUp(d float64) float32 {
	f := float32(d)
	if float64(f) < d {
		if d < 0 {
			f = float32(d * (1 - 1.0/8388608))
		} else {
			f = float32(d * (1 + 1.0/8388608))
		}
	}
	return f
}

// boundBox is the rtree box of a geometry's bounds in output coordinates;
// false for an empty one, which GDAL's triggers leave out of the index.
func boundBox(b orb.Bound) (rtreeBox, bool) {
	if b.IsEmpty() || math.IsNaN(b.Min[0]) || math.IsNaN(b.Min[1]) {
		return rtreeBox{}, false
	}
	return rtreeBox{rtreeDown(b.Min[0]), rtreeUp(b.Max[0]), rtreeDown(b.Min[1]), rtreeUp(b.Max[1])}, true
}

// rtreeBuilder packs leaves as entries arrive. Leaves are numbered from 2 in
// the order they are packed (node 1 is the root); the upper levels are
// packed over the leaves' boxes when the last entry is in (finish).
type rtreeBuilder struct {
	maxCells  int // cells a node holds: (node size - 4) / 24
	chunkSize int // entries packed together
	chunk     []rtreeEntry
	leaves    []rtreeBox // box of leaf i, node i+2
	entries   int64

	nodes  *bufio.Writer // leaf blobs, node size each, in leaf order
	rowids *bufio.Writer // (feature id, leaf node) pairs, ascending ids
	node   []byte
	pair   []byte
	leafOf []int32 // per id in the chunk, its leaf node (0: none)
}

// newRTreeBuilder spills leaves to nodes and the feature→leaf map to
// rowids. Entries may come before the node size is known (setNodeSize): the
// first chunk waits for it.
func newRTreeBuilder(nodes, rowids io.Writer) *rtreeBuilder {
	return &rtreeBuilder{
		chunkSize: rtreeChunk,
		chunk:     make([]rtreeEntry, 0, rtreeChunk),
		nodes:     bufio.NewWriterSize(nodes, 1<<16),
		rowids:    bufio.NewWriterSize(rowids, 1<<16),
	}
}

// setNodeSize takes the size of the file's R-tree nodes in bytes, the
// length of its (empty) root: SQLite sizes them from the page size.
func (t *rtreeBuilder) setNodeSize(n int) {
	t.maxCells = (n - 4) / 24
	t.node = make([]byte, n)
}

// add takes the next feature's box. Ids must ascend.
func (t *rtreeBuilder) add(id int64, box rtreeBox) error {
	t.chunk = append(t.chunk, rtreeEntry{id, box})
	t.entries++
	if len(t.chunk) >= t.chunkSize && t.maxCells > 0 {
		return t.flush()
	}
	return nil
}

// strOrder sorts es into Sort-Tile-Recursive order for nodes of m cells:
// slices of whole nodes by x, each slice by y. Every run of m entries is
// then one node.
func strOrder(es []rtreeEntry, m int) {
	nodes := (len(es) + m - 1) / m
	slices := int(math.Ceil(math.Sqrt(float64(nodes))))
	per := slices * m
	byX := func(a, b rtreeEntry) int { return cmp.Compare(a.box[0]+a.box[1], b.box[0]+b.box[1]) }
	byY := func(a, b rtreeEntry) int { return cmp.Compare(a.box[2]+a.box[3], b.box[2]+b.box[3]) }
	sortEntries(es, byX)
	for i := 0; i < len(es); i += per {
		sortEntries(es[i:min(i+per, len(es))], byY)
	}
}

func sortEntries(es []rtreeEntry, by func(a, b rtreeEntry) int) { slices.SortFunc(es, by) }

// flush packs the chunk's entries into leaves and writes them out.
func (t *rtreeBuilder) flush() error {
	es := t.chunk
	if len(es) == 0 {
		return nil
	}
	first := es[0].id
	span := es[len(es)-1].id - first + 1
	if int64(cap(t.leafOf)) < span {
		t.leafOf = make([]int32, span)
	}
	leafOf := t.leafOf[:span]
	clear(leafOf)
	strOrder(es, t.maxCells)
	for i := 0; i < len(es); i += t.maxCells {
		cells := es[i:min(i+t.maxCells, len(es))]
		nodeNo := int32(len(t.leaves)) + 2
		box := cells[0].box
		for _, c := range cells {
			box = box.union(c.box)
			leafOf[c.id-first] = nodeNo
		}
		t.leaves = append(t.leaves, box)
		if _, err := t.nodes.Write(encodeNode(t.node, 0, cells)); err != nil {
			return fmt.Errorf("spatial index leaves: %w", err)
		}
	}
	for i, n := range leafOf {
		if n == 0 {
			continue // no box: null or empty geometry
		}
		t.pair = binary.LittleEndian.AppendUint64(t.pair[:0], uint64(first+int64(i)))
		t.pair = binary.LittleEndian.AppendUint64(t.pair, uint64(n))
		if _, err := t.rowids.Write(t.pair); err != nil {
			return fmt.Errorf("spatial index rows: %w", err)
		}
	}
	t.chunk = t.chunk[:0]
	return nil
}

// encodeNode writes an rtree node blob into b (the node size): a 2-byte
// big-endian depth (the root's; 0 elsewhere), a 2-byte cell count, then
// per cell an 8-byte id and four float32, all big-endian; the rest zero.
func encodeNode(b []byte, depth int, cells []rtreeEntry) []byte {
	clear(b)
	binary.BigEndian.PutUint16(b[0:], uint16(depth))
	binary.BigEndian.PutUint16(b[2:], uint16(len(cells)))
	p := b[4:]
	for _, c := range cells {
		binary.BigEndian.PutUint64(p, uint64(c.id))
		for k, v := range c.box {
			binary.BigEndian.PutUint32(p[8+4*k:], math.Float32bits(v))
		}
		p = p[24:]
	}
	return b
}

// rtreeUpper is what finish leaves for the file: the nodes above the
// leaves and who is whose parent.
type rtreeUpper struct {
	rootIsLeaf bool             // at most one leaf's worth of entries: node 1 is that leaf
	root       []rtreeEntry     // then its cells
	nodes      map[int64][]byte // node number → blob, the root (1) among them
	parent     [][2]int64       // (node, parent node) for every node but the root
}

// finish packs what is left and builds the levels above the leaves.
func (t *rtreeBuilder) finish() (*rtreeUpper, error) {
	if t.maxCells < 2 {
		return nil, fmt.Errorf("spatial index: nodes of %d bytes hold %d cells", len(t.node), t.maxCells)
	}
	up := &rtreeUpper{nodes: map[int64][]byte{}}
	if len(t.leaves) == 0 && int64(len(t.chunk)) <= int64(t.maxCells) {
		// One node: the root is the leaf.
		up.rootIsLeaf = true
		up.root = slices.Clone(t.chunk)
		up.nodes[1] = slices.Clone(encodeNode(t.node, 0, t.chunk))
		return up, nil
	}
	if err := t.flush(); err != nil {
		return nil, err
	}
	if err := t.nodes.Flush(); err != nil {
		return nil, fmt.Errorf("spatial index leaves: %w", err)
	}
	if err := t.rowids.Flush(); err != nil {
		return nil, fmt.Errorf("spatial index rows: %w", err)
	}
	level := make([]rtreeEntry, len(t.leaves))
	for i, b := range t.leaves {
		level[i] = rtreeEntry{int64(i) + 2, b}
	}
	next := int64(len(t.leaves)) + 2
	depth := 1
	for len(level) > t.maxCells {
		strOrder(level, t.maxCells)
		var above []rtreeEntry
		for i := 0; i < len(level); i += t.maxCells {
			cells := level[i:min(i+t.maxCells, len(level))]
			box := cells[0].box
			for _, c := range cells {
				box = box.union(c.box)
				up.parent = append(up.parent, [2]int64{c.id, next})
			}
			up.nodes[next] = slices.Clone(encodeNode(t.node, 0, cells))
			above = append(above, rtreeEntry{next, box})
			next++
		}
		level = above
		depth++
	}
	for _, c := range level {
		up.parent = append(up.parent, [2]int64{c.id, 1})
	}
	up.nodes[1] = slices.Clone(encodeNode(t.node, depth, level))
	return up, nil
}

// leafSpill opens the two spill files of a builder in dir.
func leafSpill(dir string) (nodes, rowids *os.File, err error) {
	if nodes, err = os.CreateTemp(dir, "rtree-leaves-"); err != nil {
		return nil, nil, fmt.Errorf("spatial index: %w", err)
	}
	if rowids, err = os.CreateTemp(dir, "rtree-rowids-"); err != nil {
		nodes.Close()
		return nil, nil, fmt.Errorf("spatial index: %w", err)
	}
	return nodes, rowids, nil
}
