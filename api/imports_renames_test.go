package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"lianxin/ingest"
)

// An upload's allow_renames reaches the import: a member sheet renaming
// M01 is rejected (code_other_name) without it, and lands with it. The
// steps run in order on one database.
func TestImportAllowRenames(t *testing.T) {
	srv, svc := importServer(t)

	upload := func(layer, name string, file []byte, fields map[string]string) ingest.Record {
		t.Helper()
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, importRequest("/api/v1/imports/"+layer, name, file, fields))
		var started ingest.Record
		if rec.Code != http.StatusAccepted || json.Unmarshal(rec.Body.Bytes(), &started) != nil {
			t.Fatalf("POST /api/v1/imports/%s %v = %d %s, want 202", layer, fields, rec.Code, rec.Body)
		}
		svc.Wait()
		got := httptest.NewRecorder()
		srv.ServeHTTP(got, httptest.NewRequest(http.MethodGet, "/api/v1/imports/"+itoa(started.ID), nil))
		var done ingest.Record
		if err := json.Unmarshal(got.Body.Bytes(), &done); err != nil {
			t.Fatalf("GET import %d: %v (%s)", started.ID, err, got.Body)
		}
		return done
	}
	for _, layer := range []string{"towns", "teams", "members"} {
		b, err := os.ReadFile("../ingest/testdata/good/" + layer + ".csv")
		if err != nil {
			t.Fatal(err)
		}
		if done := upload(layer, layer+".csv", b, nil); done.Status != ingest.StatusSucceeded || done.Inserted == 0 {
			t.Fatalf("import good %s = %+v, want succeeded", layer, done)
		}
	}
	rename := []byte("成员编号,姓名,队代码,角色\nM01,贺志风,D01,队长\n")
	cases := []struct {
		name       string
		fields     map[string]string
		wantStatus string
		wantCounts ingest.Counts
		wantCode   string
	}{
		{"without allow_renames", nil, ingest.StatusRejected, ingest.Counts{Rejected: 1}, ingest.CodeOtherName},
		{"allow_renames=false", map[string]string{"allow_renames": "false"}, ingest.StatusRejected, ingest.Counts{Rejected: 1}, ingest.CodeOtherName},
		{"allow_renames=true", map[string]string{"allow_renames": "true"}, ingest.StatusSucceeded, ingest.Counts{Updated: 1}, ""},
		{"again, nothing to rename", nil, ingest.StatusSucceeded, ingest.Counts{Unchanged: 1}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			done := upload("members", "members.csv", rename, tc.fields)
			code := ""
			if len(done.Rejects) > 0 {
				code = done.Rejects[0].Code
			}
			if done.Status != tc.wantStatus || done.Counts != tc.wantCounts || code != tc.wantCode {
				t.Fatalf("import renaming M01 with %v = %s %+v first reject %q, want %s %+v %q",
					tc.fields, done.Status, done.Counts, code, tc.wantStatus, tc.wantCounts, tc.wantCode)
			}
		})
	}
}
