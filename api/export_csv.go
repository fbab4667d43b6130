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

// ExportCSV is how a layer export's CSV is written for lang and excel:
// the route's query parameters, and lianxin export's --lang and --excel,
// which take the same values ("" for not given) through the same checks
// and the same rewriting here, so that the command line's file is the
// download's.
type ExportCSV struct {
	opt     reportCSVOptions
	rewrite bool         // the CSV differs from the plain one
	rw      *csvRewriter // once Writer started it
}

// ParseExportCSV checks lang and excel for an export in format: CSV only,
// lang en or zh, excel true or false.
func ParseExportCSV(format export.Format, lang, excel string) (*ExportCSV, error) {
	q := url.Values{}
	for k, v := range map[string]string{"lang": lang, "excel": excel} {
		if v != "" {
			q.Set(k, v)
		}
	}
	o, rewrite, err := exportCSVOptions(q, format)
	if err != nil {
		return nil, err
	}
	return &ExportCSV{opt: o, rewrite: rewrite}, nil
}

// Writer is what the export writes to for dst: dst itself, or a rewriter
// into dst, which Close must then end.
func (e *ExportCSV) Writer(dst io.Writer) io.Writer {
	if !e.rewrite {
		return dst
	}
	e.rw = newCSVRewriter(dst, e.opt)
	return e.rw
}

// Close ends the rewrite, if Writer started one, with the export's error,
// and returns the first error of the two.
func (e *ExportCSV) Close(exportErr error) error {
	if e.rw == nil {
		return exportErr
	}
	return e.rw.Close(exportErr)
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
