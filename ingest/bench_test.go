package ingest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"lianxin/geo"
)

// benchHouseholds writes n household rows as a CSV and as a GeoJSON
// FeatureCollection laid out as ogr2ogr writes one. Its rows are only
// decoded and converted, never imported (no database, so no villages: its
// codes and points match none, and its points lie inside CountyBounds
// only); files imported by tests and benchmarks come from
// demotest.HouseholdsFile, whose points lie in their villages.
func benchHouseholds(n int) (csvText, geojsonText []byte) {
	var c, g bytes.Buffer
	c.WriteString("external_id,village_code,residents,poor,lon,lat\n")
	g.WriteString("{\n\"type\": \"FeatureCollection\",\n\"name\": \"h\",\n\"features\": [\n")
	for i := 0; i < n; i++ {
		lon, lat := 120.0+float64(i%9973)*0.00002, 32.1+float64(i%7919)*0.00002
		poor := "否"
		if i%20 == 0 {
			poor = "是"
		}
		fmt.Fprintf(&c, "B%07d,3212991012%02d,%d,%s,%.7f,%.7f\n", i, i%30, 1+i%5, poor, lon, lat)
		sep := ","
		if i == n-1 {
			sep = ""
		}
		fmt.Fprintf(&g, "{ \"type\": \"Feature\", \"properties\": { \"external_id\": \"B%07d\", \"village_code\": \"3212991012%02d\", \"residents\": \"%d\", \"poor\": \"%s\" }, \"geometry\": { \"type\": \"Point\", \"coordinates\": [ %.7f, %.7f ] } }%s\n",
			i, i%30, 1+i%5, poor, lon, lat, sep)
	}
	g.WriteString("]\n}\n")
	return c.Bytes(), g.Bytes()
}

// decodeAll reads every row of a decoder through the converter and fails
// on any reject: the benchmark files are all good rows.
func decodeAll(b *testing.B, dec decoder, layer *Layer) int {
	conv := &converter{layer: layer, file: "bench", unit: dec.unit(), crs: geo.CRSWGS84, bounds: CountyBounds}
	n := 0
	for {
		r, err := dec.next()
		if errors.Is(err, io.EOF) {
			return n
		}
		if err != nil {
			b.Fatalf("row %d: %v", n+1, err)
		}
		if _, rerr := conv.convert(r); rerr != nil {
			b.Fatalf("row %d rejected: %v", n+1, rerr)
		}
		n++
	}
}

func BenchmarkDecodeHouseholds(b *testing.B) {
	const rows = 20000
	layer, _ := LookupLayer("households")
	csvText, geojsonText := benchHouseholds(rows)
	for _, tc := range []struct {
		name string
		text []byte
		open func(r *bufio.Reader) (decoder, error)
	}{
		{"csv", csvText, func(r *bufio.Reader) (decoder, error) { return newCSVDecoder(r, layer, "bench.csv") }},
		{"geojson", geojsonText, func(r *bufio.Reader) (decoder, error) {
			return newGeoJSONDecoder(r, layer, "bench.geojson", DefaultMaxRowBytes)
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(tc.text)))
			b.ReportAllocs()
			for b.Loop() {
				dec, err := tc.open(bufio.NewReaderSize(bytes.NewReader(tc.text), 1<<16))
				if err != nil {
					b.Fatal(err)
				}
				if n := decodeAll(b, dec, layer); n != rows {
					b.Fatalf("decoded %d rows, want %d", n, rows)
				}
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkStreamHouseholds reads a households file through Open and Next,
// as an import does: the decoder on one goroutine, the conversion on
// convertWorkers, the rows handed out in file order.
func BenchmarkStreamHouseholds(b *testing.B) {
	const rows = 20000
	layer, _ := LookupLayer("households")
	csvText, geojsonText := benchHouseholds(rows)
	dir := b.TempDir()
	for _, tc := range []struct {
		name string
		text []byte
	}{{"csv", csvText}, {"geojson", geojsonText}} {
		path := filepath.Join(dir, "households."+tc.name)
		if err := os.WriteFile(path, tc.text, 0o600); err != nil {
			b.Fatal(err)
		}
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(tc.text)))
			b.ReportAllocs()
			for b.Loop() {
				s, closeFn, err := Open(context.Background(), layer, Options{Path: path}, "")
				if err != nil {
					b.Fatal(err)
				}
				n := 0
				for s.Next() {
					n++
				}
				closeFn()
				if s.Err() != nil || s.Rejected() != 0 || n != rows {
					b.Fatalf("read %d rows, %d rejected, error %v; want %d rows, none rejected", n, s.Rejected(), s.Err(), rows)
				}
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
