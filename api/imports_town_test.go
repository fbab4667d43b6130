package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"

	"lianxin"
	"lianxin/api"
	"lianxin/ingest"
	"lianxin/store"
	"lianxin/store/storetest"
)

// TestImportUploadTeamLeader uploads, as a team leader and through the
// server's role, a households file with rows of another town: without
// skip_invalid the import is rejected whole and its record names each such
// row; with it the leader's own rows land and the others are its rejects.
func TestImportUploadTeamLeader(t *testing.T) {
	ctx := context.Background()
	owner, url := storetest.New(t)
	for _, layer := range []string{"towns", "villages", "households"} {
		if _, err := ingest.Run(ctx, owner, lianxin.SystemScope(), "test",
			ingest.Options{Layer: layer, Path: "../ingest/testdata/good/" + layer + ".csv"}); err != nil {
			t.Fatalf("load %s: %v", layer, err)
		}
	}
	st, err := store.Open(ctx, url, store.Options{Role: "lianxin_app"})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var t01 int32
	if err := conn.QueryRow(ctx, `SELECT id FROM towns WHERE code = 'T01'`).Scan(&t01); err != nil {
		t.Fatal(err)
	}
	leader := lianxin.Scope{User: "leader-T01", Roles: []lianxin.Role{lianxin.RoleTeamLeader}, Towns: []int32{t01}}
	svc := ingest.NewService(ctx, st, quietLogger(), t.TempDir())
	srv := api.NewServer(api.Config{}, api.Deps{Logger: quietLogger(), Health: st, DefaultScope: &leader, Import: svc})
	const file = "external_id,village_code,residents,lon,lat\nS0010,T01V01,2,120.021,32.131\nS0011,T02V01,2,120.151,32.161\n"
	wantRejects := []string{"3 village_code: village T02V01 is in town T02, outside your towns T01"}
	for _, tc := range []struct {
		skipInvalid string
		wantStatus  string
		wantCounts  ingest.Counts
	}{
		{"false", ingest.StatusRejected, ingest.Counts{Rejected: 1}},
		{"true", ingest.StatusSucceeded, ingest.Counts{Inserted: 1, Rejected: 1}},
	} {
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, importRequest("/api/v1/imports/households", "households.csv", []byte(file), map[string]string{"skip_invalid": tc.skipInvalid}))
		var started ingest.Record
		if err := json.Unmarshal(w.Body.Bytes(), &started); w.Code != http.StatusAccepted || err != nil {
			t.Fatalf("POST households, skip_invalid %s = %d %s, want 202", tc.skipInvalid, w.Code, w.Body)
		}
		svc.Wait()
		w = httptest.NewRecorder()
		srv.ServeHTTP(w, httptest.NewRequest(http.MethodGet, fmt.Sprintf("/api/v1/imports/%d", started.ID), nil))
		var done ingest.Record
		if err := json.Unmarshal(w.Body.Bytes(), &done); w.Code != http.StatusOK || err != nil {
			t.Fatalf("GET import %d = %d %s, want 200", started.ID, w.Code, w.Body)
		}
		var rejects []string
		for _, r := range done.Rejects {
			rejects = append(rejects, fmt.Sprintf("%d %s: %s", r.Line, r.Field, r.Reason))
		}
		if done.Status != tc.wantStatus || done.Counts != tc.wantCounts || !slices.Equal(rejects, wantRejects) {
			t.Fatalf("import with skip_invalid %s = status %q counts %+v rejects %q; want %q %+v %q",
				tc.skipInvalid, done.Status, done.Counts, rejects, tc.wantStatus, tc.wantCounts, wantRejects)
		}
	}
}
