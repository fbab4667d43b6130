package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lianxin"
	"lianxin/api"
	"lianxin/ingest"
	"lianxin/store"
	"lianxin/store/storetest"
)

// TestRejectsFileSameFromCLIAndWeb imports one households CSV with bad rows,
// skipping them, through `lianxin ingest --skip-invalid --lang L` and through
// the web import (POST /api/v1/imports/households with skip_invalid and
// lang L), in English and in Chinese: the two rejects files are the same
// bytes — header (the file's own columns, then 原行号/拒绝原因 or
// reject_line/reject_reason, then reject_code and reject_params), rows and
// reasons. Each, fixed, imports whole.
func TestRejectsFileSameFromCLIAndWeb(t *testing.T) {
	ctx := context.Background()
	_, url := storetest.New(t)
	noEnv := func(string) string { return "" }
	cli := func(t *testing.T, args ...string) string {
		t.Helper()
		var out bytes.Buffer
		if err := run(ctx, append([]string{"ingest", "--database-url", url}, args...), noEnv, &out, &out); err != nil {
			t.Fatalf("lianxin ingest %s: %v\n%s", strings.Join(args, " "), err, out.String())
		}
		return out.String()
	}
	cli(t, "towns", goodFile("towns.csv"))
	cli(t, "villages", goodFile("villages.csv"))

	st, err := store.Open(ctx, url, store.Options{Role: store.AppRole})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := ingest.NewService(ctx, st, quiet, t.TempDir())
	admin := lianxin.Scope{User: "admin", Roles: []lianxin.Role{lianxin.RoleAdmin}, AllTowns: true, HouseholdPoints: true, PersonalFields: true}
	srv := api.NewServer(api.Config{}, api.Deps{Logger: quiet, Health: st, DefaultScope: &admin, Import: svc})
	web := func(t *testing.T, name string, file []byte, lang string, dryRun bool) ingest.Record {
		t.Helper()
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		for k, v := range map[string]string{"skip_invalid": "true", "lang": lang, "dry_run": fmt.Sprint(dryRun)} {
			_ = mw.WriteField(k, v)
		}
		fw, _ := mw.CreateFormFile("file", name)
		_, _ = fw.Write(file)
		_ = mw.Close()
		req := httptest.NewRequest(http.MethodPost, "/api/v1/imports/households", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		var rec ingest.Record
		if err := json.Unmarshal(w.Body.Bytes(), &rec); w.Code != http.StatusAccepted || err != nil {
			t.Fatalf("POST /api/v1/imports/households %s = %d %s, want 202", name, w.Code, w.Body)
		}
		svc.Wait()
		w = httptest.NewRecorder()
		srv.ServeHTTP(w, httptest.NewRequest(http.MethodGet, fmt.Sprintf("/api/v1/imports/%d", rec.ID), nil))
		if err := json.Unmarshal(w.Body.Bytes(), &rec); w.Code != http.StatusOK || err != nil {
			t.Fatalf("GET import %d = %d %s", rec.ID, w.Code, w.Body)
		}
		return rec
	}

	const header = "户编号,村代码,户主,人口,经度,纬度"
	file := header + "\n" +
		"H0101,T01V01,张建国,3,120.021,32.131\n" +
		`H0103,T01V99,"王, 强",4,120.071,32.151` + "\n" + // no such village; a quoted comma
		"H0104,T01V01,李秀英,abc,120.032,32.142\n" + // residents not a number
		"H0105,T01V02,孙丽,2,,32.150\n" // no longitude
	dir := t.TempDir()
	path := filepath.Join(dir, "户籍.csv")
	if err := os.WriteFile(path, []byte(file), 0o644); err != nil {
		t.Fatal(err)
	}
	fix := strings.NewReplacer("T01V99", "T01V02", ",abc,", ",1,", ",,32.150", ",120.072,32.150")

	for _, tc := range []struct {
		lang         string
		lineH, reasH string
	}{
		{"en", "reject_line", "reject_reason"},
		{"zh", "原行号", "拒绝原因"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			// Dry runs, so both import the same rows into the same table.
			out := filepath.Join(dir, tc.lang+".rejects.csv")
			cli(t, "--lang", tc.lang, "--skip-invalid", "--dry-run", "--rejects", out, "households", path)
			fromCLI, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			rec := web(t, "户籍.csv", []byte(file), tc.lang, true)
			if rec.RejectsFile == nil || rec.Rejected != 3 {
				t.Fatalf("web import: rejected %d, rejects_file %+v; want 3 and a file", rec.Rejected, rec.RejectsFile)
			}
			w := httptest.NewRecorder()
			srv.ServeHTTP(w, httptest.NewRequest(http.MethodGet, fmt.Sprintf("/api/v1/imports/%d/rejects", rec.ID), nil))
			if w.Code != http.StatusOK {
				t.Fatalf("GET rejects = %d %s", w.Code, w.Body)
			}
			fromWeb := w.Body.Bytes()

			wantHead := "\ufeff" + header + "," + tc.lineH + "," + tc.reasH + ",reject_code,reject_params"
			cliHead, _, _ := strings.Cut(string(fromCLI), "\n")
			webHead, _, _ := strings.Cut(string(fromWeb), "\n")
			if cliHead != wantHead || webHead != wantHead {
				t.Errorf("rejects file headers:\n CLI %q\n web %q\nwant both %q", cliHead, webHead, wantHead)
			}
			if !bytes.Equal(fromCLI, fromWeb) {
				t.Errorf("the CLI's rejects file and the web's differ:\nCLI:\n%s\nweb:\n%s", fromCLI, fromWeb)
			}

			// Fixed in a spreadsheet (the reject columns left as they are),
			// each imports whole: the CLI's through the web, the web's
			// through the CLI, still as dry runs.
			again := web(t, "户籍.rejects.csv", []byte(fix.Replace(string(fromCLI))), tc.lang, true)
			if again.Rejected != 0 || again.Unchanged+again.Inserted != 3 {
				t.Errorf("the CLI's rejects file fixed, uploaded: rejected %d, inserted %d, unchanged %d (%s); want 3 rows and none rejected",
					again.Rejected, again.Inserted, again.Unchanged, again.Message)
			}
			fixed := filepath.Join(dir, tc.lang+".fixed.csv")
			if err := os.WriteFile(fixed, []byte(fix.Replace(string(fromWeb))), 0o644); err != nil {
				t.Fatal(err)
			}
			said := cli(t, "--lang", "en", "--dry-run", "households", fixed)
			if !strings.Contains(said, "rejected=0") || !strings.Contains(said, "inserted=3") {
				t.Errorf("the web's rejects file fixed, through lianxin ingest: %s; want inserted=3 rejected=0", said)
			}
		})
	}
}
