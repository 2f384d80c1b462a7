package openai

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/coder/websocket"

	"github.com/rtagent/rtagent/internal/realtime"
)

// Reconnection (docs/protocol.md §14, R14.3, R14.4; the contract is in
// internal/realtime/reconnect.go). A Model with Config.Reconnect set survives an
// unplanned loss — a close with 1001, 1006, 1011, 1012, 1013 or 1014, a read or
// write error, a connection the keepalive found dead — by dialling again with
// backoff, sending the full session.update of the last settings it was given, and
// handing over to the consumer's Replay. A recycle (realtime.Reconnect) takes the
// same path at once. It never retries after 3000/4000 closes, a rejected session
// or an authentication failure.

type phase int

const (
	phaseLive   phase = iota // commands go out as they come
	phaseDown                // no connection: commands are held
	phaseReplay              // connected, waiting for the consumer's Replay: still held
)

// stableAfter is how long a connection must live for its successor to start
// counting attempts from zero again.
const stableAfter = 10 * time.Second

// replayWait is how long held commands wait for the consumer's Replay before they
// go out anyway (a consumer that does not replay).
const replayWait = 2 * time.Second

type reconnectState struct {
	phase    phase
	url      string
	settings realtime.Settings // the last full settings, for a new connection
	held     []realtime.Command
	downAt   time.Time
	attempt  int
}

// DefaultBackoff is the wait before each reconnection attempt (R14.3 #2); each is
// jittered by ±20 %.
var DefaultBackoff = []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second}

// ReconnectPolicy configures recovery from an unplanned loss.
type ReconnectPolicy struct {
	Enabled bool
	// Backoff is the wait before each attempt; its length is the number of
	// attempts. Nil: DefaultBackoff.
	Backoff []time.Duration
	// Jitter is the relative random spread of each wait (0.2 = ±20 %). Negative:
	// none. Zero: 0.2.
	Jitter float64
}

// retryable reports whether a connection that ended with closed may be replaced.
func retryable(closed realtime.Closed) bool {
	switch closed.Code {
	case 1001, 1006, 1011, 1012, 1013, 1014:
		return true
	case 0, -1: // no close frame: a read or write error, a dropped connection
		return closed.Err != nil
	}
	return false
}

// linkEnded runs on the reader of l once its connection is gone.
func (m *Model) linkEnded(l *link, err error) {
	m.mu.Lock()
	if we := l.writeErr.Load(); we != nil && m.st.writeErr == nil && !m.st.closing {
		m.st.writeErr = *we
	}
	closed := m.closedEventLocked(err)
	why := closed.Reason
	if d := l.dead.Load(); d != nil {
		why = *d
		closed.Err = &CloseError{Message: *d}
	} else if why == "" && closed.Code <= 0 {
		why = "the connection dropped without a close frame"
		if r := transportReason(err); r != "" {
			why = r // a reserved close code, a frame over the read limit, a reset (issue 11)
		}
		if we := l.writeErr.Load(); we != nil {
			why = "a write failed"
		}
	} else if why == "" && closed.Err != nil {
		why = m.scrub(closed.Err.Error())
	}
	planned := l.planned.Load()
	if time.Since(l.born) >= stableAfter {
		m.rc.attempt = 0
	}
	budgetLeft := planned || m.rc.attempt < len(m.backoff())
	fatalClose := closed.Code == 3000 || closed.Code == 4000
	retry := m.cfg.Reconnect.Enabled && !m.st.closing && m.st.fatal == nil && !fatalClose &&
		(planned || retryable(closed)) && budgetLeft
	code := max(closed.Code, 0)
	if code == 0 && closed.Err != nil {
		code = 1006 // abnormal closure: no close frame
	}
	// Before the triggers are withdrawn: the consumer must know the connection is
	// being replaced, or is gone for good, before it sees nothing pending (and takes
	// it for quiet: a turn the server never answered would pass for answered, R6.4).
	if retry {
		m.evq.Push(realtime.ConnectionChanged{State: realtime.StateReconnecting, CloseCode: code, Reason: why,
			ReconnectInfo: realtime.ReconnectInfo{Attempt: nextAttempt(m.rc.attempt, planned), Planned: planned}})
	} else {
		m.evq.Push(disconnected(closed))
	}
	before := m.st.seq.Pending()
	m.st.seq.Reset()
	m.reportTriggersLocked(realtime.TriggerWithdrawn, before)
	if retry {
		m.rc.phase, m.rc.downAt = phaseDown, time.Now()
		m.rc.held = append(m.unackedLocked(), m.rc.held...)
		m.dialWG.Add(1)
	} else {
		m.st.done = true
		m.rc.phase, m.rc.held = phaseLive, nil
	}
	m.mu.Unlock()

	l.teardown()
	if retry {
		m.cfg.Logger.Warn("realtime connection lost; reconnecting", "code", code, "reason", why, "planned", planned)
		go m.reconnect(code, why, planned, closed)
		return
	}
	m.finishEvents(closed, true)
}

// disconnected is the report of a connection gone for good.
func disconnected(closed realtime.Closed) realtime.ConnectionChanged {
	return realtime.ConnectionChanged{State: realtime.StateDisconnected, CloseCode: closed.Code, Reason: closed.Reason}
}

// finishEvents ends the Model's event stream, reporting the disconnection first
// unless it was reported already.
func (m *Model) finishEvents(closed realtime.Closed, reported bool) {
	m.tr.close()
	if !reported {
		m.evq.Push(disconnected(closed))
	}
	m.evq.Push(closed)
	m.evq.Close()
	close(m.ended)
}

// unackedLocked returns the commands whose items were sent but never acknowledged
// on the lost connection, in order: they are sent again after the replay. Tool
// outputs are not among them (the consumer's history replays them).
func (m *Model) unackedLocked() []realtime.Command {
	var out []realtime.Command
	for _, a := range m.st.itemAcks {
		if a.resend != nil {
			out = append(out, a.resend)
		}
	}
	return out
}

// reconnect dials until a new connection is up, or gives up (R14.3 #2).
func (m *Model) reconnect(code int, why string, planned bool, lost realtime.Closed) {
	defer m.dialWG.Done()
	pol := m.cfg.Reconnect
	backoff := m.backoff()
	jitter := pol.Jitter
	if jitter == 0 {
		jitter = 0.2
	}
	info := realtime.ReconnectInfo{Planned: planned}
	var lastErr error = lost.Err
	m.mu.Lock()
	first := nextAttempt(m.rc.attempt, planned)
	m.mu.Unlock()
	for attempt := first; attempt <= len(backoff); attempt++ {
		info.Attempt = attempt
		if attempt > first { // linkEnded announced the first
			m.evq.Push(realtime.ConnectionChanged{State: realtime.StateReconnecting, CloseCode: code, Reason: why, ReconnectInfo: info})
		}
		m.mu.Lock()
		m.rc.attempt = attempt
		m.mu.Unlock()
		if !(planned && attempt == 1) {
			wait := backoff[attempt-1]
			if jitter > 0 {
				wait = time.Duration(float64(wait) * (1 + jitter*(2*rand.Float64()-1)))
			}
			t := time.NewTimer(wait)
			select {
			case <-m.stopDial:
				t.Stop()
				m.giveUp(lost, errors.New("closed while reconnecting"))
				return
			case <-t.C:
			}
		}
		m.mu.Lock()
		u, model := m.rc.url, m.st.model
		m.mu.Unlock()
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			select {
			case <-m.stopDial:
				cancel()
			case <-ctx.Done():
			}
		}()
		l, err := m.dial(ctx, u, model)
		cancel()
		if err != nil {
			lastErr = err
			m.cfg.Logger.Warn("realtime reconnect failed", "attempt", attempt, "err", m.scrubErr(err))
			if errors.Is(err, ErrAuth) || errors.Is(err, ErrRejected) {
				m.giveUp(lost, fmt.Errorf("reconnecting refused: %w", err))
				return // an answer, not a network problem: retrying cannot help
			}
			why = m.scrub(err.Error())
			continue
		}
		if m.adopt(l, info) {
			return
		}
		_ = l.conn.CloseNow()
		m.giveUp(lost, errors.New("closed while reconnecting"))
		return
	}
	m.giveUp(lost, fmt.Errorf("reconnecting failed after %d attempts: %w", len(backoff)-first+1, lastErr))
}

// backoff is the configured wait before each attempt.
func (m *Model) backoff() []time.Duration {
	if b := m.cfg.Reconnect.Backoff; len(b) > 0 {
		return b
	}
	return DefaultBackoff
}

// nextAttempt is the number of the next attempt: attempts count across
// connections that die young (a server that fails every new connection is not
// redialled for ever, R14.3 #2); a recycle starts at one.
func nextAttempt(done int, planned bool) int {
	if planned {
		return 1
	}
	return done + 1
}

// adopt makes l the current connection: fresh protocol state (event ids keep
// counting), the full session.update of the last settings, then StateReconnected;
// held commands wait for the consumer's Replay. False when the Model closed
// meanwhile.
func (m *Model) adopt(l *link, info realtime.ReconnectInfo) bool {
	m.mu.Lock()
	if m.st.closing {
		m.mu.Unlock()
		return false
	}
	counter, model := m.st.counter, m.st.model
	m.st = engineState{connected: true, model: model, sent: map[string]sentEvent{}, counter: counter}
	m.st.seq = NewSequencer(m.nextIDLocked)
	m.ln = l
	m.rc.phase = phaseReplay
	id, err := m.sessionUpdateLocked(m.rc.settings)
	m.st.initialID = id
	info.Down = time.Since(m.rc.downAt)
	m.evq.Push(realtime.ConnectionChanged{State: realtime.StateReconnected, ReconnectInfo: info})
	m.mu.Unlock()
	if err != nil {
		m.cfg.Logger.Error("session.update for the new connection", "err", err)
	}
	m.run(l)
	time.AfterFunc(replayWait, func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		if m.ln == l && m.rc.phase == phaseReplay && !m.st.done && !m.st.closing {
			m.cfg.Logger.Debug("no replay from the consumer; sending held commands")
			m.flushHeldLocked()
		}
	})
	return true
}

// giveUp ends the Model after reconnection failed for good.
func (m *Model) giveUp(lost realtime.Closed, err error) {
	m.mu.Lock()
	m.st.done = true
	m.rc.phase, m.rc.held = phaseLive, nil
	m.mu.Unlock()
	closed := realtime.Closed{Code: lost.Code, Reason: lost.Reason, Err: &CloseError{Code: lost.Code, Reason: lost.Reason, Message: "connection lost", Err: m.scrubErr(err)}}
	m.finishEvents(closed, false)
}

// holdLocked keeps a command sent while there is no connection (R14.4): user
// texts, item creates and response creates go out after the replay; everything
// tied to the old connection (audio, commits, truncations, cancels, retrievals,
// deletions) or carried by the consumer's history (tool outputs) is dropped.
func (m *Model) holdLocked(cmd realtime.Command) {
	if !m.keepLocked(cmd) && realtime.RegistersTrigger(cmd) {
		// The consumer counts every trigger command Send accepts until it is
		// reported: report this one as requested and withdrawn at once.
		p := m.st.seq.Pending()
		m.evq.Push(realtime.ResponseTriggers{Change: realtime.TriggerRequested, Count: 1, Pending: p + 1})
		m.evq.Push(realtime.ResponseTriggers{Change: realtime.TriggerWithdrawn, Count: 1, Pending: p})
	}
}

// keepLocked holds cmd for after the replay and reports whether it did.
func (m *Model) keepLocked(cmd realtime.Command) bool {
	switch c := cmd.(type) {
	case realtime.SendUserText, realtime.CreateResponse:
		m.rc.held = append(m.rc.held, cmd)
		return true
	case realtime.CreateItem:
		if c.Item.Type != realtime.ItemFunctionCallOutput {
			m.rc.held = append(m.rc.held, cmd)
			return true
		}
	case realtime.UpdateSession:
		if m.rc.phase == phaseReplay {
			m.rc.held = append(m.rc.held, cmd)
		} // while down, the new connection's session.update carries it
		return true
	}
	m.cfg.Logger.Debug("command dropped while reconnecting", "command", fmt.Sprintf("%T", cmd))
	return false
}

// replayLocked sends the consumer's replay, then what was held (R14.4). Without a
// reconnection in progress it is a seed (R14.5) and goes out at once.
func (m *Model) replayLocked(r realtime.Replay) error {
	if m.rc.phase == phaseDown {
		return errors.New("openai: Replay while disconnected")
	}
	for _, it := range r.Items {
		it.ID = ""
		item, ack, err := itemToWire(it)
		if err != nil {
			m.cfg.Logger.Warn("history item not replayed", "type", it.Type, "err", err)
			continue
		}
		if err := m.createItemLocked("conversation.item.create", item, "", false, ack); err != nil {
			return err
		}
	}
	if r.Respond {
		m.requestTriggerLocked(Trigger{})
	}
	if m.rc.phase == phaseReplay {
		m.flushHeldLocked()
	}
	return nil
}

// flushHeldLocked sends the held commands in order and goes live.
func (m *Model) flushHeldLocked() {
	held := m.rc.held
	m.rc.held, m.rc.phase = nil, phaseLive
	for _, c := range held {
		if err := m.sendLocked(c); err != nil {
			m.cfg.Logger.Warn("held command failed", "command", fmt.Sprintf("%T", c), "err", err)
		}
	}
}

// recycleLocked replaces a live connection now (R14.3 #1): the old one closes with
// 1000 after what is queued, and the reader's end starts the reconnection.
func (m *Model) recycleLocked(reason string) error {
	if !m.cfg.Reconnect.Enabled {
		return errors.New("openai: Reconnect needs Config.Reconnect")
	}
	if m.rc.phase != phaseLive {
		return nil // already replacing the connection
	}
	l := m.ln
	l.planned.Store(true)
	l.closing.Store(true) // teardown must not CloseNow while the close handshake runs
	// From now on commands are held, as in an outage: the old connection's writer
	// is closing (a text typed meanwhile must not fail).
	m.rc.phase, m.rc.downAt = phaseDown, time.Now()
	m.cfg.Logger.Info("recycling the realtime connection", "reason", reason)
	go func() {
		l.out.Close()
		<-l.writerDone
		cctx, cancel := context.WithTimeout(context.Background(), closeGrace)
		defer cancel()
		done := make(chan struct{})
		go func() { _ = l.conn.Close(websocket.StatusNormalClosure, "recycle"); close(done) }()
		select {
		case <-done:
		case <-cctx.Done():
			l.abort() // a peer that does not answer the close is dropped
		}
	}()
	return nil
}
