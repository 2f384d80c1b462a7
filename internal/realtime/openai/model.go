package openai

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/rtagent/rtagent/internal/realtime"
)

// eventIDTTL is how long an event_id stays correlatable (R3.1).
const eventIDTTL = 30 * time.Second

// Model is one OpenAI Realtime GA WebSocket connection. It implements
// realtime.Model. Consumers must read Events until the channel is closed.
type Model struct {
	cfg Config

	// evq carries every event to the consumer; the reader never blocks on it. The
	// session takes events from it directly (realtime.Queued); Events adds a pump.
	evq *realtime.EventQueue

	life      sync.Mutex // serialises Connect and Close
	started   bool
	closeOnce sync.Once

	tr       *tracer       // one trace across every connection
	ended    chan struct{} // closed once the last connection ended and Closed was queued
	stopDial chan struct{} // closed by Close: no more reconnection attempts
	dialWG   sync.WaitGroup

	mu sync.Mutex // guards everything below
	st engineState
	ln *link // the current connection (nil before Connect succeeded)
	rc reconnectState
}

// engineState is the per-connection protocol state, guarded by Model.mu.
type engineState struct {
	connected  bool
	done       bool // transport gone
	closing    bool // Close called
	seq        *Sequencer
	counter    int
	sent       map[string]sentEvent
	sentOrder  []string
	itemAcks   []itemAck
	commitAcks []commitAck
	model      string
	updates    int
	prevPrompt bool
	initialID  string
	ready      bool
	lastErr    string // message of the last server error event (close mapping)
	fatal      error
	writeErr   error
}

type sentEvent struct {
	kind    string // client event type, e.g. "response.create"
	at      time.Time
	trigger TriggerID
}

// itemAck waits for the conversation.item.added of an item C created (R6.4). The
// server processes client events in order, so the first pending entry whose shape
// matches is the one: by id when C chose one, else by type, role, text or call_id.
type itemAck struct {
	eventID string
	trigger TriggerID // 0: no trigger, kept for FIFO precision
	id      string
	typ     string
	role    string
	text    string
	callID  string
	at      time.Time
	// resend is the command that created the item, sent again on a new connection
	// if the old one ended before the server acknowledged it (R14.4).
	resend realtime.Command
}

type commitAck struct {
	eventID string
	trigger TriggerID
	at      time.Time
}

// New returns an unconnected model.
func New(cfg Config) *Model {
	return &Model{
		cfg:      cfg.withDefaults(),
		evq:      realtime.NewEventQueue(),
		ended:    make(chan struct{}),
		stopDial: make(chan struct{}),
	}
}

// Events returns the event channel. Closed is always the last event. A consumer
// that uses EventQueue must not call it.
func (m *Model) Events() <-chan realtime.Event { return m.evq.Channel() }

// EventQueue implements realtime.Queued: the reader's events without the pump.
func (m *Model) EventQueue() *realtime.EventQueue { return m.evq }

// Connect dials, sends the full session.update and returns once the socket is open
// (R1.12). Readiness arrives later as SessionUpdated{Ready: true}.
func (m *Model) Connect(ctx context.Context, opts realtime.ConnectOptions) error {
	m.life.Lock()
	defer m.life.Unlock()
	if m.started {
		return errors.New("openai: Connect called twice")
	}
	m.started = true
	u, model, err := dialURL(m.cfg.URL, opts.Settings.Model)
	if err != nil {
		m.failEarly(err)
		return err
	}
	start := time.Now()
	l, err := m.dial(ctx, u, model)
	if err != nil {
		m.failEarly(err)
		return err
	}
	if m.cfg.Trace != nil || m.cfg.Frames != nil {
		m.tr = newTracer(m.cfg.Trace, m.cfg.Frames, m.cfg.TraceAudio, m.scrubber(), start, m.cfg.Logger)
	}

	m.mu.Lock()
	m.rc.url, m.rc.settings = u, opts.Settings
	m.ln = l
	m.st = engineState{connected: true, model: model, sent: map[string]sentEvent{}}
	m.st.seq = NewSequencer(m.nextIDLocked)
	m.evq.Push(realtime.ConnectionChanged{State: realtime.StateConnected})
	id, err := m.sessionUpdateLocked(opts.Settings)
	m.st.initialID = id
	m.mu.Unlock()
	if err != nil { // settings that cannot be encoded: nothing was sent
		l.out.Close()
	}

	m.run(l)
	if err != nil {
		_ = m.closeLocked()
		return fmt.Errorf("openai: session.update: %w", err)
	}
	return nil
}

// dial opens one WebSocket connection (R1.12).
func (m *Model) dial(ctx context.Context, u, model string) (*link, error) {
	dctx, cancel := context.WithTimeout(ctx, m.cfg.HandshakeTimeout)
	defer cancel()
	m.cfg.Logger.Debug("realtime connect", "url", logURL(u), "model", model)
	client, tap := tappedClient(m.cfg.HTTPClient)
	conn, resp, err := websocket.Dial(dctx, u, &websocket.DialOptions{
		HTTPClient: client,
		HTTPHeader: m.cfg.header(),
	})
	if err != nil {
		return nil, m.dialError(resp, err)
	}
	conn.SetReadLimit(m.cfg.ReadLimit)
	return newLink(conn, tap.stream.Load()), nil
}

// failEarly ends a model that never got a connection: Closed{Err}, then the
// channel closes. No goroutine is involved.
func (m *Model) failEarly(err error) {
	m.closeOnce.Do(func() {
		m.evq.Push(realtime.Closed{Err: err})
		m.evq.Close()
	})
}

func (m *Model) dialError(resp *http.Response, err error) error {
	if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
		var body []byte
		if resp.Body != nil {
			body, _ = io.ReadAll(io.LimitReader(resp.Body, 512))
		}
		return &HandshakeError{
			StatusCode: resp.StatusCode,
			Status:     resp.Status,
			Body:       m.scrub(strings.TrimSpace(string(body))),
		}
	}
	return dialFailure(m.cfg.URL, m.cfg.HandshakeTimeout, m.scrubErr(err))
}

// Close closes the connection with code 1000 after the queued frames are written.
// It is idempotent, safe from any goroutine, and returns once the reader is done.
func (m *Model) Close() error {
	m.life.Lock()
	defer m.life.Unlock()
	if !m.started {
		m.started = true
		m.failEarly(nil)
		return nil
	}
	return m.closeLocked()
}

func (m *Model) closeLocked() error {
	m.mu.Lock()
	l := m.ln
	m.mu.Unlock()
	if l == nil { // Connect failed: already closed
		return nil
	}
	m.closeOnce.Do(func() {
		m.mu.Lock()
		m.st.closing = true
		l = m.ln
		m.mu.Unlock()
		close(m.stopDial)
		l.closeGracefully(closeGrace)
		<-m.ended
		m.dialWG.Wait()
	})
	return nil
}

func (m *Model) closedEventLocked(err error) realtime.Closed {
	code := int(websocket.CloseStatus(err))
	var reason string
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		reason = ce.Reason
	}
	st := &m.st
	switch {
	case st.fatal != nil:
		return realtime.Closed{Code: max(code, 0), Reason: reason, Err: st.fatal}
	case st.closing && (code == -1 || code == int(websocket.StatusNormalClosure)):
		return realtime.Closed{Code: int(websocket.StatusNormalClosure)}
	case code == int(websocket.StatusNormalClosure) && st.writeErr == nil:
		return realtime.Closed{Code: code, Reason: reason}
	case code == -1 && st.writeErr != nil:
		return realtime.Closed{Err: &CloseError{Message: "write failed", Err: m.scrubErr(st.writeErr)}}
	case code == -1:
		return realtime.Closed{Err: &CloseError{Err: m.scrubErr(err)}}
	}
	// A close code the server sent (3000 authentication, 4000 request shape, 1001 …)
	// explains the end better than a write that failed because of it: the server
	// closes right after its error event, often while our session.update is going out.
	msg := reason
	if (code == 3000 || code == 4000) && st.lastErr != "" {
		msg = st.lastErr
	}
	return realtime.Closed{Code: code, Reason: reason, Err: &CloseError{Code: code, Reason: reason, Message: m.scrub(msg)}}
}

// handleFrame decodes one server frame and applies it to the engine state. It
// reports whether an event may still reference data (the reader then leaves that
// buffer alone); audio deltas never do.
func (m *Model) handleFrame(data []byte) (kept bool) {
	typ, ev, err := decodeEvent(data)
	if err != nil {
		name := typ
		if name == "" {
			name = "server event"
		}
		m.cfg.Logger.Debug("cannot decode server event", "type", typ, "err", err)
		m.evq.Push(realtime.Error{Source: "engine", Code: "invalid_server_event",
			Message: "cannot decode " + name + ": " + m.scrub(err.Error())})
		return true
	}
	if d, ok := ev.(realtime.AudioDelta); ok { // hot path: no engine state involved
		m.evq.Push(d)
		return false
	}
	kept = true
	m.mu.Lock()
	defer m.mu.Unlock()
	switch e := ev.(type) {
	case realtime.SessionUpdated:
		if !e.Created && !m.st.ready && m.st.updates > 0 {
			m.st.ready = true
			e.Ready = true
		}
		ev = e
	case realtime.Error:
		m.serverErrorLocked(e)
		return
	case realtime.ItemEvent:
		if e.Kind == realtime.ItemAdded {
			m.ackItemLocked(e.Item)
		}
	case realtime.AudioCommitted:
		m.ackCommitLocked()
	case realtime.ResponseCreated:
		m.evq.Push(e)
		m.ln.expect() // a response is active: a stall now counts
		before := m.st.seq.Pending()
		m.performLocked(m.st.seq.ResponseCreated(e.ResponseID))
		m.reportTriggersLocked(realtime.TriggerCovered, before)
		return
	case realtime.ResponseDone:
		m.evq.Push(e)
		before := m.st.seq.Pending()
		m.performLocked(m.st.seq.ResponseDone(e.ResponseID))
		m.reportTriggersLocked(realtime.TriggerCovered, before) // creates this response served
		return
	case realtime.Raw:
		if !knownRawTypes[typ] {
			m.cfg.Logger.Debug("unhandled server event type", "type", typ)
		}
	}
	m.evq.Push(ev)
	return true
}

// serverErrorLocked correlates a server error (R3.1, R6.5, R1.12) and emits it
// unless the sequencer owns it.
func (m *Model) serverErrorLocked(e realtime.Error) {
	e.Message = m.scrub(e.Message)
	m.st.lastErr = e.Message
	var sent sentEvent
	if e.EventID != "" {
		if s, ok := m.st.sent[e.EventID]; ok {
			sent = s
			e.Command = commandKind(s.kind)
		}
	}
	if e.EventID != "" && e.EventID == m.st.initialID && !m.st.ready {
		e.Command = realtime.CommandUpdateSession
		e.Fatal = true
		m.st.fatal = fmt.Errorf("%w: %s", ErrSessionRejected, e.Error())
		m.evq.Push(e)
		go m.Close() // cannot close from the reader: Close waits for it
		return
	}
	before := m.st.seq.Pending()
	defer m.reportTriggersLocked(realtime.TriggerWithdrawn, before)
	if e.EventID != "" {
		m.dropAckLocked(e.EventID)
		if sent.trigger != 0 { // the item (or commit) a trigger waited for failed
			m.st.seq.Withdraw(sent.trigger)
		}
	}
	handled, acts := m.st.seq.OnError(e)
	if handled {
		m.performLocked(acts)
		if !hasErrorAction(acts) {
			// The sequencer absorbed it: a cancel that met natural completion (R6.3)
			// or a create refused while a response was active (R6.5). The consumer
			// logs it; it is not a user-facing error.
			e.Race = true
			m.evq.Push(e)
		}
		return
	}
	m.evq.Push(e)
}

func hasErrorAction(acts []SeqAction) bool {
	for _, a := range acts {
		if a.Kind == ActEmitError {
			return true
		}
	}
	return false
}

// reportTriggersLocked tells the consumer that triggers were covered or withdrawn
// (change) when the sequencer's pending count fell from before.
func (m *Model) reportTriggersLocked(change realtime.TriggerChange, before int) {
	if after := m.st.seq.Pending(); after < before {
		m.evq.Push(realtime.ResponseTriggers{Change: change, Count: before - after, Pending: after})
	}
}

// requestTriggerLocked registers a response trigger with the sequencer, reports it
// (the consumer counts one TriggerRequested per accepted trigger command) and
// performs what the sequencer asks.
func (m *Model) requestTriggerLocked(t Trigger) TriggerID {
	id, acts := m.st.seq.Request(t)
	m.ln.expect() // a stall now counts (keepalive)
	m.evq.Push(realtime.ResponseTriggers{Change: realtime.TriggerRequested, Count: 1, Pending: m.st.seq.Pending()})
	m.performLocked(acts)
	return id
}

func (m *Model) ackItemLocked(it realtime.Item) {
	for i, a := range m.st.itemAcks {
		if !a.matches(it) {
			continue
		}
		if a.trigger != 0 {
			m.st.seq.Acknowledge(a.trigger)
		}
		m.st.itemAcks = append(m.st.itemAcks[:i:i], m.st.itemAcks[i+1:]...)
		return
	}
}

func (a *itemAck) matches(it realtime.Item) bool {
	if a.id != "" {
		return it.ID == a.id
	}
	if it.Type != a.typ || (a.role != "" && it.Role != a.role) || (a.callID != "" && it.CallID != a.callID) {
		return false
	}
	if a.text == "" {
		return true
	}
	for _, c := range it.Content {
		if c.Text == a.text {
			return true
		}
	}
	return false
}

func (m *Model) ackCommitLocked() {
	if len(m.st.commitAcks) == 0 {
		return
	}
	a := m.st.commitAcks[0]
	m.st.commitAcks = m.st.commitAcks[1:]
	if a.trigger != 0 {
		m.st.seq.Acknowledge(a.trigger)
	}
}

func (m *Model) dropAckLocked(eventID string) {
	for i, a := range m.st.itemAcks {
		if a.eventID == eventID {
			m.st.itemAcks = append(m.st.itemAcks[:i:i], m.st.itemAcks[i+1:]...)
			return
		}
	}
	for i, a := range m.st.commitAcks {
		if a.eventID == eventID {
			m.st.commitAcks = append(m.st.commitAcks[:i:i], m.st.commitAcks[i+1:]...)
			return
		}
	}
}

// performLocked carries out sequencer actions in order.
func (m *Model) performLocked(acts []SeqAction) {
	for _, a := range acts {
		switch a.Kind {
		case ActSendCreate:
			ev := responseCreateEvent{Type: "response.create", EventID: a.EventID}
			if a.Instructions != "" {
				ev.Response = &wireResponse{Instructions: a.Instructions}
			}
			m.mustEnqueueLocked(ev, "response.create", a.EventID, 0)
		case ActSendCancel:
			m.mustEnqueueLocked(responseCancelEvent{Type: "response.cancel", EventID: a.EventID, ResponseID: a.ResponseID},
				"response.cancel", a.EventID, 0)
		case ActEmitError:
			a.Err.Source = orDefault(a.Err.Source, "engine")
			m.evq.Push(a.Err)
		}
	}
}

// nextIDLocked returns rtagent_<kind>_<n> with a per-connection counter (R3.1).
func (m *Model) nextIDLocked(kind string) string {
	m.st.counter++
	return "rtagent_" + kind + "_" + strconv.Itoa(m.st.counter)
}

// enqueueLocked encodes a client event, records its event_id for correlation and
// queues it on the writer.
func (m *Model) enqueueLocked(v any, kind, eventID string, trig TriggerID) error {
	frame, err := marshal(v)
	if err != nil {
		return fmt.Errorf("openai: encode %s: %w", kind, err)
	}
	if eventID != "" {
		now := time.Now()
		m.expireLocked(now)
		m.st.sent[eventID] = sentEvent{kind: kind, at: now, trigger: trig}
		m.st.sentOrder = append(m.st.sentOrder, eventID)
	}
	if m.ln == nil || !m.ln.out.Push(frame) {
		return ErrClosed
	}
	return nil
}

// mustEnqueueLocked is enqueueLocked for events built from fixed types, which
// cannot fail to encode; a closed writer only means the connection is going away.
func (m *Model) mustEnqueueLocked(v any, kind, eventID string, trig TriggerID) {
	if err := m.enqueueLocked(v, kind, eventID, trig); err != nil && !errors.Is(err, ErrClosed) {
		m.evq.Push(realtime.Error{Source: "engine", Code: "encode_failed", Message: err.Error(), Command: commandKind(kind)})
	}
}

// expireLocked forgets event ids and pending acknowledgements older than 30 s.
func (m *Model) expireLocked(now time.Time) {
	cut := now.Add(-eventIDTTL)
	i := 0
	for ; i < len(m.st.sentOrder); i++ {
		id := m.st.sentOrder[i]
		if s, ok := m.st.sent[id]; ok && s.at.After(cut) {
			break
		}
		delete(m.st.sent, id)
	}
	if i > 0 {
		m.st.sentOrder = append(m.st.sentOrder[:0:0], m.st.sentOrder[i:]...)
	}
	for len(m.st.itemAcks) > 0 && m.st.itemAcks[0].at.Before(cut) {
		m.st.itemAcks = m.st.itemAcks[1:]
	}
	for len(m.st.commitAcks) > 0 && m.st.commitAcks[0].at.Before(cut) {
		m.st.commitAcks = m.st.commitAcks[1:]
	}
}

// logURL drops the query (only the model is expected there, but a proxy URL might
// carry a token) before the URL reaches a log.
func logURL(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		u.RawQuery, u.User = "", nil
		return u.String()
	}
	return ""
}

var (
	_ realtime.Model  = (*Model)(nil)
	_ realtime.Queued = (*Model)(nil)
)
