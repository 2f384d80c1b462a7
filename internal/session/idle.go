package session

import "github.com/rtagent/rtagent/internal/realtime"

// Idle is emitted each time the conversation becomes quiet: the session is ready, no
// response is active or still wanted, no tool is running or awaiting approval, no
// typed text or output guardrail check is pending, and the user is not speaking.
// Scripted runs wait for it to know a turn was answered completely, follow-up
// responses to tool outputs and handoffs included.
//
// Turns is the number of typed texts (SendText) the engine has processed so far,
// so a waiter can tell the Idle that follows its own message from an older one.
type Idle struct {
	Turns int `json:"turns"`
}

// EventType implements Event.
func (Idle) EventType() string { return "idle" }

// quietState is the engine's bookkeeping for Idle (engine goroutine only). The
// session counts what it owns; whether a response is still wanted is the Model's
// business (R6.4), which it reports as realtime.ResponseTriggers.
type quietState struct {
	turns      int             // typed texts processed
	unreported int             // trigger commands sent that the Model has not reported yet
	pending    int             // the Model's pending triggers, as last reported
	running    map[string]bool // call ids whose tool goroutine is running
	speechOpen bool            // speech_started seen, not committed yet
	idle       bool            // the last check found the session quiet
	idleTurns  int             // Turns of the last Idle emitted
}

// noteCommand counts a command the Model accepted that registers a response trigger
// until the Model reports it.
func (s *Session) noteCommand(cmd realtime.Command) {
	if realtime.RegistersTrigger(cmd) {
		s.q.unreported++
	}
}

// onResponseTriggers takes the Model's report of its pending triggers.
func (s *Session) onResponseTriggers(e realtime.ResponseTriggers) {
	if e.Change == realtime.TriggerRequested {
		s.q.unreported = max(s.q.unreported-e.Count, 0)
	}
	s.q.pending = e.Pending
}

func (s *Session) guardrailChecksPending() bool {
	for _, r := range s.responses {
		if r.pendingChecks > 0 {
			return true
		}
	}
	return false
}

// checkIdle runs after every event and operation on the engine goroutine.
func (s *Session) checkIdle() {
	q := &s.q
	quiet := s.ready && s.activeResp == "" && q.unreported == 0 && q.pending == 0 &&
		len(q.running) == 0 && len(s.approvals) == 0 && len(s.textQueue) == 0 &&
		!q.speechOpen && !s.guardrailChecksPending()
	if quiet && (!q.idle || q.idleTurns != q.turns) {
		q.idleTurns = q.turns
		s.emit(Idle{Turns: q.turns})
	}
	q.idle = quiet
	s.maybeDeclareTools()
	s.applyControls() // runtime controls wait for a safe point (controls.go)
	s.maybeRecycle()
}
