package tui

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/rtagent/rtagent/internal/session"
)

// An event-log line is selected with ↑/↓, expanded in full with enter (the log
// line itself is cut at the width), and copied with c.
func TestInspectEventExpandsAndCopies(t *testing.T) {
	h := newHarness(t, 80, 24)
	long := strings.Repeat("word ", 60)
	h.ev(
		session.RawEvent{Direction: "in", Type: "conversation.item.done", Data: json.RawMessage(`{"type":"conversation.item.done","item":{"id":"i1","text":"` + long + `end"}}`)},
		session.RawEvent{Direction: "in", Type: "response.done", Data: json.RawMessage(`{"type":"response.done"}`)},
	)
	h.key(keyF4)
	mustNotContain(t, h.view(), "end\"")
	h.key(keyUp)
	h.key(keyUp)
	mustContain(t, h.view(), "▸ ")
	h.key(keyEnter)
	v := h.view()
	mustContain(t, v, "event conversation.item.done", "1 of 2", `"id": "i1"`, `end"`)
	checkFrame(t, h.m.View().Content, 80, 24)
	// → steps to the next event.
	h.key(tea.KeyPressMsg{Code: tea.KeyRight})
	mustContain(t, h.view(), "event response.done", "2 of 2")
	h.key(tea.KeyPressMsg{Code: tea.KeyLeft})
	cmd := h.key(runeKey('c'))
	if cmd == nil {
		t.Fatal("c returned no command")
	}
	got := fmt.Sprint(cmd())
	if !strings.Contains(got, `"id": "i1"`) || !strings.Contains(got, "word word") {
		t.Errorf("clipboard got %q, want the pretty JSON", got)
	}
	mustContain(t, h.view(), "to the clipboard (OSC 52)")
	h.key(keyEsc)
	mustContain(t, h.view(), "event log")
}

func TestInspectToolCards(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.key(keyF6)
	mustContain(t, h.view(), "no tool call to inspect yet")
	h.ev(
		session.ToolStart{Tool: "a", CallID: "c1", Arguments: `{"x":1}`},
		session.ToolEnd{Tool: "a", CallID: "c1", Arguments: `{"x":1}`, Output: "not json at all"},
		session.ToolStart{Tool: "b", CallID: "c2", Arguments: `{}`},
	)
	h.key(keyF6)
	mustContain(t, h.view(), "tool call b", "2 of 2", `"state": "running"`)
	h.key(tea.KeyPressMsg{Code: tea.KeyLeft})
	mustContain(t, h.view(), "tool call a", `"output": "not json at all"`, `"x": 1`)
	// Typing is not lost while inspecting.
	h.key(runeKey('h'))
	if h.m.input.Value() != "h" {
		t.Errorf("input = %q", h.m.input.Value())
	}
	h.key(keyF6)
	mustNotContain(t, h.view(), "tool call a")
}

func TestHelpClosesWithQAndCtrlLRedraws(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.key(keyF1)
	mustContain(t, h.view(), "rtagent — keys")
	h.typeText("hi q")
	mustContain(t, h.view(), "rtagent — keys", "> hi q") // a q in a message is a letter
	h.m.input.Reset()
	h.key(runeKey('q'))
	mustNotContain(t, h.view(), "rtagent — keys")
	cmd := h.key(tea.KeyPressMsg{Code: 'l', Mod: tea.ModCtrl})
	if cmd == nil {
		t.Fatal("ctrl+l returned no command")
	}
	if got := fmt.Sprintf("%T", cmd()); got != "tea.clearScreenMsg" {
		t.Errorf("ctrl+l sends %s, want a clear-screen redraw", got)
	}
	if h.m.logOpen {
		t.Error("ctrl+l opened the event log")
	}
}

func TestMouseCaptureToggle(t *testing.T) {
	h := newHarness(t, 80, 24)
	if h.m.View().MouseMode != tea.MouseModeCellMotion {
		t.Fatal("mouse capture is off by default")
	}
	h.key(tea.KeyPressMsg{Code: tea.KeyF7})
	if h.m.View().MouseMode != tea.MouseModeNone {
		t.Fatal("f7 did not turn mouse capture off")
	}
	mustContain(t, h.view(), "mouse capture off: select text to copy")
	h.key(tea.KeyPressMsg{Code: tea.KeyF7})
	if h.m.View().MouseMode != tea.MouseModeCellMotion {
		t.Fatal("f7 did not turn mouse capture back on")
	}
	h = newHarness(t, 80, 24, func(o *Options) { o.NoMouse = true })
	if h.m.View().MouseMode != tea.MouseModeNone {
		t.Fatal("NoMouse still captures the mouse")
	}
}
