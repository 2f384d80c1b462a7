package session

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/rtagent/rtagent/internal/audio/wallclock"
	"github.com/rtagent/rtagent/internal/guardrail"
	"github.com/rtagent/rtagent/internal/realtime"
)

// Errors returned by the public methods.
var (
	ErrNotStarted = errors.New("session not started")
	ErrClosed     = errors.New("session closed")
)

// cleanupGrace bounds the wait for tool and guardrail goroutines at close (R12.3).
const cleanupGrace = time.Second

// opsBuffer is the capacity of the engine's inbox of commands and worker results.
// Senders block only while it is full; the engine drains it continuously.
const opsBuffer = 1024

// debouncer is the part of guardrail's debouncer the engine uses (R10.2).
type debouncer interface {
	Add(key, delta string) (string, bool)
	Final(key, full string) (string, bool)
	Reset(key string)
}

// Session runs agents over one realtime Model connection. Create it with New, call
// Start, consume Events until it is closed, and Close it.
type Session struct {
	cfg    Config
	log    *slog.Logger
	model  realtime.Model
	agents map[string]*Agent
	start  *Agent
	voice  string
	strict bool
	sink   realtime.AudioSink
	clock  *wallclock.Sink // the default sink, when cfg.Audio is nil (R7.3 fallback)
	out    *eventQueue

	// Lifecycle.
	lifeMu     sync.Mutex
	started    bool
	closed     bool
	closeReq   chan struct{} // closed by Close
	stopOnce   sync.Once
	stopping   chan struct{} // closed when Close is called or the engine starts teardown
	engineDone chan struct{} // closed after Closed was pushed
	closeErr   error
	ctx        context.Context // cancelled at teardown: tools, guardrails, approvals
	cancel     context.CancelFunc
	workers    sync.WaitGroup
	ops        chan func() // commands and worker results, run on the engine goroutine

	// Snapshots readable from any goroutine (engine writes under mu).
	mu         sync.RWMutex
	history    []HistoryItem
	activeName string
	usage      usageState

	engine // state owned by the engine goroutine
}

// engine is the state only the engine goroutine touches.
type engine struct {
	active       *Agent
	ready        bool
	lastSettings realtime.Settings // last settings sent
	effective    *realtime.Settings
	deb          debouncer

	responses  map[string]*response
	respSeq    int
	activeResp string // response.created seen, response.done not yet

	// Playback bookkeeping (R7.2) since the last interrupt.
	audioItems map[audioKey]*audioItem
	audioOrder []audioKey
	truncated  map[string]bool // item ids, permanent (R7.10)

	// Tools (R8.6).
	calls      map[string]*call
	candidates map[string]realtime.FunctionCallArgumentsDone
	sticky     map[string]bool // tool name → approved (true) / rejected (false)
	approvals  map[string]*call
	toolsDirty bool // the active agent's tools changed: declare them at the next safe point

	// Assistant text accumulated from deltas, per item and content index (R11.3).
	acc map[audioKey]string

	textQueue   []*typedText      // typed user texts awaiting input guardrails, FIFO
	imageLabels map[string]string // data URL → [image: name, size] of images sent
	appended    int               // input bytes appended since the last commit/clear (§5.8)

	q         quietState // Idle bookkeeping
	everReady bool       // the first connection became ready (a later one is a reconnection)
	link      linkState  // reconnection and recycling (R14.3)

	finals finalTexts   // final assistant transcripts already emitted (responses.go)
	guard  guardChain   // output guardrail corrections (guardrails.go)
	ctl    controlState // runtime controls waiting for a safe point (controls.go)
}

// New validates cfg and returns a session that is not started yet.
func New(cfg Config) (*Session, error) {
	agents, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	start := cfg.Agents[0]
	if cfg.StartAgent != "" {
		start = agents[cfg.StartAgent]
	}
	if cfg.DebounceTextLength == 0 {
		cfg.DebounceTextLength = 100
	}
	if cfg.Approval == "" {
		cfg.Approval = ApprovalAsk
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Session{
		cfg:        cfg,
		log:        log,
		model:      cfg.Model,
		agents:     agents,
		start:      start,
		voice:      sessionVoice(cfg.Base, start),
		strict:     cfg.InputGuardrailMode == InputGuardrailsStrict,
		sink:       cfg.Audio,
		out:        newEventQueue(),
		closeReq:   make(chan struct{}),
		stopping:   make(chan struct{}),
		engineDone: make(chan struct{}),
		ops:        make(chan func(), opsBuffer),
		activeName: start.Name,
	}
	for _, a := range cfg.Agents {
		if a != start && a.Voice != "" && a.Voice != s.voice {
			log.Warn("agent voice ignored: the voice is fixed for the session (R2.4)", "agent", a.Name, "voice", a.Voice, "session_voice", s.voice)
		}
	}
	if s.sink == nil {
		s.clock = wallclock.NewSink(cfg.Base.OutputFormat.BytesPerMS())
		s.sink = s.clock
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.engine = engine{
		active:     start,
		deb:        guardrail.NewDebouncer(cfg.DebounceTextLength),
		responses:  map[string]*response{},
		audioItems: map[audioKey]*audioItem{},
		truncated:  map[string]bool{},
		calls:      map[string]*call{},
		candidates: map[string]realtime.FunctionCallArgumentsDone{},
		sticky:     map[string]bool{},
		approvals:  map[string]*call{},
		q:          quietState{running: map[string]bool{}},
		acc:        map[audioKey]string{},
	}
	return s, nil
}

// Start connects the model with the full settings of the start agent and starts the
// engine. It returns once connected; readiness arrives as SessionReady. If the
// connection fails the session is closed (Events ends with Closed{Err}).
func (s *Session) Start(ctx context.Context) error {
	s.lifeMu.Lock()
	switch {
	case s.closed:
		s.lifeMu.Unlock()
		return ErrClosed
	case s.started:
		s.lifeMu.Unlock()
		return errors.New("session already started")
	}
	s.started = true
	s.lifeMu.Unlock()

	s.lastSettings = s.settingsFor(s.start, "")
	if err := s.model.Connect(ctx, realtime.ConnectOptions{Settings: s.lastSettings}); err != nil {
		err = fmt.Errorf("connect: %w", err)
		s.stop()
		s.cancel()
		_ = s.model.Close()
		s.closeErr = err
		s.out.push(Closed{Reason: "connect failed", Err: err})
		close(s.engineDone)
		return err
	}
	go s.run()
	return nil
}

// Events returns the ordered session events. The stream ends with Closed, after which
// the channel is closed. Consumers must drain it until then.
func (s *Session) Events() <-chan Event { return s.out.channel() }

// Close ends the session (R12.3). It is idempotent and safe from any goroutine: it
// cancels tools, guardrails and pending approvals, waits at most 1 s for them, closes
// the model, emits Closed last and closes the event channel.
func (s *Session) Close() error {
	s.lifeMu.Lock()
	first := !s.closed
	s.closed = true
	started := s.started
	if first {
		close(s.closeReq)
	}
	s.lifeMu.Unlock()
	if !started {
		if first {
			s.stop()
			s.cancel()
			s.out.push(Closed{Reason: "closed"})
			close(s.engineDone)
		}
		<-s.engineDone
		return nil
	}
	<-s.engineDone
	return s.closeErr
}

func (s *Session) stop() { s.stopOnce.Do(func() { close(s.stopping) }) }

// do runs f on the engine goroutine.
func (s *Session) do(f func()) error {
	s.lifeMu.Lock()
	started, closed := s.started, s.closed
	s.lifeMu.Unlock()
	if closed {
		return ErrClosed
	}
	if !started {
		return ErrNotStarted
	}
	select {
	case <-s.stopping:
		return ErrClosed
	default:
	}
	select {
	case s.ops <- f:
		return nil
	case <-s.stopping:
		return ErrClosed
	}
}

// post hands a worker's result to the engine; it gives up when the session ends.
func (s *Session) post(f func()) {
	select {
	case s.ops <- f:
	case <-s.ctx.Done():
	}
}

// goWorker runs f in a goroutine the session owns and joins at close.
func (s *Session) goWorker(f func()) {
	s.workers.Add(1)
	go func() {
		defer s.workers.Done()
		f()
	}()
}

func (s *Session) emit(ev Event) { s.out.push(ev) }

// send queues a command on the model; a failure is reported as an error event.
func (s *Session) send(cmd realtime.Command) error {
	err := s.model.Send(s.ctx, cmd)
	if err == nil {
		s.noteCommand(cmd) // a trigger that never left cannot be answered
	}
	if err != nil && s.ctx.Err() == nil {
		s.log.Warn("model send failed", "command", fmt.Sprintf("%T", cmd), "err", err)
		s.emit(Error{Source: SourceEngine, Message: fmt.Sprintf("send %T: %v", cmd, err)})
	}
	return err
}

// run is the engine loop. A Model with its own queue (realtime.Queued) hands its
// events straight to this goroutine: its reader pushes, this loop wakes once for
// whatever is queued and handles it all. Other Models are read through Events.
func (s *Session) run() {
	var ready <-chan struct{}
	var evs <-chan realtime.Event
	mq := realtime.QueueOf(s.model)
	if mq != nil {
		ready = mq.Ready()
	} else {
		evs = s.model.Events()
	}
	var batch []realtime.Event
	for {
		select {
		case <-ready:
			var more bool
			batch, more = mq.Drain(batch[:0])
			for _, ev := range batch {
				if c, isClosed := ev.(realtime.Closed); isClosed {
					s.teardown(Closed{Reason: c.Reason, Err: c.Err, Code: c.Code}, true)
					return
				}
				s.handle(ev)
				s.checkIdle()
			}
			clear(batch) // the engine keeps no reference to delivered audio
			if !more {
				s.teardown(Closed{Reason: "model events ended"}, true)
				return
			}
		case ev, ok := <-evs:
			if !ok {
				s.teardown(Closed{Reason: "model events ended"}, true)
				return
			}
			if c, isClosed := ev.(realtime.Closed); isClosed {
				s.teardown(Closed{Reason: c.Reason, Err: c.Err, Code: c.Code}, true)
				return
			}
			s.handle(ev)
			s.checkIdle()
		case f := <-s.ops:
			f()
			s.checkIdle()
		case <-s.closeReq:
			// What the model delivered before the close request comes first: a
			// server that had already ended the session (its Closed queued behind
			// events not yet read) explains the end better than "closed" (issue 11).
			if c, ended := s.readyModelEnd(mq, evs); ended {
				s.teardown(c, true)
				return
			}
			s.teardown(Closed{Reason: "closed"}, false)
			return
		}
	}
}

// readyModelEnd handles the model events already delivered (at most a bounded
// number, so a busy stream cannot hold a close up) and reports the model's end if
// it is among them. With a queue (mq), the model's end anywhere in what is queued
// counts; the events past the bound are not handled.
func (s *Session) readyModelEnd(mq *realtime.EventQueue, evs <-chan realtime.Event) (Closed, bool) {
	const bound = 256
	if mq != nil {
		batch, more := mq.Drain(nil)
		for i, ev := range batch {
			if c, isClosed := ev.(realtime.Closed); isClosed {
				return Closed{Reason: c.Reason, Err: c.Err, Code: c.Code}, true
			}
			if i < bound {
				s.handle(ev)
			}
		}
		if !more {
			return Closed{Reason: "model events ended"}, true
		}
		return Closed{}, false
	}
	for range bound {
		select {
		case ev, ok := <-evs:
			if !ok {
				return Closed{Reason: "model events ended"}, true
			}
			if c, isClosed := ev.(realtime.Closed); isClosed {
				return Closed{Reason: c.Reason, Err: c.Err, Code: c.Code}, true
			}
			s.handle(ev)
		default:
			return Closed{}, false
		}
	}
	return Closed{}, false
}

// teardown implements R12.3. modelEnded is true when the model's stream is over.
func (s *Session) teardown(final Closed, modelEnded bool) {
	s.stop()
	s.cancel()
	s.stopRecycleTimers()
	s.approvals = map[string]*call{} // pending approvals are cancelled; no output is sent
	joined := make(chan struct{})
	go func() { s.workers.Wait(); close(joined) }()
	timer := time.NewTimer(cleanupGrace)
	select {
	case <-joined:
	case <-timer.C:
		s.log.Warn("tools or guardrails still running after the close grace period")
	}
	timer.Stop()
	if n := s.out.dropped(); n > 0 {
		s.log.Debug("raw events dropped because consumers lagged (R12.1)", "dropped", n)
	}
	if err := s.model.Close(); err != nil {
		s.log.Warn("model close", "err", err)
		if final.Err == nil && !modelEnded {
			s.closeErr = err
		}
	}
	if !modelEnded {
		// A connection that had already failed or that the server had ended, its
		// Closed still queued behind the close request, explains the end better than
		// "closed": the run must not pass as a success (issue 11). The close we asked
		// for comes back as a bare 1000 (no error, no reason).
		if c, ok := s.drainModel(); ok && final.Err == nil && (c.Err != nil || c.Reason != "" || c.Code != 0 && c.Code != 1000) {
			final = Closed{Reason: c.Reason, Err: c.Err, Code: c.Code}
		}
	}
	if final.Err != nil {
		s.closeErr = final.Err
	}
	s.emit(final)
	close(s.engineDone)
}

// drainModel consumes the model's remaining events so its goroutines can finish.
// It returns the model's Closed event, if one came.
func (s *Session) drainModel() (closed realtime.Closed, ok bool) {
	timer := time.NewTimer(cleanupGrace)
	defer timer.Stop()
	note := func(ev realtime.Event) {
		if c, isClosed := ev.(realtime.Closed); isClosed && !ok {
			closed, ok = c, true
		}
	}
	if mq := realtime.QueueOf(s.model); mq != nil {
		var batch []realtime.Event
		for {
			var more bool
			batch, more = mq.Drain(batch[:0])
			for _, ev := range batch {
				note(ev)
			}
			if !more {
				return closed, ok
			}
			select {
			case <-mq.Ready():
			case <-timer.C:
				s.log.Warn("model events not closed after Close")
				return closed, ok
			}
		}
	}
	evs := s.model.Events()
	for {
		select {
		case ev, open := <-evs:
			if !open {
				return closed, ok
			}
			note(ev)
		case <-timer.C:
			s.log.Warn("model events not closed after Close")
			return closed, ok
		}
	}
}

// settingsFor builds the full settings for agent a (R2.3).
func (s *Session) settingsFor(a *Agent, from string) realtime.Settings {
	return buildSettings(s.cfg.Base, s.voice, s.agents, a, from, s.strict)
}

// setActive switches the active agent (engine only).
func (s *Session) setActive(a *Agent) {
	s.active = a
	s.mu.Lock()
	s.activeName = a.Name
	s.mu.Unlock()
}

// ActiveAgent returns the name of the active agent.
func (s *Session) ActiveAgent() string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.activeName
}

// SendText sends a user text message and asks for a response, after the active
// agent's input guardrails passed (R10.7). Text that is not valid UTF-8 has each
// invalid byte sequence replaced with U+FFFD here, once, so that the guardrails,
// the wire and the acknowledgement the Model waits for (R6.4) all see the same
// text (issue 9 #7).
func (s *Session) SendText(text string) error {
	if text == "" {
		return errors.New("empty text")
	}
	text = strings.ToValidUTF8(text, "\uFFFD")
	return s.do(func() { s.sendText(text) })
}

// AppendAudio appends microphone audio (already gated by the audio layer). Audio
// before the session is ready is dropped (R1.12).
func (s *Session) AppendAudio(pcm []byte) error {
	if len(pcm) == 0 {
		return nil
	}
	buf := append([]byte(nil), pcm...)
	return s.do(func() {
		if !s.ready {
			return
		}
		s.appended += len(buf)
		s.send(realtime.AppendAudio{Audio: buf})
	})
}

// CommitAudio ends a push-to-talk turn (§5.8): with at least 100 ms appended it
// commits and asks for a response, otherwise it clears the input buffer.
func (s *Session) CommitAudio() error {
	return s.do(func() {
		minBytes := 100 * s.inputFormat().BytesPerMS()
		n := s.appended
		s.appended = 0
		if n >= minBytes {
			// In strict input guardrail mode the response is created once the
			// transcript passed (R10.7).
			s.send(realtime.CommitAudio{Respond: !s.strict})
			return
		}
		s.send(realtime.ClearAudio{})
	})
}

// StartPushToTalk handles a push-to-talk key-down (§5.8): a full interrupt (reason
// ptt) and an input buffer clear.
func (s *Session) StartPushToTalk() error {
	return s.do(func() {
		s.interrupt(ReasonPTT, interruptOpts{})
		s.appended = 0
		s.send(realtime.ClearAudio{})
	})
}

// Interrupt is a manual interrupt (R7.6); it cancels an active response (R7.7).
func (s *Session) Interrupt(reason string) {
	if reason == "" {
		reason = ReasonManual
	}
	_ = s.do(func() {
		// R7.8: the user's voice does not interrupt a non-interruptible agent, whoever
		// heard it; the interrupt key and guardrails still do.
		if reason == ReasonLocalVAD && !s.active.interruptible() {
			return
		}
		s.interrupt(reason, interruptOpts{})
	})
}

// SwitchAgent switches the active agent manually (R9.5): a full session update and a
// handoff event with Manual set; no tool output and no response.
func (s *Session) SwitchAgent(name string) error {
	s.mu.RLock() // ReplaceAgents swaps the map (controls.go)
	known := s.agents[name] != nil
	s.mu.RUnlock()
	if !known {
		return fmt.Errorf("unknown agent %q", name)
	}
	return s.do(func() { s.switchAgent(name) })
}

// History returns a deep copy of the history.
func (s *Session) History() []HistoryItem {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return cloneHistory(s.history)
}

func (s *Session) inputFormat() realtime.AudioFormat {
	if s.effective != nil && s.effective.InputFormat.Type != "" {
		return s.effective.InputFormat
	}
	return s.lastSettings.InputFormat
}

func (s *Session) outputFormat() realtime.AudioFormat {
	if s.effective != nil && s.effective.OutputFormat.Type != "" {
		return s.effective.OutputFormat
	}
	return s.lastSettings.OutputFormat
}

// turnDetection is the effective turn detection (R2.6).
func (s *Session) turnDetection() *realtime.TurnDetection {
	if s.effective != nil {
		return s.effective.TurnDetection
	}
	return s.lastSettings.TurnDetection
}
