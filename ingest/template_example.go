package ingest

import (
	"encoding/csv"
	"io"
	"strings"
)

// exampleIsNote reports a layer whose template gives its example row as a
// # note, not as data: the diary, whose clerks append a week's rows under
// the template's own and import it all, so a data example row (V00000001)
// would land as a made-up visit. Registers (households, members …) keep a
// data example: they are filled once, and their example imports as it is.
func exampleIsNote(l *Layer) bool { return l.Name == "visits" }

// writeExample writes the template's example row: a CSV row, or for
// exampleIsNote a # line ("# 示例：…") the importer skips.
func writeExample(w io.Writer, cw *csv.Writer, l *Layer, example []string, lang string) error {
	if !exampleIsNote(l) {
		return cw.Write(example)
	}
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
