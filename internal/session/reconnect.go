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

	// Items this session replayed (or seeded) come back as new items of the new
	// connection: the next replayLeft client-created items acknowledged are those,
	// and replayed holds their new ids. They are never reported as new turns; a
	// reconnection's are already in the history (R14.4), a seed's join it (R14.5).
	replayLeft int
	replayed   map[string]bool
	seeding    bool
	gen        int // connection generation: a timer of an older one is ignored
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
		ev.Replayed = len(items)
		ev.DownMS = time.Since(s.link.lostAt).Milliseconds()
		gen := s.link.gen + 1
		s.link = linkState{reconnected: s.everReady, replayLeft: len(items), replayed: map[string]bool{}, gen: gen}
		s.send(realtime.Replay{Items: items, Respond: respond})
	case realtime.StateDisconnected:
		// Gone for good: nothing is quiet any more. The model withdraws the pending
		// triggers next; a turn still waiting for its answer must not pass for
		// answered by an Idle (R6.4).
		s.ready = false
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

// replayPlan is the history to replay and whether a response is still owed
// (R14.4). A call that never ran and is not running or awaiting approval (its
// response was lost before it completed, R8.2) is left out: the turn is answered
// again. An answer cut off by the loss has no final text yet and is left out by
// ReplayItems. A response is owed when the conversation then ends with the user or
// a tool output.
func (s *Session) replayPlan() ([]realtime.Item, bool) {
	hist := s.History()
	kept := hist[:0:0]
	for _, h := range hist {
		if h.Kind == "tool" && !h.HasOutput && !s.q.running[h.CallID] && s.approvals[h.CallID] == nil {
			continue
		}
		kept = append(kept, h)
	}
	items := ReplayItems(kept, s.cfg.ReplayBudget, nil)
	respond := false
	if n := len(items); n > 0 {
		last := items[n-1]
		respond = (last.Type == realtime.ItemMessage && last.Role == "user") || last.Type == realtime.ItemFunctionCallOutput
	}
	return items, respond
}

// scheduleRecycle sets the recycle deadlines for the connection that just became
// ready (R14.3 #1): at RecycleAfter or expires_at − 5 min, whichever is first, at
// the next safe point; at expires_at − 60 s whatever happens. A session that lives
// less than ten minutes (a test server, a simulator with a short expire) uses
// half its lifetime and a quarter of it instead, so it never recycles in a loop.
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
	// An expires_at in the past (a recorded stream, a skewed clock) says nothing
	// about this connection: only RecycleAfter counts then.
	if life := expires.Sub(now); !expires.IsZero() && life > 0 {
		margin, force := min(recycleBeforeExpiry, life/2), min(forceBeforeExpiry, life/4)
		if e := expires.Add(-margin); e.Before(due) {
			due = e
		}
		hard = expires.Add(-force)
	}
	s.link.scheduled = true
	gen := s.link.gen
	s.link.timers = append(s.link.timers,
		time.AfterFunc(max(due.Sub(now), 0), func() {
			s.post(func() {
				if s.link.gen == gen {
					s.link.recycleDue = true
					s.maybeRecycle()
				}
			})
		}),
		time.AfterFunc(max(hard.Sub(now), 0), func() {
			s.post(func() {
				if s.link.gen == gen {
					s.link.forceDue = true
					s.maybeRecycle()
				}
			})
		}),
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

// replayedItem reports whether e is about an item this session replayed or seeded
// (see linkState.replayLeft); a seeded item is added to the history quietly.
func (s *Session) replayedItem(e realtime.ItemEvent) bool {
	l := &s.link
	it := e.Item
	if e.Kind == realtime.ItemAdded && l.replayLeft > 0 && clientCreatable(it) && !l.replayed[it.ID] {
		l.replayLeft--
		l.replayed[it.ID] = true
	}
	if !l.replayed[it.ID] {
		return false
	}
	if l.seeding {
		s.upsertItem(it, e.PreviousItemID, "")
	}
	return true
}

// clientCreatable: the kinds of item a replay creates.
func clientCreatable(it realtime.Item) bool {
	switch it.Type {
	case realtime.ItemFunctionCall, realtime.ItemFunctionCallOutput:
		return true
	case realtime.ItemMessage:
		return it.Role == "user" || it.Role == "system" || it.Role == "assistant"
	}
	return false
}
