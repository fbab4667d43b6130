package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"lianxin"
	"lianxin/api"
	"lianxin/demo/demotest"
	"lianxin/export"
	"lianxin/store/storetest"
)

// itemsLog serves the OGC API and keeps every items request's query, as an
// access log would.
func itemsLog(t *testing.T) (ts *httptest.Server, dbURL string, asked func() []url.Values) {
	t.Helper()
	st, dbURL, _ := demotest.New(t)
	scope := lianxin.SystemScope()
	srv := api.NewServer(api.Config{}, api.Deps{Logger: quietLogger(), Health: st, DefaultScope: &scope, Reports: st,
		Export: export.New(st, export.Options{Logger: quietLogger()})})
	var mu sync.Mutex
	var log []url.Values
	ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/items") {
			mu.Lock()
			log = append(log, r.URL.Query())
			mu.Unlock()
		}
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	return ts, dbURL, func() []url.Values {
		mu.Lock()
		defer mu.Unlock()
		out := log
		log = nil
		return out
	}
}

// GDAL sends a -where on a queryable to the server (GIS staff review,
// fault 4: households of one village took 11,520 requests and 52 s, GDAL
// paging through the county and filtering it itself): every items request
// it makes carries village_code=, and the pages are the village's alone.
func TestOGCQueryablesWithGDAL(t *testing.T) {
	ts, dbURL, asked := itemsLog(t)
	var village string
	storetest.QueryRow(t, dbURL, `SELECT v.code FROM villages v JOIN households h ON h.village_id = v.id GROUP BY v.code ORDER BY count(*) DESC, v.code LIMIT 1`, &village)
	want := count(t, dbURL, `SELECT count(*) FROM households h JOIN villages v ON v.id = h.village_id WHERE v.code = '`+village+`'`)
	total := count(t, dbURL, `SELECT count(*) FROM households`)
	const pageSize = 50
	asked()
	out, err := exec.Command("ogr2ogr", "-f", "GeoJSON", "/vsistdout/", "OAPIF:"+ts.URL+"/ogc", "households",
		"-where", "village_code = '"+village+"'", "-oo", "PAGE_SIZE=50").CombinedOutput()
	if err != nil {
		t.Fatalf("ogr2ogr -where village_code: %v\n%.2000s", err, out)
	}
	var fc struct {
		Features []struct {
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(out[strings.Index(string(out), "{"):], &fc); err != nil {
		t.Fatalf("GeoJSON from ogr2ogr does not parse: %v\n%.2000s", err, out)
	}
	if len(fc.Features) != want {
		t.Errorf("GDAL read %d households of village %s, want %d", len(fc.Features), village, want)
	}
	for _, f := range fc.Features {
		if f.Properties["village_code"] != village {
			t.Fatalf("a household of village %v among village %s's", f.Properties["village_code"], village)
		}
	}
	log := asked()
	filtered := 0
	for _, q := range log {
		if q.Get("village_code") == village {
			filtered++
		}
	}
	// The page that types the layer is unfiltered; every page of the
	// filtered read asks the server for the village alone.
	if maxPages := (want+pageSize-1)/pageSize + 2; filtered == 0 || len(log) > maxPages {
		t.Errorf("GDAL made %d items requests (%d with village_code=%s) for %d of %d households at %d a page; want the filter sent, at most %d requests:\n%v",
			len(log), filtered, village, want, total, pageSize, maxPages, log)
	}
}

// The queryables (OGC API – Features Part 3) list what the items filter
// on, and the items refuse a filter on anything else; a boolean takes
// GDAL's 1/0 as true/false.
func TestOGCQueryables(t *testing.T) {
	ts, _, _ := itemsLog(t)
	res, err := http.Get(ts.URL + "/ogc/collections/village_coverage/queryables")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var q struct {
		Schema     string                    `json:"$schema"`
		Type       string                    `json:"type"`
		Properties map[string]map[string]any `json:"properties"`
		Additional *bool                     `json:"additionalProperties"`
	}
	if err := json.NewDecoder(res.Body).Decode(&q); err != nil || res.StatusCode != 200 {
		t.Fatalf("queryables: %d %v", res.StatusCode, err)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/schema+json") {
		t.Errorf("queryables Content-Type %q, want application/schema+json", ct)
	}
	if q.Type != "object" || !strings.Contains(q.Schema, "json-schema.org") || q.Additional == nil || *q.Additional {
		t.Errorf("queryables: type %q schema %q additionalProperties %v; want an object schema that allows nothing else", q.Type, q.Schema, q.Additional)
	}
	for name, typ := range map[string]string{"code": "string", "town_code": "string", "reached": "boolean", "resident_population": "integer", "last_visit_on": "string"} {
		if q.Properties[name]["type"] != typ {
			t.Errorf("queryable %s: %v, want type %s", name, q.Properties[name], typ)
		}
	}
	if _, ok := q.Properties["coverage"]; ok {
		t.Errorf("coverage (a real number) is queryable; equality on it differs between server and client")
	}

	matched := func(query string, status int) int {
		t.Helper()
		body := getBody(t, ts.URL+"/ogc/collections/"+query, status)
		var fc struct {
			NumberMatched int `json:"numberMatched"`
		}
		json.Unmarshal(body, &fc)
		return fc.NumberMatched
	}
	if a, b := matched("villages/items?rural=1&limit=1", 200), matched("villages/items?rural=true&limit=1", 200); a != b || a == 0 {
		t.Errorf("rural=1 matched %d, rural=true %d; want the same, some", a, b)
	}
	if a, b := matched("villages/items?rural=0&limit=1", 200), matched("villages/items?rural=false&limit=1", 200); a != b {
		t.Errorf("rural=0 matched %d, rural=false %d; want the same", a, b)
	}
	body := getBody(t, ts.URL+"/ogc/collections/village_coverage/items?coverage=0.5", http.StatusBadRequest)
	if !strings.Contains(string(body), export.ReasonUnknownParameter) {
		t.Errorf("a filter on a property not queryable: %s, want %s", body, export.ReasonUnknownParameter)
	}

	// GDAL reads the queryables from the collection's own path in /ogc/api.
	var doc struct {
		Paths map[string]struct {
			Get struct {
				Parameters []struct {
					Name   string         `json:"name"`
					In     string         `json:"in"`
					Schema map[string]any `json:"schema"`
				} `json:"parameters"`
			} `json:"get"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(getBody(t, ts.URL+"/ogc/api", 200), &doc); err != nil {
		t.Fatal(err)
	}
	params := map[string]map[string]any{}
	for _, p := range doc.Paths["/collections/households/items"].Get.Parameters {
		params[p.Name] = p.Schema
	}
	for _, name := range []string{"village_code", "town_code", "external_id", "limit", "crs", "bbox-crs"} {
		if _, ok := params[name]; !ok {
			t.Errorf("/ogc/api: /collections/households/items lacks parameter %s (has %v)", name, params)
		}
	}
	if params["limit"]["maximum"] != float64(50000) || params["limit"]["default"] != float64(1000) {
		t.Errorf("limit %v, want default 1000 and maximum 50000", params["limit"])
	}
}

// Part 2: crs=EPSG:4490 serves CGCS2000 with the same coordinates,
// latitude first as EPSG orders it, and says so in Content-Crs; bbox-crs
// reads a box in that order; the collections list their CRSs.
func TestOGCCRS(t *testing.T) {
	ts, _, _ := itemsLog(t)
	get := func(query string) (http.Header, map[string]any) {
		t.Helper()
		res, err := http.Get(ts.URL + "/ogc/collections/" + query)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var v map[string]any
		if err := json.NewDecoder(res.Body).Decode(&v); err != nil || res.StatusCode != 200 {
			t.Fatalf("GET %s: %d %v", query, res.StatusCode, err)
		}
		return res.Header, v
	}
	first := func(fc map[string]any) []any {
		f := fc["features"].([]any)[0].(map[string]any)
		return f["geometry"].(map[string]any)["coordinates"].([]any)
	}
	h84, fc84 := get("teams/items?limit=1")
	h4490, fc4490 := get("teams/items?limit=1&crs=" + url.QueryEscape(export.EPSG4490URI))
	if h84.Get("Content-Crs") != "<"+export.CRS84URI+">" || h4490.Get("Content-Crs") != "<"+export.EPSG4490URI+">" {
		t.Errorf("Content-Crs %q and %q, want <CRS84> and <EPSG 4490>", h84.Get("Content-Crs"), h4490.Get("Content-Crs"))
	}
	lonLat, latLon := first(fc84), first(fc4490)
	if lonLat[0] != latLon[1] || lonLat[1] != latLon[0] {
		t.Errorf("a team base in CRS84 %v and in EPSG:4490 %v: want the same coordinates, latitude first in EPSG:4490", lonLat, latLon)
	}
	if lon := lonLat[0].(float64); lon < 100 {
		t.Fatalf("set-up: CRS84 longitude %v", lon)
	}
	_, one := get("teams/items/" + jsonNumber(fc84["features"].([]any)[0].(map[string]any)["id"]) + "?crs=" + url.QueryEscape(export.EPSG4490URI))
	if c := one["geometry"].(map[string]any)["coordinates"].([]any); c[0] != latLon[0] {
		t.Errorf("one feature in EPSG:4490: %v, want %v", c, latLon)
	}

	lon, lat := lonLat[0].(float64), lonLat[1].(float64)
	box84 := ftoa(lon-0.001) + "," + ftoa(lat-0.001) + "," + ftoa(lon+0.001) + "," + ftoa(lat+0.001)
	box4490 := ftoa(lat-0.001) + "," + ftoa(lon-0.001) + "," + ftoa(lat+0.001) + "," + ftoa(lon+0.001)
	_, a := get("teams/items?bbox=" + box84)
	_, b := get("teams/items?bbox-crs=" + url.QueryEscape(export.EPSG4490URI) + "&bbox=" + box4490)
	if a["numberMatched"] != b["numberMatched"] || a["numberMatched"] == float64(0) {
		t.Errorf("a box in CRS84 matched %v, the same box in EPSG:4490 (latitude first) %v; want the same, some", a["numberMatched"], b["numberMatched"])
	}

	_, col := get("teams")
	crss, _ := col["crs"].([]any)
	if len(crss) < 2 || crss[0] != export.CRS84URI || !strings.Contains(qJSON(crss), export.EPSG4490URI) || col["storageCrs"] != export.CRS84URI {
		t.Errorf("collection crs %v storageCrs %v, want CRS84 first, EPSG:4490 among them", col["crs"], col["storageCrs"])
	}
	body := getBody(t, ts.URL+"/ogc/collections/teams/items?crs="+url.QueryEscape("http://www.opengis.net/def/crs/EPSG/0/3857"), http.StatusBadRequest)
	if !strings.Contains(string(body), export.ReasonBadCRS) || !strings.Contains(string(body), `"field":"crs"`) {
		t.Errorf("crs EPSG:3857: %s, want %s on crs", body, export.ReasonBadCRS)
	}
	var conf struct {
		ConformsTo []string `json:"conformsTo"`
	}
	json.Unmarshal(getBody(t, ts.URL+"/ogc/conformance", 200), &conf)
	if !strings.Contains(strings.Join(conf.ConformsTo, " "), "ogcapi-features-2/1.0/conf/crs") {
		t.Errorf("conformance %v lacks Part 2's crs", conf.ConformsTo)
	}
}

func qJSON(v any) string      { b, _ := json.Marshal(v); return string(b) }
func jsonNumber(v any) string { return qJSON(v) }
func ftoa(x float64) string   { return qJSON(x) }
