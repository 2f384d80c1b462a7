package tui

import (
	"strings"
	"testing"
)

func TestStartupNoticesAreShown(t *testing.T) {
	m := New(Options{NoColor: true, Notices: []string{"no audio device; continuing in text mode"}})
	if !strings.Contains(m.View().Content, "no audio device; continuing in text mode") {
		t.Fatalf("notice missing from the screen:\n%s", m.View().Content)
	}
	if !recordHas(m.Record(), EntryNotice, "no audio device; continuing in text mode") {
		t.Fatal("notice missing from the record")
	}
}
