package transcript

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtagent/rtagent/internal/session"
)

func fixedNow() time.Time { return time.Date(2026, 11, 23, 20, 0, 0, 0, time.UTC) }

func TestWritesTurnsToolsHandoffsAndGuardrails(t *testing.T) {
	var buf bytes.Buffer
	w := New(&buf, Header{Agents: "agents.yaml", Model: "gpt-realtime-2.1", Agent: "concierge"}, fixedNow)
	for _, ev := range []session.Event{
		session.Transcript{Role: "user", Final: true, Text: "hello"},
		session.Transcript{Role: "assistant", Agent: "concierge", Delta: "You", Final: false},
		session.Transcript{Role: "assistant", Agent: "concierge", Final: true, Text: "You said: hello"},
		session.ToolEnd{Tool: "get_time", Arguments: "{}", Output: "12:00", Duration: 12 * time.Millisecond},
		session.ToolEnd{Tool: "lookup", Arguments: `{"id":"1"}`, Output: "boom", Error: "boom"},
		session.Handoff{FromAgent: "concierge", ToAgent: "billing"},
		session.GuardrailTripped{Kind: "output", Guardrails: []string{"no_card_numbers"}},
		session.GuardrailTripped{Kind: "output", Guardrails: []string{"cmd"}, Reason: "cmd: refund promised"},
		session.GuardrailCorrection{Guardrails: []string{"cmd"}, Sent: true, Notice: "answer withheld by guardrail cmd; asked the model to answer again"},
		session.ToolError{Tool: "lookup", Arguments: `{"id":`, Error: "invalid arguments: not valid JSON"},
		session.AudioStarted{ResponseID: "r1", ItemID: "a1"},
	} {
		w.Add(ev)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got := buf.String()
	for _, want := range []string{
		"# rtagent transcript",
		"2026-11-23 20:00:00 UTC · agents: `agents.yaml` · model: `gpt-realtime-2.1` · starting agent: **concierge**",
		"**You:** hello",
		"**concierge:** You said: hello",
		"> 🔧 `get_time` `{}` → `12:00` _(12ms)_",
		"> 🔧 `lookup` `{\"id\":\"1\"}` ✗ `boom`",
		"> ⇄ Handoff: concierge → billing",
		"> ⛔ output guardrail tripped: no_card_numbers",
		"> ⛔ output guardrail tripped: cmd (cmd: refund promised)",
		"> ⚙ System: answer withheld by guardrail cmd; asked the model to answer again",
		"> 🔧 `lookup` `{\"id\":` not run: invalid arguments: not valid JSON",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("transcript lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "**concierge:** You\n") {
		t.Errorf("a partial delta was written:\n%s", got)
	}
}

// TestAppendsAsItGoes checks durability: each turn is on disk before Close.
func TestAppendsAsItGoes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.md")
	w, err := Create(path, Header{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	w.Add(session.Transcript{Role: "user", Final: true, Text: "first turn"})
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "**You:** first turn") {
		t.Fatalf("turn not on disk before Close:\n%s", data)
	}
}

// Escape sequences from the model, a tool or the server never reach the
// transcript raw (issue 11 item 2): they arrive visible but harmless.
func TestNeutralisesControlCharacters(t *testing.T) {
	var buf bytes.Buffer
	w := New(&buf, Header{Agents: "a\x1b]0;x\x07.yaml", Agent: "concierge"}, fixedNow)
	for _, ev := range []session.Event{
		session.Transcript{Role: "assistant", Agent: "concierge", Final: true, Text: "hi\x1b[2J\x1b[H there\u009b31m"},
		session.Transcript{Role: "user", Final: true, Text: "title\x1b]0;pwned\x07"},
		session.ToolEnd{Tool: "t", Arguments: "{}", Output: "\x1b]52;c;aGVsbG8=\x07copied"},
		session.Error{Message: "server said \x1b[31mred\x7f"},
	} {
		w.Add(ev)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got := buf.String()
	for i, r := range got {
		if r < 0x20 && r != '\n' && r != '\t' || r >= 0x7F && r <= 0x9F {
			t.Fatalf("control character %U at %d in:\n%s", r, i, got)
		}
	}
	for _, want := range []string{
		"agents: `a^[]0;x^G.yaml`",
		"**concierge:** hi^[[2J^[[H there\uFFFD31m",
		"**You:** title^[]0;pwned^G",
		"`^[]52;c;aGVsbG8=^Gcopied`",
		"> ⚠ Error: server said ^[[31mred^?",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
}
