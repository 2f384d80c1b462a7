package session

import (
	"time"

	"github.com/rtagent/rtagent/internal/realtime"
)

// Session lifetime defaults (R14.3).
const (
	// DefaultRecycleAfter is when a session recycles its connection at the next
	// safe point, unless expires_at − 5 min comes first.
	DefaultRecycleAfter = 50 * time.Minute
	recycleBeforeExpiry = 5 * time.Minute
	forceBeforeExpiry   = time.Minute
)

// Connection states the session reports beyond the model's (R14.3 #3).
const (
	ConnConnected    = "connected"
	ConnReconnecting = "reconnecting"
	ConnReconnected  = "reconnected"
	ConnLost         = "lost"
)

// ReasonRecycle interrupts the agent when no safe point came before the hard
// recycle deadline.
const ReasonRecycle = "recycle"

// linkState is the engine's bookkeeping of the connection's life (engine only).
type linkState struct {
	lostAt      time.Time // when the current outage began; zero while up
	recycling   bool      // a Reconnect was asked for and has not completed
	recycleDue  bool      // the recycle deadline passed: recycle at the next safe point
	forceDue    bool      // the hard deadline passed: recycle now, interrupting
	timers      []*time.Timer
	scheduled   bool // timers set for the current connection
	reconnected bool // at least one reconnection happened (no greeting again)
}

// onConnection handles the model's connection reports (R14.3, R14.4).
func (s *Session) onConnection(e realtime.ConnectionChanged) {
	ev := ConnectionEvent{State: e.State, CloseCode: e.CloseCode, Reason: e.Reason, Attempt: e.Attempt, Planned: e.Planned}
	switch e.State {
	case realtime.StateReconnecting:
		if s.link.lostAt.IsZero() {
			s.link.lostAt = time.Now()
			s.connectionLost()
		}
	case realtime.StateReconnected:
		items, respond := s.replayPlan()
		s.send(realtime.Replay{Items: items, Respond: respond})
		ev.Replayed = len(items)
		ev.DownMS = time.Since(s.link.lostAt).Milliseconds()
		s.link = linkState{reconnected: true}
	case realtime.StateDisconnected:
		if !s.link.lostAt.IsZero() || e.CloseCode != 0 && e.CloseCode != 1000 {
			ev.State = ConnLost
		}
	}
	s.emit(ev)
}

// connectionLost forgets what died with the connection: the in-flight response
// (its calls that never completed never run, R8.2), open speech, readiness.
// Answers to calls still running are sent after the replay and ask for a
// follow-up on their own.
func (s *Session) connectionLost() {
	s.ready = false
	s.q.speechOpen = false
	s.activeResp = ""
	for _, r := range s.responses {
		r.done = true
	}
	s.stopRecycleTimers()
}

// replayPlan is the history to replay and whether a response is still owed: the
// conversation ends with the user (or a tool output) and no answer. An assistant
// message cut off by the loss (not completed and not truncated by the listener)
// is left out and answered again.
func (s *Session) replayPlan() ([]realtime.Item, bool) {
	hist := s.History()
	kept := hist[:0:0]
	for _, h := range hist {
		if h.Kind == "assistant" && h.Status != "" && h.Status != "completed" && h.TruncatedAtMS == nil {
			continue
		}
		kept = append(kept, h)
	}
	respond := false
	if n := len(kept); n > 0 {
		last := kept[n-1]
		respond = last.Kind == "user" || (last.Kind == "tool" && last.HasOutput)
	}
	return ReplayItems(kept, s.cfg.ReplayBudget, nil), respond
}

// scheduleRecycle sets the recycle deadlines for the connection that just became
// ready (R14.3 #1): at RecycleAfter or expires_at − 5 min, whichever is first, at
// the next safe point; at expires_at − 60 s whatever happens.
func (s *Session) scheduleRecycle(expires time.Time) {
	after := s.cfg.RecycleAfter
	if after < 0 || s.link.scheduled {
		return
	}
	if after == 0 {
		after = DefaultRecycleAfter
	}
	now := time.Now()
	due := now.Add(after)
	hard := due.Add(recycleBeforeExpiry - forceBeforeExpiry)
	// An expires_at that is not comfortably in the future (a recorded stream, a
	// skewed clock) says nothing about this connection: only RecycleAfter counts.
	if !expires.IsZero() && expires.After(now.Add(forceBeforeExpiry)) {
		if e := expires.Add(-recycleBeforeExpiry); e.Before(due) {
			due = e
		}
		hard = expires.Add(-forceBeforeExpiry)
	}
	s.link.scheduled = true
	s.link.timers = append(s.link.timers,
		time.AfterFunc(max(due.Sub(now), 0), func() { s.post(func() { s.link.recycleDue = true; s.maybeRecycle() }) }),
		time.AfterFunc(max(hard.Sub(now), 0), func() { s.post(func() { s.link.forceDue = true; s.maybeRecycle() }) }),
	)
}

func (s *Session) stopRecycleTimers() {
	for _, t := range s.link.timers {
		t.Stop()
	}
	s.link.timers = nil
}

// maybeRecycle recycles the connection when it is due and this is a safe point:
// the session is quiet (no response, tool, approval or user speech in progress)
// and no assistant audio is left to play. Past the hard deadline it interrupts
// first (R14.3 #1).
func (s *Session) maybeRecycle() {
	l := &s.link
	if !l.recycleDue && !l.forceDue || l.recycling || !s.ready {
		return
	}
	safe := s.q.idle && !s.sink.State().Active
	if !safe && !l.forceDue {
		return
	}
	if !safe {
		s.interrupt(ReasonRecycle, interruptOpts{})
	}
	l.recycling = true
	s.stopRecycleTimers()
	s.log.Info("recycling the connection before the session's lifetime ends", "forced", !safe)
	s.send(realtime.Reconnect{Reason: "recycle"})
}
