package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"lianxin"
	"lianxin/api"
	"lianxin/demo/demotest"
	"lianxin/export"
	"lianxin/store/storetest"
)

func exportServer(t *testing.T) (*httptest.Server, string, *atomic.Int64) {
	t.Helper()
	st, url, _ := demotest.New(t)
	scope := lianxin.SystemScope()
	srv := api.NewServer(api.Config{}, api.Deps{Logger: quietLogger(), Health: st, DefaultScope: &scope,
		Export: export.New(st, export.Options{Logger: quietLogger()})})
	var itemRequests atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/items") {
			itemRequests.Add(1)
		}
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	return ts, url, &itemRequests
}

// getBody GETs url and fails the test unless the answer has wantStatus.
func getBody(t *testing.T, url string, wantStatus int) []byte {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != wantStatus {
		t.Fatalf("GET %s = %d %.300s, want %d", url, res.StatusCode, body, wantStatus)
	}
	return body
}

func count(t *testing.T, url, sql string) int {
	t.Helper()
	var n int
	storetest.QueryRow(t, url, sql, &n)
	return n
}

// GDAL's OAPIF driver lists every collection from the landing page and
// pages through one with next links.
func TestOGCWithGDAL(t *testing.T) {
	ts, url, itemRequests := exportServer(t)
	out, err := exec.Command("ogrinfo", "-ro", "-q", "OAPIF:"+ts.URL+"/ogc").CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo OAPIF:%s/ogc: %v\n%s", ts.URL, err, out)
	}
	for _, l := range export.Layers() {
		if !regexp.MustCompile(`(?m)^\d+: ` + l.Name + `\b`).Match(out) {
			t.Errorf("ogrinfo lists no collection %s:\n%s", l.Name, out)
		}
	}

	const pageSize = 7
	want := count(t, url, `SELECT count(*) FROM teams`)
	itemRequests.Store(0)
	out, err = exec.Command("ogr2ogr", "-f", "GeoJSON", "/vsistdout/", "OAPIF:"+ts.URL+"/ogc", "teams",
		"-oo", "PAGE_SIZE="+strconv.Itoa(pageSize)).CombinedOutput()
	if err != nil {
		t.Fatalf("ogr2ogr from OAPIF teams: %v\n%s", err, out)
	}
	var fc struct {
		Features []struct {
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(out[strings.Index(string(out), "{"):], &fc); err != nil {
		t.Fatalf("GeoJSON from OAPIF does not parse: %v\n%s", err, out)
	}
	if len(fc.Features) != want {
		t.Errorf("GDAL read %d teams through OAPIF, want %d", len(fc.Features), want)
	}
	seen := map[string]bool{}
	for _, f := range fc.Features {
		code, _ := f.Properties["code"].(string)
		if seen[code] {
			t.Errorf("team %s came twice: paging overlaps", code)
		}
		seen[code] = true
	}
	if minPages := int64((want + pageSize - 1) / pageSize); itemRequests.Load() < minPages {
		t.Errorf("GDAL made %d item requests for %d teams at %d a page, want at least %d (next links followed)",
			itemRequests.Load(), want, pageSize, minPages)
	}
}

// The items page itself: numberMatched, numberReturned, next only while
// more remain, property and datetime filters, one feature by id.
func TestOGCItems(t *testing.T) {
	ts, url, _ := exportServer(t)
	getJSON := func(path string, wantStatus int) map[string]any {
		t.Helper()
		body := getBody(t, ts.URL+path, wantStatus)
		var v map[string]any
		if err := json.Unmarshal(body, &v); err != nil {
			t.Fatalf("GET %s: %v\n%s", path, err, body)
		}
		return v
	}
	nextOf := func(v map[string]any) string {
		for _, l := range v["links"].([]any) {
			if m := l.(map[string]any); m["rel"] == "next" {
				return m["href"].(string)
			}
		}
		return ""
	}
	villages := count(t, url, `SELECT count(*) FROM villages`)
	page := getJSON("/ogc/collections/villages/items?limit=10", 200)
	if int(page["numberMatched"].(float64)) != villages || page["numberReturned"].(float64) != 10 || nextOf(page) == "" {
		t.Errorf("first page: matched %v returned %v next %q, want %d, 10 and a next link", page["numberMatched"], page["numberReturned"], nextOf(page), villages)
	}
	last := getJSON(fmt.Sprintf("/ogc/collections/villages/items?limit=10&offset=%d", villages-3), 200)
	if last["numberReturned"].(float64) != 3 || nextOf(last) != "" {
		t.Errorf("last page: returned %v next %q, want 3 and no next link", last["numberReturned"], nextOf(last))
	}
	kind := getJSON("/ogc/collections/villages/items?kind=community&limit=1000", 200)
	if want := count(t, url, `SELECT count(*) FROM villages WHERE kind = 'community'`); int(kind["numberMatched"].(float64)) != want {
		t.Errorf("kind=community matched %v, want %d", kind["numberMatched"], want)
	}
	// A closed interval: the 31st's visits in (ogc_datetime.go).
	may := getJSON("/ogc/collections/visits/items?datetime=2026-05-01/2026-05-31&limit=1", 200)
	if want := count(t, url, `SELECT count(*) FROM visits WHERE occurred_at >= '2026-05-01T00:00:00+08' AND occurred_at < '2026-06-01T00:00:00+08'`); int(may["numberMatched"].(float64)) != want {
		t.Errorf("datetime May matched %v, want %d", may["numberMatched"], want)
	}
	// Walking a collection by its next links: every feature once, in id
	// order; later pages start after the last id shown (not an offset) and
	// carry no count; a filter stays on every page.
	walk := func(path string) (ids []float64, matched float64) {
		t.Helper()
		v := getJSON(path, 200)
		matched = v["numberMatched"].(float64)
		for pages := 0; ; pages++ {
			for _, f := range v["features"].([]any) {
				ids = append(ids, f.(map[string]any)["id"].(float64))
			}
			next := nextOf(v)
			if next == "" {
				return ids, matched
			}
			if !strings.Contains(next, "after=") || pages > 1000 {
				t.Fatalf("next link %q: want one that starts after the last id", next)
			}
			v = getJSON(strings.TrimPrefix(next, ts.URL), 200)
			if _, ok := v["numberMatched"]; ok {
				t.Fatalf("page %s carries numberMatched: only the first page counts", next)
			}
		}
	}
	for _, c := range []struct{ path, sql string }{
		{"/ogc/collections/villages/items?limit=25", `SELECT count(*) FROM villages`},
		{"/ogc/collections/villages/items?limit=7&kind=community", `SELECT count(*) FROM villages WHERE kind = 'community'`},
		{"/ogc/collections/h3_cells/items?limit=40&resolution=7", ""},
	} {
		ids, matched := walk(c.path)
		want := int(matched)
		if c.sql != "" {
			want = count(t, url, c.sql)
		}
		if len(ids) != want || int(matched) != want || !slices.IsSorted(ids) || len(slices.Compact(slices.Clone(ids))) != len(ids) {
			t.Errorf("%s: walked %d features (sorted %v), numberMatched %v, want %d distinct in id order",
				c.path, len(ids), slices.IsSorted(ids), matched, want)
		}
	}
	getJSON("/ogc/collections/villages/items?after=-1", 400)
	one := getJSON("/ogc/collections/towns/items/1", 200)
	if one["type"] != "Feature" || one["id"].(float64) != 1 {
		t.Errorf("towns/items/1 = %v, want feature 1", one)
	}
	getJSON("/ogc/collections/towns/items/999999", 404)
	getJSON("/ogc/collections/nothing/items", 404)
	getJSON("/ogc/collections/villages/items?colour=red", 400)
	getJSON("/ogc/collections/villages/items?bbox=1,2,3", 400)
}

// A client that goes away mid-download stops the query: no export query is
// left running once the server has noticed.
func TestCancelledDownloadStopsItsQuery(t *testing.T) {
	ts, url, _ := exportServer(t)
	res, err := http.Get(ts.URL + "/api/v1/export/households?format=geojson")
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 {
		t.Fatalf("GET households = %d, want 200", res.StatusCode)
	}
	buf := make([]byte, 64<<10)
	if _, err := io.ReadFull(res.Body, buf); err != nil {
		t.Fatalf("read the first 64 KiB: %v", err)
	}
	res.Body.Close() // the client goes away
	ts.CloseClientConnections()

	ctx := context.Background()
	conn := storetest.Connect(t, url)
	const running = `SELECT count(*) FROM pg_stat_activity
  WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active' AND query LIKE '%FROM households h JOIN villages%'`
	deadline := time.Now().Add(20 * time.Second)
	for {
		var n int
		if err := conn.QueryRow(ctx, running).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the export query still runs 20 s after the client went away")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The handler records the export as it unwinds, which may be a moment
	// after its query stopped.
	var completed bool
	var rows int64
	for {
		err := conn.QueryRow(ctx, `SELECT completed, rows FROM exports ORDER BY id DESC LIMIT 1`).Scan(&completed, &rows)
		if err == nil {
			break
		}
		if !errors.Is(err, pgx.ErrNoRows) || time.Now().After(deadline) {
			t.Fatalf("the cut-short export was not recorded: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	total := count(t, url, `SELECT count(*) FROM households`)
	if completed || rows >= int64(total) {
		t.Errorf("recorded export: completed %v rows %d, want an incomplete export of fewer than %d rows", completed, rows, total)
	}
}

// Text downloads are gzipped for a client that accepts it; binary ones
// (compressed already) are sent as they are.
func TestDownloadCompression(t *testing.T) {
	ts, _, _ := exportServer(t)
	for _, tc := range []struct {
		format, wantEncoding string
	}{
		{"geojson", "gzip"},
		{"csv", "gzip"},
		{"gpkg", ""},
		{"fgb", ""},
		{"GPKG", ""}, // the format is read without regard to case
		{"Shp", ""},
	} {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+"/api/v1/export/towns?format="+tc.format, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || len(body) == 0 {
			t.Fatalf("export towns as %s: %d, %d bytes", tc.format, res.StatusCode, len(body))
		}
		if got := res.Header.Get("Content-Encoding"); got != tc.wantEncoding {
			t.Errorf("export towns as %s: Content-Encoding %q, want %q", tc.format, got, tc.wantEncoding)
		}
	}
}
