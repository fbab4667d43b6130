package store

import (
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
