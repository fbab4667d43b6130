package main

import (
	"bytes"
	"net/http"
	"testing"
)

// `lianxin report summary --format csv` writes the summary report's CSV
// byte for byte as the API's format=csv sends it, in Chinese (--lang zh:
// lang=zh) and in English (lang=en), for the county and a town; the
// Chinese file is headed 类别, 项目, 数量, 代码.
func TestReportSummaryCSVIsTheAPIs(t *testing.T) {
	f := newReportFixture(t)
	town := f.county.Towns[2].Code
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
			args := append([]string{"--format", "csv"}, tc.flags...)
			got, errOut, err := f.report(t, "summary", args...)
			if err != nil {
				t.Fatalf("report summary %q = %v\n%s", args, err, errOut)
			}
			status, want := f.get(t, "/api/v1/reports/summary?format=csv&"+tc.query)
			if status != http.StatusOK {
				t.Fatalf("GET summary?%s = %d %.300s", tc.query, status, want)
			}
			if !bytes.HasPrefix(want, []byte("\ufeff"+tc.header+"\r\n")) {
				t.Errorf("GET summary?%s starts %.60q, want the BOM and %q", tc.query, want, tc.header)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("report summary %q: %d bytes starting %.120q; want the API's %d bytes starting %.120q", args, len(got), got, len(want), want)
			}
		})
	}
}
