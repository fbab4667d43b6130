package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"lianxin"
	"lianxin/api"
	"lianxin/demo"
	"lianxin/demo/demotest"
	"lianxin/store"
)

// reportFixture is a demo county with the API served over it as the command
// line's scope (the system's): the report tests run `lianxin report` and
// compare what it writes with what the API answers the same question.
type reportFixture struct {
	st     *store.Store
	url    string // the county's database
	county *demo.County
	api    string // the API server's base URL
}

func newReportFixture(t *testing.T) reportFixture {
	t.Helper()
	st, url, county := demotest.New(t)
	system := lianxin.SystemScope()
	srv := httptest.NewServer(api.NewServer(api.Config{}, api.Deps{
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Health: st, DefaultScope: &system, Reports: st}))
	t.Cleanup(srv.Close)
	return reportFixture{st: st, url: url, county: county, api: srv.URL}
}

// get asks the API path (from /api/v1/...) and answers its status and body.
func (f reportFixture) get(t *testing.T, path string) (int, []byte) {
	t.Helper()
	res, err := http.Get(f.api + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return res.StatusCode, b
}

// report runs `lianxin report name args...` on the county with no
// environment and answers its stdout, its stderr and its error.
func (f reportFixture) report(t *testing.T, name string, args ...string) (stdout, stderr []byte, err error) {
	t.Helper()
	return f.reportEnv(t, func(string) string { return "" }, name, args...)
}

// reportEnv is report under the environment getenv (the language tests
// set LIANXIN_LANG and the locale).
func (f reportFixture) reportEnv(t *testing.T, getenv func(string) string, name string, args ...string) (stdout, stderr []byte, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	all := append([]string{"report", name, "--database-url", f.url, "--log-level", "warn"}, args...)
	err = run(context.Background(), all, getenv, &out, &errOut)
	return out.Bytes(), errOut.Bytes(), err
}
