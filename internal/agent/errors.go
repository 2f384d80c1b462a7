package agent

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// ValidationError is one problem in an agents file. Line and Column are
// 1-based; 0 means unknown. Path is the field path, e.g. agents[1].tools[0].timeout.
type ValidationError struct {
	File   string
	Line   int
	Column int
	Path   string
	Msg    string
}

// Error formats the problem as "file:line:col: path: msg".
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(e.Line))
		if e.Column > 0 {
			b.WriteByte(':')
			b.WriteString(strconv.Itoa(e.Column))
		}
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every problem found in an agents file, in file order. Load and
// Parse return it as their error; use errors.As to get it (or one
// *ValidationError).
type Errors []*ValidationError

// Error returns one line per problem.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap exposes the individual problems to errors.Is and errors.As.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// sort orders problems by file, line and column, keeping the order of
// problems at the same place, and drops exact duplicates.
func (es Errors) sort() Errors {
	slices.SortStableFunc(es, func(a, b *ValidationError) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	return slices.CompactFunc(es, func(a, b *ValidationError) bool { return *a == *b })
}
