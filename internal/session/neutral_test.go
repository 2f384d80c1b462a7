package session

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/rtagent/rtagent/internal/realtime"
	"github.com/rtagent/rtagent/internal/tools"
)

// neutralModel is a realtime.Model that knows no wire at all: it answers commands
// with typed events only, sequencing its own responses and reporting its pending
// response triggers the way the Model contract asks (realtime.ResponseTriggers). It
// proves the session reaches Idle from what a provider-neutral model tells it.
//
// Policy: a text naming a declared tool calls it; "transfer to X" calls the handoff
// tool whose name ends in X; tool outputs are answered with "done: <output>";
// anything else with "You said: <text>". Events are emitted synchronously from Send
// into a large buffer (the engine reads them after Send returns).
type neutralModel struct {
	mu       sync.Mutex
	events   chan realtime.Event
	closed   bool
	tools    []string
	n        int
	pending  int
	lastUser string
	outputs  []string
}

func newNeutralModel() *neutralModel {
	return &neutralModel{events: make(chan realtime.Event, 1<<12)}
}

func (m *neutralModel) Connect(_ context.Context, opts realtime.ConnectOptions) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.setTools(opts.Settings)
	m.events <- realtime.ConnectionChanged{State: realtime.StateConnected}
	m.events <- realtime.SessionUpdated{Ready: true, Info: realtime.SessionInfo{ID: "neutral", Settings: opts.Settings}}
	return nil
}

func (m *neutralModel) Events() <-chan realtime.Event { return m.events }

func (m *neutralModel) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.closed {
		m.closed = true
		m.events <- realtime.Closed{Code: 1000}
		close(m.events)
	}
	return nil
}

func (m *neutralModel) setTools(s realtime.Settings) {
	m.tools = m.tools[:0]
	for _, t := range s.Tools {
		m.tools = append(m.tools, t.Name)
	}
}

func (m *neutralModel) id(kind string) string {
	m.n++
	return kind + "_" + strconv.Itoa(m.n)
}

func (m *neutralModel) Send(_ context.Context, cmd realtime.Command) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return errors.New("neutral model: closed")
	}
	switch c := cmd.(type) {
	case realtime.UpdateSession:
		m.setTools(c.Settings)
		m.events <- realtime.SessionUpdated{Info: realtime.SessionInfo{ID: "neutral", Settings: c.Settings}}
	case realtime.SendUserText:
		m.lastUser = c.Text
		m.addItem(realtime.Item{Type: realtime.ItemMessage, Role: "user", Status: "completed",
			Content: []realtime.Content{{Type: realtime.ContentInputText, Text: c.Text}}}, c.Respond)
	case realtime.SendToolOutput:
		m.outputs = append(m.outputs, c.Output)
		m.addItem(realtime.Item{Type: realtime.ItemFunctionCallOutput, CallID: c.CallID, Output: c.Output}, c.Respond)
	case realtime.CreateResponse:
		m.request()
		m.respond()
	case realtime.CancelResponse: // responses finish inside Send: nothing is ever active here
	default:
		return errors.New("neutral model: unsupported command")
	}
	return nil
}

// request registers one trigger and reports it (the Model contract).
func (m *neutralModel) request() {
	m.pending++
	m.events <- realtime.ResponseTriggers{Change: realtime.TriggerRequested, Count: 1, Pending: m.pending}
}

func (m *neutralModel) addItem(it realtime.Item, respond bool) {
	it.ID = m.id("item")
	if respond {
		m.request()
	}
	m.events <- realtime.ItemEvent{Kind: realtime.ItemAdded, Item: it}
	if respond {
		m.respond()
	}
}

// respond runs one whole response; it covers every pending trigger.
func (m *neutralModel) respond() {
	resp := m.id("resp")
	m.events <- realtime.ResponseCreated{ResponseID: resp}
	if m.pending > 0 {
		m.events <- realtime.ResponseTriggers{Change: realtime.TriggerCovered, Count: m.pending, Pending: 0}
		m.pending = 0
	}
	var out realtime.Item
	if name := m.toolFor(); name != "" && len(m.outputs) == 0 {
		out = realtime.Item{ID: m.id("item"), Type: realtime.ItemFunctionCall, Status: "completed", CallID: m.id("call"), Name: name, Arguments: "{}"}
		m.lastUser = ""
		m.events <- realtime.OutputItemAdded{ResponseID: resp, Item: realtime.Item{ID: out.ID, Type: out.Type, Status: "in_progress", CallID: out.CallID, Name: name}}
		m.events <- realtime.FunctionCallArgumentsDone{ResponseID: resp, ItemID: out.ID, CallID: out.CallID, Name: name, Arguments: out.Arguments}
	} else {
		text := "You said: " + m.lastUser
		if len(m.outputs) > 0 {
			text = "done: " + strings.Join(m.outputs, ", ")
		}
		m.outputs, m.lastUser = nil, ""
		out = realtime.Item{ID: m.id("item"), Type: realtime.ItemMessage, Role: "assistant", Status: "completed",
			Content: []realtime.Content{{Type: realtime.ContentText, Text: text}}}
		added := out
		added.Status, added.Content = "in_progress", nil
		m.events <- realtime.OutputItemAdded{ResponseID: resp, Item: added}
		m.events <- realtime.ItemEvent{Kind: realtime.ItemAdded, Item: added}
		m.events <- realtime.TranscriptDelta{ResponseID: resp, ItemID: out.ID, Delta: text, Text: true}
		m.events <- realtime.TranscriptDone{ResponseID: resp, ItemID: out.ID, Transcript: text, Text: true}
	}
	m.events <- realtime.OutputItemDone{ResponseID: resp, Item: out}
	m.events <- realtime.ItemEvent{Kind: realtime.ItemDone, Item: out}
	m.events <- realtime.ResponseDone{ResponseID: resp, Status: realtime.ResponseCompleted, Output: []realtime.Item{out}}
}

// toolFor picks the tool the last user text names: a handoff for "transfer to X",
// else a declared tool named in the text.
func (m *neutralModel) toolFor() string {
	text := strings.ToLower(m.lastUser)
	if _, target, ok := strings.Cut(text, "transfer to "); ok {
		for _, t := range m.tools {
			if strings.HasSuffix(t, "_"+strings.ReplaceAll(strings.TrimSpace(target), " ", "_")) {
				return t
			}
		}
	}
	for _, t := range m.tools {
		if strings.Contains(text, t) {
			return t
		}
	}
	return ""
}

// TestNeutralModelReachesIdle drives the session to Idle through a tool call, a
// handoff and a text turn with a model that speaks no wire protocol: the session
// knows a response is still wanted only from the model's ResponseTriggers reports.
func TestNeutralModelReachesIdle(t *testing.T) {
	m := newNeutralModel()
	agents := []*Agent{
		{Name: "concierge", Tools: []tools.Tool{newTool("get_time")}, Handoffs: []HandoffTarget{{Agent: "billing"}}},
		{Name: "billing"},
	}
	s, err := New(Config{Model: m, Base: baseSettings(), Agents: agents, Approval: ApprovalAsk})
	if err != nil {
		t.Fatal(err)
	}
	rec := record(s)
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, rec, func(e Idle) bool { return e.Turns == 0 })

	steps := []struct {
		say, answer string
	}{
		{"what does get_time say", "done: get_time ok"},
		{"please transfer to billing", `done: {"assistant":"billing"}`},
		{"hello", "You said: hello"},
	}
	for i, st := range steps {
		if err := s.SendText(st.say); err != nil {
			t.Fatal(err)
		}
		waitEvent(t, rec, func(e Idle) bool { return e.Turns == i+1 })
		evs := rec.events()
		last := indexOfEvent(evs, func(ev Event) bool { e, ok := ev.(Idle); return ok && e.Turns == i+1 })
		answered := indexOfEvent(evs, func(ev Event) bool {
			e, ok := ev.(Transcript)
			return ok && e.Final && e.Role == "assistant" && e.Text == st.answer
		})
		if answered < 0 || answered > last {
			t.Fatalf("turn %d: Idle came before the answer %q:%s", i+1, st.answer, fmtEvents(evs))
		}
	}
	_ = s.Close()
	<-rec.Done()
	evs := rec.events()
	if ends := eventsOf[ToolEnd](evs); len(ends) != 1 || ends[0].Tool != "get_time" {
		t.Errorf("tool ends = %+v", ends)
	}
	if h := eventsOf[Handoff](evs); len(h) != 1 || h[0].ToAgent != "billing" || h[0].FromAgent != "concierge" {
		t.Errorf("handoffs = %+v", h)
	}
	if s.ActiveAgent() != "billing" {
		t.Errorf("active agent = %q", s.ActiveAgent())
	}
}
