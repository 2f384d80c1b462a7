package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Issue 12's blocker, driven through the real binary: the user sends a refund
// request and at once types the next message, "and thanks". The approval
// dialog opens while they type; none of those keys (the a, the n, enter) may
// answer it. The text arrives as a message, and the dialog still waits until
// the user deliberately answers it.
func TestTmuxApprovalDoesNotTakeTypedKeys(t *testing.T) {
	r := newTmuxRig(t)
	root, tmp, bin, stderrPath := r.root, r.tmp, r.bin, r.stderr
	work := userCheckout(t, root, tmp)
	transcriptPath := filepath.Join(tmp, "t.md")
	shellCmd := fmt.Sprintf("%s chat --sim --text --agent billing --transcript %s 2>%s",
		shq(bin), shq(transcriptPath), shq(stderrPath))
	s := r.start(work, shellCmd)
	s.waitText("type a message", "billing │", "● connected")

	// One send-keys per line, back to back: the second line is typed while the
	// approval request arrives.
	s.typeLine("issue_refund order_id=X-1")
	s.typeLine("and thanks")

	scr := s.waitText("approve tool call?", "tool  issue_refund  agent billing", "you\n  and thanks")
	for _, bad := range []string{"approved by you", "always approved", "rejected by you", "✓"} {
		if strings.Contains(scr, bad) {
			s.fatalf("the typed keys answered the approval (%q on screen)", bad)
		}
	}
	// The dialog still waits; after an idle second it takes the keys, visibly.
	s.waitText("approve tool call?", "▸ answering", "y approve  n reject")
	scr = s.capture()
	if strings.Contains(scr, "approved by you") || strings.Contains(scr, "ƒ issue_refund  ✓") {
		s.fatalf("the refund ran without a deliberate answer")
	}

	// "a" alone does not approve: it asks for enter; any other key cancels.
	s.key("a")
	s.waitText("always approve every issue_refund call this session?", "enter confirms")
	s.key("x")
	s.waitText("always approve cancelled")
	// Typing while the dialog has the keys: the text goes to the message line.
	s.key("h")
	s.waitFor("h in the message line", func(scr string) bool { return strings.Contains(scr, "> h") })

	// The deliberate answer: tab, then y.
	s.key("BSpace")
	s.key("Tab")
	s.waitText("▸ answering")
	s.key("y")
	scr = s.waitText("ƒ issue_refund  ✓", "approved by you")
	if strings.Contains(scr, "approve tool call?") {
		s.fatalf("the approval dialog is still open after tab, y")
	}
	s.key("C-c")
	s.key("C-c")
	s.waitText("rtagent exited: 0")

	md, err := os.ReadFile(transcriptPath)
	if err != nil {
		t.Fatalf("transcript: %v", err)
	}
	if !strings.Contains(string(md), "**You:** and thanks") {
		t.Errorf("the typed message is not in the transcript:\n%s", md)
	}
}

// Issue 12 items 6 and 9 and the help/redraw cosmetics, through the real
// binary: f6 expands the latest tool card to its full JSON, the event log's
// selected line expands with enter, f7 turns mouse capture off and on (read
// back from tmux's pane flags), q closes help, ctrl+l redraws (and does not
// open the event log).
func TestTmuxInspectMouseHelp(t *testing.T) {
	r := newTmuxRig(t)
	root, tmp, bin := r.root, r.tmp, r.bin
	work := userCheckout(t, root, tmp)
	shellCmd := fmt.Sprintf("%s chat --sim --text", shq(bin))
	s := r.start(work, shellCmd)
	s.waitText("type a message", "● connected")

	s.typeLine("lookup_order order_id=A-1234")
	s.waitText("ƒ lookup_order  ✓")
	s.key("F6")
	s.waitText("tool call lookup_order", "1 of 1", `"order_id": "A-1234"`, `"state": "done"`, `"status": "shipped"`)
	s.key("Escape")
	s.waitFor("the inspector closed", func(scr string) bool { return !strings.Contains(scr, "tool call lookup_order") })

	// The event log: select the newest line, expand it.
	s.key("F4")
	s.waitText("event log", "enter expands")
	s.key("Up")
	s.waitText("▸ ")
	s.key("Enter")
	s.waitText("event ", "←/→ previous/next", "c copies (OSC 52)")
	s.key("Escape")
	s.waitText("event log")
	s.key("F4")

	// Mouse capture: on by default; f7 turns it off (the terminal selects
	// text again) and on.
	mouse := "#{mouse_any_flag}#{mouse_button_flag}#{mouse_standard_flag}#{mouse_all_flag}"
	if got := s.format(mouse); !strings.Contains(got, "1") {
		t.Errorf("mouse flags at start = %s, want capture on", got)
	}
	s.key("F7")
	s.waitText("mouse capture off")
	s.waitFor("mouse capture released", func(string) bool { return s.format(mouse) == "0000" })
	s.key("F7")
	s.waitText("mouse capture on")
	s.waitFor("mouse capture back", func(string) bool { return strings.Contains(s.format(mouse), "1") })

	// Help closes with q; ctrl+l redraws without opening the event log.
	s.key("F1")
	s.waitText("rtagent — keys", "f7", "mouse capture on/off", "v always reject (never)")
	s.key("q")
	s.waitFor("help closed", func(scr string) bool { return !strings.Contains(scr, "rtagent — keys") })
	s.key("C-l")
	scr := s.waitText("type a message", "ƒ lookup_order  ✓")
	if strings.Contains(scr, "event log") {
		s.fatalf("ctrl+l opened the event log")
	}
	s.key("C-c")
	s.key("C-c")
	s.waitText("rtagent exited: 0")
}
