// Package wordstest reads the web map's words (frontend/src/i18n.js) for
// the tests of the packages whose refusals, reasons and codes the page
// words (api, diary, ingest): one reading of the file's two tables and one
// check that a key is worded in both. It exists as a package because a
// helper in one package's _test files cannot be called from another's.
package wordstest

import (
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// Tables reads i18n.js and splits it into its zh-CN table (before
// "const en = {") and its English one (from there on).
func Tables(t testing.TB) (zh, en string) {
	t.Helper()
	_, here, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("wordstest: cannot tell where i18n.js is")
	}
	src, err := os.ReadFile(filepath.Join(filepath.Dir(here), "..", "src", "i18n.js"))
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(string(src), "\nconst en = {")
	if i < 0 {
		t.Fatal("i18n.js: no English table (const en = {)")
	}
	return string(src[:i]), string(src[i:])
}

var placeholder = regexp.MustCompile(`\{[a-z_]+\}`)

// CheckWorded checks that prefix+key, for every key, is worded once in
// each table of the web map, on one line ('<prefix><key>': '…',), with the
// same placeholders in both: a reason the page cannot word would show the
// server's English on a Chinese page.
func CheckWorded(t testing.TB, prefix string, keys []string) {
	t.Helper()
	checkWorded(t, prefix, keys, true)
}

// CheckPresent checks what CheckWorded does but the placeholders: for
// words whose two languages may say more or less of the parameters (the
// import's rejects: the English names the JSON kind it got, the Chinese
// does not).
func CheckPresent(t testing.TB, prefix string, keys []string) {
	t.Helper()
	checkWorded(t, prefix, keys, false)
}

func checkWorded(t testing.TB, prefix string, keys []string, sameParams bool) {
	t.Helper()
	zh, en := Tables(t)
	tables := [][2]string{{"zh-CN", zh}, {"en", en}}
	for _, k := range keys {
		key := prefix + k
		line := regexp.MustCompile(`(?m)^  '` + regexp.QuoteMeta(key) + `': '((?:[^'\\]|\\.)*)',$`)
		var params [][]string
		for _, tb := range tables {
			m := line.FindAllStringSubmatch(tb[1], -1)
			if n := strings.Count(tb[1], "'"+key+"':"); len(m) != 1 || n != 1 {
				t.Errorf("i18n.js %s: %d wordings of %s (%d on one line), want 1", tb[0], n, key, len(m))
				continue
			}
			p := placeholder.FindAllString(m[0][1], -1)
			slices.Sort(p)
			params = append(params, slices.Compact(p))
		}
		if sameParams && len(params) == 2 && !slices.Equal(params[0], params[1]) {
			t.Errorf("i18n.js %s: zh-CN takes %v, en %v; want the same parameters", key, params[0], params[1])
		}
	}
}
