package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"lianxin"
	"lianxin/api"
	"lianxin/auth"
	"lianxin/demo/demotest"
	"lianxin/store"
)

// TestServeCountyBounds: `serve --county-bounds` reaches the diary and the
// uploads: a position in the demo county is refused by a server whose box
// lies elsewhere, and taken by one left at the default or given it.
func TestServeCountyBounds(t *testing.T) {
	ctx := context.Background()
	owner, dbURL, county := demotest.New(t)
	app, err := store.Open(ctx, dbURL, store.Options{MaxConns: 4, Role: store.AppRole, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Close)
	cli, err := auth.New(owner, auth.Options{Params: auth.Params{MemoryKiB: 64, Time: 1, Threads: 1}, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cli.AddUser(ctx, auth.NewUser{Username: "boxadmin", Password: "password-of-boxadmin",
		// Writing diary entries for a member needs the household grant.
		Roles: []auth.RoleGrant{{Role: lianxin.RoleAdmin}, {Role: auth.GrantHouseholdPoints}}}, "test"); err != nil {
		t.Fatal(err)
	}
	hh := county.Households[0]
	var member, village string
	for _, m := range county.Members {
		if m.TownID == hh.TownID {
			member = m.Code
			break
		}
	}
	for _, v := range county.Villages {
		if v.ID == hh.VillageID {
			village = v.Code
		}
	}
	if member == "" || village == "" {
		t.Fatalf("household %s: member %q, village %q, want both", hh.ExternalID, member, village)
	}

	cases := []struct {
		name       string
		bounds     string // --county-bounds; empty is the default box
		wantDiary  int    // the diary entry's status
		wantIn     string // in its answer
		wantImport string // the (dry-run) upload's status
	}{
		{"default box holds the demo county", "", 201, `"created":true`, "succeeded"},
		{"the same box, given", defaultCountyBounds, 201, `"created":true`, "succeeded"},
		{"a box elsewhere refuses the position", "100.0,20.0,101.0,21.0", 400, "lon", "rejected"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, err := newServer(Config{TileCacheMB: 1, RequestTimeout: time.Minute, BodyLimit: "1M", CountyBounds: tc.bounds},
				app, quiet(), prometheus.NewRegistry())
			if err != nil {
				t.Fatal(err)
			}
			rec := httptest.NewRecorder()
			req := httptest.NewRequest("POST", "/api/v1/auth/login", strings.NewReader(`{"username":"boxadmin","password":"password-of-boxadmin"}`))
			req.Header.Set("Content-Type", "application/json")
			srv.ServeHTTP(rec, req)
			if rec.Code != 200 {
				t.Fatalf("login = %d %s", rec.Code, rec.Body)
			}
			csrf := between(rec.Body.String(), `"csrf_token":"`, `"`)
			do := func(method, path, contentType string, body io.Reader) (int, string) {
				req := httptest.NewRequest(method, path, body)
				if contentType != "" {
					req.Header.Set("Content-Type", contentType)
				}
				req.Header.Set("X-CSRF-Token", csrf)
				for _, c := range rec.Result().Cookies() {
					if c.Name == api.SessionCookie {
						req.AddCookie(c)
					}
				}
				got := httptest.NewRecorder()
				srv.ServeHTTP(got, req)
				return got.Code, got.Body.String()
			}

			entry := fmt.Sprintf(`{"id":"app-bounds-%d","household":%q,"member":%q,"kind":"household_visit","occurred_at":"2026-06-01T10:00:00+08:00","lon":%v,"lat":%v}`,
				i, hh.ExternalID, member, hh.Location[0], hh.Location[1])
			if code, body := do("POST", "/api/v1/diary", "application/json", strings.NewReader(entry)); code != tc.wantDiary || !strings.Contains(body, tc.wantIn) {
				t.Errorf("POST /api/v1/diary at %v with --county-bounds %q = %d %s; want %d with %q",
					hh.Location, tc.bounds, code, body, tc.wantDiary, tc.wantIn)
			}

			// A dry run of one new household at the same place, uploaded.
			var form bytes.Buffer
			mw := multipart.NewWriter(&form)
			_ = mw.WriteField("dry_run", "true")
			fw, _ := mw.CreateFormFile("file", "households.csv")
			fmt.Fprintf(fw, "external_id,village_code,residents,lon,lat\nBOX-%d,%s,2,%v,%v\n", i, village, hh.Location[0], hh.Location[1])
			_ = mw.Close()
			code, body := do("POST", "/api/v1/imports/households", mw.FormDataContentType(), &form)
			var started struct {
				ID int64 `json:"id"`
			}
			if err := json.Unmarshal([]byte(body), &started); code != 202 || err != nil {
				t.Fatalf("POST /api/v1/imports/households = %d %s, want 202 with the import", code, body)
			}
			var job struct {
				Status  string `json:"status"`
				Message string `json:"message"`
			}
			for n := 0; n < 600 && (job.Status == "" || job.Status == "running"); n++ {
				if n > 0 {
					time.Sleep(50 * time.Millisecond)
				}
				code, body = do("GET", fmt.Sprintf("/api/v1/imports/%d", started.ID), "", nil)
				if err := json.Unmarshal([]byte(body), &job); code != 200 || err != nil {
					t.Fatalf("GET /api/v1/imports/%d = %d %s", started.ID, code, body)
				}
			}
			if job.Status != tc.wantImport {
				t.Errorf("upload of a household at %v with --county-bounds %q: status %q (%s), want %q",
					hh.Location, tc.bounds, job.Status, body, tc.wantImport)
			}
		})
	}
}

func TestServeCountyBoundsMalformed(t *testing.T) {
	for _, v := range []string{"1,2", "120,32,119,33", "a,b,c,d"} {
		err := run(context.Background(), []string{"serve", "--county-bounds", v}, func(string) string { return "" }, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "--county-bounds") {
			t.Errorf("serve --county-bounds %q = %v, want an error naming --county-bounds", v, err)
		}
	}
}

func between(s, from, to string) string {
	_, rest, ok := strings.Cut(s, from)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, to)
	return v
}
