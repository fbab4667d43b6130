package export

import (
	"context"
	"database/sql"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/paulmach/orb"
)

// The bulk loader against SQLite's own R-tree: boxes of both signs, some
// features without one, chunks far smaller than the export's so that the
// tree is packed from many of them. SQLite inserting the same doubles into
// a second R-tree must store exactly the boxes the loader wrote, and the
// loaded tree must pass rtreecheck and answer window queries as a scan of
// its entries does.
func TestRTreeBuilderMatchesSQLite(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "t.sqlite")
	db, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, stmt := range []string{
		`CREATE TABLE t (fid INTEGER PRIMARY KEY, minx REAL, maxx REAL, miny REAL, maxy REAL)`,
		`CREATE TABLE gpkg_ogr_contents (table_name TEXT, feature_count INTEGER)`,
		`INSERT INTO gpkg_ogr_contents VALUES ('t', NULL)`,
		`CREATE VIRTUAL TABLE rtree_t_geom USING rtree(id, minx, maxx, miny, maxy)`,
		`CREATE VIRTUAL TABLE by_sqlite USING rtree(id, minx, maxx, miny, maxy)`,
	} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	ix := &gpkgRTree{table: "t", rtree: "rtree_t_geom",
		triggers: []string{`CREATE TRIGGER rtree_t_geom_delete AFTER DELETE ON t BEGIN DELETE FROM rtree_t_geom WHERE id = OLD.fid; END`}}
	if err := db.QueryRow(`SELECT length(data) FROM rtree_t_geom_node WHERE nodeno = 1`).Scan(&ix.nodeSize); err != nil {
		t.Fatal(err)
	}

	nodes, rowids, err := leafSpill(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer nodes.Close()
	defer rowids.Close()
	tree := newRTreeBuilder(nodes, rowids)
	tree.chunkSize = 1000
	tree.setNodeSize(ix.nodeSize)

	const features = 30000
	rng := rand.New(rand.NewPCG(7, 11))
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	located := 0
	for id := int64(1); id <= features; id++ {
		if id%97 == 0 { // no geometry: a row, no entry
			if _, err := tx.Exec(`INSERT INTO t (fid) VALUES (?)`, id); err != nil {
				t.Fatal(err)
			}
			continue
		}
		// Clustered like villages, on both sides of zero.
		cx, cy := float64(id/500)*0.37-5, float64(id/700)*0.21-3
		x, y := cx+rng.Float64()*0.3, cy+rng.Float64()*0.3
		w, h := 0.0, 0.0
		if id%3 == 0 {
			w, h = rng.Float64()*0.01, rng.Float64()*0.01
		}
		if _, err := tx.Exec(`INSERT INTO t VALUES (?, ?, ?, ?, ?)`, id, x, x+w, y, y+h); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(`INSERT INTO by_sqlite VALUES (?, ?, ?, ?, ?)`, id, x, x+w, y, y+h); err != nil {
			t.Fatal(err)
		}
		box, _ := boundBox(orbBound(x, x+w, y, y+h))
		if err := tree.add(id, box); err != nil {
			t.Fatal(err)
		}
		located++
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	up, err := tree.finish()
	if err != nil {
		t.Fatal(err)
	}
	if len(tree.leaves) < 2*tree.chunkSize/tree.maxCells {
		t.Fatalf("%d leaves: the case is meant to pack many chunks", len(tree.leaves))
	}
	if err := ix.load(ctx, path, tree, up, nodes, rowids, features); err != nil {
		t.Fatal(err)
	}

	db, err = sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	one := func(q string, args ...any) (n int64) {
		t.Helper()
		if err := db.QueryRow(q, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	var check string
	if err := db.QueryRow(`SELECT rtreecheck('rtree_t_geom')`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("rtreecheck: %q %v", check, err)
	}
	if n := one(`SELECT count(*) FROM rtree_t_geom`); n != int64(located) {
		t.Errorf("%d entries, want %d", n, located)
	}
	if n := one(`SELECT count(*) FROM (SELECT * FROM rtree_t_geom EXCEPT SELECT * FROM by_sqlite)`); n != 0 {
		t.Errorf("%d entries (id and box) differ from what SQLite stores for the same doubles", n)
	}
	if n := one(`SELECT feature_count FROM gpkg_ogr_contents`); n != features {
		t.Errorf("feature_count %d, want %d", n, features)
	}
	for _, w := range [][4]float64{{-4, -2, -1, 0.5}, {0, 0, 2, 1}, {2.3, -0.1, 2.5, 0.1}, {-100, -100, 100, 100}} {
		searched := one(`SELECT count(*) FROM rtree_t_geom WHERE maxx >= ? AND minx <= ? AND maxy >= ? AND miny <= ?`, w[0], w[2], w[1], w[3])
		scanned := one(`SELECT count(*) FROM rtree_t_geom WHERE +maxx >= ? AND +minx <= ? AND +maxy >= ? AND +miny <= ?`, w[0], w[2], w[1], w[3])
		if searched != scanned || scanned == 0 {
			t.Errorf("window %v: the tree's search finds %d entries, a scan %d (want equal, not 0)", w, searched, scanned)
		}
	}
	// The trigger came back: deleting a feature takes its entry out.
	if _, err := db.Exec(`DELETE FROM t WHERE fid = 5`); err != nil {
		t.Fatal(err)
	}
	if n := one(`SELECT count(*) FROM rtree_t_geom WHERE id = 5`); n != 0 {
		t.Errorf("feature 5 deleted, its entry is still in the tree")
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
}

// The rounding to float32 is SQLite's, at values that are and are not
// float32, of both signs, tiny and large.
func TestRTreeRoundingIsSQLites(t *testing.T) {
	db, err := sql.Open("sqlite3", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE VIRTUAL TABLE r USING rtree(id, minx, maxx, miny, maxy)`); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 5))
	values := []float64{0, 1, -1, 0.1, -0.1, 120.123456789, -120.123456789, 30.5, 1e-40, -1e-40, 3.4e38, -3.4e38}
	for range 2000 {
		values = append(values, (rng.Float64()-0.5)*360, (rng.Float64()-0.5)*1e-3)
	}
	for i, d := range values {
		if _, err := db.Exec(`INSERT INTO r VALUES (?, ?, ?, ?, ?)`, i, d, d, d, d); err != nil {
			t.Fatal(err)
		}
		var lo, hi float64
		if err := db.QueryRow(`SELECT minx, maxx FROM r WHERE id = ?`, i).Scan(&lo, &hi); err != nil {
			t.Fatal(err)
		}
		if float64(rtreeDown(d)) != lo || float64(rtreeUp(d)) != hi {
			t.Errorf("%v: rounded to [%v, %v], SQLite stores [%v, %v]", d, rtreeDown(d), rtreeUp(d), lo, hi)
		}
	}
}

func orbBound(minX, maxX, minY, maxY float64) orb.Bound {
	return orb.Bound{Min: orb.Point{minX, minY}, Max: orb.Point{maxX, maxY}}
}
