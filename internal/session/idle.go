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
//
// Response triggers follow the Model's coverage rule (R6.4): a trigger is satisfied
// by a response.created that arrives after its item was acknowledged
// (conversation.item.added, or input_audio_buffer.committed for a commit). Triggers
// are keyed by what acknowledges them; the server acknowledges in order.
type quietState struct {
	turns      int             // typed texts processed
	unacked    map[string]int  // triggers whose item is not acknowledged yet, by key
	acked      int             // acknowledged triggers awaiting a response.created
	running    map[string]bool // call ids whose tool goroutine is running
	speechOpen bool            // speech_started seen, not committed yet
	idle       bool            // the last check found the session quiet
	idleTurns  int             // Turns of the last Idle emitted
}

func textKey(text string) string   { return "text:" + text }
func callKey(callID string) string { return "call:" + callID }

const commitKey = "commit"

// noteCommand records the response trigger a command carries, if any.
func (s *Session) noteCommand(cmd realtime.Command) {
	key := ""
	switch c := cmd.(type) {
	case realtime.SendUserText:
		if c.Respond {
			key = textKey(c.Text)
		}
	case realtime.SendToolOutput:
		if c.Respond {
			key = callKey(c.CallID)
		}
	case realtime.CommitAudio:
		if c.Respond {
			key = commitKey
		}
	case realtime.CreateItem:
		if c.Respond {
			key = itemKey(c.Item)
		}
	case realtime.CreateResponse:
		s.q.acked++ // no item to wait for
		return
	}
	if key != "" {
		s.q.unacked[key]++
	}
}

// itemKey is the acknowledgement key of an item the client may create.
func itemKey(it realtime.Item) string {
	switch {
	case it.Type == realtime.ItemFunctionCallOutput:
		return callKey(it.CallID)
	case it.Type == realtime.ItemMessage && it.Role != "assistant":
		text := ""
		for _, c := range it.Content {
			if c.Type == realtime.ContentInputText {
				text += c.Text
			}
		}
		return textKey(text)
	}
	return "item:" + it.ID
}

// quietOnAck moves a trigger from waiting for its item to waiting for a response.
func (s *Session) quietOnAck(key string) {
	if s.q.unacked[key] > 0 {
		s.q.unacked[key]--
		if s.q.unacked[key] == 0 {
			delete(s.q.unacked, key)
		}
		s.q.acked++
	}
}

func (s *Session) quietOnResponseCreated() { s.q.acked = 0 }

// quietOnError: triggers the Model gave up on will not produce a response.
func (s *Session) quietOnError(e realtime.Error) {
	switch e.Command {
	case "response.create":
		s.q.acked = 0
		clear(s.q.unacked)
	case "conversation.item.create", "input_audio_buffer.commit":
		clear(s.q.unacked) // the failed item's trigger was withdrawn
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
	quiet := s.ready && s.activeResp == "" && q.acked == 0 && len(q.unacked) == 0 &&
		len(q.running) == 0 && len(s.approvals) == 0 && len(s.textQueue) == 0 &&
		!q.speechOpen && !s.guardrailChecksPending()
	if quiet && (!q.idle || q.idleTurns != q.turns) {
		q.idleTurns = q.turns
		s.emit(Idle{Turns: q.turns})
	}
	q.idle = quiet
	s.maybeRecycle()
}
