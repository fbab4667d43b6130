package store_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"lianxin/frontend/wordstest"
)

// auditActionPatterns find the actions the server writes to the audit log:
// Go constants and fields (Action: "x", e.Action = "x", ActionX = "x") and
// the SQL triggers of migrations ('import', NEW.layer).
var auditActionPatterns = []*regexp.Regexp{
	regexp.MustCompile(`\bAction[A-Za-z]*\s*=\s*"([a-z][a-z_]*)"`),
	regexp.MustCompile(`\bAction:\s*"([a-z][a-z_]*)"`),
	regexp.MustCompile(`\.Action\s*=\s*"([a-z][a-z_]*)"`),
	regexp.MustCompile(`'([a-z][a-z_]*)',\s*NEW\.layer`),
}

// TestAuditActionsWorded collects every action the server can write to
// the audit log from its Go code and migrations, and checks that the web
// map words each in both languages (action.<name>) and offers it in the
// audit view's action filter (admin.js AUDIT_ACTIONS): an action without
// words showed as diary_correct on the Chinese page.
func TestAuditActionsWorded(t *testing.T) {
	root := filepath.Join("..")
	found := map[string]bool{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case "node_modules", "dist", ".git", ".data", "frontend":
				return filepath.SkipDir
			}
			return nil
		}
		goSource := strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go")
		if !goSource && !strings.HasSuffix(path, ".sql") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, re := range auditActionPatterns {
			for _, m := range re.FindAllStringSubmatch(string(b), -1) {
				found[m[1]] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The collection itself must work: these are written today.
	for _, a := range []string{"login", "grant", "import", "export", "view_personal", "diary_write", "diary_correct", "diary_delete", "import_changed", "user_disable"} {
		if !found[a] {
			t.Errorf("action %q not found in the server's code: the collector is broken", a)
		}
	}
	actions := make([]string, 0, len(found))
	for a := range found {
		actions = append(actions, a)
	}
	slices.Sort(actions)
	wordstest.CheckWorded(t, "action.", actions)

	admin, err := os.ReadFile(filepath.Join("..", "frontend", "src", "admin.js"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?s)const AUDIT_ACTIONS = \[(.*?)\];`).FindSubmatch(admin)
	if m == nil {
		t.Fatal("admin.js: no AUDIT_ACTIONS list")
	}
	for _, a := range actions {
		if !strings.Contains(string(m[1]), "'"+a+"'") {
			t.Errorf("admin.js AUDIT_ACTIONS lacks %q: the audit view cannot filter by it", a)
		}
	}
}
