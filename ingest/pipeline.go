package ingest

import (
	"errors"
	"io"
	"runtime"
	"sync"
)

// Reading a file has two halves of similar cost: the decoder (CSV fields,
// or a GeoJSON feature) and the converter (typed values, the place check,
// the H3 cell: latLngToCell alone is 44% of a CSV row). A Stream reads raw
// rows on one goroutine, in file order and in batches, converts whole
// batches on convertWorkers goroutines, and Next hands the results out in
// file order: the rows, the rejects and their order are exactly those of
// reading and converting on one goroutine, and read-ahead is bounded by a
// few batches, so memory stays flat.

// convertBatchRows rows travel together from the reader to a worker.
const convertBatchRows = 256

// convertWorkers is how many batches are converted at once: one per core,
// at most 4 (the decoder, the COPY encoder and the server need cores too).
func convertWorkers() int { return max(1, min(runtime.GOMAXPROCS(0), 4)) }

type convertBatch struct {
	items []convertItem
	// conv is the worker's converter; its swapped and outside counts are
	// this batch's.
	conv converter
	// bytes is how much of the file was read when the batch was complete.
	bytes int64
	// err is a read error after the items: the stream ends there.
	err  error
	done chan struct{} // closed once every item is converted
}

// convertItem is one raw row and what became of it: a reject from the
// decoder (readRej), or the converter's row or reject (rej).
type convertItem struct {
	raw     *raw
	readRej *RowError
	row     *Row
	rej     *RowError
}

func (b *convertBatch) convert() {
	for i := range b.items {
		it := &b.items[i]
		if it.readRej == nil {
			it.row, it.rej = b.conv.convert(it.raw)
		}
		it.raw = nil
	}
	close(b.done)
}

// pipeline is a Stream's reader and workers.
type pipeline struct {
	batches chan *convertBatch // in file order, to Next
	quit    chan struct{}      // closed by stop: reader and workers give up
	wg      sync.WaitGroup
	cur     *convertBatch // the batch Next is handing out
	i       int
}

func (s *Stream) startPipeline() *pipeline {
	workers := convertWorkers()
	p := &pipeline{batches: make(chan *convertBatch, 2*workers+2), quit: make(chan struct{})}
	work := make(chan *convertBatch, workers)
	p.wg.Add(1 + workers)
	go func() {
		defer p.wg.Done()
		defer close(p.batches)
		defer close(work)
		s.readBatches(p, work)
	}()
	for range workers {
		go func() {
			defer p.wg.Done()
			for b := range work {
				b.convert()
			}
		}()
	}
	return p
}

// readBatches reads the file to its end (or a read error, or stop), handing
// each batch to a worker and, in the same order, to Next.
func (s *Stream) readBatches(p *pipeline, work chan<- *convertBatch) {
	c := s.conv
	for {
		b := &convertBatch{items: make([]convertItem, 0, convertBatchRows), done: make(chan struct{}),
			conv: converter{layer: c.layer, file: c.file, unit: c.unit, crs: c.crs, bounds: c.bounds}}
		end := false
		for len(b.items) < convertBatchRows {
			r, err := s.dec.next()
			if errors.Is(err, io.EOF) {
				end = true
				break
			}
			var re *RowError
			if err != nil && !errors.As(err, &re) {
				b.err, end = err, true
				break
			}
			b.items = append(b.items, convertItem{raw: r, readRej: re})
		}
		if s.counter != nil {
			b.bytes = s.counter.n
		}
		if len(b.items) == 0 && b.err == nil {
			return
		}
		select {
		case work <- b:
		case <-p.quit:
			return
		}
		select {
		case p.batches <- b:
		case <-p.quit:
			return
		}
		if end {
			return
		}
	}
}

// stop ends the reader and the workers and waits for them; closeFile (the
// file, or the ogr2ogr process) is closed in between, so a reader blocked
// on it wakes up.
func (p *pipeline) stop(closeFile func()) {
	close(p.quit)
	closeFile()
	p.wg.Wait()
}
