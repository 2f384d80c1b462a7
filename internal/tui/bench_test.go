package tui

import (
	"testing"
	"time"

	"github.com/rtagent/rtagent/internal/session"
)

// longConversation fills a 120×40 model with 300 turns and 60 tool cards.
func longConversation(b *testing.B) *harness {
	h := newHarness(b, 120, 40)
	text := "Sure — your order A123 shipped yesterday and should arrive on Friday; the tracking number is in your email. "
	for i := range 300 {
		id := itoa(i)
		h.ev(session.Transcript{Role: "user", ItemID: "u" + id, Final: true, Text: "Where is my order number " + id + "?"})
		h.ev(session.Transcript{Role: "assistant", Agent: "concierge", ItemID: "a" + id, Final: true, Text: text + text})
		if i%5 == 0 {
			h.ev(session.ToolEnd{Tool: "lookup_order", CallID: "c" + id, Arguments: `{"order_id":"A123"}`,
				Output: `{"status":"shipped"}`, Duration: 80 * time.Millisecond})
		}
	}
	h.flush()
	return h
}

// BenchmarkUpdateView is the UI's worst-case cost per transcript delta at
// 120×40 with a long conversation: handle the delta, recompose the frame (as
// the tick does; forced here on every delta) and View.
func BenchmarkUpdateView(b *testing.B) {
	h := longConversation(b)
	delta := EventMsg{Event: session.Transcript{Role: "assistant", Agent: "concierge", ItemID: "live", Delta: "word "}}
	tick := tickMsg{at: h.clk.Now()}
	live := func() *Entry { return h.m.record.byItem["live"] }
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if i%200 == 0 && live() != nil { // a turn is ~200 words; keep the live text turn-sized
			live().Text = ""
		}
		h.m.Update(delta)
		h.m.Update(tick)
		_ = h.m.View()
	}
}

// BenchmarkDeltaCoalesced is the cost per delta between ticks: Update plus the
// View the renderer calls after every message (returns the cached frame).
func BenchmarkDeltaCoalesced(b *testing.B) {
	h := longConversation(b)
	delta := EventMsg{Event: session.Transcript{Role: "assistant", Agent: "concierge", ItemID: "live", Delta: "word "}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if i%200 == 0 {
			if e := h.m.record.byItem["live"]; e != nil {
				e.Text = ""
			}
		}
		h.m.Update(delta)
		_ = h.m.View()
	}
}
