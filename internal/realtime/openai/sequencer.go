package openai

import (
	"strconv"
	"strings"

	"github.com/rtagent/rtagent/internal/realtime"
)

// This file is the response sequencer of docs/protocol.md §6 (R6.1–R6.5).
// It is a pure state machine: no IO, no clock, no goroutines. The caller feeds it what
// happened (a trigger was requested, an item was acknowledged, a response was created or
// finished, an error arrived) and performs the actions it returns, in order, on its
// single ordered writer. It is not safe for concurrent use: the caller serialises calls
// (the OpenAI model does so under its state mutex).

// SeqState is the state of a Sequencer (R6.2).
type SeqState int

// Sequencer states.
const (
	SeqIdle          SeqState = iota // no active response, no create in flight
	SeqCreating                      // response.create E sent, no response.created yet
	SeqActive                        // response.created for R received
	SeqCancelling                    // response.cancel for R sent, no response.done yet
	SeqActiveUnknown                 // an error proved a response is active; its id is unknown
)

func (s SeqState) String() string {
	switch s {
	case SeqIdle:
		return "idle"
	case SeqCreating:
		return "creating"
	case SeqActive:
		return "active"
	case SeqCancelling:
		return "cancelling"
	case SeqActiveUnknown:
		return "active(unknown)"
	}
	return "SeqState(" + strconv.Itoa(int(s)) + ")"
}

// Error codes the sequencer interprets.
const (
	CodeActiveResponse     = "conversation_already_has_active_response"
	CodeCancelNotActive    = "response_cancel_not_active"
	CodeBadResponseCreate  = "bad_response_create"
	MaxResponseRetries     = 3 // R6.5: retries per trigger after conversation_already_has_active_response
	defaultSequencerPrefix = "rtagent_"
)

// TriggerID names a trigger registered with Sequencer.Request.
type TriggerID uint64

// Trigger is a reason to want a response (R6.4).
type Trigger struct {
	// Instructions makes this a manual trigger: it is never coalesced or covered, keeps
	// its payload (instructions for that response only) and runs in FIFO order after the
	// automatic triggers. Empty: an automatic trigger.
	Instructions string
	// AwaitItem says the trigger depends on an item the server has not acknowledged
	// yet (its conversation.item.added). Call Acknowledge when it arrives. Until then a
	// response.created cannot cover it. False: nothing to wait for (acknowledged now).
	AwaitItem bool
}

// SeqActionKind says what a SeqAction asks the caller to do.
type SeqActionKind int

// Sequencer actions.
const (
	// ActSendCreate: send response.create with EventID; with Instructions set, as the
	// payload {"response":{"instructions":…}}.
	ActSendCreate SeqActionKind = iota + 1
	// ActSendCancel: send response.cancel with EventID and ResponseID.
	ActSendCancel
	// ActEmitError: emit Err to the consumer (a user-facing, non-fatal error).
	ActEmitError
)

func (k SeqActionKind) String() string {
	switch k {
	case ActSendCreate:
		return "send_create"
	case ActSendCancel:
		return "send_cancel"
	case ActEmitError:
		return "emit_error"
	}
	return "SeqActionKind(" + strconv.Itoa(int(k)) + ")"
}

// SeqAction is one thing the caller must do, in order.
type SeqAction struct {
	Kind         SeqActionKind
	EventID      string         // ActSendCreate, ActSendCancel
	ResponseID   string         // ActSendCancel
	Instructions string         // ActSendCreate: manual payload; "" for an automatic create
	Triggers     []TriggerID    // ActSendCreate: the triggers this create serves
	Err          realtime.Error // ActEmitError
}

type trigger struct {
	id           TriggerID
	manual       bool
	instructions string
	acked        bool
	retries      int
}

// create is a response.create that has been sent and is not resolved yet.
type create struct {
	eventID  string
	triggers []*trigger
	// unattributed: a response.created arrived while this create was in flight, and its
	// triggers could not all be counted as covered. Either an error for the create
	// follows (the response was someone else's) or the response was this create's.
	unattributed bool
}

// Sequencer sequences responses on one connection (docs/protocol.md §6). The zero value is
// not usable; call NewSequencer.
type Sequencer struct {
	newEventID func(kind string) string

	state      SeqState
	creating   string // E in SeqCreating
	responseID string // R in SeqActive / SeqCancelling
	cancelled  string // the response a cancel was sent for (at most once per R)

	pending  []*trigger         // FIFO; automatic and manual mixed
	inflight map[string]*create // unresolved creates by event id
	live     map[TriggerID]*trigger
	retired  map[string]struct{} // resolved create ids, to recognise late errors
	retiredQ []string
	nextID   TriggerID
	counter  int
}

// NewSequencer returns an idle sequencer. newEventID returns the event_id for a client
// event of the given kind ("response_create", "response_cancel"); nil uses a private
// counter ("rtagent_<kind>_<n>").
func NewSequencer(newEventID func(kind string) string) *Sequencer {
	s := &Sequencer{newEventID: newEventID}
	s.Reset()
	return s
}

// Reset drops everything (transport teardown, R6.2 #7) and returns to idle.
func (s *Sequencer) Reset() {
	s.state = SeqIdle
	s.creating, s.responseID, s.cancelled = "", "", ""
	s.pending = nil
	s.inflight = map[string]*create{}
	s.live = map[TriggerID]*trigger{}
	s.retired = map[string]struct{}{}
	s.retiredQ = nil
}

// State returns the current state.
func (s *Sequencer) State() SeqState { return s.state }

// ResponseID returns the active response id ("" unless active or cancelling).
func (s *Sequencer) ResponseID() string { return s.responseID }

// Pending returns the number of triggers waiting for a response (queued, or attached
// to a create that has not been resolved), plus one for a response.create in flight
// whose triggers were all withdrawn: the server answers it all the same (with a
// response or an error), so a response is still coming (issue 9 #6).
func (s *Sequencer) Pending() int {
	n := len(s.live)
	if c := s.inflight[s.creating]; s.state == SeqCreating && c != nil && len(c.triggers) == 0 {
		n++
	}
	return n
}

// Request registers a trigger. In idle it sends response.create at once; otherwise the
// trigger waits (R6.2 #1, #2).
func (s *Sequencer) Request(t Trigger) (TriggerID, []SeqAction) {
	s.nextID++
	tr := &trigger{id: s.nextID, manual: t.Instructions != "", instructions: t.Instructions, acked: !t.AwaitItem}
	s.live[tr.id] = tr
	s.pending = append(s.pending, tr)
	var acts []SeqAction
	if s.state == SeqIdle {
		acts = s.release(acts)
	}
	return tr.id, acts
}

// Acknowledge records that the item trigger id depends on has been acknowledged by
// the server (its conversation.item.added arrived). Unknown ids are ignored.
func (s *Sequencer) Acknowledge(id TriggerID) {
	if tr := s.live[id]; tr != nil {
		tr.acked = true
	}
}

// Withdraw drops a trigger whose item failed (e.g. an error correlated to its
// conversation.item.create). A create already sent for it is not recalled.
func (s *Sequencer) Withdraw(id TriggerID) {
	if _, ok := s.live[id]; !ok {
		return
	}
	delete(s.live, id)
	s.pending = removeTrigger(s.pending, id)
	for _, c := range s.inflight {
		c.triggers = removeTrigger(c.triggers, id)
	}
}

// ResponseCreated handles response.created(R) (R6.2 #3): → active(R) from any state;
// automatic triggers acknowledged before this moment are covered and dropped (R6.4).
func (s *Sequencer) ResponseCreated(responseID string) []SeqAction {
	if c := s.inflight[s.creating]; s.state == SeqCreating && c != nil {
		c.triggers = s.cover(c.triggers)
		if len(c.triggers) == 0 {
			s.retire(c.eventID)
		} else {
			c.unattributed = true
		}
	}
	s.pending = s.cover(s.pending)
	s.state = SeqActive
	s.creating = ""
	s.responseID = responseID
	return nil
}

// cover drops the acknowledged automatic triggers of list and returns the rest.
func (s *Sequencer) cover(list []*trigger) []*trigger {
	out := list[:0]
	for _, tr := range list {
		if !tr.manual && tr.acked {
			delete(s.live, tr.id)
			continue
		}
		out = append(out, tr)
	}
	return out
}

// ResponseDone handles response.done(R) (R6.2 #4). It returns to idle when R is the
// active response (or any response in active(unknown)) and then releases the pending
// triggers: one coalesced create for every automatic trigger, else the first manual one.
func (s *Sequencer) ResponseDone(responseID string) []SeqAction {
	switch s.state {
	case SeqActive, SeqCancelling:
		if responseID != s.responseID {
			return nil
		}
	case SeqActiveUnknown:
	default:
		return nil
	}
	s.state = SeqIdle
	s.responseID, s.cancelled = "", ""
	// A create whose response.created could not be attributed and that got no error
	// by now was served by this response (S answers a refused create at once, long
	// before the conflicting response finishes).
	for id, c := range s.inflight {
		if c.unattributed {
			for _, tr := range c.triggers {
				delete(s.live, tr.id)
			}
			delete(s.inflight, id)
			s.retire(id)
		}
	}
	return s.release(nil)
}

// Cancel handles a cancel request (R6.3): response.cancel only in active(R), at most
// once per R, always with its id. Everywhere else it is a no-op.
func (s *Sequencer) Cancel() []SeqAction {
	if s.state != SeqActive || s.responseID == "" || s.cancelled == s.responseID {
		return nil
	}
	s.state = SeqCancelling
	s.cancelled = s.responseID
	return []SeqAction{{Kind: ActSendCancel, EventID: s.eventID("response_cancel"), ResponseID: s.responseID}}
}

// OnError offers a server error to the sequencer (R6.5). e.Command must hold the kind
// of client event e.EventID was correlated to ("" when unknown). handled reports that
// the error concerned sequencing: the caller must then not emit it as is, and emits
// only the ActEmitError actions returned.
func (s *Sequencer) OnError(e realtime.Error) (handled bool, acts []SeqAction) {
	if e.Code == CodeCancelNotActive {
		// A race with natural completion: debug only (R6.3).
		return true, nil
	}
	var c *create
	switch {
	case e.EventID != "":
		c = s.inflight[e.EventID]
		if c == nil {
			_, old := s.retired[e.EventID]
			if (old || e.Command == realtime.CommandCreateResponse) && e.Code == CodeActiveResponse {
				// A create whose triggers were all covered by a server-created response.
				return true, nil
			}
			return false, nil
		}
	case s.state == SeqCreating && (e.Code == CodeActiveResponse || e.Code == CodeBadResponseCreate ||
		strings.Contains(e.Message, "response.create")):
		c = s.inflight[s.creating]
	}
	if c == nil {
		return false, nil
	}
	delete(s.inflight, c.eventID)
	s.retire(c.eventID)
	wasCreating := s.state == SeqCreating && s.creating == c.eventID
	if e.Code == CodeActiveResponse {
		if wasCreating {
			s.state = SeqActiveUnknown
			s.creating = ""
		}
		var requeue []*trigger
		gaveUp := 0
		for _, tr := range c.triggers {
			tr.retries++
			if tr.retries > MaxResponseRetries {
				delete(s.live, tr.id)
				gaveUp++
				continue
			}
			requeue = append(requeue, tr)
		}
		// Earlier triggers go back in front, keeping FIFO order.
		s.pending = append(requeue, s.pending...)
		if gaveUp > 0 {
			e.Command = realtime.CommandCreateResponse
			e.Message += " (response trigger dropped after " + strconv.Itoa(MaxResponseRetries) + " retries)"
			acts = append(acts, SeqAction{Kind: ActEmitError, Err: e})
		}
	} else {
		for _, tr := range c.triggers {
			delete(s.live, tr.id)
		}
		if wasCreating {
			s.state = SeqIdle
			s.creating = ""
		}
		e.Command = realtime.CommandCreateResponse
		acts = append(acts, SeqAction{Kind: ActEmitError, Err: e})
	}
	if s.state == SeqIdle {
		acts = s.release(acts)
	}
	return true, acts
}

// release sends the next response.create in idle: all pending automatic triggers as
// one create, else the first manual trigger with its payload.
func (s *Sequencer) release(acts []SeqAction) []SeqAction {
	if s.state != SeqIdle || len(s.pending) == 0 {
		return acts
	}
	var batch, rest []*trigger
	for _, tr := range s.pending {
		if !tr.manual {
			batch = append(batch, tr)
		} else {
			rest = append(rest, tr)
		}
	}
	if len(batch) == 0 {
		batch, rest = rest[:1:1], rest[1:]
	}
	s.pending = rest
	c := &create{eventID: s.eventID("response_create"), triggers: batch}
	s.inflight[c.eventID] = c
	s.state = SeqCreating
	s.creating = c.eventID
	a := SeqAction{Kind: ActSendCreate, EventID: c.eventID}
	if batch[0].manual {
		a.Instructions = batch[0].instructions
	}
	for _, tr := range batch {
		a.Triggers = append(a.Triggers, tr.id)
	}
	return append(acts, a)
}

func (s *Sequencer) eventID(kind string) string {
	if s.newEventID != nil {
		return s.newEventID(kind)
	}
	s.counter++
	return defaultSequencerPrefix + kind + "_" + strconv.Itoa(s.counter)
}

// retire remembers a resolved create id (bounded) so a late error for it is
// recognised.
func (s *Sequencer) retire(id string) {
	if _, ok := s.retired[id]; ok {
		return
	}
	s.retired[id] = struct{}{}
	s.retiredQ = append(s.retiredQ, id)
	if len(s.retiredQ) > 64 {
		delete(s.retired, s.retiredQ[0])
		s.retiredQ = s.retiredQ[1:]
	}
}

func removeTrigger(list []*trigger, id TriggerID) []*trigger {
	for i, tr := range list {
		if tr.id == id {
			return append(list[:i:i], list[i+1:]...)
		}
	}
	return list
}
