package transcript

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/rtagent/rtagent/internal/session"
)

// FuzzWriter writes events carrying arbitrary text. Whatever the model, a
// tool or the server sends, the transcript holds no control character but
// newline and tab, and each recorded event ends in a blank line so the next
// one starts a new Markdown block.
func FuzzWriter(f *testing.F) {
	f.Add("hello", "get_time", `{"a":1}`, "12:00", "boom")
	f.Add("\x1b[2J\x1b]0;t\x07", "t\x1b", "\x1b]52;c;aGk=\x07", "\u009b31m\r\n", "\xff\xfe")
	f.Add("`code` **bold** > quote\n\n# heading", "a`b", "`", strings.Repeat("x", 600), "")
	f.Fuzz(func(t *testing.T, text, tool, args, output, errMsg string) {
		var buf bytes.Buffer
		w := New(&buf, Header{Agents: tool, Model: args, Agent: text}, func() time.Time { return time.Unix(0, 0) })
		for _, ev := range []session.Event{
			session.Transcript{Role: "user", Final: true, Text: text},
			session.Transcript{Role: "assistant", Agent: tool, Final: true, Text: output},
			session.ToolEnd{Tool: tool, Arguments: args, Output: output, Error: errMsg},
			session.Handoff{FromAgent: text, ToAgent: tool},
			session.GuardrailTripped{Kind: "output", Guardrails: []string{tool, text}},
			session.Error{Message: errMsg},
		} {
			w.Add(ev)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		got := buf.String()
		for _, r := range got {
			if r < 0x20 && r != '\n' && r != '\t' || r >= 0x7F && r <= 0x9F {
				t.Fatalf("control character %U in transcript:\n%q", r, got)
			}
		}
		if !strings.HasSuffix(got, "\n\n") {
			t.Fatalf("transcript does not end in a blank line: %q", got)
		}
	})
}
