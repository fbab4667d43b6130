package api_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"lianxin/api"
	"lianxin/store/storetest"
)

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func get(t *testing.T, h http.Handler, path string) (*http.Response, []byte) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	res := rec.Result()
	body, _ := io.ReadAll(res.Body)
	return res, body
}

func TestHealthAndReadiness(t *testing.T) {
	s, dbURL := storetest.New(t)
	srv := api.NewServer(api.Config{}, api.Deps{Logger: quietLogger(), Health: s})

	cases := []struct {
		path       string
		wantStatus int
		wantBody   string
	}{
		{"/healthz", 200, `"ok"`},
		{"/readyz", 200, `"ready"`},
		{"/metrics", 200, "lianxin_http_request_duration_seconds"},
		{"/api/openapi.json", 200, `"openapi"`},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			res, body := get(t, srv, tc.path)
			if res.StatusCode != tc.wantStatus || !strings.Contains(string(body), tc.wantBody) {
				t.Fatalf("GET %s = %d %q, want %d containing %q", tc.path, res.StatusCode, body, tc.wantStatus, tc.wantBody)
			}
		})
	}

	// The database goes away: /readyz turns 503 in our error shape, /healthz stays 200.
	ctx := context.Background()
	admin := storetest.Connect(t, storetest.AdminURL())
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	if _, err := admin.Exec(ctx, "DROP DATABASE "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		t.Fatal(err)
	}
	res, body := get(t, srv, "/readyz")
	var eb errorBody
	if err := json.Unmarshal(body, &eb); err != nil {
		t.Fatalf("/readyz body %q is not our error shape: %v", body, err)
	}
	if res.StatusCode != 503 || eb.Error.Code != "unavailable" {
		t.Fatalf("/readyz with the database gone = %d %+v, want 503 unavailable", res.StatusCode, eb)
	}
	if res, _ := get(t, srv, "/healthz"); res.StatusCode != 200 {
		t.Fatalf("/healthz with the database gone = %d, want 200", res.StatusCode)
	}
}

func TestUnknownRouteHasErrorShape(t *testing.T) {
	srv := api.NewServer(api.Config{}, api.Deps{Logger: quietLogger()})
	res, body := get(t, srv, "/api/v1/nothing-here")
	var eb errorBody
	if err := json.Unmarshal(body, &eb); err != nil || res.StatusCode != 404 || eb.Error.Code != "not_found" {
		t.Fatalf("GET unknown route = %d %q, want 404 with code not_found", res.StatusCode, body)
	}
}

func TestBodyLimit(t *testing.T) {
	srv := api.NewServer(api.Config{BodyLimit: "1K"}, api.Deps{Logger: quietLogger()})
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/api/v1/anything", strings.NewReader(strings.Repeat("x", 4096))))
	if rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(rec.Body.String(), `"too_large"`) {
		t.Fatalf("POST 4 KiB with a 1 KiB limit = %d %q, want 413 too_large", rec.Code, rec.Body.String())
	}
}

// Every route the server registers under /api appears in the OpenAPI document.
func TestOpenAPIListsEveryRoute(t *testing.T) {
	srv := api.NewServer(api.Config{}, api.Deps{Logger: quietLogger()})
	_, body := get(t, srv, "/api/openapi.json")
	var doc struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("openapi.json does not parse: %v", err)
	}
	for _, r := range srv.Routes() {
		if !strings.HasPrefix(r.Path, "/api/") && !strings.HasPrefix(r.Path, "/tiles/") {
			continue
		}
		path := api.OpenAPIPath(r.Path)
		if _, ok := doc.Paths[path][strings.ToLower(r.Method)]; !ok {
			t.Errorf("route %s %s (%s) is not in openapi.json", r.Method, r.Path, path)
		}
	}
}
