package guardrail

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"unicode"
)

// Guardrail checks one text.
type Guardrail interface {
	Name() string
	// Check returns tripped=true with a short reason when text must not be
	// said/accepted.
	Check(ctx context.Context, text string) (tripped bool, reason string, err error)
}

// regexGuardrail trips when its pattern matches anywhere in the text.
type regexGuardrail struct {
	name string
	re   *regexp.Regexp
}

// NewDenyRegex returns a guardrail that trips when pattern (RE2 syntax, as in Go's
// regexp) matches the text.
func NewDenyRegex(name, pattern string) (Guardrail, error) {
	if name == "" {
		return nil, errors.New("guardrail has no name")
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, fmt.Errorf("guardrail %s: deny_regex: %w", name, err)
	}
	return &regexGuardrail{name: name, re: re}, nil
}

func (g *regexGuardrail) Name() string { return g.name }

func (g *regexGuardrail) Check(_ context.Context, text string) (bool, string, error) {
	if g.re.MatchString(text) {
		// The matched text is not repeated: it may be what must not be said.
		return true, "text matches the denied pattern", nil
	}
	return false, "", nil
}

// wordsGuardrail trips when one of its words or phrases occurs as a whole word.
type wordsGuardrail struct {
	name  string
	words []string
	expr  string // one capture group per word

	// The expression compiles on the first Check: its Unicode word classes cost
	// about 0.4 ms, which every start would pay for every agent's guardrails.
	once sync.Once
	re   *regexp.Regexp
	err  error
}

// wordClass is what counts as part of a word: letters, combining marks, digits and
// the underscore, in any script.
const wordClass = `\p{L}\p{M}\p{N}_`

// NewDenyWords returns a guardrail that trips when one of words occurs in the text,
// ignoring case (Unicode simple folding), as a whole word or phrase: "cat" matches
// "Cat!" but not "catalog" or "tomcat", and "кот" does not match "котёнок". A boundary
// is required only at an end that is a word character (letter, mark, digit or
// underscore in any script), so "c++" matches "C++11" but not "abc++". The spaces of a
// phrase match any run of whitespace.
func NewDenyWords(name string, words []string) (Guardrail, error) {
	if name == "" {
		return nil, errors.New("guardrail has no name")
	}
	var alts []string
	var kept []string
	for i, w := range words {
		w = strings.TrimSpace(w)
		if w == "" {
			return nil, fmt.Errorf("guardrail %s: deny_words[%d] is empty", name, i)
		}
		parts := strings.Fields(w)
		for j, p := range parts {
			parts[j] = regexp.QuoteMeta(p)
		}
		body := "(" + strings.Join(parts, `\s+`) + ")"
		// A boundary is only required next to a word character, like \b but for every
		// script (RE2's \b is ASCII-only).
		first, last := []rune(w)[0], []rune(w)[len([]rune(w))-1]
		if isWordRune(first) {
			body = `(?:^|[^` + wordClass + `])` + body
		}
		if isWordRune(last) {
			body += `(?:$|[^` + wordClass + `])`
		}
		alts = append(alts, body)
		kept = append(kept, w)
	}
	if len(alts) == 0 {
		return nil, fmt.Errorf("guardrail %s: deny_words is empty", name)
	}
	// The expression is built from quoted words: it always parses. (Only a list of
	// thousands of words could make it too large; the first Check reports that.)
	return &wordsGuardrail{name: name, words: kept, expr: `(?i)` + strings.Join(alts, "|")}, nil
}

// regexp compiles the expression once.
func (g *wordsGuardrail) regexp() (*regexp.Regexp, error) {
	g.once.Do(func() {
		g.re, g.err = regexp.Compile(g.expr)
		if g.err != nil {
			g.err = fmt.Errorf("guardrail %s: deny_words: %w", g.name, g.err)
		}
	})
	return g.re, g.err
}

func isWordRune(r rune) bool {
	return r == '_' || unicode.In(r, unicode.L, unicode.M, unicode.N)
}

func (g *wordsGuardrail) Name() string { return g.name }

func (g *wordsGuardrail) Check(_ context.Context, text string) (bool, string, error) {
	re, err := g.regexp()
	if err != nil {
		return false, "", err
	}
	m := re.FindStringSubmatchIndex(text)
	if m == nil {
		return false, "", nil
	}
	for i := range g.words {
		if m[2*(i+1)] >= 0 {
			return true, fmt.Sprintf("denied word %q", g.words[i]), nil
		}
	}
	return true, "denied word", nil
}
