package session

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/rtagent/rtagent/internal/realtime"
	"github.com/rtagent/rtagent/internal/testkit"
	"github.com/rtagent/rtagent/internal/tools"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// waitTimeout only bounds a wait for something that must happen; tests synchronise on
// events and commands, never on elapsed time.
const waitTimeout = 10 * time.Second

// fakeModel is an in-memory realtime.Model: the test scripts its events and inspects
// the commands it was sent, in order. Like the real one, its event stream ends with
// Closed and is then closed; Close is idempotent.
type fakeModel struct {
	chMu      sync.RWMutex // guards closing events against concurrent emits
	discard   bool         // benchmarks: do not record commands
	mu        sync.Mutex
	cmds      []realtime.Command
	connected *realtime.Settings
	connErr   error
	closed    bool
	closes    int
	events    chan realtime.Event
	q         *realtime.EventQueue // set: the engine drains it (realtime.Queued), like the real model
	notify    chan struct{}
}

// newFakeModel returns a fake the engine drains through its queue, like the real
// model (realtime.Queued).
func newFakeModel() *fakeModel {
	f := newChannelFakeModel()
	f.q = realtime.NewEventQueue()
	return f
}

// newChannelFakeModel returns a fake read through Events only.
func newChannelFakeModel() *fakeModel {
	return &fakeModel{events: make(chan realtime.Event, 1<<16), notify: make(chan struct{}, 1)}
}

// EventQueue implements realtime.Queued (nil for a channel fake).
func (f *fakeModel) EventQueue() *realtime.EventQueue { return f.q }

func (f *fakeModel) Connect(_ context.Context, opts realtime.ConnectOptions) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.connErr != nil {
		return f.connErr
	}
	st := opts.Settings
	f.connected = &st
	return nil
}

func (f *fakeModel) Events() <-chan realtime.Event {
	if f.q != nil {
		return f.q.Channel()
	}
	return f.events
}

func (f *fakeModel) Send(_ context.Context, cmd realtime.Command) error {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return errors.New("fake: closed")
	}
	if !f.discard {
		f.cmds = append(f.cmds, cmd)
	}
	f.mu.Unlock()
	select {
	case f.notify <- struct{}{}:
	default:
	}
	return nil
}

func (f *fakeModel) Close() error {
	f.end(realtime.Closed{Code: 1000, Reason: "client close"})
	return nil
}

// end pushes the terminal Closed event and closes the stream (once).
func (f *fakeModel) end(c realtime.Closed) {
	f.chMu.Lock()
	defer f.chMu.Unlock()
	f.mu.Lock()
	f.closes++
	already := f.closed
	f.closed = true
	f.mu.Unlock()
	if already {
		return
	}
	if f.q != nil {
		f.q.Push(c)
		f.q.Close()
		return
	}
	f.events <- c
	close(f.events)
}

func (f *fakeModel) closeCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.closes
}

// emit scripts server events.
func (f *fakeModel) emit(evs ...realtime.Event) {
	f.chMu.RLock()
	defer f.chMu.RUnlock()
	f.mu.Lock()
	closed := f.closed
	f.mu.Unlock()
	if closed {
		return
	}
	for _, ev := range evs {
		if f.q != nil {
			f.q.Push(ev)
		} else {
			f.events <- ev
		}
	}
}

func (f *fakeModel) commands() []realtime.Command {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]realtime.Command(nil), f.cmds...)
}

// waitCmds waits until pred holds for the commands sent so far.
func (f *fakeModel) waitCmds(t testing.TB, what string, pred func([]realtime.Command) bool) []realtime.Command {
	t.Helper()
	deadline := time.NewTimer(waitTimeout)
	defer deadline.Stop()
	for {
		if c := f.commands(); pred(c) {
			return c
		}
		select {
		case <-f.notify:
		case <-deadline.C:
			t.Fatalf("timed out waiting for commands: %s; got %s", what, fmtCmds(f.commands()))
		}
	}
}

// waitCmd waits for the first command of type T matching pred and returns it.
func waitCmd[T realtime.Command](t testing.TB, f *fakeModel, pred func(T) bool) T {
	t.Helper()
	var found T
	f.waitCmds(t, fmt.Sprintf("%T", found), func(cs []realtime.Command) bool {
		for _, c := range cs {
			if v, ok := c.(T); ok && (pred == nil || pred(v)) {
				found = v
				return true
			}
		}
		return false
	})
	return found
}

func cmdsOf[T realtime.Command](cs []realtime.Command) []T { return testkit.OfType[T](cs) }

// lastCmd is the index of the last command of type T in cs, -1 if none.
func lastCmd[T realtime.Command](cs []realtime.Command) int {
	last := -1
	for i, c := range cs {
		if _, ok := c.(T); ok {
			last = i
		}
	}
	return last
}

func fmtCmds(cs []realtime.Command) string {
	s := ""
	for _, c := range cs {
		if a, ok := c.(realtime.AppendAudio); ok {
			s += fmt.Sprintf("\n  AppendAudio{%d bytes}", len(a.Audio))
			continue
		}
		if u, ok := c.(realtime.UpdateSession); ok {
			s += fmt.Sprintf("\n  UpdateSession{instructions=%q}", u.Settings.Instructions)
			continue
		}
		s += fmt.Sprintf("\n  %T%+v", c, c)
	}
	return s
}

// recorder collects the session's events until the stream closes.
type recorder struct{ *testkit.Recorder[Event] }

func record(s *Session) *recorder { return &recorder{testkit.Record(s.Events(), nil, nil)} }

func (r *recorder) events() []Event { return r.Events() }

func (r *recorder) waitFor(t testing.TB, what string, pred func([]Event) bool) []Event {
	t.Helper()
	evs, err := r.WaitFor(waitTimeout, pred)
	if err != nil {
		t.Fatalf("%v while waiting for %s; got %s", err, what, fmtEvents(r.events()))
	}
	return evs
}

// waitEvent waits for the n-th (1-based) event of type T matching pred.
func waitEventN[T Event](t testing.TB, r *recorder, n int, pred func(T) bool) T {
	t.Helper()
	var found T
	r.waitFor(t, fmt.Sprintf("%d× %T", n, found), func(evs []Event) bool {
		var ok bool
		found, ok = testkit.NthOfType(evs, n, pred)
		return ok
	})
	return found
}

func waitEvent[T Event](t testing.TB, r *recorder, pred func(T) bool) T {
	t.Helper()
	return waitEventN(t, r, 1, pred)
}

func eventsOf[T Event](evs []Event) []T { return testkit.OfType[T](evs) }

func indexOfEvent(evs []Event, pred func(Event) bool) int {
	for i, ev := range evs {
		if pred(ev) {
			return i
		}
	}
	return -1
}

func fmtEvents(evs []Event) string {
	s := ""
	for _, ev := range evs {
		switch e := ev.(type) {
		case HistoryUpdated:
			s += fmt.Sprintf("\n  history_updated{%v deleted=%q}", e.Item != nil, e.DeletedID)
		default:
			s += fmt.Sprintf("\n  %s%+v", ev.EventType(), ev)
		}
	}
	return s
}

// fakeSink is a scripted AudioSink: the test says what is playing.
type fakeSink struct{ testkit.Sink }

func (k *fakeSink) play(resp, item string, ci, played int) { k.Play(resp, item, ci, played) }

// counts returns the chunks enqueued and the interrupts.
func (k *fakeSink) counts() (enqueued, interrupts int) {
	enqueued, _, interrupts = k.Counts()
	return enqueued, interrupts
}

// testTool is a scriptable tool. With gate set, each call waits for a value on it.
type testTool struct {
	def   tools.Definition
	out   string
	err   error
	gate  chan struct{}
	mu    sync.Mutex
	calls []string
	ctxs  []context.Context
}

func newTool(name string) *testTool {
	return &testTool{def: tools.Definition{Name: name, Description: "test tool " + name, Parameters: json.RawMessage(`{"type":"object","properties":{}}`)}, out: name + " ok"}
}

func (tt *testTool) Definition() tools.Definition { return tt.def }

func (tt *testTool) Call(ctx context.Context, args json.RawMessage) (string, error) {
	tt.mu.Lock()
	tt.calls = append(tt.calls, string(args))
	tt.ctxs = append(tt.ctxs, ctx)
	tt.mu.Unlock()
	if tt.gate != nil {
		select {
		case <-tt.gate:
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	return tt.out, tt.err
}

func (tt *testTool) callCount() int {
	tt.mu.Lock()
	defer tt.mu.Unlock()
	return len(tt.calls)
}

// testGuardrail trips when its predicate says so; with gate set each check waits.
type testGuardrail struct {
	name   string
	trip   func(string) bool
	gate   chan struct{}
	mu     sync.Mutex
	texts  []string
	notify chan struct{}
}

func (g *testGuardrail) Name() string { return g.name }

func (g *testGuardrail) Check(ctx context.Context, text string) (bool, string, error) {
	g.mu.Lock()
	g.texts = append(g.texts, text)
	if g.notify == nil {
		g.notify = make(chan struct{}, 1)
	}
	notify := g.notify
	g.mu.Unlock()
	select {
	case notify <- struct{}{}:
	default:
	}
	if g.gate != nil {
		select {
		case <-g.gate:
		case <-ctx.Done():
			return false, "", ctx.Err()
		}
	}
	return g.trip(text), "test", nil
}

// waitChecks waits until n checks have started and returns their texts.
func (g *testGuardrail) waitChecks(t testing.TB, n int) []string {
	t.Helper()
	g.mu.Lock()
	if g.notify == nil {
		g.notify = make(chan struct{}, 1)
	}
	notify := g.notify
	g.mu.Unlock()
	deadline := time.NewTimer(waitTimeout)
	defer deadline.Stop()
	for {
		if got := g.checked(); len(got) >= n {
			return got
		}
		select {
		case <-notify:
		case <-deadline.C:
			t.Fatalf("guardrail %s: %d checks, want %d", g.name, len(g.checked()), n)
		}
	}
}

func (g *testGuardrail) checked() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.texts...)
}

// harness is a started session over a fake model.
type harness struct {
	t     testing.TB
	s     *Session
	m     *fakeModel
	rec   *recorder
	sink  *fakeSink
	ready realtime.Settings
}

func baseSettings() realtime.Settings {
	return realtime.Settings{
		Model:            "gpt-realtime-2.1",
		OutputModalities: []string{realtime.ModalityAudio},
		InputFormat:      realtime.PCM24k,
		OutputFormat:     realtime.PCM24k,
		Transcription:    &realtime.Transcription{Model: "gpt-4o-mini-transcribe"},
		TurnDetection:    &realtime.TurnDetection{Type: realtime.TurnSemanticVAD, CreateResponse: boolPtr(true), InterruptResponse: boolPtr(true)},
		Voice:            "marin",
	}
}

// start builds and starts a session; the fake server then reports it ready with the
// effective settings edit(connected) (nil: as connected).
func start(t testing.TB, cfg Config, edit func(*realtime.Settings)) *harness {
	t.Helper()
	m := newFakeModel()
	cfg.Model = m
	if cfg.Base.Model == "" {
		cfg.Base = baseSettings()
	}
	if len(cfg.Agents) == 0 {
		cfg.Agents = []*Agent{{Name: "Triage", Instructions: "You are Triage."}}
	}
	h := &harness{t: t, m: m}
	if cfg.Audio == nil {
		h.sink = &fakeSink{}
		cfg.Audio = h.sink
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.s = s
	h.rec = record(s)
	t.Cleanup(func() {
		_ = s.Close()
		<-h.rec.Done()
	})
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	eff := *m.connected
	if edit != nil {
		edit(&eff)
	}
	h.ready = eff
	m.emit(realtime.SessionUpdated{Created: true, Info: realtime.SessionInfo{ID: "sess_1", Settings: eff}},
		realtime.SessionUpdated{Ready: true, Info: realtime.SessionInfo{ID: "sess_1", Settings: eff}})
	waitEvent[SessionReady](t, h.rec, nil)
	return h
}

// Script helpers: server events.
func created(resp string) realtime.Event { return realtime.ResponseCreated{ResponseID: resp} }

func done(resp, status string) realtime.Event {
	return realtime.ResponseDone{ResponseID: resp, Status: status}
}

func assistantItem(resp, item string) []realtime.Event {
	it := realtime.Item{ID: item, Type: realtime.ItemMessage, Role: "assistant", Status: "in_progress", Content: []realtime.Content{{Type: realtime.ContentAudio}}}
	return []realtime.Event{
		realtime.OutputItemAdded{ResponseID: resp, Item: it},
		realtime.ItemEvent{Kind: realtime.ItemAdded, Item: it},
	}
}

func audio(resp, item string, n int) realtime.Event {
	return realtime.AudioDelta{ResponseID: resp, ItemID: item, Data: make([]byte, n)}
}

func toolCall(resp, item, callID, name, args string) []realtime.Event {
	return []realtime.Event{
		realtime.FunctionCallArgumentsDone{ResponseID: resp, ItemID: item, CallID: callID, Name: name, Arguments: args},
		realtime.OutputItemDone{ResponseID: resp, Item: realtime.Item{ID: item, Type: realtime.ItemFunctionCall, Status: "completed", CallID: callID, Name: name, Arguments: args}},
	}
}

// barrier returns once the engine ran every command queued before it (ops are FIFO).
func (h *harness) barrier() {
	h.t.Helper()
	ch := make(chan struct{})
	if err := h.s.do(func() { close(ch) }); err != nil {
		h.t.Fatal(err)
	}
	<-ch
}

// sync makes sure the engine processed everything scripted before it: an engine op
// round trip after the model events queued so far.
func (h *harness) sync() {
	h.t.Helper()
	// Model events and ops are selected fairly, so route a marker through the model
	// stream: an unknown raw event is handled (and dropped) in order.
	marker := fmt.Sprintf("sync_%d", time.Now().UnixNano())
	h.m.emit(realtime.Error{Source: "server", Code: "sync", Message: marker})
	waitEvent(h.t, h.rec, func(e Error) bool { return e.Message == marker })
}
