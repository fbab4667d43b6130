package api_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"lianxin/api"
)

// A 401 on the API, tile and OGC routes challenges for Bearer, and for a
// reading request from a client other than a browser for Basic too
// (realm "lianxin"), which desktop GIS and curl --anyauth wait for before
// they send user:token; a write and a browser's fetch are not offered
// Basic.
func TestBasicChallenge(t *testing.T) {
	f := newAuthServer(t, api.Config{})
	for _, tc := range []struct {
		name, method, path string
		header             map[string]string
		wantBasic          bool
	}{
		{"OGC, no credentials", "GET", "/ogc/collections", nil, true},
		{"tiles, no credentials", "GET", "/tiles/villages.json", nil, true},
		{"an export, no credentials", "GET", "/api/v1/export/villages?format=csv", nil, true},
		{"a wrong bearer token", "GET", "/ogc/collections", map[string]string{"Authorization": "Bearer nope"}, true},
		{"a browser's fetch", "GET", "/api/v1/auth/me", map[string]string{"Sec-Fetch-Mode": "cors"}, false},
		{"a write", "POST", "/api/v1/snapshots", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := f.do(t, call{method: tc.method, path: tc.path, header: tc.header})
			if rec.Code != http.StatusUnauthorized {
				t.Fatalf("%s %s = %d %s, want 401", tc.method, tc.path, rec.Code, rec.Body)
			}
			got := rec.Header().Values("WWW-Authenticate")
			if !slices.Contains(got, `Bearer realm="lianxin"`) {
				t.Errorf("%s %s: WWW-Authenticate %q, want a Bearer challenge", tc.method, tc.path, got)
			}
			basic := slices.ContainsFunc(got, func(v string) bool { return strings.HasPrefix(v, `Basic realm="lianxin"`) })
			if basic != tc.wantBasic {
				t.Errorf("%s %s: WWW-Authenticate %q, Basic challenge %v, want %v", tc.method, tc.path, got, basic, tc.wantBasic)
			}
		})
	}
}
