package tui

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/rtagent/rtagent/internal/realtime"
	"github.com/rtagent/rtagent/internal/session"
)

// scenario builds one element on screen; want are substrings that must show.
type scenario struct {
	name  string
	opts  func(*Options) // nil: the harness defaults
	setup func(h *harness)
	want  []string
}

var sizes = []struct{ w, h int }{{80, 24}, {120, 40}}

func scenarios() []scenario {
	return append([]scenario{
		{
			name: "turns",
			setup: func(h *harness) {
				h.ev(session.SessionReady{SessionID: "sess_1", Agent: "concierge"})
				h.typeText("What time is it in Lisbon?")
				h.exec(h.key(keyEnter))
				h.ev(
					session.AgentStart{Agent: "concierge", ResponseID: "r1"},
					session.Transcript{Role: "assistant", Agent: "concierge", ItemID: "a1", ResponseID: "r1", Delta: "It is "},
					session.Transcript{Role: "assistant", Agent: "concierge", ItemID: "a1", ResponseID: "r1", Delta: "ten o'clock."},
					session.Transcript{Role: "assistant", Agent: "concierge", ItemID: "a1", ResponseID: "r1", Final: true, Text: "It is ten o'clock in Lisbon."},
					session.AgentEnd{Agent: "concierge", ResponseID: "r1", Status: "completed"},
					session.SpeechStarted{ItemID: "u2"},
					session.Transcript{Role: "user", ItemID: "u2", Delta: "and in Tok"},
					session.AgentStart{Agent: "concierge", ResponseID: "r2"},
					session.Transcript{Role: "assistant", Agent: "concierge", ItemID: "a2", ResponseID: "r2", Delta: "Let me check"},
				)
				h.flush()
			},
			want: []string{"you", "What time is it in Lisbon?", "concierge", "It is ten o'clock in Lisbon.",
				"and in Tok", "concierge …", "Let me check"},
		},
		{
			name: "tools",
			setup: func(h *harness) {
				h.ev(
					session.ToolStart{Agent: "concierge", Tool: "lookup_order", CallID: "c1", Arguments: `{"order_id":"A123"}`},
					session.ToolEnd{Agent: "concierge", Tool: "lookup_order", CallID: "c1", Arguments: `{"order_id":"A123"}`,
						Output: `{"status":"shipped","eta":"2026-05-03"}`, Duration: 120 * time.Millisecond},
					session.ToolStart{Agent: "concierge", Tool: "get_time", CallID: "c2", Arguments: `{}`},
					session.ToolStart{Agent: "billing", Tool: "issue_refund", CallID: "c3", Arguments: `{"amount":10}`},
					session.ToolEnd{Agent: "billing", Tool: "issue_refund", CallID: "c3", Arguments: `{"amount":10}`,
						Error: "timeout after 5s", Duration: 5 * time.Second},
				)
			},
			want: []string{"ƒ lookup_order", "✓ 120ms", `result {"status":"shipped"`, `args   {"order_id":"A123"}`,
				"ƒ get_time", "⠋ running", "ƒ issue_refund", "✗ failed 5.0s", "error  timeout after 5s"},
		},
		{
			name: "handoff_guardrail_error",
			setup: func(h *harness) {
				h.ev(
					session.Handoff{FromAgent: "concierge", ToAgent: "billing", CallID: "c9"},
					session.Transcript{Role: "assistant", Agent: "billing", ItemID: "a3", Final: true, Text: "Hi, this is billing."},
					session.GuardrailTripped{Kind: "output", Agent: "billing", Guardrails: []string{"no_card_numbers"}, Message: "card number in output"},
					session.Error{Source: "server", Code: "rate_limit_exceeded", Message: "slow down"},
				)
			},
			want: []string{"⇄ handoff concierge → billing", "billing", "Hi, this is billing.",
				"! guardrail tripped (output: no_card_numbers): card number in output",
				"✗ error (server/rate_limit_exceeded): slow down"},
		},
		{
			name: "approval",
			setup: func(h *harness) {
				h.ev(session.ToolApprovalRequired{Agent: "billing", Tool: "issue_refund", CallID: "c4",
					Arguments: `{"order_id":"A123","amount":42.5,"reason":"damaged on arrival"}`})
				h.clk.advance(approvalFocusDelay)
				h.flush()
			},
			want: []string{"approve tool call?", "▸ answering", "tool  issue_refund", `"order_id": "A123"`, `"amount": 42.5`,
				"y approve", "n reject", "a always approve…", "v always reject…", "tab back to message", "? awaiting approval"},
		},
		{
			name: "approval_waiting",
			setup: func(h *harness) {
				h.typeText("and th")
				h.ev(session.ToolApprovalRequired{Agent: "billing", Tool: "issue_refund", CallID: "c4",
					Arguments: `{"order_id":"A123"}`})
				h.clk.advance(approvalFocusDelay)
				h.flush()
			},
			want: []string{"approve tool call?  · waiting", "tab to answer", "your keys go to the message line", "> and th"},
		},
		{
			name: "approval_confirm",
			setup: func(h *harness) {
				h.ev(session.ToolApprovalRequired{Agent: "billing", Tool: "issue_refund", CallID: "c4",
					Arguments: `{"order_id":"A123"}`})
				h.key(keyTab)
				h.key(runeKey('a'))
			},
			want: []string{"always approve every issue_refund call this session?", "enter confirms · any other key cancels"},
		},
		{
			name: "status",
			setup: func(h *harness) {
				h.ev(session.ConnectionEvent{State: "connected"})
				h.clk.advance(3*time.Minute + 21*time.Second)
				h.ev(session.SpeechStarted{ItemID: "u1"}, session.SpeechStopped{ItemID: "u1"})
				h.clk.advance(640 * time.Millisecond)
				h.ev(session.AudioStarted{ResponseID: "r1", ItemID: "a1"})
				h.ev(session.UsageEvent{ResponseID: "r1", CostUSD: 0.0123, Total: realtime.Usage{TotalTokens: 320}})
				h.tickLevels(0.25, 1)
			},
			want: []string{"concierge", "gpt-realtime · marin", "● connected", "mic: listening",
				"in ████···· out ████████", "latency 640ms", "$0.0123", "03:21", "f1 help"},
		},
		{
			name: "eventlog",
			setup: func(h *harness) {
				// Frames as the model's tap delivers them: compact, audio elided.
				for _, f := range []realtime.Frame{
					{Direction: "out", Type: "session.update", Data: json.RawMessage(`{"type":"session.update","session":{"type":"realtime"}}`)},
					{Direction: "in", Type: "session.updated", Data: json.RawMessage(`{"type":"session.updated"}`)},
					{Direction: "out", Type: "input_audio_buffer.append", Data: json.RawMessage(`{"type":"input_audio_buffer.append","audio":"<300 bytes>"}`)},
					{Direction: "in", Type: "response.output_audio.delta", Data: json.RawMessage(`{"type":"response.output_audio.delta","delta":"<300 bytes>"}`)},
					{Direction: "in", Type: "response.output_audio_transcript.delta", Data: json.RawMessage(`{"type":"response.output_audio_transcript.delta","delta":"Hello"}`)},
				} {
					h.send(FrameMsg{Frame: f})
				}
				h.key(keyF4)
				h.typeText("audio")
			},
			want: []string{"event log", "3/5 events", "filter: audio", "enter expands", "→ input_audio_buffer.append", `"audio":"<300 bytes>"}`,
				"← response.output_audio.delta", `{"delta":"<300 bytes>"}`, `{"delta":"Hello"}`},
		},
		{
			name: "inspect_event",
			setup: func(h *harness) {
				h.ev(
					session.RawEvent{Direction: "out", Type: "session.update", Data: json.RawMessage(`{"type":"session.update","session":{"type":"realtime","instructions":"` + strings.Repeat("Be brief. ", 30) + `"}}`)},
					session.RawEvent{Direction: "in", Type: "session.updated", Data: json.RawMessage(`{"type":"session.updated"}`)},
				)
				h.key(keyF4)
				h.key(keyUp)
				h.key(keyUp)
				h.key(keyEnter)
			},
			want: []string{"event session.update · → sent 10:00:00.000", "1 of 2", "←/→ previous/next · ↑/↓ scroll · c copies (OSC 52) · esc closes",
				`"session": {`, `"type": "realtime"`, `"instructions": "Be brief. Be brief.`},
		},
		{
			name: "inspect_tool",
			setup: func(h *harness) {
				h.ev(
					session.ToolStart{Agent: "concierge", Tool: "lookup_order", CallID: "c1", Arguments: `{"order_id":"A123"}`},
					session.ToolEnd{Agent: "concierge", Tool: "lookup_order", CallID: "c1", Arguments: `{"order_id":"A123"}`,
						Output: `{"status":"shipped","eta":"2026-05-03","items":[{"sku":"X-1","qty":2}]}`, Duration: 120 * time.Millisecond},
				)
				h.key(keyF6)
			},
			want: []string{"tool call lookup_order", "1 of 1", `"tool": "lookup_order"`, `"call_id": "c1"`, `"state": "done"`,
				`"order_id": "A123"`, `"sku": "X-1"`, `"duration_ms": 120`},
		},
		{
			name: "push_to_talk",
			opts: func(o *Options) { o.PushToTalk = true },
			setup: func(h *harness) {
				h.send(tea.KeyboardEnhancementsMsg{Flags: 0b11})
			},
			want: []string{"> hold ctrl+space (or f3) to talk, or type · enter sends", "mic: push-to-talk"},
		},
		{
			name: "welcome_sim",
			opts: func(o *Options) {
				o.Endpoint, o.Simulated, o.Model = "the built-in simulator", true, "gpt-realtime-2.1"
				o.AgentInfo = map[string]AgentInfo{"concierge": {Tools: []string{"lookup_order", "get_time"}, Handoffs: []string{"billing"}}}
			},
			setup: func(h *harness) {
				h.ev(session.UsageEvent{ResponseID: "r1", CostUSD: 0.0004})
			},
			want: []string{"· welcome — the built-in simulator · model gpt-realtime-2.1 (canned answers,", "simulated cost",
				"try: “use lookup order” · “transfer to billing” · “use get time”", "$0.0004 (simulated)"},
		},
		{
			name: "welcome_examples",
			opts: func(o *Options) {
				o.Endpoint = "wss://api.openai.com/v1/realtime"
				o.Examples = []string{"where is my order A-1?", "I want a refund", "talk to billing", "a fourth"}
			},
			setup: func(h *harness) {},
			want:  []string{"welcome — wss://api.openai.com/v1/realtime · model gpt-realtime", "try: “where is my order A-1?” · “I want a refund” · “talk to billing”"},
		},
		{
			name: "picker_descriptions",
			opts: func(o *Options) {
				o.AgentInfo = map[string]AgentInfo{"billing": {Description: "Refunds, invoices and\npayment questions"}}
			},
			setup: func(h *harness) { h.key(keyTab) },
			want:  []string{"▸ billing — Refunds, invoices and payment questions", "concierge (active)"},
		},
		{
			name: "decisions",
			setup: func(h *harness) {
				h.ev(session.ToolApprovalRequired{Tool: "issue_refund", CallID: "c1", Arguments: `{"order_id":"A1"}`})
				h.key(keyTab)
				h.key(runeKey('n'))
				h.ev(session.ToolEnd{Tool: "issue_refund", CallID: "c1", Arguments: `{"order_id":"A1"}`, Error: "not approved", Duration: 1500 * time.Millisecond})
				h.ev(session.ToolApprovalRequired{Tool: "issue_refund", CallID: "c2", Arguments: `{"order_id":"A2"}`})
				h.key(keyTab)
				h.key(runeKey('a'))
				h.key(keyEnter)
				h.ev(session.ToolStart{Tool: "issue_refund", CallID: "c2", Arguments: `{"order_id":"A2"}`},
					session.ToolEnd{Tool: "issue_refund", CallID: "c2", Arguments: `{"order_id":"A2"}`, Output: `{"refund_id":"R-2"}`, Duration: 0},
					session.ToolStart{Tool: "issue_refund", CallID: "c3", Arguments: `{"order_id":"A3"}`},
					session.ToolEnd{Tool: "issue_refund", CallID: "c3", Arguments: `{"order_id":"A3"}`, Output: `{"refund_id":"R-3"}`, Duration: 65 * time.Second},
				)
			},
			want: []string{"✗ not run", "rejected by you", "✓ <1ms", "always approved by you", "✓ 1m05s",
				"approved automatically (you chose always)"},
		},
		{
			name:  "help",
			setup: func(h *harness) { h.key(keyF1) },
			want: []string{"rtagent — keys", "esc/ctrl+x", "interrupt", "f2/ctrl+o", "mute", "ctrl+space/f3",
				"push to talk", "tab/f5", "switch agent", "f4", "event log", "f6", "expand the latest tool call", "ctrl+l", "redraw", "f7", "mouse capture on/off", "pgup/pgdn", "home/end", "ctrl+c ×2", "quit",
				"f8/ctrl+t", "text ↔ voice", "f9/ctrl+g", "voice activity detection ↔ push-to-talk", "f10", "audio devices",
				"ctrl+r", "reload the agents file", "f12", "session configuration sent"},
		},
		{
			// The help scrolls where it does not fit (80×24): the approval keys
			// are at its end.
			name:  "help_end",
			setup: func(h *harness) { h.key(keyF1); h.key(keyPgDown); h.key(keyPgDown) },
			want:  []string{"y approve", "v always reject (never)", "the same keys as run --approve ask", "f12"},
		},
		{
			name:  "picker",
			setup: func(h *harness) { h.key(keyTab) },
			want:  []string{"switch agent", "▸ billing", "concierge (active)"},
		},
	}, controlScenarios()...)
}

func TestViewGolden(t *testing.T) {
	for _, sc := range scenarios() {
		for _, sz := range sizes {
			name := fmt.Sprintf("%s_%dx%d", sc.name, sz.w, sz.h)
			t.Run(name, func(t *testing.T) {
				var mods []func(*Options)
				if sc.opts != nil {
					mods = append(mods, sc.opts)
				}
				h := newHarness(t, sz.w, sz.h, mods...)
				sc.setup(h)
				frame := h.m.View().Content
				checkFrame(t, frame, sz.w, sz.h)
				got := h.view()
				mustContain(t, got, sc.want...)
				golden(t, name, got)
			})
		}
	}
}

// Every element is missing from an empty screen: the substring checks above
// would fail if the element were not drawn.
func TestScenarioWantsAbsentOnEmptyScreen(t *testing.T) {
	h := newHarness(t, 120, 40)
	empty := h.view()
	for _, sc := range scenarios() {
		if sc.name == "status" {
			continue // the status line is always there; its numbers are checked below
		}
		missing := 0
		for _, w := range sc.want {
			if !strings.Contains(empty, w) {
				missing++
			}
		}
		if missing == 0 {
			t.Errorf("%s: every expected substring is already on an empty screen", sc.name)
		}
	}
	mustNotContain(t, empty, "latency 640ms", "$0.0123", "03:21", "████")
}

func TestNoColorHasNoEscapes(t *testing.T) {
	h := newHarness(t, 80, 24)
	scenarios()[1].setup(h)
	if strings.Contains(h.m.View().Content, "\x1b[") {
		t.Errorf("NoColor frame contains escape sequences:\n%q", h.m.View().Content)
	}
}

func TestNoColorEnv(t *testing.T) {
	t.Setenv("NO_COLOR", "1")
	h := newHarness(t, 80, 24, func(o *Options) { o.NoColor = false })
	scenarios()[1].setup(h)
	if strings.Contains(h.m.View().Content, "\x1b[") {
		t.Errorf("NO_COLOR=1 frame contains escape sequences")
	}
}

func TestColorWithoutNoColor(t *testing.T) {
	t.Setenv("NO_COLOR", "")
	h := newHarness(t, 80, 24, func(o *Options) { o.NoColor = false })
	scenarios()[1].setup(h) // tools: an error card is red
	frame := h.m.View().Content
	if !strings.Contains(frame, "\x1b[") {
		t.Fatal("colour frame has no escape sequences")
	}
	if !strings.Contains(frame, "\x1b[91m") && !strings.Contains(frame, "\x1b[38;5;9m") {
		t.Errorf("error card is not red:\n%q", frame)
	}
	checkFrame(t, frame, 80, 24)
}
