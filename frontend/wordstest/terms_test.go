package wordstest

import (
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// The programme's terms, one word for one thing in every Chinese text the
// office reads (the web map's zh-CN table, the CSV headers, the export
// field titles, the import's words): 队员 for a member of a work team (not
// 成员, which read as a second kind of person), 机关后备干部 for the cadres
// from the city's departments (MISSION.md; not the shorter 机关干部), and
// no grant shown by its code (household_points) where it has words. The
// import still accepts the other words in a sheet's headers and cells;
// only what the programme writes is held to the terms.
var terms = []struct {
	not  *regexp.Regexp
	want string
}{
	{regexp.MustCompile(`成员`), "队员"},
	{regexp.MustCompile(`机关干部`), "机关后备干部"},
	{regexp.MustCompile(`household_points`), "“农户点位”授权"},
}

// wordFiles are the files of Chinese words the programme writes, with how
// to find those words in each: the zh-CN table's values, and Go string
// literals holding Chinese.
var wordFiles = []struct {
	path  string
	lines func(src string) []string
	// accepted are the other words a file may name as headers the import
	// accepts (the template tells a clerk their sheet's 成员编号 is read).
	accepted []string
}{
	{path: "frontend/src/i18n.js", lines: func(src string) []string {
		i := strings.Index(src, "\nconst en = {")
		var out []string
		for _, m := range regexp.MustCompile(`(?m)^  '[^']+': '((?:[^'\\]|\\.)*)',$`).FindAllStringSubmatch(src[:i], -1) {
			out = append(out, m[1])
		}
		return out
	}},
	{path: "api/csv.go", lines: chineseLiterals},
	{path: "export/shapefile.go", lines: chineseLiterals},
	{path: "export/catalogue.go", lines: chineseLiterals},
	{path: "ingest/codes.go", lines: chineseLiterals},
	{path: "ingest/template.go", lines: chineseLiterals, accepted: []string{"成员编号"}},
}

var goString = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

func chineseLiterals(src string) []string {
	var out []string
	for _, s := range goString.FindAllString(src, -1) {
		if regexp.MustCompile(`\p{Han}`).MatchString(s) {
			out = append(out, s)
		}
	}
	return out
}

func TestProgrammeTerms(t *testing.T) {
	_, here, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot tell where the module is")
	}
	root := filepath.Join(filepath.Dir(here), "..", "..")
	for _, f := range wordFiles {
		src, err := os.ReadFile(filepath.Join(root, f.path))
		if err != nil {
			t.Fatal(err)
		}
		texts := f.lines(string(src))
		if len(texts) == 0 {
			t.Fatalf("%s: no Chinese words found: the reading is broken", f.path)
		}
		for _, s := range texts {
			if f.path != "frontend/src/i18n.js" && !regexp.MustCompile(`\p{Han}`).MatchString(s) {
				continue
			}
			said := s
			for _, a := range f.accepted {
				said = strings.ReplaceAll(said, a, "")
			}
			for _, term := range terms {
				if term.not.MatchString(said) {
					t.Errorf("%s: %s says %q; the programme says %s", f.path, s, term.not.String(), term.want)
				}
			}
		}
	}
}
