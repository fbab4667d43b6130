package ingest

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"testing"

	"lianxin/geo"
)

// drain reads every row of a decoder through the converter, as an import
// would, and checks what comes out: a row is either rejected with a reason
// or lies in the county with an H3 cell.
func drain(t *testing.T, dec decoder, layer *Layer) {
	conv := &converter{layer: layer, file: "fuzz", unit: dec.unit(), crs: geo.CRSWGS84, bounds: CountyBounds}
	for i := 0; i < 100000; i++ {
		r, err := dec.next()
		if errors.Is(err, io.EOF) {
			return
		}
		var re *RowError
		if errors.As(err, &re) {
			if re.Reason == "" {
				t.Fatalf("row error without a reason: %+v", re)
			}
			continue
		}
		if err != nil {
			return
		}
		row, rerr := conv.convert(r)
		if rerr != nil {
			if rerr.Reason == "" || rerr.Line != r.line {
				t.Fatalf("reject %+v: want a reason and line %d", rerr, r.line)
			}
			continue
		}
		if len(row.Values) != len(layer.Fields) {
			t.Fatalf("row has %d values, layer %d fields", len(row.Values), len(layer.Fields))
		}
		if row.Geom != nil {
			b := row.Geom.Bound()
			if !CountyBounds.Contains(b.Min) || !CountyBounds.Contains(b.Max) || row.Cell <= 0 {
				t.Fatalf("row accepted outside the county or without a cell: %v cell %d", b, row.Cell)
			}
		}
	}
	t.Fatal("decoder did not end after 100000 rows")
}

func FuzzCSVRows(f *testing.F) {
	for _, seed := range []string{
		"户编号,村代码,人口,户主,经度,纬度\nH1,V1,3,张三,120.02,32.13\n",
		"external_id,village_code,residents,wkt\nH1,V1,2,POINT(120.1 32.1)\n",
		"external_id,village_code,residents,lon,lat\nH1,V1,x,32.1,120.1\n\"H2\",\"V\"\"1\",1,,\n",
		"external_id;village_code;residents;lon;lat\nH1;V1;1;120.1;32.1\n",
		"\xef\xbb\xbfexternal_id,village_code,residents,lon,lat\nH1,V1,1,NaN,Inf\n",
	} {
		f.Add([]byte(seed))
	}
	layer, _ := LookupLayer("households")
	f.Fuzz(func(t *testing.T, data []byte) {
		text, _, err := decodeText(bytes.NewReader(data), EncodingAuto, "fuzz.csv")
		if err != nil {
			return
		}
		br := bufio.NewReaderSize(&lineLimiter{r: text, limit: 1 << 16}, 1<<16)
		dec, err := newCSVDecoder(br, layer, "fuzz.csv")
		if err != nil {
			return
		}
		drain(t, dec, layer)
	})
}

func FuzzGeoJSONFeatures(f *testing.F) {
	for _, seed := range []string{
		`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"V1","name":"村","town_code":"T1","kind":"村","resident_population":10,"registered_households":3},"geometry":{"type":"Polygon","coordinates":[[[120.0,32.1],[120.1,32.1],[120.1,32.2],[120.0,32.1]]]}}]}`,
		"{\"type\":\"Feature\",\"properties\":{\"code\":3212991012010001},\"geometry\":null}\n{\"type\":\"Feature\"}\n",
		"\x1e{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"MultiPolygon\",\"coordinates\":[]}}\n",
		`{"features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[1e400,2]}}],"type":"FeatureCollection"}`,
	} {
		f.Add([]byte(seed))
	}
	layer, _ := LookupLayer("villages")
	f.Fuzz(func(t *testing.T, data []byte) {
		text, _, err := decodeText(bytes.NewReader(data), EncodingAuto, "fuzz.geojson")
		if err != nil {
			return
		}
		dec, err := newGeoJSONDecoder(bufio.NewReaderSize(text, 1<<16), layer, "fuzz.geojson", 1<<16)
		if err != nil {
			return
		}
		drain(t, dec, layer)
	})
}
