package store

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"lianxin"
	"lianxin/export"
)

// exportQuery puts every value in a parameter, quotes field names from the
// catalogue, and pages in id order only when asked.
func TestExportQuery(t *testing.T) {
	l, err := export.LookupLayer("visits")
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2026, 5, 1, 0, 0, 0, 0, export.CampaignZone)
	f := export.Filter{Town: "321299101", BBox: &orb.Bound{Min: orb.Point{120, 32}, Max: orb.Point{121, 33}},
		From: &from, Equals: map[string]string{"kind": "household_visit'; DROP TABLE visits; --"}}
	scope := lianxin.Scope{Towns: []int32{3}}
	sql, args := exportQuery(l, "SELECT 1", f, export.Page{Limit: 10, Offset: 20}, scope, false)
	for _, want := range []string{
		`q.town_id = ANY($1::int[])`, `q.town_id = (SELECT id FROM towns WHERE code = $2)`,
		`ST_Intersects(q.geom, ST_MakeEnvelope($3, $4, $5, $6, 4326))`, `q.at >= $7`, `q."kind"::text = $8`,
		`ORDER BY q.fid LIMIT $9 OFFSET $10`, `SELECT q.fid, ST_AsBinary(q.geom), q."id", q."external_id"`,
	} {
		if !strings.Contains(sql, want) {
			t.Errorf("query lacks %q:\n%s", want, sql)
		}
	}
	if strings.Contains(sql, "DROP") || len(args) != 10 {
		t.Errorf("a value reached the SQL text or args are %d (want 10):\n%s", len(args), sql)
	}
	count, _ := exportQuery(l, "SELECT 1", export.Filter{}, export.Page{}, lianxin.SystemScope(), true)
	if count != "SELECT count(*) FROM (SELECT 1) q" {
		t.Errorf("count query %q, want no filter, no paging", count)
	}
}

// Every stored layer has SQL, and the catalogue's aggregates none.
func TestExportLayerSQLCoversCatalogue(t *testing.T) {
	for _, l := range export.Layers() {
		_, ok := exportLayerSQL[l.Name]
		if ok != (l.Kind == export.Stored) {
			t.Errorf("layer %s (kind %d): has SQL %v", l.Name, l.Kind, ok)
		}
	}
}

// extentQuery keeps the scope's towns in a parameter and wraps the layer's
// SELECT in one aggregate row.
func TestExtentQuery(t *testing.T) {
	l, err := export.LookupLayer("visits")
	if err != nil {
		t.Fatal(err)
	}
	scope := lianxin.Scope{User: "u", Towns: []int32{3, 5}}
	sql, args := extentQuery(l, "SELECT 1", scope)
	for _, want := range []string{"SELECT ST_XMin(x.e)", "ST_Extent(q.geom)", "min(q.at)", "FROM (SELECT 1) q WHERE q.town_id = ANY($1::int[])"} {
		if !strings.Contains(sql, want) {
			t.Errorf("extentQuery(visits, towns 3,5) = %s\nwant it to contain %q", sql, want)
		}
	}
	if len(args) != 1 || !reflect.DeepEqual(args[0], []int32{3, 5}) {
		t.Errorf("extentQuery args %v, want [[3 5]]", args)
	}
	if strings.Contains(sql, "count(*)") {
		t.Errorf("extentQuery kept the count: %s", sql)
	}
}
