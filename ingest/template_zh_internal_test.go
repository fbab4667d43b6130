package ingest

import (
	"strings"
	"testing"
	"unicode"
)

// Every layer's Chinese template names the layer and explains every field:
// a field added without its docsZH entry would print "# 名称*： [...]",
// which TestTemplatesRoundTrip does not catch (the line holds Chinese). An
// entry left behind by a field that is gone is caught too.
func TestTemplateChineseComplete(t *testing.T) {
	han := func(s string) bool {
		return strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0
	}
	known := map[string]bool{}
	for _, l := range Layers() {
		if !han(titlesZH[l.Name]) {
			t.Errorf("layer %s: titlesZH = %q, want its Chinese title", l.Name, titlesZH[l.Name])
		}
		if !han(tablesZH[l.Name]) {
			t.Errorf("layer %s: tablesZH = %q, want its Chinese name", l.Name, tablesZH[l.Name])
		}
		for _, f := range l.Fields {
			key := l.Name + "." + f.Name
			known[key] = true
			if !han(docsZH[key]) {
				t.Errorf("field %s: docsZH = %q, want its Chinese description (English: %q)", key, docsZH[key], f.Doc)
			}
		}
	}
	for key := range docsZH {
		if !known[key] {
			t.Errorf("docsZH has %s, which is no layer's field", key)
		}
	}
	if len(titlesZH) != len(Layers()) {
		t.Errorf("titlesZH has %d layers, the importer %d", len(titlesZH), len(Layers()))
	}
}
