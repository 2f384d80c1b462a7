package tui

import (
	"strings"
	"testing"

	"github.com/rtagent/rtagent/internal/realtime"
	"github.com/rtagent/rtagent/internal/redact"
	"github.com/rtagent/rtagent/internal/session"
)

// Escape sequences a hostile model, tool or server may send: clear screen, set the
// window title, write the clipboard (OSC 52).
const (
	clearScreen = "\x1b[2J\x1b[H"
	setTitle    = "\x1b]0;pwned\x07"
	clipboard   = "\x1b]52;c;cm0gLXJmIH4K\x07"
	hostile     = clearScreen + setTitle + clipboard
)

// Untrusted text reaches the frame in caret form: model text, tool arguments,
// output and errors, error messages, notices, the approval dialog, raw frames in
// the event log and the inspector (issue 11 item 2). With NoColor the frame has
// no escape sequence of its own, so any ESC would have come from the text.
func TestHostileTextNeverReachesTheTerminal(t *testing.T) {
	h := newHarness(t, 120, 60)
	h.ev(
		session.SessionReady{SessionID: "sess_" + setTitle, Settings: realtime.Settings{Model: "gpt" + clearScreen, Voice: "v" + clipboard}},
		session.Transcript{Role: "user", ItemID: "u1", Final: true, Text: "hi " + hostile},
		session.Transcript{Role: "assistant", Agent: "concierge", ItemID: "a1", ResponseID: "r1", Delta: "model " + clearScreen},
		session.Transcript{Role: "assistant", Agent: "concierge", ItemID: "a1", ResponseID: "r1", Delta: setTitle},
		session.ToolStart{Agent: "concierge", Tool: "lookup", CallID: "c1", Arguments: `{"q":"` + hostile + `"}`},
		session.ToolEnd{Agent: "concierge", Tool: "lookup", CallID: "c1", Arguments: `{}`, Output: "out " + hostile},
		session.ToolStart{Agent: "concierge", Tool: "broken", CallID: "c2", Arguments: `{}`},
		session.ToolEnd{Agent: "concierge", Tool: "broken", CallID: "c2", Arguments: `{}`, Error: "err " + hostile},
		session.Error{Source: "server", Code: "x", Message: "server says " + hostile},
		session.GuardrailCorrection{Notice: "notice " + clipboard},
		session.ToolApprovalRequired{Agent: "concierge", Tool: "pay", CallID: "c3", Arguments: `{"to":"` + setTitle + `"}`},
	)
	h.send(FrameMsg{Frame: realtime.Frame{Direction: "in", Type: "bogus" + setTitle, Data: []byte("not json " + hostile)}})
	h.flush()
	check := func(where, frame string) {
		t.Helper()
		if strings.ContainsAny(frame, "\x1b\x07\x9b\x9d") {
			t.Errorf("%s: a control character reached the frame:\n%q", where, frame)
		}
		mustContain(t, frame, "^[")
	}
	frame := h.m.View().Content
	check("conversation", frame)
	mustContain(t, frame, "^[[2J", "^[]52;c;")

	h.key(keyF4) // the event log
	h.flush()
	frame = h.m.View().Content
	check("event log", frame)
	mustContain(t, frame, "not json ^[[2J")

	h.key(keyEnter) // expand the selected raw event in the inspector
	h.flush()
	check("inspector", h.m.View().Content)

	if title := h.m.View().WindowTitle; strings.ContainsAny(title, "\x1b\x07") {
		t.Errorf("window title %q", title)
	}
}

// A registered secret (an API key, a --header value) never appears in the frame,
// even when the server echoes it in an error or a raw frame.
func TestRegisteredSecretNeverShown(t *testing.T) {
	const secret = "hdr-SECRET-tui-0123456789"
	redact.Register(secret)
	h := newHarness(t, 120, 40)
	h.ev(session.Error{Source: "server", Message: "bad header " + secret})
	h.send(FrameMsg{Frame: realtime.Frame{Direction: "in", Type: "error", Data: []byte(`{"type":"error","message":"` + secret + `"}`)}})
	h.flush()
	frame := h.view()
	if strings.Contains(frame, "SECRET") {
		t.Errorf("the secret reached the conversation:\n%s", frame)
	}
	mustContain(t, frame, "bad header <redacted>")
	h.key(keyF4)
	h.flush()
	if frame := h.view(); strings.Contains(frame, "SECRET") {
		t.Errorf("the secret reached the event log:\n%s", frame)
	}
}
