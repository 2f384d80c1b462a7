package guardrail

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtagent/rtagent/internal/tools/proc/proctest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func check(t *testing.T, g Guardrail, text string) (bool, string) {
	t.Helper()
	tripped, reason, err := g.Check(context.Background(), text)
	if err != nil {
		t.Fatalf("%s: Check(%q): %v", g.Name(), text, err)
	}
	return tripped, reason
}

func TestDenyRegex(t *testing.T) {
	g, err := NewDenyRegex("no_card_numbers", `\b(?:\d[ -]?){13,16}\b`)
	if err != nil {
		t.Fatal(err)
	}
	if g.Name() != "no_card_numbers" {
		t.Errorf("name %q", g.Name())
	}
	for text, want := range map[string]bool{
		"your card 4111 1111 1111 1111 is on file": true,
		"4111-1111-1111-1111":                      true,
		"order 12345 ships tomorrow":               false,
		"":                                         false,
	} {
		tripped, reason := check(t, g, text)
		if tripped != want || (tripped && reason == "") || strings.Contains(reason, "4111") {
			t.Errorf("%q: tripped %v reason %q", text, tripped, reason)
		}
	}
	if _, err := NewDenyRegex("bad", `(?<=x)`); err == nil {
		t.Error("a non-RE2 pattern was accepted")
	}
	if _, err := NewDenyRegex("", `x`); err == nil {
		t.Error("an empty name was accepted")
	}
}

func TestDenyWords(t *testing.T) {
	g, err := NewDenyWords("words", []string{"cat", "credit card", "Café", "кот", "c++", " ass "})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		text, word string // word "" = must pass
	}{
		{"I have a cat.", "cat"},
		{"CAT", "cat"},
		{"cat!", "cat"},
		{"(cat)", "cat"},
		{"a cat_", ""}, // the underscore is a word character
		{"catalog", ""},
		{"tomcat", ""},
		{"concatenate", ""},
		{"my Credit  Card number", "credit card"},
		{"credit\ncard", "credit card"},
		{"creditcard", ""},
		{"credit cards", ""},
		{"un café, svp", "Café"},
		{"CAFÉ", "Café"},
		{"cafés", ""},
		{"décafé", ""},
		{"Кот спит", "кот"},
		{"котёнок", ""},
		{"скот", ""},
		{"I write C++ daily", "c++"},
		{"C++11", "c++"}, // boundaries only where the word has a word character
		{"abc++", ""},
		{"class assessment passes", ""},
		{"you ass", "ass"},
		{"", ""},
	}
	for _, tc := range tests {
		tripped, reason := check(t, g, tc.text)
		if tripped != (tc.word != "") {
			t.Errorf("%q: tripped %v, want %v (reason %q)", tc.text, tripped, tc.word != "", reason)
			continue
		}
		if tripped && reason != `denied word "`+tc.word+`"` {
			t.Errorf("%q: reason %q", tc.text, reason)
		}
	}
	if _, err := NewDenyWords("w", nil); err == nil {
		t.Error("no words accepted")
	}
	if _, err := NewDenyWords("w", []string{"ok", "  "}); err == nil {
		t.Error("an empty word accepted")
	}
}

// A deny_words guardrail compiles its expression on its first Check, not when it is
// built: a start builds every agent's guardrails, most of which never run. Concurrent
// first Checks agree.
func TestDenyWordsCompilesOnFirstCheck(t *testing.T) {
	g, err := NewDenyWords("w", []string{"guarantee", "refund now"})
	if err != nil {
		t.Fatal(err)
	}
	if g.(*wordsGuardrail).re != nil {
		t.Fatal("NewDenyWords compiled its expression at construction")
	}
	done := make(chan bool)
	for range 4 {
		go func() {
			tripped, _, err := g.Check(context.Background(), "I Guarantee it")
			done <- tripped && err == nil
		}()
	}
	for range 4 {
		if !<-done {
			t.Error("a concurrent first Check did not trip")
		}
	}
}

func TestCommandGuardrail(t *testing.T) {
	script, _ := filepath.Abs("testdata/check.sh")
	g, err := NewCommand("moderation", []string{"/bin/sh", script}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if tripped, _ := check(t, g, "hello; $(rm -rf /) `id`"); tripped {
		t.Error("tripped on a harmless text")
	}
	tripped, reason := check(t, g, "let us talk about forbidden things")
	if !tripped || reason != "mentions a forbidden topic" {
		t.Errorf("tripped %v reason %q", tripped, reason)
	}
	_, _, err = g.Check(context.Background(), "please crash")
	if err == nil || err.Error() != "guardrail moderation: exit status 2: cannot check this" {
		t.Errorf("err = %v", err)
	}
	// Exit 1 with nothing said still trips, with a generic reason.
	g2, _ := NewCommand("silent", []string{"/bin/sh", "-c", "cat >/dev/null; exit 1"}, 0)
	if tripped, reason := check(t, g2, "x"); !tripped || reason != "rejected by silent" {
		t.Errorf("tripped %v reason %q", tripped, reason)
	}
	if _, err := NewCommand("x", nil, 0); err == nil {
		t.Error("empty argv accepted")
	}
}

func TestCommandGuardrailTimeoutKillsGroup(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	g, err := NewCommand("slow", []string{"/bin/sh", "-c",
		`sleep 1000 & echo $! > "$0.tmp"; mv "$0.tmp" "$0"; sleep 1000`, pidFile}, 500*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	tripped, _, err := g.Check(context.Background(), "text")
	if tripped || err == nil || err.Error() != "guardrail slow: timed out after 500ms" {
		t.Errorf("tripped %v err %v", tripped, err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
	proctest.WaitDead(t, proctest.ReadPid(t, pidFile))
}
