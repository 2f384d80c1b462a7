package agent

import (
	"strings"
	"testing"
)

// Bad bytes and YAML syntax errors are reported at file:line:column, on the
// line where the problem is, with a hint for the common mistakes (issue 11
// item 6). Before, bad bytes had no position at all, a bad indent was
// reported at the line of the enclosing mapping, a tab one line early, and
// no syntax error had a column.
func TestSyntaxAndByteErrorsHavePositions(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"invalid UTF-8", "agents:\n  - name: a\n    instructions: caf\xe9 ok\n",
			"a.yaml:3:22: invalid UTF-8 byte 0xE9; the file must be UTF-8 text"},
		{"invalid UTF-8 after multibyte", "# ünïcödé \xff\n",
			"a.yaml:1:11: invalid UTF-8 byte 0xFF; the file must be UTF-8 text"},
		{"escape character", "agents:\n  - name: a\n    instructions: \x1b[2Jhi\n",
			`a.yaml:3:19: control character U+001B is not allowed in YAML; to include it in a value, write it as "\u001B" in a double-quoted string`},
		{"NUL", "a: b\x00\n",
			`a.yaml:1:5: control character U+0000 is not allowed in YAML; to include it in a value, write it as "\u0000" in a double-quoted string`},
		{"DEL", "\n\n  x\x7f\n",
			`a.yaml:3:4: control character U+007F is not allowed in YAML; to include it in a value, write it as "\u007F" in a double-quoted string`},
		{"C1", "a: \u009b\n",
			`a.yaml:1:4: control character U+009B is not allowed in YAML; to include it in a value, write it as "\u009B" in a double-quoted string`},
		{"value with colon", "agents:\n  - name: a\n    instructions: Note: be brief\n",
			`a.yaml:3:23: invalid YAML: mapping values are not allowed in this context (a value containing ": " must be quoted: instructions: 'Note: be brief')`},
		{"value with colon and quote", "agents:\n  - instructions: it's: x\n",
			`a.yaml:2:23: invalid YAML: mapping values are not allowed in this context (a value containing ": " must be quoted: instructions: "it's: x")`},
		{"tab indent", "agents:\n  - name: a\n\tinstructions: x\n",
			"a.yaml:3:1: invalid YAML: found a tab character that violates indentation (indent with spaces; YAML does not allow tabs in indentation)"},
		{"tab after spaces", "agents:\n  - name: a\n    instructions: x\n  \t  voice: y\n",
			"a.yaml:4:3: invalid YAML: found a tab character that violates indentation (indent with spaces; YAML does not allow tabs in indentation)"},
		{"bad indent far below", "model:\n  name: x\n  voice: y\nagents:\n  - name: a\n    instructions: x\n    voice: y\n    tools:\n   - name: b\n",
			"a.yaml:9:4: invalid YAML: did not find expected '-' indicator (check this line's indentation against the lines above it)"},
		{"dedented key", "model:\n  name: x\n  voice: y\n agents: 3\n",
			"a.yaml:4:2: invalid YAML: did not find expected key (check this line's indentation against the lines above it)"},
		{"unclosed flow", "a: [1, 2\nb: c\n", "a.yaml:1:1: invalid YAML: did not find expected ',' or ']'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.src), "a.yaml", testOptions())
			if err == nil {
				t.Fatal("no error")
			}
			if got := err.Error(); got != tc.want {
				t.Errorf("\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestBadBytesBounded(t *testing.T) {
	_, err := Parse([]byte(strings.Repeat("\x01", 1000)), "a.yaml", testOptions())
	errs, _ := err.(Errors)
	if len(errs) != maxByteErrors+1 || errs[maxByteErrors].Msg != "990 more invalid characters not listed" {
		t.Errorf("got %d errors, last %v", len(errs), errs[len(errs)-1])
	}
	// A byte order mark and the characters YAML allows are fine.
	if _, err := Parse([]byte("\ufeffagents: [{name: a, instructions: \"tab\there\u0085 \u00e9\"}]\r\n"), "a.yaml", testOptions()); err != nil {
		t.Errorf("allowed characters refused: %v", err)
	}
}
