package ingest

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestFastFeatureMatchesSlow decodes features down the fast path and down
// encoding/json's, and wants the same row or the same error from both.
func TestFastFeatureMatchesSlow(t *testing.T) {
	layer, _ := LookupLayer("households")
	for _, tc := range []struct {
		name    string
		feature string
		fast    bool // the fast path should take it
	}{
		{"ogr2ogr layout", `{ "type": "Feature", "properties": { "external_id": "B1", "village_code": "V1", "residents": "2", "poor": "否" }, "geometry": { "type": "Point", "coordinates": [ 120.29, 32.18 ] } }`, true},
		{"geometry first, numbers", `{"geometry":{"coordinates":[120.1,32.1],"type":"Point"},"properties":{"户编号":"H1","村代码":"V1","人口":3,"贫困":true},"type":"Feature","id":7}`, true},
		{"escapes and null", `{"type":"Feature","properties":{"external_id":"H\u00e9\"1","village_code":"V1","residents":"1","head_name":null},"geometry":null}`, true},
		{"duplicate key, last wins", `{"type":"Feature","properties":{"external_id":"H1","external_id":"H2","village_code":"V1","residents":1},"geometry":{"type":"Point","coordinates":[120.1,32.1]}}`, true},
		{"three ordinates", `{"type":"Feature","properties":{"external_id":"H1","village_code":"V1","residents":1},"geometry":{"type":"Point","coordinates":[120.1,32.1,5]}}`, true},
		{"nested property", `{"type":"Feature","properties":{"external_id":{"a":1},"village_code":"V1","residents":1},"geometry":null}`, true},
		{"not a feature", `{"type":"Polygon","coordinates":[]}`, false},
		{"type not a string", `{"type":1,"properties":{}}`, false},
		{"properties an array", `{"type":"Feature","properties":[1,2]}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !json.Valid([]byte(tc.feature)) {
				t.Fatalf("test feature is not JSON")
			}
			typ, _, _, ok := fastFeature([]byte(tc.feature), nil)
			if fast := ok && string(typ) == "Feature"; fast != tc.fast {
				t.Errorf("fast path took it: %v, want %v", fast, tc.fast)
			}
			fastDec := &geojsonDecoder{layer: layer, file: "f", headerChecked: true}
			slowDec := &geojsonDecoder{layer: layer, file: "f", headerChecked: true}
			fr, ferr := fastDec.featureRow(1, json.RawMessage(tc.feature))
			sr, serr := slowDec.slowFeatureRow(&raw{line: 1, vals: make([]string, len(layer.Fields)), record: json.RawMessage(tc.feature)}, 1, json.RawMessage(tc.feature))
			if !reflect.DeepEqual(ferr, serr) {
				t.Fatalf("errors differ: fast %v, encoding/json %v", ferr, serr)
			}
			// A rejected row's partly filled values are not compared: the
			// slow path meets properties in map order, so which fields it
			// filled before the bad one varies from run to run.
			if ferr == nil && !reflect.DeepEqual(fr, sr) {
				t.Fatalf("rows differ:\nfast          %+v\nencoding/json %+v", fr, sr)
			}
		})
	}
}
