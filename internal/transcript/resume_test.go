package transcript

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtagent/rtagent/internal/session"
)

// R14.5: a transcript rtagent wrote reads back as the conversation it records,
// with the agent active at its end, whatever the text contains.
func TestResumeRoundTrip_R14_5(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.md")
	w, err := Create(path, Header{Agent: "concierge"})
	if err != nil {
		t.Fatal(err)
	}
	tricky := "ends a comment --> and <!-- opens one\nsecond line & more \u009b31m \x7f"
	for _, ev := range []session.Event{
		session.Transcript{Role: "user", Final: true, Text: "my name is Ana"},
		session.Transcript{Role: "assistant", Agent: "concierge", Final: true, Text: tricky},
		session.Transcript{Role: "assistant", Agent: "concierge", Delta: "partial"},
		session.ToolEnd{Agent: "concierge", Tool: "lookup_order", CallID: "c1", Arguments: `{"order_id":"A-1"}`, Output: "shipped", Duration: time.Millisecond},
		session.Handoff{FromAgent: "concierge", ToAgent: "billing"},
	} {
		w.Add(ev)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	md, _ := os.ReadFile(path)
	if n := strings.Count(string(md), machinePrefix); n != 4 {
		t.Fatalf("%d machine-readable records, want 4 (no record for a delta):\n%s", n, md)
	}
	conv, err := ReadConversation(path)
	if err != nil {
		t.Fatal(err)
	}
	if conv.Agent != "billing" || len(conv.Items) != 3 {
		t.Fatalf("conversation = %+v", conv)
	}
	if conv.Items[0].Text() != "my name is Ana" || conv.Items[1].Text() != tricky || conv.Items[2].CallID != "c1" || conv.Items[2].Output != "shipped" {
		t.Fatalf("items = %+v", conv.Items)
	}
}

func TestResumeRejectsWhatItCannotRead(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "notes.md")
	os.WriteFile(plain, []byte("# just notes\n"), 0o644)
	if _, err := ReadConversation(plain); err == nil || !strings.Contains(err.Error(), "has no conversation rtagent can read") {
		t.Fatalf("plain file: %v", err)
	}
	bad := filepath.Join(dir, "bad.md")
	os.WriteFile(bad, []byte("x\n<!-- rtagent {nope} -->\n"), 0o644)
	if _, err := ReadConversation(bad); err == nil || !strings.Contains(err.Error(), "bad.md:2: unreadable conversation record") {
		t.Fatalf("bad record: %v", err)
	}
	if _, err := ReadConversation(dir); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("directory: %v", err)
	}
}
