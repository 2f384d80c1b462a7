package realtime_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// The code cites the protocol notes by rule id (R7.3), section (§6, §4.3) and
// simulator point (Appendix A.9). These tests keep every such citation resolvable
// inside the repository: each must be defined in docs/protocol.md.

var (
	ruleCite     = regexp.MustCompile(`\bR(\d+)\.(\d+)\b`)
	sectionCite  = regexp.MustCompile(`§(\d+)(?:\.(\d+))?`)
	appendixCite = regexp.MustCompile(`Appendix A(?:\.(\d+))?`)

	ruleDef     = regexp.MustCompile(`(?m)^\*\*R(\d+\.\d+) `)
	sectionDef  = regexp.MustCompile(`(?m)^##+ (\d+(?:\.\d+)?)\.? `)
	appendixDef = regexp.MustCompile(`(?m)^- \*\*A\.(\d+) `)

	// machinePath is an absolute path on somebody's machine; such paths mean
	// nothing in a checkout.
	machinePath = regexp.MustCompile(`(^|[\s("'` + "`" + `])/(work|home|tmp|Users|root)/`)
)

// moduleRoot walks up from the package directory to the directory of go.mod.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test's directory")
		}
		dir = parent
	}
}

// protocolDoc is what docs/protocol.md defines: rule ids ("7.3"), sections
// ("6", "4.3", and every rule id as a section too, "5.8") and appendix points ("9").
type protocolDoc struct {
	rules, sections, appendix map[string]bool
}

func loadProtocolDoc(t *testing.T, root string) protocolDoc {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "docs", "protocol.md"))
	if err != nil {
		t.Fatalf("the protocol notes must live in the repository: %v", err)
	}
	d := protocolDoc{rules: map[string]bool{}, sections: map[string]bool{}, appendix: map[string]bool{}}
	for _, m := range ruleDef.FindAllSubmatch(b, -1) {
		d.rules[string(m[1])] = true
		d.sections[string(m[1])] = true
	}
	for _, m := range sectionDef.FindAllSubmatch(b, -1) {
		d.sections[string(m[1])] = true
	}
	for _, m := range appendixDef.FindAllSubmatch(b, -1) {
		d.appendix[string(m[1])] = true
	}
	if len(d.rules) < 80 || len(d.sections) < 17 || len(d.appendix) < 13 {
		t.Fatalf("docs/protocol.md: parsed only %d rules, %d sections, %d appendix points; did the format change?",
			len(d.rules), len(d.sections), len(d.appendix))
	}
	return d
}

// sourceFiles lists the repository's Go files, CLI scripts and Markdown pages.
func sourceFiles(t *testing.T, root string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(root, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() {
			if path != root && (strings.HasPrefix(e.Name(), ".") || e.Name() == "bin" || e.Name() == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		switch filepath.Ext(path) {
		case ".go", ".txtar", ".md":
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestProtocolCitationsResolve(t *testing.T) {
	root := moduleRoot(t)
	doc := loadProtocolDoc(t, root)
	cited := map[string]bool{}
	for _, path := range sourceFiles(t, root) {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, path)
		for i, line := range strings.Split(string(b), "\n") {
			for _, m := range ruleCite.FindAllStringSubmatch(line, -1) {
				id := m[1] + "." + m[2]
				if filepath.Ext(path) == ".go" {
					cited[id] = true
				}
				if !doc.rules[id] {
					t.Errorf("%s:%d: cites R%s, which docs/protocol.md does not define", rel, i+1, id)
				}
			}
			for _, m := range sectionCite.FindAllStringSubmatch(line, -1) {
				id := m[1]
				if m[2] != "" {
					id += "." + m[2]
				}
				if !doc.sections[id] {
					t.Errorf("%s:%d: cites §%s, which docs/protocol.md does not define", rel, i+1, id)
				}
			}
			for _, m := range appendixCite.FindAllStringSubmatch(line, -1) {
				if m[1] != "" && !doc.appendix[m[1]] {
					t.Errorf("%s:%d: cites Appendix A.%s, which docs/protocol.md does not define", rel, i+1, m[1])
				}
			}
		}
	}
	ids := make([]string, 0, len(cited))
	for id := range cited {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	t.Logf("%d distinct rule ids cited in Go files, all checked against %d defined", len(ids), len(doc.rules))
}

// The notes the code points at are docs/protocol.md; the old name of the
// out-of-tree document must not come back, and comments carry no machine paths.
func TestCommentsPointInsideTheRepository(t *testing.T) {
	root := moduleRoot(t)
	oldName := "PROTOCOL" + ".md"
	fset := token.NewFileSet()
	for _, path := range sourceFiles(t, root) {
		if filepath.Ext(path) != ".go" {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, path)
		for _, g := range f.Comments {
			for _, c := range g.List {
				line := fset.Position(c.Pos()).Line
				if strings.Contains(c.Text, oldName) {
					t.Errorf("%s:%d: comment cites %s; the notes are docs/protocol.md", rel, line, oldName)
				}
				if machinePath.MatchString(c.Text) {
					t.Errorf("%s:%d: comment holds an absolute machine path: %s", rel, line, c.Text)
				}
			}
		}
	}
}
