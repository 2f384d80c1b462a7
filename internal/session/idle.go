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

// quietState is the engine's bookkeeping for Idle (engine goroutine only).
type quietState struct {
	turns      int             // typed texts processed
	want       int             // response triggers sent, awaiting a response.created
	wantAfter  int             // triggers sent while a response was active: released at its response.done
	running    map[string]bool // call ids whose tool goroutine is running
	speechOpen bool            // speech_started seen, not committed yet
	idle       bool            // the last check found the session quiet
	idleTurns  int             // Turns of the last Idle emitted
}

// noteCommand counts the response triggers a command carries (R6.4): the Model
// sequences them into response.create, and a response.created satisfies them.
func (s *Session) noteCommand(cmd realtime.Command) {
	respond := false
	switch c := cmd.(type) {
	case realtime.SendUserText:
		respond = c.Respond
	case realtime.SendToolOutput:
		respond = c.Respond
	case realtime.CommitAudio:
		respond = c.Respond
	case realtime.CreateItem:
		respond = c.Respond
	case realtime.CreateResponse:
		respond = true
	}
	if !respond {
		return
	}
	if s.activeResp != "" {
		s.q.wantAfter++
	} else {
		s.q.want++
	}
}

func (s *Session) quietOnResponseCreated() { s.q.want = 0 }

func (s *Session) quietOnResponseDone() {
	s.q.want += s.q.wantAfter
	s.q.wantAfter = 0
}

// quietOnError: a response.create the Model gave up on will not produce a response.
func (s *Session) quietOnError(e realtime.Error) {
	if e.Command == "response.create" {
		s.q.want, s.q.wantAfter = 0, 0
	}
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
	quiet := s.ready && s.activeResp == "" && q.want == 0 && q.wantAfter == 0 &&
		len(q.running) == 0 && len(s.approvals) == 0 && len(s.textQueue) == 0 &&
		!q.speechOpen && !s.guardrailChecksPending()
	if quiet && (!q.idle || q.idleTurns != q.turns) {
		q.idleTurns = q.turns
		s.emit(Idle{Turns: q.turns})
	}
	q.idle = quiet
}
