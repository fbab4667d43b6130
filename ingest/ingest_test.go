package ingest_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"lianxin"
	"lianxin/demo/demotest"
	"lianxin/geo"
	"lianxin/ingest"
	"lianxin/store"
	"lianxin/store/storetest"
)

var _ ingest.Store = (*store.Store)(nil)

// order is the layers in dependency order, with the rows each good
// fixture holds.
var order = []struct {
	layer string
	rows  int64
}{
	{"towns", 2}, {"villages", 3}, {"teams", 2}, {"members", 3}, {"households", 5},
	{"projects", 2}, {"contact_points", 2}, {"visits", 4}, {"river_works", 2},
}

func importFile(t *testing.T, st *store.Store, layer, path string, opt ingest.Options) (ingest.Record, error) {
	t.Helper()
	opt.Layer, opt.Path = layer, path
	return ingest.Run(context.Background(), st, lianxin.SystemScope(), "test", opt)
}

// loadCounty imports the good CSV county into st.
func loadCounty(t *testing.T, st *store.Store) {
	t.Helper()
	for _, o := range order {
		rec, err := importFile(t, st, o.layer, filepath.Join("testdata/good", o.layer+".csv"), ingest.Options{})
		if err != nil {
			t.Fatalf("import good %s.csv: %v", o.layer, err)
		}
		if rec.Inserted != o.rows {
			t.Fatalf("import good %s.csv: inserted %d, want %d", o.layer, rec.Inserted, o.rows)
		}
	}
}

func TestEveryLayerEveryFormat(t *testing.T) {
	for _, ext := range []string{".csv", ".geojson", ".gpkg", ".shp.zip"} {
		t.Run(ext, func(t *testing.T) {
			st, url := storetest.New(t)
			for _, o := range order {
				path := filepath.Join("testdata/good", o.layer+ext)
				if _, err := os.Stat(path); err != nil {
					// No Shapefile of a layer without geometry or of mixed types.
					path = filepath.Join("testdata/good", o.layer+".csv")
				}
				for round, want := range []ingest.Counts{{Inserted: o.rows}, {Unchanged: o.rows}} {
					rec, err := importFile(t, st, o.layer, path, ingest.Options{})
					if err != nil {
						t.Fatalf("import %s (round %d): %v", path, round+1, err)
					}
					if rec.Counts != want || rec.Status != ingest.StatusSucceeded {
						t.Fatalf("import %s (round %d): status %s counts %+v, want succeeded %+v", path, round+1, rec.Status, rec.Counts, want)
					}
				}
			}
			checkCounty(t, url)
		})
	}
}

// checkCounty compares a few stored values with what the fixtures say.
func checkCounty(t *testing.T, url string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var residents int
	var poor bool
	var lon, lat float64
	var cell int64
	var head, village, town string
	err = conn.QueryRow(ctx, `SELECT h.residents, h.poor, ST_X(h.location), ST_Y(h.location), h.cell, p.head_name, v.code, t.code
		FROM households h JOIN household_personal p ON p.household_id = h.id JOIN villages v ON v.id = h.village_id
		JOIN towns t ON t.id = h.town_id WHERE h.external_id = 'H0001'`).Scan(&residents, &poor, &lon, &lat, &cell, &head, &village, &town)
	if err != nil {
		t.Fatalf("read household H0001: %v", err)
	}
	wantCell, _ := geo.CellIDOf(orb.Point{120.021, 32.131}, geo.FineResolution)
	if residents != 3 || !poor || math.Abs(lon-120.021) > 1e-9 || math.Abs(lat-32.131) > 1e-9 || cell != wantCell ||
		head != "张建国" || village != "T01V01" || town != "T01" {
		t.Errorf("household H0001 = residents %d poor %v at %v,%v cell %x head %q village %s town %s; want 3 true 120.021,32.131 %x 张建国 T01V01 T01",
			residents, poor, lon, lat, cell, head, village, town, wantCell)
	}
	checks := []struct{ sql, want string }{
		{`SELECT count(*) FROM households WHERE cell IS NULL OR cell = 0`, "0"},
		{`SELECT kind || ' ' || resident_population || ' ' || rural FROM villages WHERE code = 'T01V02'`, "community 3400 false"},
		{`SELECT role FROM members WHERE code = 'M02'`, "senior_adviser"},
		{`SELECT (location IS NULL)::text || ' ' || kind || ' ' || (SELECT code FROM villages WHERE id = visits.village_id) FROM visits WHERE external_id = 'V03'`, "true village_meeting T02V01"},
		{`SELECT (SELECT code FROM villages WHERE id = visits.village_id) || ' ' || to_char(occurred_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') FROM visits WHERE external_id = 'V01'`, "T01V01 2026-03-05 14:30"},
		{`SELECT (SELECT code FROM towns WHERE id = projects.town_id) || ' ' || status FROM projects WHERE code = 'P01'`, "T01 under_way"},
	}
	for _, c := range checks {
		var got string
		if err := conn.QueryRow(ctx, c.sql).Scan(&got); err != nil {
			t.Errorf("%s: %v", c.sql, err)
			continue
		}
		if got != c.want {
			t.Errorf("%s = %q, want %q", c.sql, got, c.want)
		}
	}
	var worksTown string
	if err := conn.QueryRow(ctx, `SELECT t.code FROM river_works w JOIN towns t ON t.id = w.town_id WHERE w.code = 'W02'`).Scan(&worksTown); err != nil || worksTown != "T02" {
		t.Errorf("river work W02 (no town_code) landed in town %q (%v), want T02 found from its geometry", worksTown, err)
	}
}

func TestEncodingsAndSequences(t *testing.T) {
	cases := []struct {
		name, file string
		opt        ingest.Options
	}{
		{"GBK detected", "good/households.gbk.csv", ingest.Options{}},
		{"GBK forced", "good/households.gbk.csv", ingest.Options{Encoding: ingest.EncodingGB18030}},
		{"newline-delimited GeoJSON", "good/households.geojsonl", ingest.Options{}},
		// The file ends in a two-byte name: refused as "neither UTF-8
		// nor GBK" with LF lines, when detection cut four bytes off.
		{"GBK ending in a Chinese name, LF", "encoding/households-head-last.gbk.csv", ingest.Options{}},
		{"GBK ending in a Chinese name, CRLF", "encoding/households-head-last-crlf.gbk.csv", ingest.Options{}},
		{"GB18030 ending in a four-byte character", "encoding/households-4byte-last.gb18030.csv", ingest.Options{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st, url := storetest.New(t)
			for _, o := range order[:2] {
				if _, err := importFile(t, st, o.layer, filepath.Join("testdata/good", o.layer+".csv"), ingest.Options{}); err != nil {
					t.Fatal(err)
				}
			}
			rec, err := importFile(t, st, "households", filepath.Join("testdata", tc.file), tc.opt)
			if err != nil || rec.Inserted != 5 {
				t.Fatalf("import %s: inserted %d, %v; want 5 and no error", tc.file, rec.Inserted, err)
			}
			var head string
			if err := queryRow(url, `SELECT head_name FROM household_personal p JOIN households h ON h.id = p.household_id WHERE external_id = 'H0003'`, &head); err != nil || head != "王强" {
				t.Fatalf("head of H0003 = %q (%v), want 王强", head, err)
			}
			// The last character of the file, whole.
			want := "陈刚"
			if strings.Contains(tc.file, "4byte") {
				want = "陈𠮷"
			}
			if err := queryRow(url, `SELECT head_name FROM household_personal p JOIN households h ON h.id = p.household_id WHERE external_id = 'H0005'`, &head); err != nil || head != want {
				t.Fatalf("head of H0005 = %q (%v), want %s", head, err, want)
			}
		})
	}
}

// TestBadFiles imports each file of the bad corpus into a database holding
// the good county and checks the documented error and that the database is
// exactly as it was.
func TestBadFiles(t *testing.T) {
	st, url := storetest.New(t)
	loadCounty(t, st)
	longLine := writeLongLine(t, 50<<20)
	cases := []struct {
		name, layer, file string
		opt               ingest.Options
		want              string
	}{
		{"wrong encoding", "households", "bad/wrong-encoding.csv", ingest.Options{}, "neither UTF-8 nor GBK/GB18030"},
		{"GBK read as UTF-8", "households", "good/households.gbk.csv", ingest.Options{Encoding: ingest.EncodingUTF8}, "line 1 is not valid UTF-8 text: is the file GBK?"},
		{"UTF-8 read as GBK", "households", "good/households.csv", ingest.Options{Encoding: ingest.EncodingGB18030}, "households.csv is UTF-8 text, not GBK"},
		{"swapped axes", "households", "bad/swapped-axes.csv", ingest.Options{}, "coordinates look swapped"},
		{"swapped axes, file-level hint", "households", "bad/swapped-axes.csv", ingest.Options{}, "is the file's lon/lat order swapped?"},
		{"outside the county", "households", "bad/outside-county.csv", ingest.Options{}, "line 2, field lon/lat: (116.397000, 39.909000) lies outside the county"},
		{"self-intersecting polygon", "villages", "bad/self-intersecting.csv", ingest.Options{}, "line 2, field geometry: invalid geometry: Self-intersection"},
		{"unknown village", "households", "bad/unknown-village.csv", ingest.Options{}, "line 2, field village_code: unknown village_code T09V99"},
		{"unknown member", "visits", "bad/unknown-member.csv", ingest.Options{}, "line 2, field member_code: unknown member_code M99"},
		{"duplicate ids", "households", "bad/duplicate-ids.csv", ingest.Options{}, "line 4, field external_id: duplicate external_id H0101: first on line 2"},
		{"duplicate ids, GeoJSON", "households", "bad/duplicate-ids.geojson", ingest.Options{}, "feature 2, field external_id: duplicate external_id H0101: first on feature 1"},
		{"swapped axes, GeoJSON lines", "households", "bad/swapped-axes.geojsonl", ingest.Options{}, "feature 1, field geometry: coordinates look swapped: (32.131000, 120.021000) is latitude, longitude; want longitude first (1 row looks like latitude, longitude"},
		{"an Excel workbook", "households", "bad/register.xlsx", ingest.Options{}, "register.xlsx is a spreadsheet workbook, not a file we read: save the sheet as CSV"},
		{"ids Excel turned into scientific notation", "households", "bad/excel-scientific.csv", ingest.Options{},
			`line 2, field external_id: "3.21299E+15" is a long number Excel shortened to scientific notation`},
		{"a title row above the header", "households", "bad/title-row.csv", ingest.Options{},
			`is "东岳镇农户登记表" a title above the header? delete that row`},
		{"truncated CSV", "households", "bad/truncated.csv", ingest.Options{}, "line 3: 4 fields where the header has 5"},
		{"truncated GeoJSON", "households", "bad/truncated.geojson", ingest.Options{}, "the file ends in the middle of the GeoJSON"},
		{"empty file", "households", "bad/empty.csv", ingest.Options{}, "empty.csv is empty"},
		{"header only", "households", "bad/header-only.csv", ingest.Options{}, "holds no rows"},
		{"missing header", "households", "bad/missing-header.csv", ingest.Options{}, "missing column external_id"},
		{"misspelled header", "households", "bad/misspelled-header.csv", ingest.Options{}, `unknown column "经渡" (did you mean "经度"?)`},
		{"a single 50 MB line", "households", longLine, ingest.Options{}, "line 2: longer than the row limit"},
		{"binary garbage", "households", "bad/garbage.csv", ingest.Options{}, "is not a text file"},
		{"bad values", "households", "bad/bad-values.csv", ingest.Options{}, `field residents: "three" is not a whole number`},
		{"residents below 1", "households", "bad/bad-values.csv", ingest.Options{}, "3 rows rejected"},
	}
	before := checksum(t, url)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := tc.file
			if !filepath.IsAbs(path) {
				path = filepath.Join("testdata", tc.file)
			}
			rec, err := importFile(t, st, tc.layer, path, tc.opt)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("import %s as %s: error %v, want one containing %q", tc.file, tc.layer, err, tc.want)
			}
			if lianxin.ErrorCode(err) != lianxin.EInvalid {
				t.Errorf("import %s: error code %q, want %q", tc.file, lianxin.ErrorCode(err), lianxin.EInvalid)
			}
			if rec.Status != ingest.StatusRejected {
				t.Errorf("import %s: status %q, want %q", tc.file, rec.Status, ingest.StatusRejected)
			}
			if after := checksum(t, url); after != before {
				t.Fatalf("import %s changed the database:\nbefore %s\nafter  %s", tc.file, before, after)
			}
		})
	}
}

// writeLongLine writes a CSV whose second line is n bytes without a newline.
func writeLongLine(t *testing.T, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "long-line.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprint(w, "external_id,village_code,residents,lon,lat\nH0101,")
	chunk := []byte(strings.Repeat("x", 1<<16))
	for written := 0; written < n; written += len(chunk) {
		w.Write(chunk)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return path
}

func TestSkipInvalidWritesRejectsThatReimport(t *testing.T) {
	st, url := storetest.New(t)
	loadCounty(t, st)
	dir := t.TempDir()
	src := filepath.Join(dir, "register.csv")
	writeFile(t, src, "户编号,村代码,人口,户主,经度,纬度\n"+
		"H0101,T01V01,3,甲,120.021,32.131\n"+
		"H0102,T09V99,2,乙,120.022,32.132\n"+ // unknown village
		"H0103,T01V01,zero,丙,120.023,32.133\n"+ // not a number
		"H0104,T01V02,1,丁,120.071,32.151\n")
	opt := ingest.Options{SkipInvalid: true}
	rec, err := importFile(t, st, "households", src, opt)
	if err != nil {
		t.Fatalf("import with skip-invalid: %v", err)
	}
	if want := (ingest.Counts{Inserted: 2, Rejected: 2}); rec.Counts != want {
		t.Fatalf("import with skip-invalid: counts %+v, want %+v", rec.Counts, want)
	}
	if len(rec.Rejects) != 2 || rec.Rejects[0].Line != 3 || rec.Rejects[1].Line != 4 {
		t.Fatalf("rejects = %+v, want lines 3 and 4", rec.Rejects)
	}
	rejects := filepath.Join(dir, "register.rejects.csv")
	if got := ingest.RejectsFileName(src); got != rejects {
		t.Fatalf("RejectsFileName(%q) = %q, want %q", src, got, rejects)
	}
	f, err := os.Create(rejects)
	if err != nil {
		t.Fatal(err)
	}
	opt.Layer, opt.Path = "households", src
	n, err := ingest.WriteRejects(context.Background(), rec, opt, f)
	f.Close()
	if err != nil || n != 2 {
		t.Fatalf("WriteRejects wrote %d rows, %v; want 2", n, err)
	}
	body, _ := os.ReadFile(rejects)
	for _, want := range []string{"reject_line,reject_reason", "H0102,T09V99", "unknown village_code T09V99", "H0103,T01V01,zero", "is not a whole number"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("rejects file lacks %q:\n%s", want, body)
		}
	}
	// Fix the rows in the rejects file and import it as it is.
	fixed := strings.NewReplacer("T09V99", "T01V01", ",zero,", ",2,").Replace(string(body))
	writeFile(t, rejects, fixed)
	rec, err = importFile(t, st, "households", rejects, ingest.Options{})
	if err != nil || rec.Inserted != 2 {
		t.Fatalf("import fixed rejects: inserted %d, %v; want 2", rec.Inserted, err)
	}
	var total int
	if err := queryRow(url, `SELECT count(*) FROM households WHERE external_id LIKE 'H01%'`, &total); err != nil || total != 4 {
		t.Fatalf("households H01xx = %d (%v), want 4", total, err)
	}
}

func TestDryRunWritesNothing(t *testing.T) {
	st, url := storetest.New(t)
	loadCounty(t, st)
	before := checksum(t, url)
	rec, err := importFile(t, st, "households", "testdata/bad/duplicate-ids.csv", ingest.Options{DryRun: true})
	if err == nil || rec.Rejected != 1 {
		t.Fatalf("dry run of a file with a duplicate: rejected %d, %v; want 1 and an error", rec.Rejected, err)
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "h.csv"), "external_id,village_code,residents,lon,lat\nH0001,T01V01,9,120.021,32.131\nH0201,T01V01,1,120.021,32.131\n")
	rec, err = importFile(t, st, "households", filepath.Join(dir, "h.csv"), ingest.Options{DryRun: true})
	if err != nil || rec.Counts != (ingest.Counts{Inserted: 1, Updated: 1}) {
		t.Fatalf("dry run: counts %+v, %v; want 1 inserted, 1 updated", rec.Counts, err)
	}
	if after := checksum(t, url); after != before {
		t.Fatalf("dry run changed the database")
	}
}

func TestUpdatesAndPersonalFields(t *testing.T) {
	st, url := storetest.New(t)
	loadCounty(t, st)
	dir := t.TempDir()
	cases := []struct {
		name, body string
		want       ingest.Counts
		head       string
	}{
		{"phone changes only", "户编号,村代码,人口,户主,电话,经度,纬度\nH0001,T01V01,3,张建国,13900000000,120.021,32.131\n", ingest.Counts{Updated: 1}, "张建国"},
		{"residents change", "户编号,村代码,人口,户主,电话,经度,纬度\nH0001,T01V01,4,张建国,13900000000,120.021,32.131\n", ingest.Counts{Updated: 1}, "张建国"},
		{"no personal columns leave them alone", "户编号,村代码,人口,经度,纬度\nH0001,T01V01,4,120.021,32.131\n", ingest.Counts{Unchanged: 1}, "张建国"},
		{"again unchanged", "户编号,村代码,人口,户主,电话,经度,纬度\nH0001,T01V01,4,张建国,13900000000,120.021,32.131\n", ingest.Counts{Unchanged: 1}, "张建国"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, fmt.Sprintf("h%d.csv", i))
			writeFile(t, path, tc.body)
			rec, err := importFile(t, st, "households", path, ingest.Options{})
			if err != nil || rec.Counts != tc.want {
				t.Fatalf("import: counts %+v, %v; want %+v", rec.Counts, err, tc.want)
			}
			var head string
			if err := queryRow(url, `SELECT head_name FROM household_personal p JOIN households h ON h.id = p.household_id WHERE external_id = 'H0001'`, &head); err != nil || head != tc.head {
				t.Fatalf("head of H0001 = %q (%v), want %q", head, err, tc.head)
			}
		})
	}
}

func TestGCJ02AndMakeValid(t *testing.T) {
	st, url := storetest.New(t)
	loadCounty(t, st)
	wgs := orb.Point{120.021, 32.131}
	gcj := geo.WGS84ToGCJ02(wgs)
	dir := t.TempDir()
	path := filepath.Join(dir, "gcj.csv")
	writeFile(t, path, fmt.Sprintf("external_id,village_code,residents,lon,lat\nH0301,T01V01,2,%.9f,%.9f\n", gcj[0], gcj[1]))
	if _, err := importFile(t, st, "households", path, ingest.Options{CRS: geo.CRSGCJ02}); err != nil {
		t.Fatal(err)
	}
	var lon, lat float64
	if err := queryRow(url, `SELECT ST_X(location), ST_Y(location) FROM households WHERE external_id = 'H0301'`, &lon, &lat); err != nil {
		t.Fatal(err)
	}
	if d := geo.DistanceMetres(orb.Point{lon, lat}, wgs); d > 1 {
		t.Fatalf("GCJ-02 %v stored at %v,%v, %.2f m from WGS84 %v; want under 1 m", gcj, lon, lat, d, wgs)
	}
	rec, err := importFile(t, st, "villages", "testdata/bad/self-intersecting.csv", ingest.Options{MakeValid: true})
	if err != nil || rec.Inserted != 1 {
		t.Fatalf("import a self-intersecting village with make-valid: inserted %d, %v; want 1", rec.Inserted, err)
	}
}

func TestImportRecords(t *testing.T) {
	st, _ := storetest.New(t)
	loadCounty(t, st)
	rec, err := importFile(t, st, "households", "testdata/bad/unknown-village.csv", ingest.Options{})
	if err == nil {
		t.Fatal("import of an unknown village succeeded")
	}
	got, err := st.Import(context.Background(), lianxin.SystemScope(), rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != ingest.StatusRejected || got.Rejected != 1 || len(got.Rejects) != 1 || got.Rejects[0].Line != 2 ||
		got.Rejects[0].Field != "village_code" || got.FinishedAt == nil {
		t.Fatalf("import record = %+v, want rejected with one reject on line 2, field village_code", got)
	}
	list, err := st.Imports(context.Background(), lianxin.SystemScope(), 100)
	if err != nil || len(list) != len(order)+1 || list[0].ID != rec.ID {
		t.Fatalf("imports list: %d records (%v), first %+v; want %d, newest first", len(list), err, list[0], len(order)+1)
	}
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func queryRow(url, sql string, dest ...any) error {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	return conn.QueryRow(ctx, sql).Scan(dest...)
}

// checksum summarises every data table: row count and an md5 of all rows.
func checksum(t *testing.T, url string) string {
	t.Helper()
	var parts []string
	for _, table := range []string{"towns", "villages", "teams", "members", "households", "household_personal",
		"contact_points", "projects", "river_works", "visits", "layer_versions"} {
		var n int64
		var sum string
		q := fmt.Sprintf(`SELECT count(*), coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM %s t`, table)
		if err := queryRow(url, q, &n, &sum); err != nil {
			t.Fatalf("checksum %s: %v", table, err)
		}
		parts = append(parts, fmt.Sprintf("%s=%d:%s", table, n, sum[:min(8, len(sum))]))
	}
	return strings.Join(parts, " ")
}

// TestTemplatesImport uploads every layer's template unchanged, in both
// languages, as a dry run and for real, into the demo county: the example
// row is a # note, so each is refused as holding no rows (no_rows, naming
// the file) and no stored row changes. The households template's example
// once named a live household, which a dry run said it would update.
func TestTemplatesImport(t *testing.T) {
	st, url, _ := demotest.New(t)
	before := checksum(t, url)
	dir := t.TempDir()
	for _, layer := range ingest.LayerNames() {
		for _, lang := range []string{ingest.LangEN, ingest.LangZH} {
			for _, dry := range []bool{true, false} {
				t.Run(fmt.Sprintf("%s/%s/dry=%v", layer, lang, dry), func(t *testing.T) {
					var b bytes.Buffer
					if err := ingest.WriteTemplate(&b, layer, lang); err != nil {
						t.Fatal(err)
					}
					path := filepath.Join(dir, layer+"-"+lang+".csv")
					if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
						t.Fatal(err)
					}
					rec, err := importFile(t, st, layer, path, ingest.Options{Lang: lang, DryRun: dry})
					ps := ingest.ProblemsOf(err)
					if len(ps) != 1 || ps[0].Code != ingest.FileNoRows || !strings.Contains(err.Error(), layer+"-"+lang+".csv") {
						t.Errorf("import the %s template of %s unchanged (dry run %v): %+v, %v; want it refused as holding no rows, naming the file",
							lang, layer, dry, rec, err)
					}
					if rec.Inserted+rec.Updated+rec.Unchanged != 0 {
						t.Errorf("import the %s template of %s unchanged: inserted %d, updated %d, unchanged %d; want none", lang, layer,
							rec.Inserted, rec.Updated, rec.Unchanged)
					}
				})
			}
		}
	}
	if after := checksum(t, url); after != before {
		t.Errorf("importing the unchanged templates changed the county:\nbefore %s\nafter  %s", before, after)
	}
}

// TestCancelledImportLeavesNothing stops an import in the middle (as a
// killed client or server would) and checks that nothing landed, then that
// running it again lands every row exactly once.
func TestCancelledImportLeavesNothing(t *testing.T) {
	st, url := storetest.New(t)
	loadCounty(t, st)
	path := filepath.Join(t.TempDir(), "many.csv")
	var b strings.Builder
	b.WriteString("external_id,village_code,residents,lon,lat\n")
	const n = 20000
	for i := range n {
		fmt.Fprintf(&b, "K%05d,T01V01,2,%.6f,%.6f\n", i, 120.001+float64(i%1000)*0.00004, 32.101+float64(i/1000)*0.004)
	}
	writeFile(t, path, b.String())
	before := checksum(t, url)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rec, err := ingest.Run(ctx, st, lianxin.SystemScope(), "test", ingest.Options{Layer: "households", Path: path,
		Progress: func(rows, _ int64) { cancel() }})
	if err == nil {
		t.Fatal("cancelled import returned no error")
	}
	if after := checksum(t, url); after != before {
		t.Fatalf("cancelled import changed the database:\nbefore %s\nafter  %s", before, after)
	}
	if got, _ := st.Import(context.Background(), lianxin.SystemScope(), rec.ID); got.Status != ingest.StatusFailed {
		t.Errorf("cancelled import recorded as %q, want %q", got.Status, ingest.StatusFailed)
	}
	rec, err = importFile(t, st, "households", path, ingest.Options{})
	if err != nil || rec.Inserted != n {
		t.Fatalf("import after the cancelled one: inserted %d, %v; want %d", rec.Inserted, err, n)
	}
	var count int
	if err := queryRow(url, `SELECT count(*) FROM households WHERE external_id LIKE 'K%'`, &count); err != nil || count != n {
		t.Fatalf("households K%% = %d (%v), want %d", count, err, n)
	}
}
