package ingest

import (
	"bytes"
	"strings"
	"testing"
)

// The diary template names the kinds by the words the web map uses (the
// first word of each kind in layers.go's catalogue), every word it names
// is one the import reads, and its example row is a # note.
func TestDiaryTemplateKindsAndExample(t *testing.T) {
	l, _ := LookupLayer("visits")
	kind, _ := l.Field("kind")
	note := docsZH["visits.kind"]
	for _, w := range []string{"入户走访", "企业走访", "项目现场走访", "村居座谈会", "宣传活动", "帮扶送达"} {
		if !strings.Contains(note, w) {
			t.Errorf("docsZH[visits.kind] = %q; want it to name %s", note, w)
		}
	}
	for _, w := range strings.FieldsFunc(note, func(r rune) bool { return strings.ContainsRune("：、（）；或也认旧写法如地图上的", r) }) {
		if _, ok := kind.Values[w]; !ok && w != "走访类型" {
			t.Errorf("docsZH[visits.kind] names %q, which the import does not read as a kind", w)
		}
	}
	for _, lang := range []string{LangZH, LangEN} {
		var b bytes.Buffer
		if err := WriteTemplate(&b, "visits", lang); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimPrefix(b.String(), "\ufeff"), "\n")
		if len(lines) < 2 || !strings.HasPrefix(lines[1], "# ") || !strings.Contains(lines[1], "V00000001") {
			t.Errorf("%s visits template's second line = %q; want the example row as a # note", lang, lines[1])
		}
	}
}
