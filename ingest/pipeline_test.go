package ingest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A file of many batches with bad rows scattered through it comes out of
// Next as reading it on one goroutine would: the good rows in file order,
// every bad row rejected once, in file order, with the decoder's and the
// converter's reasons alike; and the place counts behind the file's hint
// add up over the batches.
func TestStreamKeepsFileOrderAcrossBatches(t *testing.T) {
	const rows = 10*convertBatchRows + 17
	var b strings.Builder
	b.WriteString("external_id,village_code,residents,lon,lat\n")
	var wantGood []string
	var wantRejects []int64
	outside := 0
	for i := 1; i <= rows; i++ {
		line := int64(i + 1)
		id := fmt.Sprintf("H%05d", i)
		switch {
		case i%97 == 0: // converter: residents below 1
			fmt.Fprintf(&b, "%s,321299101201,0,120.1,32.1\n", id)
			wantRejects = append(wantRejects, line)
		case i%101 == 0: // decoder: a field short
			fmt.Fprintf(&b, "%s,321299101201,2,120.1\n", id)
			wantRejects = append(wantRejects, line)
		case i%103 == 0: // converter: outside the county
			fmt.Fprintf(&b, "%s,321299101201,2,121.1,32.1\n", id)
			wantRejects = append(wantRejects, line)
			outside++
		default:
			fmt.Fprintf(&b, "%s,321299101201,2,120.1,32.1\n", id)
			wantGood = append(wantGood, id)
		}
	}
	path := filepath.Join(t.TempDir(), "households.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	layer, _ := LookupLayer("households")
	s, closeFn, err := Open(context.Background(), layer, Options{Path: path}, "")
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	var got []string
	for s.Next() {
		got = append(got, s.Row().Values[0].(string))
	}
	if s.Err() != nil {
		t.Fatalf("reading %d rows: error %v, want none", rows, s.Err())
	}
	if strings.Join(got, " ") != strings.Join(wantGood, " ") {
		t.Fatalf("good rows: got %d rows (first %v), want %d in file order (first %v)", len(got), got[:3], len(wantGood), wantGood[:3])
	}
	var gotRejects []int64
	for _, r := range s.Rejects() {
		gotRejects = append(gotRejects, r.Line)
	}
	if fmt.Sprint(gotRejects) != fmt.Sprint(wantRejects) || s.Rejected() != int64(len(wantRejects)) {
		t.Fatalf("rejected lines: got %d, %v; want %d, %v", s.Rejected(), gotRejects, len(wantRejects), wantRejects)
	}
	if s.RowsRead() != rows || s.conv.outside != int64(outside) {
		t.Fatalf("rows read %d, outside the county %d; want %d and %d", s.RowsRead(), s.conv.outside, rows, outside)
	}
}

// A stream closed before its end (a failed COPY, a cancelled import) stops
// its reader and workers: closeFn returns whether Next was never called,
// called once, or called for a few batches.
func TestStreamClosedEarly(t *testing.T) {
	var b strings.Builder
	b.WriteString("external_id,village_code,residents,lon,lat\n")
	for i := 1; i <= 50*convertBatchRows; i++ {
		fmt.Fprintf(&b, "H%06d,321299101201,2,120.1,32.1\n", i)
	}
	path := filepath.Join(t.TempDir(), "households.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	layer, _ := LookupLayer("households")
	for _, read := range []int{0, 1, 3 * convertBatchRows} {
		s, closeFn, err := Open(context.Background(), layer, Options{Path: path}, "")
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for n < read && s.Next() {
			n++
		}
		if n != read {
			t.Fatalf("read %d rows before closing, want %d (error %v)", n, read, s.Err())
		}
		closeFn()
	}
}
