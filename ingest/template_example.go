package ingest

import (
	"encoding/csv"
	"io"
	"strings"
)

// writeExample writes the template's example row as a # line ("# 示例：…")
// the importer skips, for every layer. A data example row would be
// imported by whoever fills the template in under it, or uploads it
// unchanged to see what happens: the diary's as a made-up visit, a
// register's as a change to whatever row its example key names in the
// county (the households example once named a real household of the demo
// county, and a dry run of the template said it would update it). A
// template imported as it is holds no rows and is refused as such
// (FileNoRows).
func writeExample(w io.Writer, cw *csv.Writer, example []string, lang string) error {
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	var row strings.Builder
	rw := csv.NewWriter(&row)
	if err := rw.Write(example); err != nil {
		return err
	}
	rw.Flush()
	lead := "# example (a note, not imported; write your rows below it): "
	if lang == LangZH {
		lead = "# 示例（仅作说明，不会导入；请在下面另起一行填写）："
	}
	_, err := io.WriteString(w, lead+row.String())
	return err
}
