package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"lianxin"
	"lianxin/ingest"
)

// TestImportOptionRefusals asks for imports the wrong way — a bad option
// value, a field that is no option, no file, no layer, a bad id or limit —
// and checks that each 400 carries, beside its English message, the
// option's code and parameters in details, for the web map to word in
// Chinese.
func TestImportOptionRefusals(t *testing.T) {
	srv, _ := importServer(t)

	post := func(url string, fields map[string]string, withFile bool) *http.Request {
		if !withFile {
			return importRequest(url, "", nil, fields)
		}
		return importRequest(url, "h.csv", []byte("external_id,village_code,residents,lon,lat\nH1,T01V01,3,120.02,32.13\n"), fields)
	}
	cases := []struct {
		name                 string
		req                  *http.Request
		option, code, params string
		message              string
	}{
		{"unknown layer", post("/api/v1/imports/rivers", nil, true), "layer", ingest.OptUnknownLayer,
			`{"layers":["towns","villages","teams","members","households","contact_points","visits","projects","river_works"],"value":"rivers"}`,
			`unknown layer "rivers": want one of towns, villages, teams, members, households, contact_points, visits, projects, river_works`},
		{"bad crs", post("/api/v1/imports/households", map[string]string{"crs": "bd09"}, true), "crs", ingest.OptBadCRS,
			`{"allowed":["wgs84","cgcs2000","gcj02"],"value":"bd09"}`, `crs "bd09": want one of wgs84, cgcs2000, gcj02`},
		{"bad encoding", post("/api/v1/imports/households", map[string]string{"encoding": "big5"}, true), "encoding", ingest.OptBadEncoding,
			`{"allowed":["auto","utf-8","gbk","gb18030"],"value":"big5"}`, `encoding "big5": want auto, utf-8, gbk, gb18030`},
		{"bad lang", post("/api/v1/imports/households", map[string]string{"lang": "fr"}, true), "lang", ingest.OptBadLang,
			`{"allowed":["zh","en"],"value":"fr"}`, `lang "fr": want zh, en`},
		{"a flag not true or false", post("/api/v1/imports/households", map[string]string{"skip_invalid": "perhaps"}, true), "skip_invalid", ingest.OptNotTrueFalse,
			`{"option":"skip_invalid","value":"perhaps"}`, `skip_invalid "perhaps": want true or false`},
		{"allow_renames not true or false", post("/api/v1/imports/members", map[string]string{"allow_renames": "maybe"}, true), "allow_renames", ingest.OptNotTrueFalse,
			`{"option":"allow_renames","value":"maybe"}`, `allow_renames "maybe": want true or false`},
		{"correct on another layer than visits", post("/api/v1/imports/households", map[string]string{"correct": "true"}, true), "correct", ingest.OptCorrectVisits,
			`{"layer":"households"}`, `correct: only a diary import (visits) corrects entries by id, not households`},
		{"a misspelt field", post("/api/v1/imports/households", map[string]string{"skipinvalid": "true"}, true), "skipinvalid", ingest.OptUnknownOption,
			`{"option":"skipinvalid","options":["file","encoding","crs","dry_run","skip_invalid","make_valid","allow_renames","correct","source_layer","lang"]}`,
			"skipinvalid: not an option of an import; want file, encoding, crs, dry_run, skip_invalid, make_valid, allow_renames, correct, source_layer, lang"},
		{"a query parameter that is no option", post("/api/v1/imports/households?dryrun=true", nil, true), "dryrun", ingest.OptUnknownOption,
			`{"option":"dryrun","options":["file","encoding","crs","dry_run","skip_invalid","make_valid","allow_renames","correct","source_layer","lang"]}`, ""},
		{"no file", post("/api/v1/imports/households", map[string]string{"dry_run": "true"}, false), "file", ingest.OptNoFile,
			`null`, `file: want a multipart/form-data upload with the file in field "file"`},
		{"template without a layer", httptest.NewRequest(http.MethodGet, "/api/v1/imports/template", nil), "layer", ingest.OptMissingLayer,
			`{"layers":["towns","villages","teams","members","households","contact_points","visits","projects","river_works"]}`, ""},
		{"template of an unknown layer", httptest.NewRequest(http.MethodGet, "/api/v1/imports/template?layer=rivers", nil), "layer", ingest.OptUnknownLayer, "", ""},
		{"bad import id", httptest.NewRequest(http.MethodGet, "/api/v1/imports/abc", nil), "id", ingest.OptBadImportID,
			`{"value":"abc"}`, `import id "abc": want a positive whole number`},
		{"bad limit", httptest.NewRequest(http.MethodGet, "/api/v1/imports?limit=0", nil), "limit", ingest.OptBadLimit,
			`{"max":1000,"min":1,"value":"0"}`, `limit "0": want 1..1000`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			srv.ServeHTTP(w, tc.req)
			var body struct {
				Error struct {
					Code, Message string
					Details       struct {
						Option, Code string
						Params       json.RawMessage
					}
				}
			}
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
				t.Fatalf("%s %s: %v (%s)", tc.req.Method, tc.req.URL, err, w.Body)
			}
			e := body.Error
			if w.Code != http.StatusBadRequest || e.Code != lianxin.EInvalid || e.Details.Option != tc.option || e.Details.Code != tc.code {
				t.Fatalf("%s %s = %d %s; want 400 invalid with details naming option %s, code %s", tc.req.Method, tc.req.URL, w.Code, w.Body, tc.option, tc.code)
			}
			if tc.params != "" && string(bytes.TrimSpace(e.Details.Params)) != tc.params && !(tc.params == "null" && len(e.Details.Params) == 0) {
				t.Errorf("%s %s: details params %s, want %s", tc.req.Method, tc.req.URL, e.Details.Params, tc.params)
			}
			if tc.message != "" && e.Message != tc.message {
				t.Errorf("%s %s: message %q, want %q", tc.req.Method, tc.req.URL, e.Message, tc.message)
			}
		})
	}
	var list struct{ Imports []ingest.Record }
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/api/v1/imports", nil))
	if err := json.Unmarshal(w.Body.Bytes(), &list); err != nil || len(list.Imports) != 0 {
		t.Errorf("GET /api/v1/imports after the refusals = %s (%v), want no import recorded", w.Body, err)
	}
}
