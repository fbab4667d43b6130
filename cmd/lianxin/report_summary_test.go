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
	"lianxin/demo/demotest"
)

// `lianxin report summary --format csv` writes the summary report's CSV
// byte for byte as the API's format=csv sends it, in Chinese (--lang zh:
// lang=zh) and in English (lang=en), for the county and a town; the
// Chinese file is headed 类别, 项目, 数量, 代码.
func TestReportSummaryCSVIsTheAPIs(t *testing.T) {
	st, url, county := demotest.New(t)
	system := lianxin.SystemScope()
	srv := httptest.NewServer(api.NewServer(api.Config{}, api.Deps{
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Health: st, DefaultScope: &system, Reports: st}))
	t.Cleanup(srv.Close)
	town := county.Towns[2].Code
	for _, tc := range []struct {
		name   string
		flags  []string
		query  string
		header string
	}{
		{"county in Chinese", []string{"--lang", "zh"}, "lang=zh", "类别,项目,数量,代码"},
		{"county in English", []string{"--lang", "en"}, "lang=en", "section,item,value,code"},
		{"a town in Chinese", []string{"--lang", "zh", "--town", town}, "lang=zh&town=" + town, "类别,项目,数量,代码"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"report", "summary", "--database-url", url, "--log-level", "warn", "--format", "csv"}, tc.flags...)
			var out, errOut bytes.Buffer
			if err := run(context.Background(), args, func(string) string { return "" }, &out, &errOut); err != nil {
				t.Fatalf("run(%q) = %v\n%s", args, err, errOut.String())
			}
			res, err := http.Get(srv.URL + "/api/v1/reports/summary?format=csv&" + tc.query)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			want, _ := io.ReadAll(res.Body)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("GET summary?%s = %d %.300s", tc.query, res.StatusCode, want)
			}
			if !bytes.HasPrefix(want, []byte("\ufeff"+tc.header+"\r\n")) {
				t.Errorf("GET summary?%s starts %.60q, want the BOM and %q", tc.query, want, tc.header)
			}
			if got := out.Bytes(); !bytes.Equal(got, want) {
				t.Errorf("run(%q): %d bytes starting %.120q; want the API's %d bytes starting %.120q", args, len(got), got, len(want), want)
			}
		})
	}
}
