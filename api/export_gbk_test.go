package api_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"lianxin/export"
	"lianxin/store/storetest"
)

// A GBK shapefile cannot hold a character outside GBK (𠮷 of 舍𠮷村); GDAL
// dropped it without a word. Such an export is refused, by the check and
// by the download alike, naming the feature, the field and the character
// and pointing to encoding=utf-8; the UTF-8 shapefile keeps the name, and
// a GBK one of text GBK holds reads back whole (GDAL reading the files).
func TestGBKShapefileRefusesWhatGBKCannotHold(t *testing.T) {
	ts, url, _ := exportServer(t)
	var rare, plain, otherTown string
	storetest.QueryRow(t, url, `SELECT v.code, (SELECT code FROM villages w WHERE w.town_id = v.town_id AND w.id <> v.id ORDER BY id LIMIT 1),
		(SELECT t.code FROM towns t WHERE t.id <> v.town_id ORDER BY t.id LIMIT 1)
		FROM villages v ORDER BY v.id LIMIT 1`, &rare, &plain, &otherTown)
	conn := storetest.Connect(t, url)
	for code, name := range map[string]string{rare: "舍𠮷村", plain: "喆村"} { // 喆 is in GBK, 𠮷 is not
		if _, err := conn.Exec(t.Context(), `UPDATE villages SET name = $1 WHERE code = $2`, name, code); err != nil {
			t.Fatalf("rename village %s to %s: %v", code, name, err)
		}
	}
	// nameOf reads village code's name from a downloaded shapefile zip with GDAL.
	nameOf := func(t *testing.T, zipBody []byte, code string) string {
		t.Helper()
		path := filepath.Join(t.TempDir(), "v.zip")
		if err := os.WriteFile(path, zipBody, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("ogrinfo", "-ro", "-al", "-q", "/vsizip/"+path, "-where", "code='"+code+"'").CombinedOutput()
		if err != nil {
			t.Fatalf("ogrinfo %s: %v\n%s", path, err, out)
		}
		for _, line := range strings.Split(string(out), "\n") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), "name (String) = "); ok {
				return v
			}
		}
		t.Fatalf("ogrinfo: no name of village %s in\n%s", code, out)
		return ""
	}
	for _, tc := range []struct {
		name, query string
		wantStatus  int
		code        string // with 200: the village whose name is read back
		wantName    string
	}{
		{"GBK, check", "format=shp&encoding=gbk&check=true", 400, "", ""},
		{"GBK, download", "format=shp&encoding=gbk", 400, "", ""},
		{"GBK, a town without the rare name", "format=shp&encoding=gbk&town=" + otherTown, 200, "", ""},
		{"GBK, filtered to the village GBK holds", "format=shp&encoding=gbk&code=" + plain, 200, plain, "喆村"},
		{"UTF-8 keeps every character", "format=shp&encoding=utf-8", 200, rare, "舍𠮷村"},
		{"UTF-8 by default", "format=shp", 200, rare, "舍𠮷村"},
		{"GeoPackage is UTF-8", "format=gpkg&check=true", 200, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := getBody(t, ts.URL+"/api/v1/export/villages?"+tc.query, tc.wantStatus)
			if tc.wantStatus != 200 {
				var got refusalBody
				if err := json.Unmarshal(body, &got); err != nil {
					t.Fatalf("villages?%s: %.300s: %v", tc.query, body, err)
				}
				e := got.Error
				features, _ := e.Details.Params["features"].([]any)
				if e.Details.Reason != export.ReasonGBKUnencodable || e.Details.Field != "encoding" ||
					e.Details.Params["field"] != "name" || e.Details.Params["chars"] != "𠮷" || !slices.Contains(features, any(rare)) {
					t.Errorf("villages?%s: refusal %+v, want reason %s on encoding naming field name, 𠮷 and village %s", tc.query, e.Details, export.ReasonGBKUnencodable, rare)
				}
				if !strings.Contains(e.Message, "encoding=utf-8") || !strings.Contains(e.Message, rare) {
					t.Errorf("villages?%s: message %q, want it to name village %s and encoding=utf-8", tc.query, e.Message, rare)
				}
				return
			}
			if tc.code != "" {
				if got := nameOf(t, body, tc.code); got != tc.wantName {
					t.Errorf("villages?%s: village %s reads back as %q, want %q", tc.query, tc.code, got, tc.wantName)
				}
			}
		})
	}
}
