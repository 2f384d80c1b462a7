package tui

import (
	"slices"
	"testing"
)

func TestWelcomeExamples(t *testing.T) {
	got := examples(Options{Examples: []string{"a", "b", "c", "d"}})
	if !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("caller's examples = %q, want the first three", got)
	}
	got = examples(Options{ActiveAgent: "x", AgentInfo: map[string]AgentInfo{"x": {Handoffs: []string{"billing", "support"}}}})
	if !slices.Equal(got, []string{"transfer to billing", "transfer to support"}) {
		t.Errorf("derived from handoffs = %q", got)
	}
	if got := examples(Options{ActiveAgent: "x"}); len(got) != 0 {
		t.Errorf("nothing to derive from, got %q", got)
	}
	// No endpoint: no welcome (the caller did not say where).
	h := newHarness(t, 80, 24)
	mustNotContain(t, h.view(), "welcome")
}
