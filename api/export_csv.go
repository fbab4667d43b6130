package api

import (
	"io"
	"net/url"

	"lianxin"
	"lianxin/export"
)

// A layer export's CSV is for GIS and for the import by default: English
// column names, true/false, codes as plain quoted values (README, "Export
// files"). lang=zh and excel=true make it the report CSVs' file for Excel
// instead (csv.go): Chinese header and values, each code cell made of
// digits as ="…", so that 321299103202 stays 321299103202 and does not
// become 3.21299E+11. The rows stream through rewriteCSV as the export
// writes them, so a county's households never sit in memory.

// exportCSVOptions reads lang and excel of an export: CSV only (another
// format's text is not a table), excel false unless asked. rewrite says
// whether the CSV differs from the plain one.
func exportCSVOptions(q url.Values, format export.Format) (o reportCSVOptions, rewrite bool, err error) {
	for _, p := range []string{"lang", "excel"} {
		if q.Get(p) != "" && format != export.CSV {
			return o, false, lianxin.Refuse(lianxin.EInvalid, p, export.ReasonCSVOnly, map[string]any{"param": p, "format": string(format)},
				"%s: only format=csv takes it (%s has no header to translate nor cells for Excel)", p, format)
		}
	}
	if o, err = parseCSVOptions(q, false); err != nil {
		return o, false, err
	}
	return o, o.zh || o.excel, nil
}

// exportCodeColumn: the report CSVs' code columns, and a layer's id, which
// for h3_cells is an 18-digit H3 index.
func exportCodeColumn(h string) bool { return h == "id" || isCodeColumn(h) }

// exportZhHeader names an export column in Chinese: as the report CSVs
// name it, else as the shapefile's field dictionary does; the geometry as
// what it is.
func exportZhHeader(h string) string {
	switch h {
	case "wkt":
		return "几何（WKT，经纬度）"
	case "wkt_gcj02":
		return "几何（WKT，GCJ-02 坐标）"
	}
	if z, ok := zhHeaders[h]; ok {
		return z
	}
	if z := export.FieldTitleZH(h); z != "" {
		return z
	}
	return h
}

// csvRewriter is an io.Writer that rewrites the CSV written to it into dst
// for o, in a goroutine reading the other end of a pipe. Close waits for it.
type csvRewriter struct {
	pw   *io.PipeWriter
	done chan error
}

func newCSVRewriter(dst io.Writer, o reportCSVOptions) *csvRewriter {
	pr, pw := io.Pipe()
	w := &csvRewriter{pw: pw, done: make(chan error, 1)}
	go func() {
		err := rewriteCSV(pr, dst, o, exportCodeColumn, exportZhHeader)
		// A failed write to dst (the client went away) stops the export's
		// next write; a finished one drains nothing more.
		pr.CloseWithError(err)
		w.done <- err
	}()
	return w
}

func (w *csvRewriter) Write(p []byte) (int, error) { return w.pw.Write(p) }

// Close ends the input (with the export's error, if any) and returns the
// rewrite's error.
func (w *csvRewriter) Close(exportErr error) error {
	w.pw.CloseWithError(exportErr)
	err := <-w.done
	if exportErr != nil {
		return exportErr
	}
	return err
}
