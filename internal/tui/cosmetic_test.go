package tui

import (
	"testing"
	"time"

	"github.com/rtagent/rtagent/internal/session"
)

// The Ctrl+C notice lasts as long as the arm (3 s), not the 4 s of others.
func TestQuitNoticeEndsWithTheArm(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.key(keyCtrlC)
	h.clk.advance(quitArmWindow - 100*time.Millisecond)
	h.flush()
	mustContain(t, h.view(), "press ctrl+c again to quit")
	h.clk.advance(100 * time.Millisecond)
	h.flush()
	mustNotContain(t, h.view(), "press ctrl+c again to quit")
}

func TestInterruptReasonInWords(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.ev(
		session.Transcript{Role: "assistant", ItemID: "a1", Final: true, Text: "Long answer"},
		session.AudioInterrupted{ItemID: "a1", Reason: session.ReasonBargeIn},
	)
	mustContain(t, h.view(), "■ interrupted (you spoke)")
	mustNotContain(t, h.view(), "barge_in")
}

// A refused call is "not run", never "failed 1.5s"; after "always", later
// calls say the session decided by the user's choice.
func TestDecisionsOnCards(t *testing.T) {
	h := newHarness(t, 120, 40)
	h.ev(session.ToolApprovalRequired{Tool: "issue_refund", CallID: "c1", Arguments: `{}`})
	h.key(keyTab)
	h.exec(h.key(runeKey('n')))
	h.ev(session.ToolEnd{Tool: "issue_refund", CallID: "c1", Error: "not approved", Duration: 1500 * time.Millisecond})
	v := h.view()
	mustContain(t, v, "ƒ issue_refund  ✗ not run", "rejected by you")
	mustNotContain(t, v, "failed 1.5s")

	h.ev(session.ToolApprovalRequired{Tool: "issue_refund", CallID: "c2", Arguments: `{}`})
	h.key(keyTab)
	h.exec(h.key(runeKey('a')))
	h.exec(h.key(keyEnter))
	h.ev(session.ToolStart{Tool: "issue_refund", CallID: "c2", Arguments: `{}`},
		session.ToolEnd{Tool: "issue_refund", CallID: "c2", Output: `{}`, Duration: time.Millisecond})
	// The session applies the sticky choice: no approval event this time.
	h.ev(session.ToolStart{Tool: "issue_refund", CallID: "c3", Arguments: `{"n":3}`})
	mustContain(t, h.view(), "always approved by you", "approved automatically (you chose always)")
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "<1ms", 400 * time.Microsecond: "<1ms", 120 * time.Millisecond: "120ms", 1500 * time.Millisecond: "1.5s",
		65 * time.Second: "1m05s", 62*time.Minute + 10*time.Second: "1h02m",
	} {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}
