package ingest

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkBuildRejectsFile is what an upload with skip_invalid spends, after
// its rows landed, on the rejects file it keeps: reading the file again and
// writing its rejected rows (one in ten of 100,000) within the bound.
func BenchmarkBuildRejectsFile(b *testing.B) {
	const n = 100_000
	csvText, geojsonText := benchHouseholds(n)
	dir := b.TempDir()
	rejected := map[int64]string{}
	for _, tc := range []struct {
		name string
		body []byte
		line func(i int64) int64 // row i's line (CSV) or feature number
	}{
		{"csv", csvText, func(i int64) int64 { return i + 2 }},
		{"geojson", geojsonText, func(i int64) int64 { return i + 1 }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			path := filepath.Join(dir, "h."+tc.name)
			if err := os.WriteFile(path, tc.body, 0o600); err != nil {
				b.Fatal(err)
			}
			clear(rejected)
			for i := int64(0); i < n; i += 10 {
				rejected[tc.line(i)] = "village_code: unknown village_code (no such row in villages)"
			}
			rec := Record{FileName: "h." + tc.name, rejectLines: rejected}
			opt := Options{Layer: "households", Path: path}
			b.SetBytes(int64(len(tc.body)))
			for b.Loop() {
				f, err := BuildRejectsFile(context.Background(), rec, opt, MaxRejectsFileBytes)
				if err != nil || f.Rows != n/10 || !f.Complete {
					b.Fatalf("rejects file: %v rows %d complete %v, want %d rows", err, f.Rows, f.Complete, n/10)
				}
				b.ReportMetric(float64(len(f.Content)), "file-bytes")
			}
		})
	}
}
