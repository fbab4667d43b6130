package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"lianxin"
	"lianxin/api"
	"lianxin/ingest"
	"lianxin/store"
	"lianxin/store/storetest"
)

// rejectsFixture is a test county (towns T01, T02 and their villages)
// served through the server's role, with one import service and a server
// for each scope that uses it.
type rejectsFixture struct {
	t    *testing.T
	svc  *ingest.Service
	conn *pgx.Conn // the database's owner, to read the audit log
	srv  map[string]*api.Server
}

func newRejectsFixture(t *testing.T, rejectsFileBytes int64) *rejectsFixture {
	t.Helper()
	ctx := context.Background()
	owner, url := storetest.New(t)
	for _, layer := range []string{"towns", "villages"} {
		if _, err := ingest.Run(ctx, owner, lianxin.SystemScope(), "test",
			ingest.Options{Layer: layer, Path: "../ingest/testdata/good/" + layer + ".csv"}); err != nil {
			t.Fatalf("load %s: %v", layer, err)
		}
	}
	st, err := store.Open(ctx, url, store.Options{Role: "lianxin_app"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(ctx) })
	town := map[string]int32{}
	rows, _ := conn.Query(ctx, `SELECT code, id FROM towns`)
	var code string
	var id int32
	if _, err := pgx.ForEachRow(rows, []any{&code, &id}, func() error { town[code] = id; return nil }); err != nil {
		t.Fatal(err)
	}
	svc := ingest.NewService(ctx, st, quietLogger(), t.TempDir())
	if rejectsFileBytes > 0 {
		svc.RejectsFileBytes = rejectsFileBytes
	}
	f := &rejectsFixture{t: t, svc: svc, conn: conn, srv: map[string]*api.Server{}}
	for name, scope := range map[string]lianxin.Scope{
		"admin":      {User: "admin", Roles: []lianxin.Role{lianxin.RoleAdmin}, AllTowns: true, HouseholdPoints: true, PersonalFields: true},
		"leader-T01": {User: "leader-T01", Roles: []lianxin.Role{lianxin.RoleTeamLeader}, Towns: []int32{town["T01"]}, HouseholdPoints: true, PersonalFields: true},
		"leader-T02": {User: "leader-T02", Roles: []lianxin.Role{lianxin.RoleTeamLeader}, Towns: []int32{town["T02"]}, HouseholdPoints: true},
		// County-wide, without the grants that reading households' rows needs.
		"gis":               {User: "gis", Roles: []lianxin.Role{lianxin.RoleGIS}, AllTowns: true},
		"admin-no-personal": {User: "admin2", Roles: []lianxin.Role{lianxin.RoleAdmin}, AllTowns: true, HouseholdPoints: true},
	} {
		f.srv[name] = api.NewServer(api.Config{}, api.Deps{Logger: quietLogger(), Health: st, DefaultScope: &scope, Import: svc})
	}
	return f
}

// upload posts file as who with skip_invalid, waits for the import and
// returns its finished record.
func (f *rejectsFixture) upload(who, layer, name string, file []byte) ingest.Record {
	f.t.Helper()
	w := httptest.NewRecorder()
	f.srv[who].ServeHTTP(w, importRequest("/api/v1/imports/"+layer, name, file, map[string]string{"skip_invalid": "true"}))
	var started ingest.Record
	if err := json.Unmarshal(w.Body.Bytes(), &started); w.Code != http.StatusAccepted || err != nil {
		f.t.Fatalf("%s: POST %s %s = %d %s, want 202", who, layer, name, w.Code, w.Body)
	}
	f.svc.Wait()
	w = f.get(who, fmt.Sprintf("/api/v1/imports/%d", started.ID))
	var done ingest.Record
	if err := json.Unmarshal(w.Body.Bytes(), &done); w.Code != http.StatusOK || err != nil {
		f.t.Fatalf("%s: GET import %d = %d %s, want 200", who, started.ID, w.Code, w.Body)
	}
	return done
}

func (f *rejectsFixture) get(who, url string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	f.srv[who].ServeHTTP(w, httptest.NewRequest(http.MethodGet, url, nil))
	return w
}

// TestImportRejectsFileCSV uploads a households CSV with bad rows and
// skip_invalid, downloads its rejects file, checks it holds exactly the bad
// rows as they were uploaded (plus the reject columns), and uploads it
// fixed: the rows land.
func TestImportRejectsFileCSV(t *testing.T) {
	f := newRejectsFixture(t, 0)
	const header = "户编号,村代码,户主,人口,经度,纬度"
	good := []string{
		"H0101,T01V01,张建国,3,120.021,32.131",
		"H0102,T02V01,赵敏,2,120.151,32.161",
	}
	bad := []string{
		`H0103,T01V99,"王, 强",4,120.071,32.151`, // no such village; a quoted comma
		"H0104,T01V01,李秀英,abc,120.032,32.142",  // residents not a number
		"H0105,T01V02,孙丽,2,,32.150",            // no longitude
	}
	file := header + "\n" + good[0] + "\n" + bad[0] + "\n" + bad[1] + "\n" + good[1] + "\n" + bad[2] + "\n"
	rec := f.upload("admin", "households", "户籍.csv", []byte(file))
	if rec.Status != ingest.StatusSucceeded || rec.Inserted != 2 || rec.Rejected != 3 {
		t.Fatalf("import with 3 bad rows = status %q inserted %d rejected %d (%s); want succeeded 2 3", rec.Status, rec.Inserted, rec.Rejected, rec.Message)
	}
	if rf := rec.RejectsFile; rf == nil || rf.Name != "户籍.rejects.csv" || rf.Format != "csv" || rf.Rows != 3 || !rf.Complete {
		t.Fatalf("record's rejects_file = %+v, want 户籍.rejects.csv, csv, 3 rows, complete", rf)
	}

	w := f.get("admin", fmt.Sprintf("/api/v1/imports/%d/rejects", rec.ID))
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/csv") ||
		!strings.Contains(w.Header().Get("Content-Disposition"), "filename*=UTF-8''%E6%88%B7%E7%B1%8D.rejects.csv") {
		t.Fatalf("GET rejects = %d %q %q, want 200 text/csv named 户籍.rejects.csv", w.Code,
			w.Header().Get("Content-Type"), w.Header().Get("Content-Disposition"))
	}
	got := w.Body.String()
	// The bad rows byte for byte, in file order, each with its line,
	// reason, codes and their parameters appended (as the command line
	// writes them); the header with the four reject columns; a BOM.
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	if lines[0] != "\ufeff"+header+",reject_line,reject_reason,reject_code,reject_params" || len(lines) != 1+len(bad) {
		t.Fatalf("rejects file =\n%s\nwant a BOM, %q plus the reject columns, and %d rows", got, header, len(bad))
	}
	for i, want := range []struct {
		row  string
		line int
	}{{bad[0], 3}, {bad[1], 4}, {bad[2], 6}} {
		if prefix := fmt.Sprintf("%s,%d,", want.row, want.line); !strings.HasPrefix(lines[1+i], prefix) {
			t.Errorf("rejects row %d = %q, want it to start %q", i+1, lines[1+i], prefix)
		}
	}
	for _, g := range good {
		if strings.Contains(got, g) {
			t.Errorf("rejects file holds the good row %q", g)
		}
	}

	// Fixed in place (reject columns left as they are), it imports whole
	// (H0103's point lies in T01V02: its village must be that one).
	fixed := strings.NewReplacer("T01V99", "T01V02", ",abc,", ",1,", ",,32.150", ",120.072,32.150").Replace(got)
	again := f.upload("admin", "households", "户籍.rejects.csv", []byte(fixed))
	if again.Status != ingest.StatusSucceeded || again.Inserted != 3 || again.Rejected != 0 || again.RejectsFile != nil {
		t.Fatalf("fixed rejects file imported = status %q inserted %d rejected %d rejects_file %+v (%s); want succeeded 3 0 none",
			again.Status, again.Inserted, again.Rejected, again.RejectsFile, again.Message)
	}
	if w := f.get("admin", fmt.Sprintf("/api/v1/imports/%d/rejects", again.ID)); w.Code != http.StatusNotFound {
		t.Errorf("GET rejects of an import without rejects = %d, want 404", w.Code)
	}

	var audited int64
	if err := f.conn.QueryRow(context.Background(), `SELECT count(*) FROM audit_log
		WHERE action = 'import_rejects' AND actor = 'admin' AND (detail->>'import_id')::bigint = $1 AND rows = 3`, rec.ID).Scan(&audited); err != nil || audited != 1 {
		t.Errorf("audit lines for the download of import %d = %d (%v), want 1", rec.ID, audited, err)
	}
}

// TestImportRejectsFileGeoJSON: a GeoJSON upload's rejects file is a
// FeatureCollection of exactly the bad features, with their reasons.
func TestImportRejectsFileGeoJSON(t *testing.T) {
	f := newRejectsFixture(t, 0)
	feature := func(id, village string, lon float64) string {
		return fmt.Sprintf(`{"type":"Feature","properties":{"external_id":%q,"village_code":%q,"residents":2},"geometry":{"type":"Point","coordinates":[%g,32.131]}}`, id, village, lon)
	}
	file := `{"type":"FeatureCollection","features":[` + strings.Join([]string{
		feature("G1", "T01V01", 120.021), feature("G2", "T01V99", 120.022),
		feature("G3", "T01V01", 121.5), feature("G4", "T01V02", 120.071)}, ",\n") + "]}"
	rec := f.upload("admin", "households", "points.geojson", []byte(file))
	if rec.Inserted != 2 || rec.Rejected != 2 || rec.RejectsFile == nil || rec.RejectsFile.Name != "points.rejects.geojson" {
		t.Fatalf("import with 2 bad features = inserted %d rejected %d rejects_file %+v (%s); want 2 2 points.rejects.geojson",
			rec.Inserted, rec.Rejected, rec.RejectsFile, rec.Message)
	}
	w := f.get("admin", fmt.Sprintf("/api/v1/imports/%d/rejects", rec.ID))
	var fc struct {
		Type     string
		Features []struct {
			Type       string
			Properties map[string]any
			Geometry   map[string]any
		}
	}
	if err := json.Unmarshal(w.Body.Bytes(), &fc); w.Code != http.StatusOK || err != nil || fc.Type != "FeatureCollection" {
		t.Fatalf("GET rejects = %d %v\n%s\nwant 200 and a FeatureCollection", w.Code, err, w.Body)
	}
	var ids []string
	for _, ft := range fc.Features {
		if ft.Type != "Feature" || ft.Geometry["type"] != "Point" || ft.Properties["reject_reason"] == "" {
			t.Errorf("rejected feature %+v: want a Feature with its Point and a reject_reason", ft)
		}
		ids = append(ids, fmt.Sprint(ft.Properties["external_id"]))
	}
	if strings.Join(ids, ",") != "G2,G3" {
		t.Fatalf("rejects file features = %q, want G2,G3", ids)
	}
	// Fixed, it imports as it is.
	fixed := strings.NewReplacer("T01V99", "T01V01", "121.5", "120.023").Replace(w.Body.String())
	if again := f.upload("admin", "households", "points.rejects.geojson", []byte(fixed)); again.Inserted != 2 || again.Rejected != 0 {
		t.Fatalf("fixed rejects file imported = inserted %d rejected %d (%s), want 2 0", again.Inserted, again.Rejected, again.Message)
	}

	// A GeoPackage's rejects (read by ogr2ogr) are a FeatureCollection too:
	// as team leader of T01, its T02 household is rejected.
	gpkg, err := os.ReadFile("../ingest/testdata/good/households.gpkg")
	if err != nil {
		t.Fatal(err)
	}
	rec = f.upload("leader-T01", "households", "户籍.gpkg", gpkg)
	if rec.RejectsFile == nil || rec.RejectsFile.Name != "户籍.rejects.geojson" || rec.RejectsFile.Rows != rec.Rejected || rec.Rejected == 0 {
		t.Fatalf("GeoPackage import as leader-T01 = rejected %d rejects_file %+v (%s); want 户籍.rejects.geojson with every reject",
			rec.Rejected, rec.RejectsFile, rec.Message)
	}
	w = f.get("leader-T01", fmt.Sprintf("/api/v1/imports/%d/rejects", rec.ID))
	fc.Features = nil
	if err := json.Unmarshal(w.Body.Bytes(), &fc); err != nil || int64(len(fc.Features)) != rec.Rejected ||
		!strings.Contains(fmt.Sprint(fc.Features[0].Properties["reject_reason"]), "outside your towns") {
		t.Fatalf("GeoPackage rejects = %d %v\n%s\nwant a FeatureCollection of %d features rejected as outside the towns", w.Code, err, w.Body, rec.Rejected)
	}
}

// TestImportRejectsFileAccess: the import record and its rejects file go
// only to those who may see the import: county-wide roles see every one; a
// team leader only those run within their own towns. The file, rows as
// uploaded, needs besides what reading those rows needs elsewhere
// (household points, personal fields), unless it is the caller's own.
func TestImportRejectsFileAccess(t *testing.T) {
	f := newRejectsFixture(t, 0)
	const file = "external_id,village_code,residents,lon,lat\nS0010,T01V01,2,120.021,32.131\nS0011,T02V01,2,120.151,32.161\n"
	byLeader := f.upload("leader-T01", "households", "h.csv", []byte(file)) // S0011 is in T02: rejected
	byAdmin := f.upload("admin", "households", "h2.csv", []byte(strings.ReplaceAll(file, "T01V01", "T09V01")))
	personal := f.upload("admin", "households", "h3.csv", []byte("external_id,village_code,residents,lon,lat,户主\nS0012,T09V01,2,120.021,32.131,张三\n"))
	byGIS := f.upload("gis", "households", "h4.csv", []byte(strings.ReplaceAll(file, "T01V01", "T09V01")))
	for _, tc := range []struct {
		who                  string
		id                   int64
		wantRecord, wantFile int
	}{
		{"leader-T01", byLeader.ID, http.StatusOK, http.StatusOK},
		{"admin", byLeader.ID, http.StatusOK, http.StatusOK},
		{"leader-T02", byLeader.ID, http.StatusNotFound, http.StatusNotFound},
		{"admin", byAdmin.ID, http.StatusOK, http.StatusOK},
		{"leader-T01", byAdmin.ID, http.StatusNotFound, http.StatusNotFound},
		{"leader-T02", byAdmin.ID, http.StatusNotFound, http.StatusNotFound},
		{"gis", byAdmin.ID, http.StatusOK, http.StatusForbidden}, // households' rows, no household points
		{"gis", byGIS.ID, http.StatusOK, http.StatusOK},          // but its own upload's
		{"admin-no-personal", byAdmin.ID, http.StatusOK, http.StatusOK},
		{"admin-no-personal", personal.ID, http.StatusOK, http.StatusForbidden}, // 户主 is a personal field
		{"admin", personal.ID, http.StatusOK, http.StatusOK},
	} {
		for url, want := range map[string]int{
			fmt.Sprintf("/api/v1/imports/%d", tc.id):         tc.wantRecord,
			fmt.Sprintf("/api/v1/imports/%d/rejects", tc.id): tc.wantFile,
		} {
			if w := f.get(tc.who, url); w.Code != want {
				t.Errorf("%s: GET %s = %d %s, want %d", tc.who, url, w.Code, w.Body, want)
			}
		}
	}
	w := f.get("leader-T02", "/api/v1/imports")
	var list struct{ Imports []ingest.Record }
	if err := json.Unmarshal(w.Body.Bytes(), &list); err != nil || len(list.Imports) != 0 {
		t.Errorf("leader-T02: GET /api/v1/imports = %d %s, want no import", w.Code, w.Body)
	}
	w = f.get("leader-T01", fmt.Sprintf("/api/v1/imports/%d/rejects", byLeader.ID))
	if !strings.Contains(w.Body.String(), "S0011,T02V01,2,120.151,32.161,3,") {
		t.Errorf("leader-T01's rejects file =\n%s\nwant the T02 row", w.Body)
	}
}

// TestImportRejectsFileBound: past the bound the file keeps the first
// rejected rows that fit, whole, and the record says so.
func TestImportRejectsFileBound(t *testing.T) {
	f := newRejectsFixture(t, 600) // a few rows of ~200 bytes (line, reason, code and parameters added)
	var b strings.Builder
	b.WriteString("external_id,village_code,residents,lon,lat\n")
	for i := range 10 {
		fmt.Fprintf(&b, "B%04d,T01V99,2,120.021,32.131\n", i)
	}
	rec := f.upload("admin", "households", "many.csv", []byte(b.String()))
	rf := rec.RejectsFile
	if rec.Rejected != 10 || rf == nil || rf.Complete || rf.Rows == 0 || rf.Rows >= 10 ||
		!strings.Contains(rec.Message, fmt.Sprintf("the rejects file holds the first %d of them", rf.Rows)) {
		t.Fatalf("10 rejects, file bound 600 bytes = rejected %d file %+v message %q; want some rows, not complete, and the message saying so",
			rec.Rejected, rf, rec.Message)
	}
	w := f.get("admin", fmt.Sprintf("/api/v1/imports/%d/rejects", rec.ID))
	rows := strings.Count(w.Body.String(), "\n") - 1
	if w.Body.Len() > 600 || int64(rows) != rf.Rows || !strings.HasSuffix(w.Body.String(), "\n") || w.Header().Get("X-Rejects-Complete") != "false" {
		t.Fatalf("bounded rejects file = %d bytes, %d rows, X-Rejects-Complete %q:\n%s\nwant at most 600 bytes of %d whole rows, false",
			w.Body.Len(), rows, w.Header().Get("X-Rejects-Complete"), w.Body, rf.Rows)
	}

	// A FeatureCollection cut short is still one, of whole features.
	features := make([]string, 10)
	for i := range features {
		features[i] = fmt.Sprintf(`{"type":"Feature","properties":{"external_id":"C%d","village_code":"T01V99","residents":2},"geometry":{"type":"Point","coordinates":[120.021,32.131]}}`, i)
	}
	f.svc.RejectsFileBytes = 1000
	rec = f.upload("admin", "households", "many.geojson", []byte(`{"type":"FeatureCollection","features":[`+strings.Join(features, ",")+"]}"))
	rf = rec.RejectsFile
	w = f.get("admin", fmt.Sprintf("/api/v1/imports/%d/rejects", rec.ID))
	var fc struct{ Features []json.RawMessage }
	if err := json.Unmarshal(w.Body.Bytes(), &fc); err != nil || rf == nil || rf.Complete || rf.Rows == 0 ||
		int64(len(fc.Features)) != rf.Rows || w.Body.Len() > 1000 {
		t.Fatalf("bounded GeoJSON rejects file (%+v) = %d bytes, %v:\n%s\nwant a FeatureCollection within 1000 bytes of its features",
			rf, w.Body.Len(), err, w.Body)
	}

	// Not even one row fits: no file is kept, and the record says why.
	f.svc.RejectsFileBytes = 100
	rec = f.upload("admin", "households", "many.geojson", []byte(`{"type":"FeatureCollection","features":[`+strings.Join(features, ",")+"]}"))
	if rec.RejectsFile != nil || !strings.Contains(rec.Message, "no rejects file is kept: its first row alone is over 100 bytes") {
		t.Fatalf("rejects file bound 100 bytes = %+v, message %q; want none, and the message saying why", rec.RejectsFile, rec.Message)
	}
	if w := f.get("admin", fmt.Sprintf("/api/v1/imports/%d/rejects", rec.ID)); w.Code != http.StatusNotFound {
		t.Errorf("GET rejects of an import that kept none = %d, want 404", w.Code)
	}
}
