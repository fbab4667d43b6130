package api_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"lianxin"
	"lianxin/api"
)

// The request log and the latency metric carry the status the client got,
// also when a handler returned an error that the error handler turned into
// the answer; a level the logger leaves out writes nothing.
func TestRequestLogAndMetricStatus(t *testing.T) {
	sys := lianxin.SystemScope()
	cases := []struct {
		name, path string
		logLevel   slog.Level
		wantStatus int
		wantLevel  string // "" when no request line is wanted
		wantLabel  string
	}{
		{"public document", "/api/openapi.json", slog.LevelInfo, 200, "INFO", `route="/api/openapi.json",status="200"`},
		{"unknown route", "/api/v1/nothing-here", slog.LevelInfo, 404, "INFO", `status="404"`},
		{"our error type", "/tiles/villages/10/853/414.mvt", slog.LevelInfo, 503, "ERROR", `route="/tiles/:layers/:z/:x/:y",status="503"`},
		{"info left out", "/api/openapi.json", slog.LevelWarn, 200, "", `status="200"`},
		{"error kept at warn", "/tiles/villages/10/853/414.mvt", slog.LevelWarn, 503, "ERROR", `status="503"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: tc.logLevel}))
			reg := prometheus.NewRegistry()
			// No tile service: tiles answer 503 through lianxin's error type.
			srv := api.NewServer(api.Config{}, api.Deps{Logger: log, Metrics: reg, DefaultScope: &sys})
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tc.path, nil))
			if rec.Code != tc.wantStatus {
				t.Fatalf("GET %s = %d, want %d", tc.path, rec.Code, tc.wantStatus)
			}
			id := rec.Header().Get("X-Request-Id")
			if id == "" {
				t.Errorf("GET %s: no X-Request-Id header", tc.path)
			}
			var line map[string]any
			for sc := bufio.NewScanner(&logs); sc.Scan(); {
				var m map[string]any
				if err := json.Unmarshal(sc.Bytes(), &m); err == nil && m["msg"] == "request" {
					line = m
				}
			}
			switch {
			case tc.wantLevel == "" && line != nil:
				t.Errorf("GET %s at log level %s wrote a request line %v, want none", tc.path, tc.logLevel, line)
			case tc.wantLevel != "" && line == nil:
				t.Errorf("GET %s wrote no request line, want one at %s", tc.path, tc.wantLevel)
			case line != nil:
				if line["level"] != tc.wantLevel || line["status"] != float64(tc.wantStatus) || line["request_id"] != id ||
					line["path"] != tc.path || line["method"] != "GET" {
					t.Errorf("GET %s logged %v, want level %s, status %d, request_id %q", tc.path, line, tc.wantLevel, tc.wantStatus, id)
				}
			}
			mrec := httptest.NewRecorder()
			srv.ServeHTTP(mrec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
			found := false
			for l := range strings.SplitSeq(mrec.Body.String(), "\n") {
				found = found || strings.HasPrefix(l, "lianxin_http_request_duration_seconds_count{") && strings.Contains(l, tc.wantLabel)
			}
			if !found {
				t.Errorf("GET %s: /metrics has no request count with %s", tc.path, tc.wantLabel)
			}
		})
	}
}

// Request IDs differ from one request to the next; one the client sent is
// kept.
func TestRequestIDs(t *testing.T) {
	srv := api.NewServer(api.Config{}, api.Deps{Logger: quietLogger()})
	seen := map[string]bool{}
	for i := 0; i < 100; i++ {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/openapi.json", nil))
		id := rec.Header().Get("X-Request-Id")
		if id == "" || seen[id] {
			t.Fatalf("request %d: X-Request-Id %q, want a new one (seen %d)", i, id, len(seen))
		}
		seen[id] = true
	}
	req := httptest.NewRequest(http.MethodGet, "/api/openapi.json", nil)
	req.Header.Set("X-Request-Id", "from-the-proxy")
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	if got := rec.Header().Get("X-Request-Id"); got != "from-the-proxy" {
		t.Errorf("X-Request-Id with one sent = %q, want the one sent", got)
	}
}
