package agent

import (
	"regexp"
	"strings"
	"testing"
)

// The hand-written name checks accept exactly what their regular expressions do.
func TestNameChecksMatchTheirExpressions(t *testing.T) {
	toolRE := regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)
	headerRE := regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
	prefixRE := regexp.MustCompile(`^[a-zA-Z0-9_-]{0,32}$`)
	cases := []string{"", "a", "get_time", "A-1", strings.Repeat("x", 32), strings.Repeat("x", 33), strings.Repeat("x", 64), strings.Repeat("x", 65),
		"a b", "a.b", "é", "a\n", "X-Api-Key", "!#$%&'*+.^_`|~", "a:b", "a/b", "(", "\x00", "a\u00ff"}
	for c := byte(0); c < 128; c++ {
		cases = append(cases, string(c), "a"+string(c)+"b")
	}
	for _, s := range cases {
		if got, want := validToolName(s), toolRE.MatchString(s); got != want {
			t.Errorf("validToolName(%q) = %v, want %v", s, got, want)
		}
		if got, want := validMCPPrefix(s), prefixRE.MatchString(s); got != want {
			t.Errorf("validMCPPrefix(%q) = %v, want %v", s, got, want)
		}
		if got, want := validHeaderName(s), headerRE.MatchString(s); got != want {
			t.Errorf("validHeaderName(%q) = %v, want %v", s, got, want)
		}
	}
}
