package tui

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/rtagent/rtagent/internal/realtime"
	"github.com/rtagent/rtagent/internal/session"
)

func TestEnterSendsTextThroughBackend(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.typeText("  hello there ")
	cmd := h.key(keyEnter)
	if cmd == nil {
		t.Fatal("enter returned no command")
	}
	if len(h.be.Calls()) != 0 {
		t.Fatal("backend called from Update; must be from the command")
	}
	h.exec(cmd)
	if got := h.be.Calls(); !slices.Equal(got, []string{"send hello there"}) {
		t.Fatalf("calls = %q", got)
	}
	v := h.view()
	mustContain(t, v, "you\n  hello there")
	if h.m.input.Value() != "" {
		t.Errorf("input not cleared: %q", h.m.input.Value())
	}
	// Empty input: nothing sent.
	if cmd := h.key(keyEnter); cmd != nil {
		t.Error("enter on empty input returned a command")
	}
	// The engine's echo of the typed item claims the local entry (no duplicate).
	h.ev(session.HistoryAdded{Item: session.HistoryItem{ID: "u1", Kind: "user",
		Parts: []session.HistoryPart{{Type: "input_text", Text: "hello there"}}}})
	h.ev(session.Transcript{Role: "user", ItemID: "u1", Final: true, Text: "hello there"})
	if n := strings.Count(h.view(), "hello there"); n != 1 {
		t.Errorf("typed text shown %d times", n)
	}
}

func TestSendErrorIsShown(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.be.sendErr = errors.New("not connected")
	h.typeText("hi")
	h.exec(h.key(keyEnter))
	mustContain(t, h.view(), "send failed: not connected")
}

func TestApprovalKeys(t *testing.T) {
	cases := []struct {
		keys []tea.KeyPressMsg
		want string
		dec  string
	}{
		{[]tea.KeyPressMsg{runeKey('y')}, "approve c1 always=false", "approved by you"},
		{[]tea.KeyPressMsg{runeKey('a'), keyEnter}, "approve c1 always=true", "always approved by you"},
		{[]tea.KeyPressMsg{runeKey('n')}, "reject c1 always=false msg=" + rejectMessage, "rejected by you"},
		{[]tea.KeyPressMsg{runeKey('v'), keyEnter}, "reject c1 always=true msg=" + rejectMessage, "always rejected by you"},
	}
	for _, c := range cases {
		t.Run(c.want, func(t *testing.T) {
			h := newHarness(t, 80, 24)
			h.ev(session.ToolApprovalRequired{Agent: "billing", Tool: "issue_refund", CallID: "c1", Arguments: `{"amount":1}`})
			h.key(keyTab) // the deliberate key
			mustContain(t, h.view(), "▸ answering", "y approve  n reject")
			for _, k := range c.keys {
				h.exec(h.key(k))
			}
			if got := h.be.Calls(); !slices.Equal(got, []string{c.want}) {
				t.Fatalf("calls = %q, want %q", got, c.want)
			}
			v := h.view()
			mustNotContain(t, v, "approve tool call?")
			mustContain(t, v, c.dec)
		})
	}
}

// The blocker of issue 12: the dialog opens while the user types the next
// message; the keys typed (a, n, d, …, enter) are the message, never answers.
func TestApprovalNeverTakesTypedKeys(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.typeText("issue_refund order_id=X-1")
	h.exec(h.key(keyEnter))
	h.clk.advance(50 * time.Millisecond)
	h.ev(session.ToolApprovalRequired{Agent: "billing", Tool: "issue_refund", CallID: "c1", Arguments: `{"order_id":"X-1"}`})
	mustContain(t, h.view(), "approve tool call?", "· waiting", "tab to answer")
	mustNotContain(t, h.view(), "y approve")
	for _, r := range "and thanks" {
		h.clk.advance(80 * time.Millisecond)
		h.flush()
		h.exec(h.key(runeKey(r)))
	}
	h.exec(h.key(keyEnter))
	if got := h.be.Calls(); !slices.Equal(got, []string{"send issue_refund order_id=X-1", "send and thanks"}) {
		t.Fatalf("calls = %q: typed keys were taken as answers", got)
	}
	v := h.view()
	mustContain(t, v, "you\n  and thanks", "approve tool call?", "· waiting")
	if h.m.approval.focused {
		t.Fatal("the dialog took the keys less than a second after typing")
	}
	// A pause with an empty input: the dialog takes the keys, visibly.
	h.clk.advance(approvalFocusDelay)
	h.flush()
	mustContain(t, h.view(), "▸ answering", "y approve  n reject")
	if h.m.View().Cursor != nil {
		t.Error("the input cursor is shown while the dialog has the keys")
	}
}

// Typing while the dialog has the keys: a non-answer key hands the keys back
// and lands in the input; "a" alone never approves.
func TestApprovalFocusedTypingIsKept(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.ev(session.ToolApprovalRequired{Agent: "billing", Tool: "issue_refund", CallID: "c1", Arguments: `{}`})
	h.clk.advance(approvalFocusDelay)
	h.flush()
	if !h.m.approval.focused {
		t.Fatal("the dialog did not take the keys after an idle second")
	}
	h.exec(h.key(runeKey('a')))
	mustContain(t, h.view(), "always approve every issue_refund call this session?", "enter confirms")
	h.exec(h.key(runeKey('x'))) // cancels the confirmation
	mustContain(t, h.view(), "always approve cancelled")
	h.exec(h.key(runeKey('h')))
	if h.m.approval.focused || h.m.input.Value() != "h" {
		t.Fatalf("focused=%v input=%q: typed key lost", h.m.approval.focused, h.m.input.Value())
	}
	// The input is not empty: no focus however long the pause.
	h.clk.advance(10 * approvalFocusDelay)
	h.flush()
	if h.m.approval.focused {
		t.Fatal("the dialog took the keys while the input holds text")
	}
	h.send(tea.PasteMsg{Content: "ello"})
	if h.m.input.Value() != "hello" {
		t.Fatalf("paste lost: %q", h.m.input.Value())
	}
	if len(h.be.Calls()) != 0 {
		t.Fatalf("calls = %q", h.be.Calls())
	}
	// Tab is the deliberate key; tab again gives the keys back.
	h.key(keyTab)
	if !h.m.approval.focused || h.m.picker.open {
		t.Fatal("tab did not focus the dialog")
	}
	h.key(keyTab)
	if h.m.approval.focused {
		t.Fatal("tab did not give the keys back")
	}
}

func TestApprovalQueueAndExternalResolution(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.ev(
		session.ToolApprovalRequired{Tool: "a", CallID: "c1", Arguments: `{}`},
		session.ToolApprovalRequired{Tool: "b", CallID: "c2", Arguments: `{}`},
	)
	mustContain(t, h.view(), "approve tool call? (1 of 2)", "tool  a")
	// c1 resolved by the engine (e.g. timeout): the dialog moves on.
	h.ev(session.ToolEnd{Tool: "a", CallID: "c1", Error: "approval timed out"})
	mustContain(t, h.view(), "tool  b")
	h.key(keyTab)
	h.exec(h.key(runeKey('y')))
	if got := h.be.Calls(); !slices.Equal(got, []string{"approve c2 always=false"}) {
		t.Fatalf("calls = %q", got)
	}
}

func TestCtrlCTwiceQuits(t *testing.T) {
	h := newHarness(t, 80, 24)
	if cmd := h.key(keyCtrlC); cmd != nil {
		if _, quit := cmd().(tea.QuitMsg); quit {
			t.Fatal("first ctrl+c quit")
		}
	}
	mustContain(t, h.view(), "press ctrl+c again to quit")
	cmd := h.key(keyCtrlC)
	if cmd == nil {
		t.Fatal("second ctrl+c returned no command")
	}
	if _, quit := cmd().(tea.QuitMsg); !quit {
		t.Fatal("second ctrl+c did not quit")
	}
}

func TestCtrlCArmExpires(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.key(keyCtrlC)
	h.clk.advance(quitArmWindow + time.Second)
	h.flush()
	if cmd := h.key(keyCtrlC); cmd != nil {
		t.Fatal("ctrl+c after the window quit at once")
	}
}

func TestCtrlCWorksInDialogs(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.ev(session.ToolApprovalRequired{Tool: "a", CallID: "c1"})
	h.key(keyCtrlC)
	if cmd := h.key(keyCtrlC); cmd == nil {
		t.Fatal("ctrl+c swallowed by the approval dialog")
	}
}

func TestResizeReflows(t *testing.T) {
	long := strings.Repeat("The quick brown fox jumps over the lazy dog. ", 12)
	h := newHarness(t, 120, 40)
	h.ev(session.Transcript{Role: "assistant", Agent: "concierge", ItemID: "a1", Final: true, Text: long})
	h.ev(session.ToolStart{Tool: "lookup_order", CallID: "c1", Arguments: `{"order_id":"` + strings.Repeat("9", 200) + `"}`})
	for _, sz := range []struct{ w, h int }{{120, 40}, {60, 20}, {80, 24}, {40, 12}, {200, 50}, {20, 8}} {
		h.send(tea.WindowSizeMsg{Width: sz.w, Height: sz.h})
		checkFrame(t, h.m.View().Content, sz.w, sz.h)
	}
	h.send(tea.WindowSizeMsg{Width: 60, Height: 40})
	v := h.view()
	// Reflowed, not cut: every word of the text is still there.
	joined := strings.Join(strings.Fields(v), " ")
	mustContain(t, joined, strings.TrimSpace(strings.Join(strings.Fields(long), " ")))
}

func TestLongLinesWrapWithinWidth(t *testing.T) {
	h := newHarness(t, 80, 24)
	token := strings.Repeat("x", 300) // no break opportunity
	h.ev(session.Transcript{Role: "user", ItemID: "u1", Final: true, Text: token})
	h.ev(session.Error{Source: "server", Message: strings.Repeat("bad thing ", 30)})
	frame := h.m.View().Content
	checkFrame(t, frame, 80, 24)
	if got := strings.Count(strings.ReplaceAll(h.view(), "\n", ""), "x"); got < 300 {
		t.Errorf("hard-wrapped token lost characters: %d x's", got)
	}
}

func TestScrollback(t *testing.T) {
	h := newHarness(t, 80, 24)
	for i := range 50 {
		h.ev(session.Transcript{Role: "assistant", Agent: "concierge", ItemID: "a" + itoa(i), Final: true, Text: "line " + itoa(i)})
	}
	mustContain(t, h.view(), "line 49")
	h.key(keyPgUp)
	v := h.view()
	mustNotContain(t, v, "line 49")
	mustContain(t, v, "more lines · end to follow")
	// New content does not yank the view back while scrolled up.
	h.ev(session.Transcript{Role: "assistant", ItemID: "a50", Final: true, Text: "line 50"})
	mustNotContain(t, h.view(), "line 50")
	h.key(keyEnd)
	mustContain(t, h.view(), "line 50")
	h.send(tea.MouseWheelMsg{Button: tea.MouseWheelUp})
	mustNotContain(t, h.view(), "line 50")
	h.key(tea.KeyPressMsg{Code: tea.KeyHome})
	mustContain(t, h.view(), "line 0")
}

func TestDeltasAreCoalescedUntilTick(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.ev(session.Transcript{Role: "assistant", Agent: "concierge", ItemID: "a1", Delta: "streaming"})
	mustNotContain(t, h.view(), "streaming") // not yet: the frame waits for the tick
	h.flush()
	mustContain(t, h.view(), "concierge …", "streaming")
	before := h.m.View().Content
	h.ev(session.AudioStarted{ResponseID: "r1", ItemID: "a1"})
	if h.m.View().Content != before {
		t.Error("an audio event changed the frame")
	}
	// A tick with nothing new does not recompose.
	h.flush()
	if h.m.dirty {
		t.Error("still dirty after flush")
	}
	// Final transcripts are facts: shown at once.
	h.ev(session.Transcript{Role: "assistant", ItemID: "a1", Final: true, Text: "streaming done"})
	mustContain(t, h.view(), "streaming done")
	mustNotContain(t, h.view(), "concierge …")
}

func TestLatencyTextMode(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.typeText("hi")
	h.exec(h.key(keyEnter))
	h.clk.advance(850 * time.Millisecond)
	h.ev(session.Transcript{Role: "assistant", ItemID: "a1", Delta: "Hel"})
	h.clk.advance(time.Second)
	h.ev(session.Transcript{Role: "assistant", ItemID: "a1", Delta: "lo"}) // not the first: ignored
	h.flush()
	mustContain(t, h.view(), "latency 850ms")
}

// A spoken answer is timed to its first audio, not to its transcript, which the
// model streams ahead of the sound (the user hears nothing until the audio).
func TestLatencyVoiceAnswerStopsAtFirstAudio(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.ev(session.SessionReady{SessionID: "s1", Settings: realtime.Settings{OutputModalities: []string{realtime.ModalityAudio}}})
	h.ev(session.SpeechStarted{ItemID: "u1"}, session.SpeechStopped{ItemID: "u1"})
	h.clk.advance(300 * time.Millisecond)
	h.ev(session.Transcript{Role: "assistant", ItemID: "a1", ResponseID: "r1", Delta: "Hel"})
	h.clk.advance(340 * time.Millisecond)
	h.ev(session.AudioStarted{ResponseID: "r1", ItemID: "a1"})
	h.clk.advance(time.Second)
	h.ev(session.Transcript{Role: "assistant", ItemID: "a1", ResponseID: "r1", Delta: "lo"})
	h.flush()
	mustContain(t, h.view(), "latency 640ms")
	mustNotContain(t, h.view(), "latency 300ms")
}

// A turn that waits for a tool approval is not timed: the wait is the user's.
func TestLatencyNotMeasuredAcrossApproval(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.typeText("refund please")
	h.exec(h.key(keyEnter))
	h.clk.advance(20 * time.Millisecond)
	h.ev(session.ToolApprovalRequired{Agent: "billing", Tool: "issue_refund", CallID: "c1", Arguments: "{}"})
	h.clk.advance(4 * time.Second)
	h.ev(session.Transcript{Role: "assistant", ItemID: "a1", Delta: "Done"})
	h.flush()
	mustNotContain(t, h.view(), "latency 4")
	mustContain(t, h.view(), "latency —")
}

func TestInterruptMuteAndAgentSwitch(t *testing.T) {
	h := newHarness(t, 80, 24)
	// Nothing playing, nothing awaited: nothing to interrupt, and it says so.
	h.exec(h.key(keyEsc))
	mustContain(t, h.view(), "nothing to interrupt")
	mustNotContain(t, h.view(), "interrupting…")
	if got := h.be.Calls(); len(got) != 0 {
		t.Fatalf("calls = %q with nothing to interrupt", got)
	}
	h.ev(session.AudioStarted{ResponseID: "r1", ItemID: "a1"})
	h.exec(h.key(keyEsc))
	mustContain(t, h.view(), "interrupting…")
	h.exec(h.key(keyCtrlX))
	h.exec(h.key(keyF2))
	if !h.audio.Muted() {
		t.Error("f2 did not mute")
	}
	mustContain(t, h.view(), "mic: muted")
	h.exec(h.key(keyF2))
	h.key(keyTab)
	mustContain(t, h.view(), "switch agent")
	h.exec(h.key(keyEnter))
	want := []string{"interrupt manual", "interrupt manual", "switch billing"}
	if got := h.be.Calls(); !slices.Equal(got, want) {
		t.Fatalf("calls = %q, want %q", got, want)
	}
	h.ev(session.Handoff{FromAgent: "concierge", ToAgent: "billing", Manual: true})
	v := h.view()
	mustContain(t, v, "⇄ handoff concierge → billing (switched by you)", " billing │")
}

func TestEscClosesOverlaysBeforeInterrupting(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.key(keyF1)
	h.exec(h.key(keyEsc))
	h.key(keyF4)
	h.exec(h.key(keyEsc))
	h.key(keyTab)
	h.exec(h.key(keyEsc))
	if got := h.be.Calls(); len(got) != 0 {
		t.Fatalf("esc on an overlay called the backend: %q", got)
	}
	mustContain(t, h.view(), "> type a message")
}

func TestQuestionMarkOpensHelpOnlyOnEmptyInput(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.typeText("why?")
	mustNotContain(t, h.view(), "rtagent — keys")
	if h.m.input.Value() != "why?" {
		t.Fatalf("input = %q", h.m.input.Value())
	}
	h = newHarness(t, 80, 24)
	h.key(runeKey('?'))
	mustContain(t, h.view(), "rtagent — keys")
}

func TestPushToTalkHoldWithKeyRelease(t *testing.T) {
	h := newHarness(t, 80, 24, func(o *Options) { o.PushToTalk = true })
	h.send(tea.KeyboardEnhancementsMsg{Flags: 0b11})
	h.exec(h.key(keyCtrlSpace))
	mustContain(t, h.view(), "mic: ● talking (ptt)")
	h.exec(h.key(tea.KeyPressMsg{Code: tea.KeySpace, Mod: tea.ModCtrl, IsRepeat: true})) // auto-repeat
	h.exec(h.send(tea.KeyReleaseMsg{Code: tea.KeySpace, Mod: tea.ModCtrl}))
	if got := h.be.Calls(); !slices.Equal(got, []string{"ptt start", "ptt commit"}) {
		t.Fatalf("calls = %q", got)
	}
	mustContain(t, h.view(), "mic: push-to-talk")
}

func TestPushToTalkToggleWithoutKeyRelease(t *testing.T) {
	h := newHarness(t, 80, 24, func(o *Options) { o.PushToTalk = true })
	mustContain(t, h.view(), "ctrl+space (or f3) to talk, again to send", "mic: push-to-talk")
	h.exec(h.key(tea.KeyPressMsg{Code: tea.KeyF3}))
	h.exec(h.key(tea.KeyPressMsg{Code: tea.KeyF3}))
	if got := h.be.Calls(); !slices.Equal(got, []string{"ptt start", "ptt commit"}) {
		t.Fatalf("calls = %q", got)
	}
	// The turn is timed from the commit to the first audio (issue 12: it showed —).
	h.clk.advance(420 * time.Millisecond)
	h.ev(session.AudioStarted{ResponseID: "r1", ItemID: "a1"})
	h.flush()
	mustContain(t, h.view(), "latency 420ms")
}

func TestPushToTalkHintWithKeyRelease(t *testing.T) {
	h := newHarness(t, 80, 24, func(o *Options) { o.PushToTalk = true })
	h.send(tea.KeyboardEnhancementsMsg{Flags: 0b11})
	mustContain(t, h.view(), "hold ctrl+space (or f3) to talk")
	h.exec(h.key(keyCtrlSpace))
	h.clk.advance(time.Second)
	h.exec(h.send(tea.KeyReleaseMsg{Code: tea.KeySpace, Mod: tea.ModCtrl}))
	h.clk.advance(300 * time.Millisecond)
	h.ev(session.Transcript{Role: "assistant", ItemID: "a1", Delta: "Hi"})
	h.flush()
	mustContain(t, h.view(), "latency 300ms")
}

func TestTextModeHasNoMicrophone(t *testing.T) {
	h := newHarness(t, 80, 24, func(o *Options) { o.Audio = nil; o.PushToTalk = true })
	h.exec(h.key(keyF2))
	h.exec(h.key(keyCtrlSpace))
	if got := h.be.Calls(); len(got) != 0 {
		t.Fatalf("calls = %q", got)
	}
	v := h.view()
	mustContain(t, v, "mic: off (text)", "no microphone in text mode")
	mustNotContain(t, v, "in ········")
}

func TestEventLogFilterAndRing(t *testing.T) {
	h := newHarness(t, 80, 24, func(o *Options) { o.LogSize = 10 })
	for i := range 25 {
		h.ev(session.RawEvent{Direction: "in", Type: "ev." + itoa(i), Data: []byte(`{"n":` + itoa(i) + `}`)})
	}
	if h.m.log.len() != 10 || h.m.log.dropped != 15 || h.m.log.at(0).Type != "ev.15" {
		t.Fatalf("ring: len %d dropped %d oldest %s", h.m.log.len(), h.m.log.dropped, h.m.log.at(0).Type)
	}
	h.key(keyF4)
	h.typeText("ev.2")
	v := h.view()
	mustContain(t, v, "← ev.20", "← ev.24", "5/10 events", "15 older dropped")
	mustNotContain(t, v, "ev.19")
	checkFrame(t, h.m.View().Content, 80, 24)
}

func TestRecordKeepsTheConversation(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.typeText("refund order A1")
	h.exec(h.key(keyEnter))
	h.ev(
		session.Handoff{FromAgent: "concierge", ToAgent: "billing", CallID: "c0"},
		session.ToolApprovalRequired{Agent: "billing", Tool: "issue_refund", CallID: "c1", Arguments: `{"order_id":"A1"}`},
	)
	h.key(keyTab)
	h.exec(h.key(runeKey('y')))
	h.ev(
		session.ToolStart{Agent: "billing", Tool: "issue_refund", CallID: "c1", Arguments: `{"order_id":"A1"}`},
		session.ToolEnd{Agent: "billing", Tool: "issue_refund", CallID: "c1", Arguments: `{"order_id":"A1"}`, Output: "refund ```ok```", Duration: 2 * time.Second},
		session.Transcript{Role: "assistant", Agent: "billing", ItemID: "a1", Final: true, Text: "Refunded."},
		session.GuardrailTripped{Kind: "output", Guardrails: []string{"no_card_numbers"}, Message: "blocked"},
		session.Transcript{Role: "assistant", Agent: "billing", ItemID: "a9", Final: true, Text: "card 4111 1111"},
		session.GuardrailTripped{Kind: "output", ItemID: "a9", Guardrails: []string{"cmd"}, Message: "[withheld by guardrail cmd]", Reason: "cmd: refund promised"},
		session.GuardrailCorrection{Guardrails: []string{"cmd"}, Sent: true, Notice: "answer withheld by guardrail cmd; asked the model to answer again"},
		session.ToolError{Tool: "lookup", CallID: "c9", Error: "invalid arguments: not valid JSON"},
		session.Error{Source: "tool", Message: "boom", Fatal: true},
		session.Transcript{Role: "assistant", Agent: "billing", ItemID: "a2", Delta: "Anything el"},
		session.Closed{Reason: "user quit"},
	)
	// The record keeps everything the conversation showed, in order, for whoever
	// renders it (the Markdown transcript is internal/transcript's, from session events).
	var got []string
	for _, e := range h.m.Record().Entries {
		switch e.Kind {
		case EntryUser:
			got = append(got, "user:"+e.Text)
		case EntryAssistant:
			got = append(got, fmt.Sprintf("%s:%s final=%v", e.Agent, e.Text, e.Final))
		case EntryHandoff:
			got = append(got, "handoff:"+e.From+">"+e.To)
		case EntryTool:
			got = append(got, fmt.Sprintf("tool:%s %s %s %s %v", e.Tool, e.Arguments, e.Output, e.Decision, e.Duration))
		case EntryGuardrail:
			got = append(got, "guardrail:"+strings.Join(e.Guardrails, ",")+":"+e.Message)
		case EntryError:
			got = append(got, fmt.Sprintf("error:%s:%s fatal=%v", e.Source, e.Message, e.Fatal))
		case EntryNotice:
			got = append(got, "notice:"+e.Message)
		}
	}
	want := []string{
		"user:refund order A1",
		"handoff:concierge>billing",
		"tool:issue_refund {\"order_id\":\"A1\"} refund ```ok``` approved 2s",
		"billing:Refunded. final=true",
		"guardrail:no_card_numbers:blocked",
		"billing:[withheld by guardrail cmd] final=true",
		"guardrail:cmd:[withheld by guardrail cmd] — cmd: refund promised",
		"notice:answer withheld by guardrail cmd; asked the model to answer again",
		"error:tool:lookup not run: invalid arguments: not valid JSON fatal=false",
		"error:tool:boom fatal=true",
		"billing:Anything el final=false",
	}
	if len(got) < len(want) || !slices.Equal(got[:len(want)], want) {
		t.Errorf("record entries:\n%s\nwant (prefix):\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, line := range got {
		if strings.Contains(line, "4111") {
			t.Errorf("blocked text still shown: %s", line)
		}
	}
}

func TestFrameSummary(t *testing.T) {
	for _, c := range []struct{ typ, data, want string }{
		{"conversation.item.create", `{"type":"conversation.item.create","item":{"content":[{"type":"input_audio","audio":"<3 bytes>"}]}}`,
			`{"item":{"content":[{"type":"input_audio","audio":"<3 bytes>"}]}}`},
		{"session.updated", `{"type":"session.updated"}`, `{}`},
		{"x", `{"n":1}`, `{"n":1}`},
		{"x", `not json`, `not json`},
		{"a", `{"type":"ab","n":1}`, `{"type":"ab","n":1}`},
	} {
		if got := frameSummary(c.typ, []byte(c.data)); got != c.want {
			t.Errorf("frameSummary(%s) = %s, want %s", c.data, got, c.want)
		}
	}
}

func TestPickerWindowFollowsSelection(t *testing.T) {
	agents := make([]string, 20)
	for i := range agents {
		agents[i] = "agent" + itoa(i)
	}
	h := newHarness(t, 80, 24, func(o *Options) { o.Agents = agents; o.ActiveAgent = "agent0" })
	h.key(keyTab)
	for range 14 {
		h.key(keyDown)
	}
	v := h.view()
	mustContain(t, v, "▸ agent15")
	mustNotContain(t, v, "agent0 (active)")
	checkFrame(t, h.m.View().Content, 80, 24)
	h.exec(h.key(keyEnter))
	if got := h.be.Calls(); !slices.Equal(got, []string{"switch agent15"}) {
		t.Fatalf("calls = %q", got)
	}
}

// While an approval waits, f5 does not open the picker over it (the keys would
// go to a picker hidden behind the dialog).
func TestPickerWaitsForApproval(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.ev(session.ToolApprovalRequired{Tool: "a", CallID: "c1", Arguments: `{}`})
	h.key(tea.KeyPressMsg{Code: tea.KeyF5})
	if h.m.picker.open {
		t.Fatal("f5 opened the picker behind the approval dialog")
	}
	mustContain(t, h.view(), "▸ answering") // f5, like tab, is the deliberate key
}

// The local barge-in detector's setting shows on the status line, and not in text
// mode (no microphone).
func TestStatusShowsLocalVAD(t *testing.T) {
	h := newHarness(t, 120, 24, func(o *Options) { o.LocalVAD = "local VAD medium ≥60ms" })
	mustContain(t, h.view(), "mic: listening", "local VAD medium ≥60ms")
	h = newHarness(t, 120, 24, func(o *Options) { o.LocalVAD = "local VAD medium ≥60ms"; o.Audio = nil })
	mustNotContain(t, h.view(), "local VAD")
}
