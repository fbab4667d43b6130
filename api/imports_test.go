package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"lianxin"
	"lianxin/api"
	"lianxin/ingest"
	"lianxin/store/storetest"
)

// TestImportUpload uploads the test county's files through the API, polls
// each import until it ends, and checks counts, rejects and the list.
func TestImportUpload(t *testing.T) {
	srv, svc := importServer(t)

	upload := func(layer, path string, fields map[string]string) (int, ingest.Record) {
		t.Helper()
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, importRequest("/api/v1/imports/"+layer, path[len("../ingest/testdata/good/"):], b, fields))
		var out ingest.Record
		json.Unmarshal(rec.Body.Bytes(), &out)
		return rec.Code, out
	}
	get := func(url string, dst any) int {
		t.Helper()
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, url, nil))
		if err := json.Unmarshal(rec.Body.Bytes(), dst); err != nil {
			t.Fatalf("GET %s: %v (%s)", url, err, rec.Body)
		}
		return rec.Code
	}
	for _, layer := range []string{"towns", "villages"} {
		code, rec := upload(layer, "../ingest/testdata/good/"+layer+".geojson", nil)
		if code != http.StatusAccepted || rec.ID == 0 || rec.Status != ingest.StatusRunning {
			t.Fatalf("POST /api/v1/imports/%s = %d %+v, want 202 with a running import", layer, code, rec)
		}
		svc.Wait()
		var done ingest.Record
		if code := get("/api/v1/imports/"+itoa(rec.ID), &done); code != http.StatusOK || done.Status != ingest.StatusSucceeded || done.Inserted == 0 {
			t.Fatalf("GET import %d = %d %+v, want 200 succeeded with rows inserted", rec.ID, code, done)
		}
	}
	code, rec := upload("households", "../ingest/testdata/good/households.gbk.csv", map[string]string{"dry_run": "true"})
	if code != http.StatusAccepted {
		t.Fatalf("POST households dry run = %d, want 202", code)
	}
	svc.Wait()
	var done ingest.Record
	get("/api/v1/imports/"+itoa(rec.ID), &done)
	if done.Status != ingest.StatusSucceeded || done.Inserted != 5 || !done.DryRun {
		t.Fatalf("households dry run = %+v, want succeeded, 5 to insert, dry_run", done)
	}
	cases := []struct {
		name, url string
		fields    map[string]string
		want      int
	}{
		{"unknown layer", "/api/v1/imports/rivers", nil, http.StatusBadRequest},
		{"bad crs", "/api/v1/imports/households", map[string]string{"crs": "bd09"}, http.StatusBadRequest},
		{"bad flag", "/api/v1/imports/households", map[string]string{"skip_invalid": "perhaps"}, http.StatusBadRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			srv.ServeHTTP(w, importRequest(tc.url, "h.csv", []byte("external_id\n"), tc.fields))
			if w.Code != tc.want {
				t.Fatalf("POST %s %v = %d %s, want %d", tc.url, tc.fields, w.Code, w.Body, tc.want)
			}
		})
	}
	var list struct{ Imports []ingest.Record }
	if code := get("/api/v1/imports?limit=10", &list); code != http.StatusOK || len(list.Imports) != 3 || list.Imports[0].ID != rec.ID {
		t.Fatalf("GET /api/v1/imports = %d, %d imports (first %+v), want 3, newest first", code, len(list.Imports), list.Imports)
	}
	// A GBK register with LF lines ending in a Chinese name, auto-detected:
	// refused as "neither UTF-8 nor GBK" when detection cut four bytes off
	// its end, and so split the name's last character.
	for _, f := range []string{"households-head-last.gbk.csv", "households-4byte-last.gb18030.csv"} {
		b, err := os.ReadFile("../ingest/testdata/encoding/" + f)
		if err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, importRequest("/api/v1/imports/households", f, b, map[string]string{"dry_run": "true", "encoding": "auto"}))
		var started ingest.Record
		if err := json.Unmarshal(w.Body.Bytes(), &started); err != nil || w.Code != http.StatusAccepted {
			t.Fatalf("POST households %s = %d %s, want 202", f, w.Code, w.Body)
		}
		svc.Wait()
		var got ingest.Record
		get("/api/v1/imports/"+itoa(started.ID), &got)
		if got.Status != ingest.StatusSucceeded || got.Inserted != 5 || got.Rejected != 0 {
			t.Fatalf("households %s dry run = %+v, want succeeded, 5 to insert, none rejected", f, got)
		}
	}

	var missing map[string]any
	if code := get("/api/v1/imports/999999", &missing); code != http.StatusNotFound {
		t.Fatalf("GET a missing import = %d, want 404", code)
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// importServer is a server of the imports over a fresh migrated database,
// answering as the system; svc.Wait waits for the imports it starts.
func importServer(t *testing.T) (srv *api.Server, svc *ingest.Service) {
	t.Helper()
	st, _ := storetest.New(t)
	svc = ingest.NewService(context.Background(), st, quietLogger(), t.TempDir())
	scope := lianxin.SystemScope()
	return api.NewServer(api.Config{}, api.Deps{Logger: quietLogger(), Health: st, DefaultScope: &scope, Import: svc}), svc
}

// importRequest is a multipart POST of url with the form fields and, when
// name is not "", file as the field file named name.
func importRequest(url, name string, file []byte, fields map[string]string) *http.Request {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if name != "" {
		fw, _ := mw.CreateFormFile("file", name)
		fw.Write(file)
	}
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	mw.Close()
	req := httptest.NewRequest(http.MethodPost, url, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return req
}
