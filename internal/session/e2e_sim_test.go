package session

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtagent/rtagent/internal/audio/wallclock"
	"github.com/rtagent/rtagent/internal/guardrail"
	"github.com/rtagent/rtagent/internal/realtime"
	"github.com/rtagent/rtagent/internal/realtime/sim"
	"github.com/rtagent/rtagent/internal/testkit"
	"github.com/rtagent/rtagent/internal/testkit/rig"
	"github.com/rtagent/rtagent/internal/tools"
)

// End-to-end tests over the real simulator, through the real openai Model on a
// loopback WebSocket. Every frame is captured through the Model's trace (audio
// included); each test ends by validating all client frames (strict schema) and all
// server frames (sequence-strict), and by checking the R12.2 ordering of the events.

// simFrame is one traced frame.
type simFrame struct {
	TMS   int64           // trace time (ms since connect)
	Dir   string          // client or server
	Raw   json.RawMessage // the frame as sent or received
	Type  string
	Event map[string]any
}

func (f simFrame) str(path ...string) string {
	v, _ := jpath(f.Event, path...).(string)
	return v
}

func (f simFrame) num(path ...string) (float64, bool) {
	v, ok := jpath(f.Event, path...).(float64)
	return v, ok
}

func jpath(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

// simRig is one started session over the simulator.
type simRig struct {
	t   *testing.T
	s   *Session
	rec *recorder
	rig *rig.Rig[*Session]

	once   sync.Once
	frames []simFrame
}

// startSim starts the simulator with opts and a session with cfg on the real Model.
func startSim(t *testing.T, opts sim.Options, cfg Config) *simRig {
	t.Helper()
	rg := rig.Open(t, rig.Config{Sim: opts, APIKey: "sk-e2e-sim", TraceAudio: true}, func(m realtime.Model) (*Session, error) {
		cfg.Model = m
		return New(cfg)
	})
	r := &simRig{t: t, s: rg.Session, rec: record(rg.Session), rig: rg}
	t.Cleanup(r.stop)
	ctx, cancel := context.WithTimeout(t.Context(), waitTimeout)
	defer cancel()
	rg.Start(ctx, r.rec.Done())
	waitEvent[SessionReady](t, r.rec, nil)
	return r
}

// stop closes the session and the simulator (idempotent) and parses the trace.
func (r *simRig) stop() {
	r.once.Do(func() {
		for _, tf := range r.rig.Frames() {
			f := simFrame{TMS: tf.TMS, Dir: tf.Dir, Raw: tf.Event, Type: tf.Type}
			if err := json.Unmarshal(tf.Event, &f.Event); err != nil {
				r.t.Errorf("trace frame: %v", err)
				continue
			}
			r.frames = append(r.frames, f)
		}
	})
}

// finish ends the session and runs the checks every test shares: all client frames
// valid (strict), all server frames valid (sequence-strict), R12.2 ordering, no
// error event, no server error frame. It returns the events and the trace.
func (r *simRig) finish() ([]Event, []simFrame) {
	t := r.t
	t.Helper()
	r.stop()
	evs := r.rec.events()
	var client, server [][]byte
	for _, f := range r.frames {
		switch f.Dir {
		case "client":
			client = append(client, f.Raw)
		case "server":
			server = append(server, f.Raw)
			if f.Type == "error" {
				t.Errorf("server error frame: %s", f.Raw)
			}
		default:
			t.Errorf("trace frame with direction %q", f.Dir)
		}
	}
	testkit.ValidateClientFrames(t, client)
	testkit.ValidateServerFrames(t, server)
	checkOrdering(t, evs)
	for _, e := range eventsOf[Error](evs) {
		t.Errorf("unexpected error event: %+v", e)
	}
	if bytes.Contains(r.rig.Trace.Bytes(), []byte("sk-e2e-sim")) {
		t.Errorf("the API key reached the trace")
	}
	return evs, r.frames
}

// waitIdle waits for the Idle that follows the n-th typed text.
func (r *simRig) waitIdle(n int) {
	r.t.Helper()
	waitEvent(r.t, r.rec, func(e Idle) bool { return e.Turns == n })
}

func (r *simRig) send(text string) {
	r.t.Helper()
	if err := r.s.SendText(text); err != nil {
		r.t.Fatal(err)
	}
}

// evStep is one expected event of an ordered sequence.
type evStep struct {
	what string
	ok   func(Event) bool
}

func step[T Event](what string, pred func(T) bool) evStep {
	return evStep{what: what, ok: func(e Event) bool {
		v, ok := e.(T)
		return ok && (pred == nil || pred(v))
	}}
}

// assertEventOrder finds the steps in evs, each strictly after the previous one,
// starting at from, and returns their indexes.
func assertEventOrder(t *testing.T, evs []Event, from int, steps ...evStep) []int {
	t.Helper()
	idx := make([]int, 0, len(steps))
	i := from
	for _, st := range steps {
		found := -1
		for j := i; j < len(evs); j++ {
			if st.ok(evs[j]) {
				found = j
				break
			}
		}
		if found < 0 {
			t.Fatalf("event order: %q not found after event %d (previous steps at %v); events:%s", st.what, i, idx, fmtEvents(evs))
		}
		idx = append(idx, found)
		i = found + 1
	}
	return idx
}

// frameIndex returns the index of the first frame at or after from with direction dir
// and type typ matching pred, or -1.
func frameIndex(fs []simFrame, from int, dir, typ string, pred func(simFrame) bool) int {
	for i := max(from, 0); i < len(fs); i++ {
		f := fs[i]
		if f.Dir == dir && f.Type == typ && (pred == nil || pred(f)) {
			return i
		}
	}
	return -1
}

func mustFrame(t *testing.T, fs []simFrame, from int, dir, typ, what string, pred func(simFrame) bool) int {
	t.Helper()
	i := frameIndex(fs, from, dir, typ, pred)
	if i < 0 {
		t.Fatalf("trace: no %s %s (%s) at or after frame %d; trace:%s", dir, typ, what, from, fmtFrames(fs))
	}
	return i
}

func countFrames(fs []simFrame, dir, typ string, pred func(simFrame) bool) int {
	n := 0
	for _, f := range fs {
		if f.Dir == dir && f.Type == typ && (pred == nil || pred(f)) {
			n++
		}
	}
	return n
}

func fmtFrames(fs []simFrame) string {
	var b strings.Builder
	for i, f := range fs {
		if f.Type == "response.output_audio.delta" || f.Type == "input_audio_buffer.append" {
			continue
		}
		raw := string(f.Raw)
		if len(raw) > 240 {
			raw = raw[:240] + "…"
		}
		fmt.Fprintf(&b, "\n  %3d %s %s", i, f.Dir, raw)
	}
	return b.String()
}

// userTextCreate matches the client conversation.item.create of a user text.
func userTextCreate(text string) func(simFrame) bool {
	return func(f simFrame) bool {
		it, _ := f.Event["item"].(map[string]any)
		if it["type"] != "message" || it["role"] != "user" {
			return false
		}
		parts, _ := it["content"].([]any)
		for _, p := range parts {
			if jpath(p, "type") == "input_text" && jpath(p, "text") == text {
				return true
			}
		}
		return false
	}
}

func outputCreate(callID string) func(simFrame) bool {
	return func(f simFrame) bool {
		return f.str("item", "type") == "function_call_output" && f.str("item", "call_id") == callID
	}
}

func responseIs(id string) func(simFrame) bool {
	return func(f simFrame) bool { return f.str("response", "id") == id }
}

// receivedAudioMS is the output audio of item received before frame end, in ms
// (PCM16 24 kHz, R7.1).
func receivedAudioMS(t *testing.T, fs []simFrame, end int, itemID string) int {
	t.Helper()
	n := 0
	for _, f := range fs[:end] {
		if f.Dir != "server" || f.Type != "response.output_audio.delta" || f.str("item_id") != itemID {
			continue
		}
		b, err := base64.StdEncoding.DecodeString(f.str("delta"))
		if err != nil {
			t.Fatalf("audio delta is not base64 (TraceAudio): %v", err)
		}
		n += len(b)
	}
	return n / realtime.PCM24k.BytesPerMS()
}

// checkToolWireOrder asserts R8.10 for one call: its function_call_output item create
// is sent after the call completed and before the response.create of the follow-up.
func checkToolWireOrder(t *testing.T, fs []simFrame, callID, output string) {
	t.Helper()
	done := mustFrame(t, fs, 0, "server", "response.output_item.done", "function call "+callID, func(f simFrame) bool {
		return f.str("item", "call_id") == callID && f.str("item", "status") == "completed"
	})
	out := mustFrame(t, fs, 0, "client", "conversation.item.create", "output of "+callID, outputCreate(callID))
	if out < done {
		t.Errorf("R8.10: output of %s (frame %d) sent before the call completed (frame %d)", callID, out, done)
	}
	if got := fs[out].str("item", "output"); got != output {
		t.Errorf("function_call_output of %s = %q, want %q", callID, got, output)
	}
	create := mustFrame(t, fs, done+1, "client", "response.create", "follow-up of "+callID, nil)
	if create < out {
		t.Errorf("R8.10: response.create (frame %d) precedes the output of %s (frame %d)", create, callID, out)
	}
	// And the server answered the follow-up with a new response after it.
	mustFrame(t, fs, create+1, "server", "response.created", "follow-up response of "+callID, nil)
}

func textSettings() realtime.Settings {
	base := baseSettings()
	base.OutputModalities = []string{realtime.ModalityText}
	base.TurnDetection = nil
	base.Transcription = nil
	return base
}

func audioSettings() realtime.Settings {
	base := baseSettings()
	base.TurnDetection = nil
	base.Transcription = nil
	return base
}

// 1. Plain text turns: agent_start → final transcript → usage → agent_end → idle,
// per turn (R12.2 #2), over §5.2.
func TestE2ESimTextTurns(t *testing.T) {
	r := startSim(t, sim.Options{}, Config{Base: textSettings(), Prices: &Prices{TextIn: 1, TextOut: 1},
		Agents: []*Agent{{Name: "concierge", Instructions: "Front desk."}}})

	r.send("hello")
	r.waitIdle(1)
	r.send("and good morning")
	r.waitIdle(2)

	evs, fs := r.finish()
	from := 0
	for i, msg := range []string{"hello", "and good morning"} {
		want := "You said: " + msg
		var resp string
		idx := assertEventOrder(t, evs, from,
			step("history_added user "+msg, func(e HistoryAdded) bool {
				return e.Item.Kind == "user" && len(e.Item.Parts) > 0 && e.Item.Parts[0].Text == msg
			}),
			step("agent_start", func(e AgentStart) bool { resp = e.ResponseID; return e.Agent == "concierge" }),
		)
		idx = assertEventOrder(t, evs, idx[1]+1,
			step("final transcript "+want, func(e Transcript) bool {
				return e.Final && e.Role == "assistant" && e.ResponseID == resp && e.Text == want && e.Agent == "concierge"
			}),
			step("usage", func(e UsageEvent) bool {
				return e.ResponseID == resp && e.Usage.TotalTokens > 0 && e.CostUSD > 0
			}),
			step("agent_end completed", func(e AgentEnd) bool {
				return e.ResponseID == resp && e.Agent == "concierge" && e.Status == "completed"
			}),
			step(fmt.Sprintf("idle{%d}", i+1), func(e Idle) bool { return e.Turns == i+1 }),
		)
		from = idx[len(idx)-1] + 1
	}
	if n := len(eventsOf[AgentStart](evs)); n != 2 {
		t.Errorf("%d responses, want 2", n)
	}

	// Wire: the connect update first (§5.1), then per turn item.create < response.create.
	// (session.created is sent by the server at once, so it may be traced first.)
	first := frameIndex(fs, 0, "client", "session.update", nil)
	if first < 0 {
		t.Fatalf("the first client frame is not the session.update:%s", fmtFrames(fs))
	}
	for _, f := range fs[:first] {
		if f.Dir == "client" {
			t.Fatalf("client %s before the connect session.update", f.Type)
		}
	}
	if got := fs[first].str("session", "instructions"); !strings.Contains(got, "Front desk.") {
		t.Errorf("connect instructions = %q", got)
	}
	pos := 0
	for _, msg := range []string{"hello", "and good morning"} {
		c := mustFrame(t, fs, pos, "client", "conversation.item.create", msg, userTextCreate(msg))
		rc := mustFrame(t, fs, c+1, "client", "response.create", "turn "+msg, nil)
		d := mustFrame(t, fs, rc+1, "server", "response.done", "turn "+msg, func(f simFrame) bool {
			return f.str("response", "status") == "completed"
		})
		pos = d + 1
	}
	if n := countFrames(fs, "client", "response.create", nil); n != 2 {
		t.Errorf("%d response.create frames, want 2", n)
	}
}

// 2. Tools: a command tool (a real process) and a builtin, each named in a message:
// tool_start(arguments) → tool_end(output) → "<tool> returned: …", and the R8.10 wire
// order (output item create before the follow-up response.create).
func TestE2ESimTools(t *testing.T) {
	cat, err := tools.NewCommand(tools.Definition{
		Name:        "lookup_order",
		Description: "Look an order up.",
		Parameters:  json.RawMessage(`{"type":"object","properties":{"order_id":{"type":"string"}},"required":["order_id"],"additionalProperties":false}`),
	}, tools.CommandConfig{Argv: []string{"/bin/cat"}})
	if err != nil {
		t.Fatal(err)
	}
	clock, err := tools.NewBuiltin("clock", tools.Definition{})
	if err != nil {
		t.Fatal(err)
	}
	r := startSim(t, sim.Options{}, Config{Base: textSettings(),
		Agents: []*Agent{{Name: "concierge", Instructions: "Front desk.", Tools: []tools.Tool{cat, clock}}}})

	r.send("please lookup_order order_id=A42")
	r.waitIdle(1)
	r.send("what does the clock say for timezone=Europe/Paris")
	r.waitIdle(2)

	evs, fs := r.finish()
	type toolCase struct {
		tool, args string
		output     func(string) bool
	}
	cases := []toolCase{
		{"lookup_order", `{"order_id":"A42"}`, func(o string) bool { return o == `{"order_id":"A42"}` }},
		{"clock", `{"timezone":"Europe/Paris"}`, func(o string) bool {
			return strings.Contains(o, `"timezone":"Europe/Paris"`) && strings.Contains(o, `"date":"`)
		}},
	}
	from := 0
	for i, c := range cases {
		var start ToolStart
		var end ToolEnd
		var resp1, resp2 string
		idx := assertEventOrder(t, evs, from,
			step("agent_start (call)", func(e AgentStart) bool { resp1 = e.ResponseID; return true }),
			step("tool_start "+c.tool, func(e ToolStart) bool {
				start = e
				return e.Tool == c.tool && e.Agent == "concierge"
			}),
		)
		// The tool runs asynchronously (R8.3): its tool_end may come before or after
		// the call's response ends (§5.4); the follow-up starts after both.
		iEnd := assertEventOrder(t, evs, idx[1]+1,
			step("tool_end "+c.tool, func(e ToolEnd) bool { end = e; return e.CallID == start.CallID }))[0]
		iDone := assertEventOrder(t, evs, idx[1]+1,
			step("agent_end (call)", func(e AgentEnd) bool { return e.ResponseID == resp1 && e.Status == "completed" }))[0]
		idx = assertEventOrder(t, evs, max(iEnd, iDone)+1,
			step("agent_start (follow-up)", func(e AgentStart) bool { resp2 = e.ResponseID; return true }),
		)
		var want string
		idx = assertEventOrder(t, evs, idx[len(idx)-1]+1,
			step("final transcript", func(e Transcript) bool {
				want = c.tool + " returned: " + strings.Join(strings.Fields(end.Output), " ")
				return e.Final && e.Role == "assistant" && e.ResponseID == resp2
			}),
			step("agent_end (follow-up)", func(e AgentEnd) bool { return e.ResponseID == resp2 && e.Status == "completed" }),
			step(fmt.Sprintf("idle{%d}", i+1), func(e Idle) bool { return e.Turns == i+1 }),
		)
		from = idx[len(idx)-1] + 1
		if start.Arguments != c.args || end.Arguments != c.args {
			t.Errorf("%s arguments: start %q end %q, want %q", c.tool, start.Arguments, end.Arguments, c.args)
		}
		if !c.output(end.Output) || end.Error != "" {
			t.Errorf("%s: tool_end output %q error %q", c.tool, end.Output, end.Error)
		}
		tr := evs[idx[0]].(Transcript)
		if tr.Text != want {
			t.Errorf("%s: assistant said %q, want %q", c.tool, tr.Text, want)
		}
		checkToolWireOrder(t, fs, start.CallID, end.Output)
	}
	if n := len(eventsOf[ToolStart](evs)); n != 2 {
		t.Errorf("%d tool_start events, want 2", n)
	}
}

// 3. Handoff (R9.2, §5.5): handoff{concierge→billing}; on the wire the session.update
// with billing's instructions precedes the function_call_output, which precedes the
// response.create; the follow-up response is billing's (R9.4, R12.2 #6).
func TestE2ESimHandoff(t *testing.T) {
	r := startSim(t, sim.Options{}, Config{Base: textSettings(), Agents: []*Agent{
		{Name: "concierge", Instructions: "Front desk.", Handoffs: []HandoffTarget{{Agent: "billing"}}},
		{Name: "billing", Instructions: "Billing desk: invoices and refunds."},
	}})
	r.send("transfer to billing")
	r.waitIdle(1)
	if got := r.s.ActiveAgent(); got != "billing" {
		t.Errorf("active agent %q, want billing", got)
	}
	r.send("hello")
	r.waitIdle(2)

	evs, fs := r.finish()
	var ho Handoff
	var resp1, resp2 string
	idx := assertEventOrder(t, evs, 0,
		step("agent_start concierge", func(e AgentStart) bool { resp1 = e.ResponseID; return e.Agent == "concierge" }),
		step("handoff concierge→billing", func(e Handoff) bool {
			ho = e
			return e.FromAgent == "concierge" && e.ToAgent == "billing" && !e.Manual && e.CallID != ""
		}),
		step("agent_end concierge", func(e AgentEnd) bool { return e.ResponseID == resp1 && e.Agent == "concierge" }),
		step("agent_start billing", func(e AgentStart) bool { resp2 = e.ResponseID; return e.Agent == "billing" }),
	)
	assertEventOrder(t, evs, idx[3]+1,
		step("Hi, this is billing.", func(e Transcript) bool {
			return e.Final && e.ResponseID == resp2 && e.Text == "Hi, this is billing." && e.Agent == "billing"
		}),
		step("agent_end billing", func(e AgentEnd) bool { return e.ResponseID == resp2 && e.Agent == "billing" }),
		step("idle{1}", func(e Idle) bool { return e.Turns == 1 }),
		step("agent_start billing (turn 2)", func(e AgentStart) bool { return e.Agent == "billing" }),
		step("You said: hello", func(e Transcript) bool {
			return e.Final && e.Text == "You said: hello" && e.Agent == "billing"
		}),
		step("idle{2}", func(e Idle) bool { return e.Turns == 2 }),
	)

	// Wire (R9.2 steps 3–5).
	done := mustFrame(t, fs, 0, "server", "response.output_item.done", "handoff call", func(f simFrame) bool {
		return f.str("item", "call_id") == ho.CallID && f.str("item", "name") == "transfer_to_billing"
	})
	upd := mustFrame(t, fs, done+1, "client", "session.update", "billing's update", nil)
	if got := fs[upd].str("session", "instructions"); !strings.Contains(got, "Billing desk: invoices and refunds.") {
		t.Errorf("handoff session.update instructions = %q", got)
	}
	connect := mustFrame(t, fs, 0, "client", "session.update", "connect update", nil)
	if got, now := fs[connect].str("session", "model"), fs[upd].str("session", "model"); now != "" && now != got {
		t.Errorf("R9.2: handoff update changed the model %q → %q", got, now)
	}
	if got, now := fs[connect].str("session", "audio", "output", "voice"), fs[upd].str("session", "audio", "output", "voice"); now != "" && now != got {
		t.Errorf("R9.2: handoff update changed the voice %q → %q", got, now)
	}
	out := mustFrame(t, fs, 0, "client", "conversation.item.create", "handoff output", outputCreate(ho.CallID))
	if out < upd {
		t.Errorf("R9.2: function_call_output (frame %d) precedes the session.update (frame %d)", out, upd)
	}
	var payload map[string]string
	if err := json.Unmarshal([]byte(fs[out].str("item", "output")), &payload); err != nil || payload["assistant"] != "billing" {
		t.Errorf("handoff output = %q, want {\"assistant\":\"billing\"}", fs[out].str("item", "output"))
	}
	create := mustFrame(t, fs, upd+1, "client", "response.create", "follow-up of the handoff", nil)
	if create < out {
		t.Errorf("response.create (frame %d) precedes the handoff output (frame %d)", create, out)
	}
	// The update was applied before the follow-up was created (S processes in order).
	updated := mustFrame(t, fs, upd+1, "server", "session.updated", "billing's update applied", nil)
	created := mustFrame(t, fs, create+1, "server", "response.created", "billing's response", nil)
	if updated > created {
		t.Errorf("session.updated (frame %d) after the follow-up response.created (frame %d)", updated, created)
	}
	if !strings.Contains(fs[updated].str("session", "instructions"), "Billing desk") {
		t.Errorf("effective instructions after the handoff = %q", fs[updated].str("session", "instructions"))
	}
}

// cardGuardrail denies card numbers.
func cardGuardrail(t *testing.T) guardrail.Guardrail {
	t.Helper()
	g, err := guardrail.NewDenyRegex("card_number", `\b(?:\d{4}[ -]?){3}\d{4}\b`)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// A message that makes a long answer with the card number early: the first debounced
// check (≥100 characters) trips while the answer is still streaming.
const cardMessage = "my card number is 4111 1111 1111 1111 and I would like you to read it back " +
	"to me together with a good number of other words so that this answer keeps on " +
	"streaming for quite a while after the first guardrail check has already run and " +
	"found the number that must never be said out loud by the assistant at all today"

// 4. Output guardrail trip while streaming (R10.4, §5.9), text and audio modality.
func TestE2ESimOutputGuardrail(t *testing.T) {
	for _, mode := range []string{"text", "audio"} {
		t.Run(mode, func(t *testing.T) {
			base := textSettings()
			if mode == "audio" {
				base = audioSettings()
			}
			r := startSim(t, sim.Options{Pace: 4}, Config{Base: base, Agents: []*Agent{
				{Name: "concierge", Instructions: "Front desk.", OutputGuardrails: []guardrail.Guardrail{cardGuardrail(t)}},
			}})
			r.send(cardMessage)
			r.waitIdle(1)
			evs, fs := r.finish()

			var trip GuardrailTripped
			var resp1, resp2 string
			steps := []evStep{
				step("agent_start R1", func(e AgentStart) bool { resp1 = e.ResponseID; return true }),
				step("guardrail_tripped", func(e GuardrailTripped) bool { trip = e; return e.ResponseID == resp1 }),
			}
			var ai AudioInterrupted
			if mode == "audio" {
				steps = append(steps, step("audio_interrupted(guardrail)", func(e AudioInterrupted) bool {
					ai = e
					return e.ResponseID == resp1 && e.Reason == ReasonGuardrail
				}))
			}
			steps = append(steps,
				step("agent_end R1 cancelled", func(e AgentEnd) bool { return e.ResponseID == resp1 && e.Status == "cancelled" }),
				step("agent_start R2", func(e AgentStart) bool { resp2 = e.ResponseID; return true }),
				step("replacement answer", func(e Transcript) bool {
					return e.Final && e.ResponseID == resp2 && e.Text == "You said: guardrail triggered: card_number"
				}),
				step("agent_end R2", func(e AgentEnd) bool { return e.ResponseID == resp2 && e.Status == "completed" }),
				step("idle{1}", func(e Idle) bool { return e.Turns == 1 }),
			)
			idx := assertEventOrder(t, evs, 0, steps...)
			if trip.Kind != GuardrailOutput || len(trip.Guardrails) != 1 || trip.Guardrails[0] != "card_number" || trip.Agent != "concierge" {
				t.Errorf("guardrail_tripped = %+v", trip)
			}
			if strings.Contains(trip.Message, "4111") || trip.Message != "[withheld by guardrail card_number]" || trip.CheckedChars < 100 {
				t.Errorf("trip %+v: want the marker and a debounced check (≥100 chars), never the card number", trip)
			}
			if trip.CheckedChars >= len("You said: "+cardMessage) {
				t.Errorf("the trip came only with the whole answer (%d chars): the response was no longer streaming", trip.CheckedChars)
			}
			if n := len(eventsOf[GuardrailTripped](evs)); n != 1 {
				t.Errorf("%d guardrail_tripped events, want 1", n)
			}
			// R10.4 step 1: nothing of R1 is forwarded after the trip.
			for _, ev := range evs[idx[1]+1:] {
				switch e := ev.(type) {
				case Transcript:
					if e.ResponseID == resp1 {
						t.Errorf("transcript of the tripped response after the trip: %+v", e)
					}
				case AudioStarted:
					if e.ResponseID == resp1 {
						t.Errorf("audio of the tripped response after the trip")
					}
				}
			}
			if mode == "text" && len(eventsOf[AudioInterrupted](evs)) != 0 {
				t.Errorf("audio_interrupted in text mode (R10.4 step 3)")
			}

			// Wire: cancel R1 (forced) → [truncate] → corrective user message → R1 done
			// cancelled → response.create → replacement.
			cancel := mustFrame(t, fs, 0, "client", "response.cancel", "cancel of R1", func(f simFrame) bool {
				return f.str("response_id") == resp1
			})
			if n := countFrames(fs, "client", "response.cancel", nil); n != 1 {
				t.Errorf("%d response.cancel frames, want 1", n)
			}
			next := cancel + 1
			if mode == "audio" {
				trunc := mustFrame(t, fs, cancel+1, "client", "conversation.item.truncate", "truncate of R1's item", func(f simFrame) bool {
					return f.str("item_id") == ai.ItemID
				})
				end, _ := fs[trunc].num("audio_end_ms")
				received := receivedAudioMS(t, fs, trunc, ai.ItemID)
				if int(end) > ai.PlayedMS || int(end) > received {
					t.Errorf("R7.4: audio_end_ms %v, played %d ms, received %d ms", end, ai.PlayedMS, received)
				}
				if int(end) >= received {
					t.Errorf("audio_end_ms %v = all received audio (%d ms): Pace 4 should leave audio unplayed", end, received)
				}
				if ci, _ := fs[trunc].num("content_index"); ci != 0 {
					t.Errorf("truncate content_index %v", ci)
				}
				mustFrame(t, fs, trunc+1, "server", "conversation.item.truncated", "truncated", func(f simFrame) bool {
					v, _ := f.num("audio_end_ms")
					return f.str("item_id") == ai.ItemID && v == end
				})
				mustFrame(t, fs, trunc+1, "client", "conversation.item.retrieve", "R7.9 retrieve", func(f simFrame) bool {
					return f.str("item_id") == ai.ItemID
				})
				next = trunc + 1
			}
			msg := mustFrame(t, fs, next, "client", "conversation.item.create", "guardrail message",
				userTextCreate("guardrail triggered: card_number"))
			done1 := mustFrame(t, fs, cancel+1, "server", "response.done", "R1 done", responseIs(resp1))
			if st := fs[done1].str("response", "status"); st != "cancelled" {
				t.Errorf("R1 ended %q, want cancelled", st)
			}
			if rs := fs[done1].str("response", "status_details", "reason"); rs != "client_cancelled" {
				t.Errorf("R1 cancel reason %q, want client_cancelled", rs)
			}
			create := mustFrame(t, fs, msg+1, "client", "response.create", "replacement", nil)
			if create < done1 {
				t.Errorf("R6.3: response.create (frame %d) before R1's response.done (frame %d)", create, done1)
			}
			mustFrame(t, fs, create+1, "server", "response.created", "replacement", responseIs(resp2))
		})
	}
}

// 5. Approvals (R8.8): ask → approve runs it; reject sends the refusal and a
// follow-up; always is sticky: the next call runs without asking.
func TestE2ESimApprovals(t *testing.T) {
	refund, err := tools.NewBuiltin("echo", tools.Definition{Name: "refund", Description: "Refund an order.", NeedsApproval: true})
	if err != nil {
		t.Fatal(err)
	}
	r := startSim(t, sim.Options{}, Config{Base: textSettings(), Approval: ApprovalAsk,
		Agents: []*Agent{{Name: "concierge", Instructions: "Front desk.", Tools: []tools.Tool{refund}}}})

	type turn struct {
		text   string
		decide func(callID string) // nil: no approval expected
		output string
		runs   bool
	}
	turns := []turn{
		{"please refund text=A1", func(id string) { r.s.Approve(id, false) }, "A1", true},
		{"please refund text=B2", func(id string) { r.s.Reject(id, false, "") }, "Tool execution was not approved.", false},
		{"please refund text=C3", func(id string) { r.s.Approve(id, true) }, "C3", true},
		{"please refund text=D4", nil, "D4", true},
	}
	asked := 0
	for i, tc := range turns {
		r.send(tc.text)
		if tc.decide != nil {
			asked++
			ar := waitEventN[ToolApprovalRequired](t, r.rec, asked, nil)
			if want := `{"text":"` + strings.TrimPrefix(tc.text, "please refund text=") + `"}`; ar.Tool != "refund" || ar.Agent != "concierge" || ar.Arguments != want {
				t.Errorf("approval request %+v", ar)
			}
			// Nothing runs while the approval is pending.
			for _, e := range eventsOf[ToolStart](r.rec.events()) {
				if e.CallID == ar.CallID {
					t.Fatalf("tool started before approval: %+v", e)
				}
			}
			tc.decide(ar.CallID)
		}
		r.waitIdle(i + 1)
	}
	evs, fs := r.finish()

	if n := len(eventsOf[ToolApprovalRequired](evs)); n != 3 {
		t.Errorf("%d approval requests, want 3 (the 4th call is sticky-approved)", n)
	}
	from := 0
	for i, tc := range turns {
		var end ToolEnd
		var resp2 string
		steps := []evStep{}
		var callID string
		if tc.decide != nil {
			steps = append(steps, step("tool_approval_required", func(e ToolApprovalRequired) bool { callID = e.CallID; return true }))
		}
		if tc.runs {
			steps = append(steps, step("tool_start", func(e ToolStart) bool {
				if callID == "" {
					callID = e.CallID
				}
				return e.CallID == callID && e.Tool == "refund"
			}))
		}
		steps = append(steps,
			step("tool_end", func(e ToolEnd) bool { end = e; return e.Tool == "refund" && (callID == "" || e.CallID == callID) }),
			step("agent_start follow-up", func(e AgentStart) bool { resp2 = e.ResponseID; return true }),
			step("follow-up answer", func(e Transcript) bool {
				return e.Final && e.ResponseID == resp2 && e.Text == "refund returned: "+tc.output
			}),
			step(fmt.Sprintf("idle{%d}", i+1), func(e Idle) bool { return e.Turns == i+1 }),
		)
		idx := assertEventOrder(t, evs, from, steps...)
		if end.Output != tc.output {
			t.Errorf("turn %d: tool_end output %q, want %q", i+1, end.Output, tc.output)
		}
		if !tc.runs {
			if end.Error == "" {
				t.Errorf("turn %d: rejected call's tool_end has no error", i+1)
			}
			for _, e := range eventsOf[ToolStart](evs) {
				if e.CallID == end.CallID {
					t.Errorf("rejected call %s started", end.CallID)
				}
			}
		}
		checkToolWireOrder(t, fs, end.CallID, tc.output)
		from = idx[len(idx)-1] + 1
	}
}

// 6. Manual interrupt during an audio response (R7.6, R7.7): audio_interrupted with
// the played position, response.cancel (the client cancels for a manual interrupt),
// then conversation.item.truncate at ≤ the received audio. An interrupt when nothing
// plays sends nothing and emits nothing (R7.5 #1).
func TestE2ESimManualInterrupt(t *testing.T) {
	base := audioSettings()
	// The wall-clock estimator, counted: audio chunks are not session events.
	sink := &countingSink{Sink: wallclock.NewSink(base.OutputFormat.BytesPerMS()), notify: make(chan struct{}, 1)}
	r := startSim(t, sim.Options{Pace: 1, TruncateTranscript: true}, Config{Base: base, Agents: []*Agent{{Name: "concierge"}}, Audio: sink})

	// Nothing ever played: no-op.
	r.s.Interrupt(ReasonManual)

	r.send("please read this fairly long sentence back to me slowly and carefully word by word")
	first := waitEvent[AudioStarted](t, r.rec, nil)
	sink.waitChunks(t, first.ItemID, 4)
	r.s.Interrupt(ReasonManual)
	ai := waitEvent[AudioInterrupted](t, r.rec, nil)
	waitEvent(t, r.rec, func(e AgentEnd) bool { return e.ResponseID == ai.ResponseID })
	up := waitEvent(t, r.rec, func(e HistoryUpdated) bool {
		return e.Item != nil && e.Item.ID == ai.ItemID && e.Item.TruncatedAtMS != nil
	})
	r.waitIdle(1)

	// A short answer, played out in full: then nothing is playing any more.
	r.send("hi")
	waitEvent(t, r.rec, func(e Transcript) bool { return e.Final && e.Text == "You said: hi" })
	r.waitIdle(2)
	deadline := time.Now().Add(waitTimeout)
	for sink.State().Active {
		if time.Now().After(deadline) {
			t.Fatal("the wall-clock sink never finished playing")
		}
		time.Sleep(10 * time.Millisecond) // polling the estimator, bounded by the deadline
	}
	r.s.Interrupt(ReasonManual) // nothing playing, nothing active: no-op
	r.send("bye")
	waitEvent(t, r.rec, func(e Transcript) bool { return e.Final && e.Text == "You said: bye" })
	r.waitIdle(3)

	evs, fs := r.finish()
	if ai.Reason != ReasonManual || ai.ContentIndex != 0 || ai.ItemID != first.ItemID || ai.ResponseID != first.ResponseID {
		t.Errorf("audio_interrupted = %+v (first audio %s/%s)", ai, first.ResponseID, first.ItemID)
	}
	// The interrupt came after the 4th audio delta of the item was read, so the
	// wall-clock estimator (R7.3 fallback) had been playing the item at least as long
	// as the trace shows between the 1st and the 4th delta (minus scheduling slack).
	var deltaT []int64
	for _, f := range fs {
		if f.Dir == "server" && f.Type == "response.output_audio.delta" && f.str("item_id") == ai.ItemID {
			deltaT = append(deltaT, f.TMS)
		}
	}
	if len(deltaT) < 4 {
		t.Fatalf("%d audio deltas of %s in the trace", len(deltaT), ai.ItemID)
	}
	minPlayed := int(deltaT[3]-deltaT[0]) - 40
	if ai.PlayedMS < minPlayed {
		t.Errorf("R7.3/R7.4: audio_interrupted played_ms = %d, but the item had been playing for ≥ %d ms "+
			"(deltas read at t=%d…%d ms at real-time pace); the wall-clock sink lost the played position", ai.PlayedMS, minPlayed, deltaT[0], deltaT[3])
	}
	if n := len(eventsOf[AudioInterrupted](evs)); n != 1 {
		t.Errorf("%d audio_interrupted events, want 1 (R7.5 #1: none when nothing plays)", n)
	}
	assertEventOrder(t, evs, 0,
		step("agent_start", func(e AgentStart) bool { return e.ResponseID == ai.ResponseID }),
		step("audio_started", func(e AudioStarted) bool { return e.ItemID == ai.ItemID }),
		step("audio_interrupted", func(e AudioInterrupted) bool { return e.ItemID == ai.ItemID }),
		step("agent_end cancelled", func(e AgentEnd) bool { return e.ResponseID == ai.ResponseID && e.Status == "cancelled" }),
	)

	cancel := mustFrame(t, fs, 0, "client", "response.cancel", "manual cancel (R7.7)", func(f simFrame) bool {
		return f.str("response_id") == ai.ResponseID
	})
	trunc := mustFrame(t, fs, 0, "client", "conversation.item.truncate", "truncate", nil)
	if trunc < cancel {
		t.Errorf("R7.6 step 5: truncate (frame %d) before cancel (frame %d)", trunc, cancel)
	}
	if fs[trunc].str("item_id") != ai.ItemID {
		t.Errorf("truncated %q, want %q", fs[trunc].str("item_id"), ai.ItemID)
	}
	end, _ := fs[trunc].num("audio_end_ms")
	received := receivedAudioMS(t, fs, trunc, ai.ItemID)
	if int(end) > received || int(end) > ai.PlayedMS || int(end) < min(minPlayed, received) {
		t.Errorf("R7.4: audio_end_ms %v; played %d ms, received %d ms", end, ai.PlayedMS, received)
	}
	if *up.Item.TruncatedAtMS != int(end) {
		t.Errorf("history truncated_at_ms %d, wire audio_end_ms %v", *up.Item.TruncatedAtMS, end)
	}
	done := mustFrame(t, fs, cancel+1, "server", "response.done", "cancelled response", responseIs(ai.ResponseID))
	if st := fs[done].str("response", "status"); st != "cancelled" {
		t.Errorf("interrupted response ended %q", st)
	}
	mustFrame(t, fs, trunc+1, "server", "conversation.item.truncated", "truncated", func(f simFrame) bool {
		v, _ := f.num("audio_end_ms")
		return f.str("item_id") == ai.ItemID && v == end
	})
	// R7.5 #1 / R6.3: the two idle interrupts sent nothing.
	if n := countFrames(fs, "client", "conversation.item.truncate", nil); n != 1 {
		t.Errorf("%d truncate frames, want 1:%s", n, fmtFrames(fs))
	}
	if n := countFrames(fs, "client", "response.cancel", nil); n != 1 {
		t.Errorf("%d response.cancel frames, want 1", n)
	}
	// The first interrupt came before any response: the first client frames after the
	// connect update are the first turn's.
	for _, f := range fs {
		if f.Dir == "client" && f.Type != "session.update" {
			if f.Type != "conversation.item.create" {
				t.Errorf("first client frame after connect is %s, want the user's item.create", f.Type)
			}
			break
		}
	}
}

// countingSink is the wall-clock estimator with a count of the chunks it was given
// per item, for tests that act after the n-th audio delta.
type countingSink struct {
	*wallclock.Sink
	mu     sync.Mutex
	chunks map[string]int
	notify chan struct{}
}

func (c *countingSink) Enqueue(responseID, itemID string, contentIndex int, pcm []byte) {
	c.Sink.Enqueue(responseID, itemID, contentIndex, pcm)
	c.mu.Lock()
	if c.chunks == nil {
		c.chunks = map[string]int{}
	}
	c.chunks[itemID]++
	c.mu.Unlock()
	select {
	case c.notify <- struct{}{}:
	default:
	}
}

// waitChunks waits until n chunks of itemID were enqueued.
func (c *countingSink) waitChunks(t *testing.T, itemID string, n int) {
	t.Helper()
	deadline := time.NewTimer(waitTimeout)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		got := c.chunks[itemID]
		c.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-c.notify:
		case <-deadline.C:
			t.Fatalf("timed out waiting for %d audio chunks of %s; got %d", n, itemID, got)
		}
	}
}
