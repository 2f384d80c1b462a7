package agent

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

var yamlLineRE = lazyRegexp(`^yaml: line (\d+): (.*)$`)

// lazyRegexp compiles expr on first use: the expressions of error paths cost the
// start-up nothing.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

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
	if m := yamlLineRE().FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	e := &ValidationError{File: file, Line: line, Msg: "invalid YAML: " + msg}
	lines := bytes.SplitAfter(data, []byte("\n"))
	l := failingLine(lines, msg, line)
	if l < 1 || l > len(lines) {
		return e // yaml.v3's own line, without a column
	}
	e.Line = l
	text := string(bytes.TrimRight(lines[e.Line-1], "\r\n"))
	col, hint := locate(text, msg)
	e.Column = col
	if hint != "" {
		e.Msg += " (" + hint + ")"
	}
	return e
}

// failingLine returns the 1-based number of the first line L such that the
// first L lines of the file fail to parse with msg, or 0 when it cannot
// tell. yaml.v3's line (reported) is at or before the problem, at most one
// line early, so the search gallops forward from there and then bisects:
// parsing is monotone in practice (a prefix that fails keeps failing as
// lines are added). When the first failing prefix fails differently (an
// unclosed quote or flow collection only fails at the end of the input) the
// next lines are tried for the same message. Every try parses a prefix
// again, so the work is bounded to a few parses of the whole file; a huge
// file may get 0.
func failingLine(lines [][]byte, msg string, reported int) int {
	total := 0
	for _, l := range lines {
		total += len(l)
	}
	budget := 2*total + 4<<20
	tries := make(map[int]string)
	// prefixErr returns the message for the first n lines ("" if they parse),
	// and false when the budget is spent.
	prefixErr := func(n int) (string, bool) {
		if m, ok := tries[n]; ok {
			return m, true
		}
		prefix := bytes.Join(lines[:n], nil)
		if budget -= len(prefix); budget < 0 {
			return "", false
		}
		m := ""
		if _, err := parseYAML(prefix); err != nil {
			m = err.Error()
			if sm := yamlLineRE().FindStringSubmatch(m); sm != nil {
				m = sm[2]
			} else {
				m = strings.TrimPrefix(m, "yaml: ")
			}
		}
		tries[n] = m
		return m, true
	}
	n := len(lines)
	lo := min(max(reported-2, 0), n) // the first lo lines parse (checked below)
	if m, ok := prefixErr(lo); !ok {
		return 0
	} else if m != "" {
		lo = 0
	}
	hi := 0 // the first hi lines fail
	for step := 1; ; step *= 2 {
		next := min(lo+step, n)
		m, ok := prefixErr(next)
		if !ok {
			return 0
		}
		if m != "" {
			hi = next
			break
		}
		if next == n {
			return 0 // the whole file parses line by line; the error is elsewhere
		}
		lo = next
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		m, ok := prefixErr(mid)
		if !ok {
			return 0
		}
		if m != "" {
			hi = mid
		} else {
			lo = mid
		}
	}
	const lookahead = 64
	for l := hi; l <= n && l < hi+lookahead; l++ {
		m, ok := prefixErr(l)
		if !ok {
			break
		}
		if m == msg {
			return l
		}
	}
	return hi
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
