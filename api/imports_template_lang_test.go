package api_test

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"lianxin"
	"lianxin/api"
	"lianxin/ingest"
)

// TestImportTemplateLang downloads the visits template as the 导入 tab
// does in each language: lang=zh gives the Chinese template (Chinese
// headers the importer reads, Chinese explanations), the same as
// `lianxin ingest --lang zh --template`; no lang or lang=en the English
// one; an unknown lang or parameter is refused.
func TestImportTemplateLang(t *testing.T) {
	gis := lianxin.Scope{User: "gis", Roles: []lianxin.Role{lianxin.RoleGIS}, AllTowns: true}
	srv := api.NewServer(api.Config{}, api.Deps{Logger: quietLogger(), DefaultScope: &gis})
	cases := []struct {
		name, query string
		status      int
		lang        string   // the template expected, when 200
		header      []string // its first columns
		holds       string   // a line it holds
	}{
		{"Chinese", "layer=visits&lang=zh", http.StatusOK, ingest.LangZH,
			[]string{"日记编号", "队员代码", "户编号"}, "# 队员代码*：走访队员的代码"},
		{"Chinese as the browser names it", "layer=households&lang=zh-CN", http.StatusOK, ingest.LangZH,
			[]string{"户编号", "村居代码", "家庭人口"}, "# 户编号 标识一行"},
		{"English", "layer=visits&lang=en", http.StatusOK, ingest.LangEN,
			[]string{"external_id", "member_code", "household_id"}, "# member_code*: code of the visiting member"},
		{"no lang", "layer=visits", http.StatusOK, ingest.LangEN,
			[]string{"external_id", "member_code", "household_id"}, "# external_id identifies a row"},
		{"unknown lang", "layer=visits&lang=fr", http.StatusBadRequest, "", nil, ""},
		{"unknown parameter", "layer=visits&language=zh", http.StatusBadRequest, "", nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := "/api/v1/imports/template?" + tc.query
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
			if rec.Code != tc.status {
				t.Fatalf("GET %s = %d %s, want %d", path, rec.Code, rec.Body, tc.status)
			}
			if tc.status != http.StatusOK {
				return
			}
			body := rec.Body.String()
			layer := strings.TrimPrefix(strings.Split(tc.query, "&")[0], "layer=")
			var want bytes.Buffer
			if err := ingest.WriteTemplate(&want, layer, tc.lang); err != nil {
				t.Fatal(err)
			}
			if body != want.String() {
				t.Errorf("GET %s body:\n%s\nwant what lianxin ingest --lang %s --template %s writes:\n%s", path, body, tc.lang, layer, want.String())
			}
			header, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).Read()
			if err != nil || len(header) < len(tc.header) {
				t.Fatalf("GET %s: header %q (%v), want it to start %q", path, header, err, tc.header)
			}
			if got := header[:len(tc.header)]; strings.Join(got, ",") != strings.Join(tc.header, ",") {
				t.Errorf("GET %s: header starts %q, want %q", path, got, tc.header)
			}
			if !strings.Contains(body, tc.holds) {
				t.Errorf("GET %s: body does not hold %q:\n%s", path, tc.holds, body)
			}
		})
	}
}
