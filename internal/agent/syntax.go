package agent

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxError turns a yaml.v3 parse error into a ValidationError with a line,
// a column and, for the common mistakes, a hint.
//
// yaml.v3 reports the line of the construct it was parsing (the start of the
// enclosing mapping for a bad indent several lines further down), one line
// early for some errors (a tab), and never a column. So the problem is
// located again here: the first line whose addition makes a prefix of the
// file fail to parse with the same message is where the parser got stuck.
func syntaxError(file string, data []byte, err error) *ValidationError {
	var md *multiDocError
	if errors.As(err, &md) {
		return &ValidationError{File: file, Line: md.line, Msg: md.Error()}
	}
	msg := err.Error()
	line := 0
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	e := &ValidationError{File: file, Line: line, Msg: "invalid YAML: " + msg}
	lines := bytes.SplitAfter(data, []byte("\n"))
	if l := failingLine(lines, msg); l > 0 {
		e.Line = l
	}
	if e.Line < 1 || e.Line > len(lines) {
		return e
	}
	text := string(bytes.TrimRight(lines[e.Line-1], "\r\n"))
	col, hint := locate(text, msg)
	e.Column = col
	if hint != "" {
		e.Msg += " (" + hint + ")"
	}
	return e
}

// failingLine returns the 1-based number of the first line L such that the
// first L lines of the file fail to parse with msg, or 0. Parsing is
// monotone in practice (a prefix that fails keeps failing as lines are
// added), so a binary search finds the first failing prefix; when its
// message differs (an unclosed quote or flow collection only fails at the
// end of the input) the following lines are tried for the same message.
func failingLine(lines [][]byte, msg string) int {
	prefixErr := func(n int) string {
		_, err := parseYAML(bytes.Join(lines[:n], nil))
		if err == nil {
			return ""
		}
		s := err.Error()
		if m := yamlLineRE.FindStringSubmatch(s); m != nil {
			return m[2]
		}
		return strings.TrimPrefix(s, "yaml: ")
	}
	first := sort.Search(len(lines), func(i int) bool { return prefixErr(i+1) != "" }) + 1
	if first > len(lines) {
		return 0
	}
	const lookahead = 64
	for l := first; l <= len(lines) && l < first+lookahead; l++ {
		if prefixErr(l) == msg {
			return l
		}
	}
	return first
}

// locate finds the column of the problem on its line and a hint for the
// common mistakes. Columns count characters, 1-based.
func locate(text, msg string) (col int, hint string) {
	column := func(byteOff int) int { return utf8.RuneCountInString(text[:byteOff]) + 1 }
	if i := strings.IndexByte(text, '\t'); i >= 0 && (strings.Contains(msg, "tab") || strings.TrimLeft(text[:i], " ") == "") {
		return column(i), "indent with spaces; YAML does not allow tabs in indentation"
	}
	indent := len(text) - len(strings.TrimLeft(text, " "))
	if strings.Contains(msg, "mapping values are not allowed") {
		// key: value: more — the second ": " is where the parser stopped.
		if k := strings.Index(text, ": "); k >= 0 {
			rest := text[k+2:]
			if j := valueColon(rest); j >= 0 {
				key := strings.TrimSpace(strings.TrimLeft(text[:k], " -"))
				val := strings.TrimSpace(rest)
				return column(k + 2 + j), fmt.Sprintf("a value containing \": \" must be quoted: %s: %s", key, quote(val))
			}
		}
	}
	if indent < len(text) {
		if strings.Contains(msg, "did not find expected key") || strings.Contains(msg, "did not find expected '-' indicator") {
			hint = "check this line's indentation against the lines above it"
		}
		return column(indent), hint
	}
	return 0, ""
}

// valueColon returns the byte offset of the first ':' in s followed by a
// space or the end of the line, or -1.
func valueColon(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == ':' && (i+1 == len(s) || s[i+1] == ' ') {
			return i
		}
	}
	return -1
}

// quote puts a plain value in YAML quotes: single quotes unless it contains
// one.
func quote(s string) string {
	if !strings.Contains(s, "'") {
		return "'" + s + "'"
	}
	return strconv.Quote(s)
}
