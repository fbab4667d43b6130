package main

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"
	"unicode"
)

// TestReportCSVLang writes report CSVs in the language each way of asking
// gives — --lang, then LIANXIN_LANG, then the locale, else English — and
// checks the Chinese ones are byte for byte what the API sends for
// format=csv&lang=zh (the same Chinese headers and values, codes kept as
// text for Excel, the UTF-8 BOM), and the English ones the CSV as it
// always was.
func TestReportCSVLang(t *testing.T) {
	f := newReportFixture(t)
	apiCSV := func(report, query string) []byte {
		t.Helper()
		status, b := f.get(t, "/api/v1/reports/"+report+"?format=csv&lang=zh"+query)
		if status != http.StatusOK {
			t.Fatalf("GET report %s%s = %d %.300s", report, query, status, b)
		}
		return b
	}
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	english := map[string][]byte{}
	for _, tc := range []struct {
		name   string
		report string
		flags  []string
		query  string // the API's parameters of the same report
		getenv func(string) string
		zh     bool
	}{
		{"gaps --lang zh", "gaps", []string{"--lang", "zh"}, "", env(), true},
		{"members --lang zh", "members", []string{"--lang", "zh"}, "", env(), true},
		{"diary-sample --lang zh", "diary-sample", []string{"--lang", "zh", "--seed", "7"}, "&seed=7", env(), true},
		{"gaps by LIANXIN_LANG", "gaps", nil, "", env("LIANXIN_LANG", "zh", "LANG", "en_US.UTF-8"), true},
		{"gaps by the locale", "gaps", nil, "", env("LANG", "zh_CN.UTF-8"), true},
		{"--lang en over LIANXIN_LANG", "gaps", []string{"--lang", "en"}, "", env("LIANXIN_LANG", "zh"), false},
		{"LC_ALL before LANG", "gaps", nil, "", env("LC_ALL", "C", "LANG", "zh_CN.UTF-8"), false},
		{"no language said", "gaps", nil, "", env(), false},
		{"members in English", "members", nil, "", env(), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"--format", "csv"}, tc.flags...)
			got, errOut, err := f.reportEnv(t, tc.getenv, tc.report, args...)
			if err != nil {
				t.Fatalf("report %s %q = %v\n%s", tc.report, args, err, errOut)
			}
			if !bytes.HasPrefix(got, []byte("\ufeff")) {
				t.Errorf("report %s %q: %.40q, want the UTF-8 BOM first", tc.report, args, got)
			}
			header, rows := readCSV(t, got)
			if len(rows) == 0 {
				t.Fatalf("run(%q): no rows, want the demo county's", args)
			}
			if !tc.zh {
				for _, h := range header {
					if hasHan(h) {
						t.Errorf("report %s %q: header %q, want the English names", tc.report, args, h)
					}
				}
				if prev, ok := english[tc.report]; ok && !bytes.Equal(prev, got) {
					t.Errorf("report %s %q: a different English CSV from an earlier run of %s", tc.report, args, tc.report)
				}
				english[tc.report] = got
				return
			}
			for _, h := range header {
				if !hasHan(h) {
					t.Errorf("report %s %q: header %q, want Chinese", tc.report, args, h)
				}
			}
			if want := apiCSV(tc.report, tc.query); !bytes.Equal(got, want) {
				wh, _ := readCSV(t, want)
				t.Errorf("report %s %q: header %q…, want the API's lang=zh CSV, header %q…", tc.report, args, header[:min(4, len(header))], wh[:min(4, len(wh))])
			}
		})
	}
	t.Run("unknown language", func(t *testing.T) {
		args := []string{"--format", "csv", "--lang", "fr"}
		_, _, err := f.reportEnv(t, env("LANG", "zh_CN.UTF-8"), "gaps", args...)
		if err == nil || !strings.Contains(err.Error(), "“fr”") || !hasHan(err.Error()) {
			t.Errorf("report gaps %q under a Chinese locale = %v, want the language refused in Chinese", args, err)
		}
	})
}

func readCSV(t *testing.T, b []byte) (header []string, rows [][]string) {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff")))).ReadAll()
	if err != nil || len(recs) == 0 {
		t.Fatalf("read CSV %.80q: %v", b, err)
	}
	return recs[0], recs[1:]
}

func hasHan(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0
}
