package openai

import (
	"fmt"
	"strings"
	"testing"

	"github.com/rtagent/rtagent/internal/realtime"
)

// step is one input to the sequencer and what it must produce.
type step struct {
	do    string // request, requestItem, manual, ack, withdraw, created, done, cancel, error, nullerror, reset
	arg   string // trigger name, response id, error code, …
	arg2  string // error event id (by create index "c1", "c2"…), message
	want  string // actions, as "create(c1:t1,t2)", "create(c2:manual=hi)", "cancel(r1)", "error(code)"; "" none
	state string // expected state after the step; "" unchecked
}

func TestSequencerTable(t *testing.T) {
	cases := []struct {
		name  string
		steps []step
	}{
		{"idle trigger sends create at once", []step{
			{do: "requestItem", arg: "t1", want: "create(c1:t1)", state: "creating"},
			{do: "ack", arg: "t1", state: "creating"},
			{do: "created", arg: "r1", state: "active"},
			{do: "done", arg: "r1", state: "idle"},
		}},
		{"two triggers while active coalesce into one create", []step{
			{do: "created", arg: "r1", state: "active"},
			{do: "requestItem", arg: "t1", state: "active"},
			{do: "requestItem", arg: "t2", state: "active"},
			{do: "ack", arg: "t1"},
			{do: "ack", arg: "t2"},
			{do: "done", arg: "r1", want: "create(c1:t1,t2)", state: "creating"},
			{do: "created", arg: "r2", state: "active"},
			{do: "done", arg: "r2", state: "idle"},
		}},
		{"unacknowledged pending triggers are released too", []step{
			{do: "created", arg: "r1", state: "active"},
			{do: "requestItem", arg: "t1", state: "active"},
			{do: "done", arg: "r1", want: "create(c1:t1)", state: "creating"},
		}},
		{"VAD response covers an acknowledged pending trigger", []step{
			{do: "created", arg: "r1", state: "active"},
			{do: "requestItem", arg: "t1", state: "active"},
			{do: "ack", arg: "t1"},
			{do: "done", arg: "r1", want: "create(c1:t1)", state: "creating"},
			// S auto-created a response (VAD) before processing c1: it covers t1.
			{do: "created", arg: "rv", state: "active"},
			{do: "error", arg: CodeActiveResponse, arg2: "c1", state: "active"}, // late refusal: silent
			{do: "done", arg: "rv", state: "idle"},                              // nothing left: no duplicate answer
		}},
		{"VAD response covers a pending trigger while another response is active", []step{
			{do: "created", arg: "r1", state: "active"},
			{do: "requestItem", arg: "t1"},
			{do: "ack", arg: "t1"},
			{do: "created", arg: "rv", state: "active"}, // server-created after the ack
			{do: "done", arg: "r1", state: "active"},    // stale id: ignored
			{do: "done", arg: "rv", state: "idle"},
		}},
		{"response created before the ack does not cover", []step{
			{do: "created", arg: "r1", state: "active"},
			{do: "requestItem", arg: "t1"},
			{do: "created", arg: "rv", state: "active"},
			{do: "ack", arg: "t1"},
			{do: "done", arg: "rv", want: "create(c1:t1)", state: "creating"},
		}},
		{"VAD wins the race before the item: refused create is retried after done", []step{
			{do: "requestItem", arg: "t1", want: "create(c1:t1)", state: "creating"},
			{do: "created", arg: "rv", state: "active"}, // t1 not acknowledged yet
			{do: "ack", arg: "t1"},
			{do: "error", arg: CodeActiveResponse, arg2: "c1", state: "active"},
			{do: "done", arg: "rv", want: "create(c2:t1)", state: "creating"},
			{do: "created", arg: "r2", state: "active"},
			{do: "done", arg: "r2", state: "idle"},
		}},
		{"refused create without a response.created moves to active(unknown)", []step{
			{do: "request", arg: "t1", want: "create(c1:t1)", state: "creating"},
			{do: "error", arg: CodeActiveResponse, arg2: "c1", state: "active(unknown)"},
			{do: "cancel", state: "active(unknown)"}, // no id: no-op
			{do: "done", arg: "rx", want: "create(c2:t1)", state: "creating"},
		}},
		{"null event_id refusal in creating counts as the create's", []step{
			{do: "request", arg: "t1", want: "create(c1:t1)", state: "creating"},
			{do: "nullerror", arg: CodeActiveResponse, state: "active(unknown)"},
			{do: "done", arg: "rx", want: "create(c2:t1)", state: "creating"},
		}},
		{"null event_id error mentioning response.create fails the create", []step{
			{do: "request", arg: "t1", want: "create(c1:t1)", state: "creating"},
			{do: "nullerror", arg: "invalid_value", arg2: "bad field in response.create", want: "error(invalid_value)", state: "idle"},
		}},
		{"null event_id unrelated error is not the sequencer's", []step{
			{do: "request", arg: "t1", want: "create(c1:t1)", state: "creating"},
			{do: "nullerror", arg: "invalid_json", want: "unhandled", state: "creating"},
		}},
		{"null event_id refusal outside creating is unrelated", []step{
			{do: "created", arg: "r1"},
			{do: "nullerror", arg: CodeActiveResponse, want: "unhandled", state: "active"},
		}},
		{"at most three retries, then the trigger is dropped with an error", []step{
			{do: "request", arg: "t1", want: "create(c1:t1)"},
			{do: "error", arg: CodeActiveResponse, arg2: "c1", state: "active(unknown)"},
			{do: "done", arg: "x", want: "create(c2:t1)"},
			{do: "error", arg: CodeActiveResponse, arg2: "c2"},
			{do: "done", arg: "x", want: "create(c3:t1)"},
			{do: "error", arg: CodeActiveResponse, arg2: "c3"},
			{do: "done", arg: "x", want: "create(c4:t1)"},
			{do: "error", arg: CodeActiveResponse, arg2: "c4", want: "error(" + CodeActiveResponse + ")", state: "active(unknown)"},
			{do: "done", arg: "x", state: "idle"},
		}},
		{"create refused with another code drops its triggers and releases the rest", []step{
			{do: "request", arg: "t1", want: "create(c1:t1)"},
			{do: "manual", arg: "greet", state: "creating"},
			{do: "error", arg: "invalid_value", arg2: "c1", want: "error(invalid_value) create(c2:manual=greet)", state: "creating"},
		}},
		{"manual triggers are never merged and run FIFO after automatic ones", []step{
			{do: "created", arg: "r1"},
			{do: "manual", arg: "m1"},
			{do: "request", arg: "t1"},
			{do: "manual", arg: "m2"},
			{do: "request", arg: "t2"},
			{do: "done", arg: "r1", want: "create(c1:t1,t2)"},
			{do: "created", arg: "r2"},
			{do: "done", arg: "r2", want: "create(c2:manual=m1)"},
			{do: "created", arg: "r3"},
			{do: "done", arg: "r3", want: "create(c3:manual=m2)"},
			{do: "created", arg: "r4"},
			{do: "done", arg: "r4", state: "idle"},
		}},
		{"manual trigger is not covered by a server-created response", []step{
			{do: "created", arg: "r1"},
			{do: "manual", arg: "m1"},
			{do: "created", arg: "rv"},
			{do: "done", arg: "rv", want: "create(c1:manual=m1)"},
		}},
		{"manual create refused because VAD won is retried", []step{
			{do: "manual", arg: "m1", want: "create(c1:manual=m1)"},
			{do: "created", arg: "rv", state: "active"},
			{do: "error", arg: CodeActiveResponse, arg2: "c1", state: "active"},
			{do: "done", arg: "rv", want: "create(c2:manual=m1)"},
		}},
		{"manual create served by its own response is not repeated", []step{
			{do: "manual", arg: "m1", want: "create(c1:manual=m1)"},
			{do: "created", arg: "r1", state: "active"},
			{do: "done", arg: "r1", state: "idle"},
		}},
		{"trigger registered while creating is covered by that response", []step{
			{do: "request", arg: "t1", want: "create(c1:t1)"},
			{do: "request", arg: "t2", state: "creating"},
			{do: "created", arg: "r1"},
			{do: "done", arg: "r1", state: "idle"},
		}},
		{"cancel only when active, once per response", []step{
			{do: "cancel", state: "idle"},
			{do: "request", arg: "t1", want: "create(c1:t1)"},
			{do: "cancel", state: "creating"},
			{do: "created", arg: "r1"},
			{do: "cancel", want: "cancel(r1)", state: "cancelling"},
			{do: "cancel", state: "cancelling"},
			{do: "requestItem", arg: "t2", state: "cancelling"}, // never create between cancel and done
			{do: "ack", arg: "t2"},
			{do: "done", arg: "r1", want: "create(c2:t2)", state: "creating"},
			{do: "created", arg: "r2"},
			{do: "cancel", want: "cancel(r2)", state: "cancelling"},
		}},
		{"cancel_not_active is swallowed without state change", []step{
			{do: "created", arg: "r1"},
			{do: "cancel", want: "cancel(r1)"},
			{do: "done", arg: "r1", state: "idle"},
			{do: "error", arg: CodeCancelNotActive, state: "idle"},
		}},
		{"done for an unknown id changes nothing", []step{
			{do: "done", arg: "r0", state: "idle"},
			{do: "request", arg: "t1", want: "create(c1:t1)"},
			{do: "done", arg: "r9", state: "creating"},
			{do: "created", arg: "r1"},
			{do: "done", arg: "r9", state: "active"},
		}},
		{"withdrawn trigger is not released", []step{
			{do: "created", arg: "r1"},
			{do: "requestItem", arg: "t1"},
			{do: "requestItem", arg: "t2"},
			{do: "withdraw", arg: "t1"},
			{do: "done", arg: "r1", want: "create(c1:t2)"},
		}},
		{"reset drops everything", []step{
			{do: "created", arg: "r1"},
			{do: "request", arg: "t1"},
			{do: "reset", state: "idle"},
			{do: "done", arg: "r1", state: "idle"},
			{do: "request", arg: "t2", want: "create(c1:t2)"},
		}},
		{"unrelated errors are not handled", []step{
			{do: "created", arg: "r1"},
			{do: "error", arg: "item_truncate_invalid", arg2: "cX", want: "unhandled", state: "active"},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newSeqHarness()
			for i, st := range tc.steps {
				got := h.apply(st)
				if got != st.want {
					t.Fatalf("step %d %s(%s,%s): actions %q, want %q", i, st.do, st.arg, st.arg2, got, st.want)
				}
				if st.state != "" && h.s.State().String() != st.state {
					t.Fatalf("step %d %s(%s): state %v, want %v", i, st.do, st.arg, h.s.State(), st.state)
				}
			}
		})
	}
}

type seqHarness struct {
	s        *Sequencer
	ids      map[string]TriggerID
	names    map[TriggerID]string
	creates  map[string]string // "c1" -> event id
	nCreates int
}

func newSeqHarness() *seqHarness {
	h := &seqHarness{ids: map[string]TriggerID{}, names: map[TriggerID]string{}, creates: map[string]string{}}
	n := 0
	h.s = NewSequencer(func(kind string) string { n++; return fmt.Sprintf("rtagent_%s_%d", kind, n) })
	return h
}

func (h *seqHarness) apply(st step) string {
	var acts []SeqAction
	handled := true
	switch st.do {
	case "request", "requestItem", "manual":
		tr := Trigger{AwaitItem: st.do == "requestItem"}
		if st.do == "manual" {
			tr.Instructions = st.arg
		}
		var id TriggerID
		id, acts = h.s.Request(tr)
		h.ids[st.arg], h.names[id] = id, st.arg
	case "ack":
		h.s.Acknowledge(h.ids[st.arg])
	case "withdraw":
		h.s.Withdraw(h.ids[st.arg])
	case "created":
		acts = h.s.ResponseCreated(st.arg)
	case "done":
		acts = h.s.ResponseDone(st.arg)
	case "cancel":
		acts = h.s.Cancel()
	case "error":
		e := realtime.Error{Code: st.arg, Message: "m", EventID: h.creates[st.arg2]}
		if e.EventID == "" && st.arg2 != "" {
			e.EventID = "rtagent_other_" + st.arg2
		} else if e.EventID != "" {
			e.Command = realtime.CommandCreateResponse
		}
		handled, acts = h.s.OnError(e)
	case "nullerror":
		handled, acts = h.s.OnError(realtime.Error{Code: st.arg, Message: st.arg2})
	case "reset":
		h.s.Reset()
	default:
		panic(st.do)
	}
	var out []string
	if !handled {
		out = append(out, "unhandled")
	}
	for _, a := range acts {
		switch a.Kind {
		case ActSendCreate:
			h.nCreates++
			c := fmt.Sprintf("c%d", h.nCreates)
			h.creates[c] = a.EventID
			if a.Instructions != "" {
				out = append(out, fmt.Sprintf("create(%s:manual=%s)", c, a.Instructions))
				continue
			}
			var names []string
			for _, id := range a.Triggers {
				names = append(names, h.names[id])
			}
			out = append(out, fmt.Sprintf("create(%s:%s)", c, strings.Join(names, ",")))
		case ActSendCancel:
			out = append(out, fmt.Sprintf("cancel(%s)", a.ResponseID))
		case ActEmitError:
			out = append(out, fmt.Sprintf("error(%s)", a.Err.Code))
		}
	}
	return strings.Join(out, " ")
}

// A response.create already on the wire whose only trigger was withdrawn (its item
// was rejected) is still answered by the server: Pending counts it until the server
// does, so the consumer does not report quiet while that response is coming
// (issue 9 #6).
func TestSequencerPendingCountsOrphanedCreate(t *testing.T) {
	h := newSeqHarness()
	if got := h.apply(step{do: "requestItem", arg: "t1"}); got != "create(c1:t1)" {
		t.Fatalf("request: %q", got)
	}
	h.apply(step{do: "withdraw", arg: "t1"})
	if n := h.s.Pending(); n != 1 {
		t.Fatalf("Pending after withdrawing the create's only trigger = %d, want 1 (the create is still answered)", n)
	}
	h.apply(step{do: "created", arg: "r1"})
	if n := h.s.Pending(); n != 0 {
		t.Fatalf("Pending after response.created = %d, want 0", n)
	}

	// Refused instead of answered: nothing is pending after the error.
	h = newSeqHarness()
	h.apply(step{do: "requestItem", arg: "t1"})
	h.apply(step{do: "withdraw", arg: "t1"})
	h.apply(step{do: "error", arg: "invalid_value", arg2: "c1", want: "error(invalid_value)"})
	if n := h.s.Pending(); n != 0 || h.s.State() != SeqIdle {
		t.Fatalf("after the create's error: Pending %d, state %v; want 0, idle", n, h.s.State())
	}
}
