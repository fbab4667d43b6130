package ingest

import (
	"context"
	"testing"

	"lianxin"
)

// A rejects file (up to 16 MiB) is held whole while it is read and served:
// with rejectsReading downloads under way, another answers unavailable at
// once instead of holding one more file in memory; a place freed is taken
// again.
func TestRejectsFileReadsBounded(t *testing.T) {
	s := NewService(context.Background(), nil, nil, t.TempDir())
	for range rejectsReading {
		s.rejectsReads <- struct{}{}
	}
	served := false
	err := s.RejectsFile(context.Background(), lianxin.SystemScope(), 1, "", func(Record, RejectsFile) error {
		served = true
		return nil
	})
	if lianxin.ErrorCode(err) != lianxin.EUnavailable || served {
		t.Errorf("rejects file with %d downloads under way = %v, served %v; want %s and not served", rejectsReading, err, served, lianxin.EUnavailable)
	}
	if n := len(s.rejectsReads); n != rejectsReading {
		t.Errorf("places taken after the refusal: %d, want %d (a refused read takes none)", n, rejectsReading)
	}
}
