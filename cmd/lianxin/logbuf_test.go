package main

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is stderr as the tests read it while the flusher writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Info lines wait in the buffer; a warning takes them out with it, in order;
// Close writes the rest, and no line is lost, even past the buffer's size.
func TestLogBufferKeepsEveryLine(t *testing.T) {
	var out lockedBuffer
	buf := newLogBuffer(&out, time.Hour) // no periodic flush during the test
	log := slog.New(flushOnWarn{slog.NewTextHandler(buf, nil), buf})

	log.Info("request", "n", 1)
	if got := out.String(); got != "" {
		t.Fatalf("an info line was written at once: %q", got)
	}
	log.With("part", "tiles").Warn("slow", "n", 2)
	got := out.String()
	if !strings.Contains(got, "msg=request n=1") || !strings.Contains(got, "msg=slow part=tiles n=2") ||
		strings.Index(got, "msg=request") > strings.Index(got, "msg=slow") {
		t.Fatalf("after a warning stderr holds %q, want the info line, then the warning", got)
	}

	const lines = 3000 // about 150 KB: more than the buffer holds
	for i := range lines {
		log.Info("request", "n", 100+i)
	}
	if err := buf.Close(); err != nil {
		t.Fatal(err)
	}
	got = out.String()
	for _, i := range []int{0, lines / 2, lines - 1} {
		if !strings.Contains(got, fmt.Sprintf("msg=request n=%d\n", 100+i)) {
			t.Errorf("line %d is missing after Close", 100+i)
		}
	}
	if n := strings.Count(got, "\n"); n != lines+2 {
		t.Errorf("stderr holds %d lines, want %d", n, lines+2)
	}
}

// The periodic flush writes an info line without a warning or Close.
func TestLogBufferFlushesPeriodically(t *testing.T) {
	var out lockedBuffer
	buf := newLogBuffer(&out, 10*time.Millisecond)
	defer buf.Close()
	log := slog.New(flushOnWarn{slog.NewTextHandler(buf, nil), buf})
	log.Info("request", "n", 1)
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(out.String(), "msg=request n=1"); {
		if time.Now().After(deadline) {
			t.Fatal("the info line was never written out")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
