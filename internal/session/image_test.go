package session

import (
	"strings"
	"testing"

	"github.com/rtagent/rtagent/internal/guardrail"
	"github.com/rtagent/rtagent/internal/realtime"
)

// An image goes as an input_image data URL in one user message with the text, asks
// for a response, and is shown as [image: name, size], never as its data.
func TestSendMessageWithImage(t *testing.T) {
	h := start(t, Config{}, nil)
	png := []byte("\x89PNG\r\n\x1a\n")
	if err := h.s.SendMessage("what is this?", []Image{{Name: "cat.png", MIME: "image/png", Data: png}}); err != nil {
		t.Fatal(err)
	}
	ci := waitCmd[realtime.CreateItem](t, h.m, nil)
	if !ci.Respond || ci.Item.Role != "user" || len(ci.Item.Content) != 2 {
		t.Fatalf("create item = %+v", ci)
	}
	text, img := ci.Item.Content[0], ci.Item.Content[1]
	if text.Type != realtime.ContentInputText || text.Text != "what is this?" {
		t.Errorf("text part = %+v", text)
	}
	if img.Type != realtime.ContentInputImage || img.ImageURL != "data:image/png;base64,iVBORw0KGgo=" {
		t.Errorf("image part = %+v", img)
	}
	// The server's echo of the item is the user's turn in the events.
	h.m.emit(realtime.ItemEvent{Kind: realtime.ItemAdded, Item: realtime.Item{ID: "u1", Type: realtime.ItemMessage, Role: "user", Content: ci.Item.Content}})
	tr := waitEvent(t, h.rec, func(e Transcript) bool { return e.Role == "user" && e.Final })
	if tr.Text != "what is this? [image: cat.png, 8 bytes]" {
		t.Errorf("user transcript = %q", tr.Text)
	}
	// An image the session did not send is labelled by its size.
	h.m.emit(realtime.ItemEvent{Kind: realtime.ItemAdded, Item: realtime.Item{ID: "u2", Type: realtime.ItemMessage, Role: "user",
		Content: []realtime.Content{{Type: realtime.ContentInputImage, ImageURL: "data:image/png;base64,AAAA"}}}})
	tr = waitEvent(t, h.rec, func(e Transcript) bool { return e.Role == "user" && e.ItemID == "u2" })
	if tr.Text != "[image: image, 3 bytes]" {
		t.Errorf("user transcript = %q", tr.Text)
	}
	for _, ev := range h.rec.events() {
		if tr, ok := ev.(Transcript); ok && strings.Contains(tr.Text, "base64") {
			t.Errorf("image data in a transcript event: %q", tr.Text)
		}
	}
}

// An image alone (no text) needs no guardrail check, but keeps its place behind a
// text still being checked (R10.7 order).
func TestImageKeepsOrderBehindCheckedText(t *testing.T) {
	g := &testGuardrail{name: "slow", gate: make(chan struct{}), trip: func(string) bool { return false }}
	h := start(t, Config{Agents: []*Agent{{Name: "A", Instructions: "a", InputGuardrails: []guardrail.Guardrail{g}}}}, nil)
	if err := h.s.SendText("first"); err != nil {
		t.Fatal(err)
	}
	g.waitChecks(t, 1)
	if err := h.s.SendMessage("", []Image{{Name: "a.gif", MIME: "image/gif", Data: []byte("GIF89a")}}); err != nil {
		t.Fatal(err)
	}
	h.barrier()
	if cs := h.m.commands(); len(cmdsOf[realtime.CreateItem](cs))+len(cmdsOf[realtime.SendUserText](cs)) != 0 {
		t.Fatalf("sent before the earlier text passed its check: %s", fmtCmds(cs))
	}
	g.gate <- struct{}{}
	waitCmd[realtime.CreateItem](t, h.m, nil)
	cs := h.m.commands()
	first := indexOfCmd(cs, func(c realtime.Command) bool { _, ok := c.(realtime.SendUserText); return ok })
	img := indexOfCmd(cs, func(c realtime.Command) bool { _, ok := c.(realtime.CreateItem); return ok })
	if first < 0 || img < first {
		t.Errorf("order: %s", fmtCmds(cs))
	}
	if got := g.checked(); len(got) != 1 {
		t.Errorf("guardrail checked %q; an image-only message has no text to check", got)
	}
}

func indexOfCmd(cs []realtime.Command, pred func(realtime.Command) bool) int {
	for i, c := range cs {
		if pred(c) {
			return i
		}
	}
	return -1
}
