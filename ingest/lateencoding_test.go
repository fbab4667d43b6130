package ingest_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"lianxin/ingest"
)

// A diary whose first 64 KiB are plain ASCII (English headers, codes,
// numbers) and whose notes in GBK come only at its end is read as GBK, as
// README promises ("detected"), not refused at its first Chinese line.
func TestLateGBKDetected(t *testing.T) {
	var b strings.Builder
	b.WriteString("external_id,member_code,household_id,occurred_at,kind,notes\n")
	for i := 0; b.Len() < 70<<10; i++ {
		b.WriteString("RG" + strings.Repeat("0", 4) + ",M01,H0001,2026-03-20 09:00,household_visit,\n")
	}
	last, err := simplifiedchinese.GBK.NewEncoder().String("RGLAST,M01,H0001,2026-03-27 10:00,入户走访,群众反映路灯坏了\n")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "late-gbk.csv")
	if err := os.WriteFile(path, []byte(b.String()+last), 0o644); err != nil {
		t.Fatal(err)
	}
	l, _ := ingest.LookupLayer("visits")
	s, closeFn, err := ingest.Open(context.Background(), l, ingest.Options{Path: path}, "")
	if err != nil {
		t.Fatalf("open a late-GBK file: %v; want it read as GBK", err)
	}
	defer closeFn()
	var lastNotes any
	for s.Next() {
		lastNotes = s.Row().Values[8]
	}
	if err := s.Err(); err != nil || lastNotes != "群众反映路灯坏了" || s.Rejected() != 0 {
		t.Fatalf("read a late-GBK file: last notes %v, %d rejected, error %v; want 群众反映路灯坏了, none, nil", lastNotes, s.Rejected(), err)
	}
}
