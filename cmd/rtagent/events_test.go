package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/rtagent/rtagent"
	"github.com/rtagent/rtagent/internal/agent"
	"github.com/rtagent/rtagent/internal/realtime"
	"github.com/rtagent/rtagent/internal/session"
)

// compiledEvents is the published (embedded) events schema compiled once with an independent validator.
var compiledEvents = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(rtagent.EventsSchema))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(eventsSchemaID, doc); err != nil {
		return nil, err
	}
	return c.Compile(eventsSchemaID)
})

// validateEventLines checks every line of a JSONL stream against the events
// schema; it returns the number of lines checked and the problems found.
func validateEventLines(data []byte) (int, []string) {
	s, err := compiledEvents()
	if err != nil {
		return 0, []string{"the events schema does not compile: " + err.Error()}
	}
	var problems []string
	n := 0
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		n++
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(line))
		if err == nil {
			err = s.Validate(v)
		}
		if err != nil {
			problems = append(problems, string(line)+"\n  "+err.Error())
		}
	}
	return n, problems
}

// isJSONLRun reports whether a command line is `rtagent run ... --format jsonl`.
func isJSONLRun(args []string) bool {
	if len(args) == 0 || args[0] != "run" {
		return false
	}
	for i, a := range args {
		if a == "--format=jsonl" || a == "--format" && i+1 < len(args) && args[i+1] == "jsonl" {
			return true
		}
	}
	return false
}

// Every event type the printer can produce validates against the schema, with its
// optional fields set and unset.
func TestEveryEventLineValidates(t *testing.T) {
	var out bytes.Buffer
	clock := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	now := func() time.Time { clock = clock.Add(7 * time.Millisecond); return clock }
	p := newEventPrinter(&out, "jsonl", now)
	cfg := &agent.Config{Agents: []agent.Agent{{Name: "billing", Tools: []agent.Tool{{Name: "issue_refund", NeedsApproval: true}}}}}
	p.configure(cfg, "ask")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(p.sessionStart(sessionStartLine{Endpoint: "wss://api.openai.com/v1/realtime", Model: "m", Agent: "billing", AgentsFile: "agents.yaml", Modality: "audio", Version: "dev"}))
	usage := realtime.Usage{TotalTokens: 10, InputTokens: 7, OutputTokens: 3, InputTextTokens: 7, OutputAudioTokens: 3, Requests: 1}
	ask := session.ToolApprovalRequired{Agent: "billing", Tool: "issue_refund", CallID: "c1", Arguments: `{"order_id":"A"}`}
	for _, ev := range []session.Event{
		session.ConnectionEvent{State: "connected"},
		session.SpeechStarted{ItemID: "u1", AudioMS: 100},
		session.SpeechStopped{ItemID: "u1", AudioMS: 900},
		session.Transcript{Role: "user", ItemID: "u1", Final: true, Text: "[800 ms of audio]"},
		session.AgentStart{Agent: "billing", ResponseID: "r1"},
		session.Transcript{Role: "assistant", Agent: "billing", ItemID: "a1", ResponseID: "r1", Delta: "Hi"},
		session.Transcript{Role: "assistant", Agent: "billing", ItemID: "a1", ResponseID: "r1", Final: true, Text: "Hi"},
		ask,
		session.ToolStart{Agent: "billing", Tool: "issue_refund", CallID: "c1", Arguments: ask.Arguments},
		session.ToolEnd{Agent: "billing", Tool: "issue_refund", CallID: "c1", Arguments: ask.Arguments, Output: "{}", Duration: time.Second},
		session.ToolStart{Agent: "billing", Tool: "issue_refund", CallID: "c2", Arguments: "{}"}, // policy: auto
		session.ToolEnd{Agent: "billing", Tool: "issue_refund", CallID: "c2", Output: "boom", Error: "exit 1", Duration: time.Millisecond},
		session.Handoff{FromAgent: "billing", ToAgent: "concierge", CallID: "c3"},
		session.Handoff{FromAgent: "concierge", ToAgent: "billing", Manual: true},
		session.GuardrailTripped{Kind: "output", Agent: "billing", ResponseID: "r1", ItemID: "a1", Guardrails: []string{"g"}, Message: "x"},
		session.AudioInterrupted{ResponseID: "r1", ItemID: "a1", PlayedMS: 1200, Reason: session.ReasonBargeIn},
		session.InputAudioTimeout{ItemID: "u2", AudioStartMS: 1, AudioEndMS: 2},
		session.UsageEvent{ResponseID: "r1", Usage: usage, Total: usage},
		session.UsageEvent{ResponseID: "r1", Usage: usage, Total: usage, CostUSD: 0.01,
			TranscriptionTotal: realtime.TranscriptionUsage{Type: "duration", Seconds: 1.5}},
		session.AgentEnd{Agent: "billing", ResponseID: "r1", Status: "cancelled", StatusReason: "turn_detected"},
		session.ConnectionEvent{State: "reconnecting", CloseCode: 1011, Reason: "internal", Attempt: 1},
		session.ConnectionEvent{State: "reconnected", Replayed: 14, DownMS: 1200},
		session.ConnectionEvent{State: "lost", CloseCode: 1006},
		session.Error{Source: "server", Type: "invalid_request_error", Code: "x", Message: "bad", Param: "p", EventID: "e", Fatal: true},
		session.AudioStarted{ResponseID: "r1", ItemID: "a1"}, // not printed
		session.ToolError{Agent: "billing", Tool: "lookup", CallID: "c9", Arguments: `{"id":`, Error: "invalid arguments: not valid JSON"},
		session.GuardrailCorrection{Agent: "billing", Guardrails: []string{"cmd"}, Reason: "refund promised", Sent: true, Notice: "answer withheld by guardrail cmd"},
		session.Idle{}, // not printed
	} {
		if ev == session.Event(ask) {
			must(p.print(ev))
			p.decided(ask, true, true, "user")
			continue
		}
		must(p.print(ev))
	}
	must(p.sessionEnd(errors.New("the session ended early"), nil, summaryInfo{}))

	n, problems := validateEventLines(out.Bytes())
	for _, pr := range problems {
		t.Error(pr)
	}
	types := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var v struct{ Type string }
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatal(err)
		}
		types[v.Type] = true
	}
	for _, l := range eventLines() {
		if !types[l.Type] {
			t.Errorf("the test printed no %s line", l.Type)
		}
	}
	// The validator is not lenient: a missing field, an unknown one or an unknown
	// type is a problem.
	for _, bad := range []string{
		`{"type":"agent_start","t":"2026-01-02T03:04:05.000Z","t_ms":1,"agent":"a"}`,
		`{"type":"agent_start","t":"2026-01-02T03:04:05.000Z","t_ms":1,"agent":"a","response_id":"r","extra":1}`,
		`{"type":"agent_begin","t":"2026-01-02T03:04:05.000Z","t_ms":1}`,
		`{"type":"agent_start","t":"yesterday","t_ms":1,"agent":"a","response_id":"r"}`,
	} {
		if _, problems := validateEventLines([]byte(bad)); len(problems) != 1 {
			t.Errorf("%s: not rejected", bad)
		}
	}
	if n < len(eventLines()) {
		t.Errorf("%d lines checked", n)
	}
	if !strings.Contains(out.String(), `"type":"approval","t":"2026-01-02T03:04:05.`) {
		t.Errorf("approval lines are stamped like the others:\n%s", out.String())
	}
	if strings.Contains(out.String(), `_tokens":0`) {
		t.Errorf("usage has zero counts:\n%s", out.String())
	}
}

// docs/events.md documents every type and every field of events.schema.json
// (TestEventsSchemaCommitted checks the file against the line types).
func TestEventsSchemaDocumented(t *testing.T) {
	raw := []byte(rtagent.EventsSchema)
	docs, err := os.ReadFile("../../docs/events.md")
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Defs map[string]struct {
			Properties map[string]any `json:"properties"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatal(err)
	}
	sections := regexp.MustCompile("(?m)^### `").Split(string(docs), -1)
	for typ, def := range schema.Defs {
		var section string
		for _, s := range sections {
			if strings.HasPrefix(s, typ+"`") {
				section = s
			}
		}
		if section == "" {
			t.Errorf("docs/events.md has no section ### `%s`", typ)
			continue
		}
		for field := range def.Properties {
			if field == "type" || field == "t" || field == "t_ms" {
				continue
			}
			if !strings.Contains(section, "`"+field+"`") {
				t.Errorf("docs/events.md: %s does not document `%s`", typ, field)
			}
		}
	}
}

// The text form of connection changes: losses and recoveries only.
func TestConnectionText(t *testing.T) {
	for _, c := range []struct {
		ev   session.ConnectionEvent
		want string
	}{
		{session.ConnectionEvent{State: "reconnecting", CloseCode: 1011, Reason: "keepalive ping timeout", Attempt: 1}, "— connection lost (close 1011: keepalive ping timeout), reconnecting (attempt 1) —"},
		{session.ConnectionEvent{State: "reconnecting", Attempt: 2}, "— reconnecting (attempt 2) —"},
		{session.ConnectionEvent{State: "reconnected", Replayed: 14, DownMS: 1200}, "— reconnected after 1.2s; 14 items replayed —"},
		{session.ConnectionEvent{State: "reconnected", Replayed: 1, DownMS: 80}, "— reconnected after 80ms; 1 item replayed —"},
		{session.ConnectionEvent{State: "lost", CloseCode: 1006}, "— connection lost (close 1006) —"},
		{session.ConnectionEvent{State: "connected"}, ""},
		{session.ConnectionEvent{State: "disconnected", CloseCode: 1000}, ""},
	} {
		if got := connectionText(c.ev); got != c.want {
			t.Errorf("%+v: %q, want %q", c.ev, got, c.want)
		}
	}
}

// The summary counts turns, tools, interruptions and measures latency from the
// events alone.
func TestSessionSummary(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := newSessionStats(t0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	s.sent(at(0))
	s.observe(session.Transcript{Role: "user", ItemID: "u1", Final: true, Text: "hi"}, at(5))
	s.observe(session.Transcript{Role: "assistant", ResponseID: "r1", Delta: "You"}, at(400))
	s.observe(session.SpeechStopped{ItemID: "u2"}, at(1000))
	s.observe(session.AudioStarted{ResponseID: "r2"}, at(1800))
	s.observe(session.Transcript{Role: "user", ItemID: "u2", Final: true, Text: "[1 s]"}, at(1900)) // late: no new turn
	s.observe(session.ToolEnd{}, at(2000))
	s.observe(session.AudioInterrupted{}, at(2100))
	s.observe(session.UsageEvent{CostUSD: 0.0123}, at(2200))
	if d, ok := s.takeLatency("r1"); !ok || d != 400*time.Millisecond {
		t.Errorf("r1 latency %v %v", d, ok)
	}
	var b bytes.Buffer
	s.writeSummary(&b, t0.Add(62*time.Second), summaryInfo{Simulated: true, Transcript: "t.md", Recording: "r.wav"})
	want := "session 1m02s · 2 turns · 1 tool call · 1 interruption · latency p50 400ms p95 800ms · cost $0.0123 (simulated)\ntranscript t.md · recording r.wav\n"
	if b.String() != want {
		t.Errorf("summary\n%q, want\n%q", b.String(), want)
	}
}

// session_end's reason and exit code follow the error the command exits with.
func TestEndReason(t *testing.T) {
	for _, c := range []struct {
		err    error
		reason string
		code   int
	}{
		{nil, "completed", exitOK},
		{errTimeout, "timeout", exitFailure},
		{errInterrupted, "interrupted", exitInterrupted},
		{errors.New("the session ended early"), "error", exitFailure},
		{usageErrorf("bad"), "error", exitUsage},
	} {
		if r, code := endReason(c.err), exitCode(c.err); r != c.reason || code != c.code {
			t.Errorf("%v: %s %d, want %s %d", c.err, r, code, c.reason, c.code)
		}
	}
}

// Every decision on a tool that needs approval gets one approval line naming who
// took it; tools that need none, and calls asked about but never answered, get none.
func TestApprovalDecisions(t *testing.T) {
	var out bytes.Buffer
	p := newEventPrinter(&out, "jsonl", nil)
	cfg := &agent.Config{Agents: []agent.Agent{{Name: "b", Tools: []agent.Tool{{Name: "refund", NeedsApproval: true}, {Name: "lookup"}}}}}
	p.configure(cfg, "ask")
	ask := func(id string) session.ToolApprovalRequired {
		return session.ToolApprovalRequired{Agent: "b", Tool: "refund", CallID: id}
	}
	_ = p.print(ask("c1"))
	p.decided(ask("c1"), false, false, "no_terminal")
	_ = p.print(session.ToolEnd{Agent: "b", Tool: "refund", CallID: "c1", Error: "not approved"})
	_ = p.print(ask("c2"))
	p.decided(ask("c2"), true, true, "user")
	_ = p.print(session.ToolStart{Agent: "b", Tool: "refund", CallID: "c2"})
	_ = p.print(session.ToolStart{Agent: "b", Tool: "refund", CallID: "c3"}) // the session remembered "always"
	_ = p.print(session.ToolStart{Agent: "b", Tool: "lookup", CallID: "c4"}) // needs no approval
	_ = p.print(ask("c5"))
	_ = p.print(session.ToolEnd{Agent: "b", Tool: "refund", CallID: "c5", Error: "not approved"}) // closed unanswered

	var got []string
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var v struct{ Type, CallID, Decision, By string }
		var raw map[string]any
		_ = json.Unmarshal([]byte(line), &raw)
		if raw["type"] != "approval" {
			continue
		}
		v.CallID, v.Decision, v.By = raw["call_id"].(string), raw["decision"].(string), raw["by"].(string)
		if raw["always"] == true {
			v.By += "+always"
		}
		got = append(got, v.CallID+" "+v.Decision+" "+v.By)
	}
	want := []string{"c1 refused no_terminal", "c2 approved user+always", "c3 approved remembered"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("approval lines:\n%s\nwant\n%s\nstream:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"), out.String())
	}
}

// session_start is at t_ms 0 however long the printer waited to print it, and t_ms
// counts from there.
func TestSessionStartIsTimeZero(t *testing.T) {
	var out bytes.Buffer
	clock := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	p := newEventPrinter(&out, "jsonl", func() time.Time { clock = clock.Add(1500 * time.Microsecond); return clock })
	_ = p.sessionStart(sessionStartLine{})
	_ = p.print(session.AgentStart{Agent: "a", ResponseID: "r"})
	lines := strings.Split(out.String(), "\n")
	if !strings.Contains(lines[0], `"t":"2026-01-02T03:04:05.001Z","t_ms":0,`) || !strings.Contains(lines[1], `"t":"2026-01-02T03:04:05.004Z","t_ms":3,`) {
		t.Errorf("stamps:\n%s", out.String())
	}
}
