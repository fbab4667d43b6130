package api_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"lianxin/api"
	"lianxin/export"
	"lianxin/store/storetest"
)

// zipFiles reads every file of a zip body by name.
func zipFiles(t *testing.T, body []byte) map[string]string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatalf("read the zip: %v", err)
	}
	out := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		out[f.Name] = string(b)
	}
	return out
}

// Review 12 (GIS) faults 3 and 2: a diary note longer than a .dbf holds was
// cut at 254 bytes without a word, and one emoji refused a GBK export naming
// an internal id and showing the emoji as an empty box. Now the cut note
// is whole in longtext.csv, keyed by the diary number (日记编号), and
// fields.csv counts the values cut; the GBK refusal names the diary number,
// the field and the code point.
func TestShapefileLongAndUnencodableText(t *testing.T) {
	ts, url, _ := exportServer(t)
	var long, emoji string
	var emojiID int64
	storetest.QueryRow(t, url, `SELECT (SELECT external_id FROM visits ORDER BY id LIMIT 1), external_id, id FROM visits ORDER BY id OFFSET 1 LIMIT 1`, &long, &emoji, &emojiID)
	note := strings.Repeat("群众反映村口路灯坏了已报修。", 24) // 312 characters
	conn := storetest.Connect(t, url)
	if _, err := conn.Exec(t.Context(), `UPDATE visits SET notes = $1 WHERE external_id = $2`, note, long); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(t.Context(), `UPDATE visits SET notes = 'ok 👍' WHERE external_id = $1`, emoji); err != nil {
		t.Fatal(err)
	}

	t.Run("GBK refuses the emoji by diary number and code point", func(t *testing.T) {
		for _, q := range []string{"format=shp&encoding=gbk&check=true", "format=shp&encoding=gbk"} {
			body := getBody(t, ts.URL+"/api/v1/export/visits?"+q, 400)
			var got refusalBody
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("visits?%s: %.300s: %v", q, body, err)
			}
			p := got.Error.Details.Params
			features, _ := p["features"].([]any)
			if got.Error.Details.Reason != export.ReasonGBKUnencodable || p["field"] != "notes" || p["key"] != "external_id" ||
				p["code_points"] != "U+1F44D" || !slices.Contains(features, any(emoji)) {
				t.Errorf("visits?%s: refusal %+v, want field notes, key external_id, code point U+1F44D, diary entry %s", q, got.Error.Details, emoji)
			}
			m := got.Error.Message
			if !strings.Contains(m, "U+1F44D") || !strings.Contains(m, "external_id "+emoji) || strings.Contains(m, "👍") ||
				strings.Contains(m, " "+strconv.FormatInt(emojiID, 10)) {
				t.Errorf("visits?%s: message %q, want the code point and diary number %s, not the glyph nor the internal id %d", q, m, emoji, emojiID)
			}
		}
	})

	for _, tc := range []struct {
		name, query string
	}{
		{"UTF-8", "format=shp&encoding=utf-8"},
		{"GBK", "format=shp&encoding=gbk&external_id=" + long},
	} {
		t.Run(tc.name+": a long note whole in longtext.csv", func(t *testing.T) {
			body := getBody(t, ts.URL+"/api/v1/export/visits?"+tc.query, 200)
			files := zipFiles(t, body)
			side, ok := files["longtext.csv"]
			if !ok {
				t.Fatalf("visits?%s: no longtext.csv in the zip (files %v)", tc.query, slices.Sorted(mapKeys(files)))
			}
			wantLine := "\r\n\"" + long + "\",\"notes\",\"" + note + "\"\r\n"
			if !strings.HasPrefix(side, "\ufeffexternal_id,field,text") || !strings.Contains(side, wantLine) {
				t.Errorf("visits?%s: longtext.csv = %.400q, want the header external_id,field,text and the note of %s whole", tc.query, side, long)
			}
			if n := strings.Count(side, "\r\n") - 1; n != 1 {
				t.Errorf("visits?%s: longtext.csv holds %d values, want 1 (only the note longer than 254 bytes)", tc.query, n)
			}
			if !strings.Contains(files["fields.csv"], "1 values longer than the .dbf's 254 bytes are cut here: whole in longtext.csv (by external_id)") ||
				!strings.Contains(files["fields.csv"], "有 1 个值超过 .dbf 的 254 字节") {
				t.Errorf("visits?%s: fields.csv does not count the cut value:\n%s", tc.query, files["fields.csv"])
			}
			// GDAL reads the .dbf's cut value: a prefix of the note.
			path := filepath.Join(t.TempDir(), "v.zip")
			if err := os.WriteFile(path, body, 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command("ogrinfo", "-ro", "-al", "-q", "/vsizip/"+path, "-where", "external_i='"+long+"'").CombinedOutput()
			if err != nil {
				t.Fatalf("ogrinfo: %v\n%s", err, out)
			}
			var cut string
			for _, line := range strings.Split(string(out), "\n") {
				if v, ok := strings.CutPrefix(strings.TrimSpace(line), "notes (String) = "); ok {
					cut = v
				}
			}
			if !strings.HasPrefix(note, cut) || utf8.RuneCountInString(cut) >= utf8.RuneCountInString(note) || cut == "" {
				t.Errorf("visits?%s: the .dbf holds %q, want a cut prefix of the note", tc.query, cut)
			}
		})
	}
}

// A shapefile export says in a header how many values it wrote whole to
// longtext.csv, so a script knows without unzipping: the count of cut
// values, 0 when none; other formats carry no such header.
func TestShapefileCutValuesHeader(t *testing.T) {
	ts, url, _ := exportServer(t)
	var long, short string
	storetest.QueryRow(t, url, `SELECT (SELECT external_id FROM visits ORDER BY id LIMIT 1), external_id FROM visits ORDER BY id OFFSET 1 LIMIT 1`, &long, &short)
	conn := storetest.Connect(t, url)
	// A note of 320 characters (960 bytes in UTF-8, 640 in GBK) and one of
	// exactly the 254 bytes a .dbf field holds, which is not cut.
	if _, err := conn.Exec(t.Context(), `UPDATE visits SET notes = $1 WHERE external_id = $2`, strings.Repeat("路灯坏了", 80), long); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(t.Context(), `UPDATE visits SET notes = $1 WHERE external_id = $2`, strings.Repeat("a", 254), short); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, query, want string
	}{
		{"UTF-8, one long note", "format=shp&external_id=" + long, "1"},
		{"GBK, the same note in 640 bytes", "format=shp&encoding=gbk&external_id=" + long, "1"},
		{"a note of exactly 254 bytes is not cut", "format=shp&external_id=" + short, "0"},
		{"GeoPackage carries no such header", "format=gpkg&external_id=" + long, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := http.Get(ts.URL + "/api/v1/export/visits?" + tc.query)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Fatalf("GET visits?%s = %d %.300s, want 200", tc.query, res.StatusCode, body)
			}
			got, present := res.Header[http.CanonicalHeaderKey(api.HeaderCutValues)]
			if tc.want == "" {
				if present {
					t.Errorf("GET visits?%s: %s = %q, want no such header", tc.query, api.HeaderCutValues, got)
				}
				return
			}
			if len(got) != 1 || got[0] != tc.want {
				t.Errorf("GET visits?%s: %s = %q, want %s", tc.query, api.HeaderCutValues, got, tc.want)
			}
			// The header says what the zip holds.
			side := zipFiles(t, body)["longtext.csv"]
			if n := max(strings.Count(side, "\r\n")-1, 0); strconv.Itoa(n) != tc.want {
				t.Errorf("GET visits?%s: longtext.csv holds %d values, the header says %s", tc.query, n, tc.want)
			}
		})
	}
}

func mapKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}
