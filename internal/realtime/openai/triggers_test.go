package openai

import (
	"testing"

	"github.com/rtagent/rtagent/internal/realtime"
)

// The model reports its pending response triggers (R6.4): one TriggerRequested per
// trigger command, Covered when a response created after the item's
// acknowledgement covers it, Withdrawn when the item fails, and everything
// withdrawn when the connection ends.
func TestResponseTriggersReported_R6_4(t *testing.T) {
	fs := newFakeServer(t, nil)
	m, p, ev := connect(t, fs, Config{}, defaultSettings())
	p.handshake(t)
	next := func() realtime.ResponseTriggers {
		t.Helper()
		return ev.until(isType[realtime.ResponseTriggers]).(realtime.ResponseTriggers)
	}

	send(t, m, realtime.SendUserText{Text: "hi", Respond: true})
	if got := next(); got != (realtime.ResponseTriggers{Change: realtime.TriggerRequested, Count: 1, Pending: 1}) {
		t.Fatalf("after the text: %+v", got)
	}
	p.expect(t, "conversation.item.create")
	p.expect(t, "response.create")
	p.send(t, `{"type":"conversation.item.added","event_id":"e","item":{"id":"item_1","type":"message","role":"user","content":[{"type":"input_text","text":"hi"}]}}`,
		`{"type":"response.created","event_id":"e","response":{"id":"r1"}}`)
	if got := next(); got != (realtime.ResponseTriggers{Change: realtime.TriggerCovered, Count: 1, Pending: 0}) {
		t.Fatalf("after response.created: %+v", got)
	}

	// A tool output whose item fails while r1 is active: withdrawn, nothing sent.
	send(t, m, realtime.SendToolOutput{CallID: "c1", Output: "x", Respond: true})
	if got := next(); got.Change != realtime.TriggerRequested || got.Pending != 1 {
		t.Fatalf("after the output: %+v", got)
	}
	f := p.expect(t, "conversation.item.create")
	p.send(t, `{"type":"error","event_id":"e","error":{"type":"invalid_request_error","code":"item_not_found","message":"no call","param":null,"event_id":"`+f.str("event_id")+`"}}`)
	if got := next(); got != (realtime.ResponseTriggers{Change: realtime.TriggerWithdrawn, Count: 1, Pending: 0}) {
		t.Fatalf("after the failed item: %+v", got)
	}

	// A trigger pending at teardown is withdrawn before Closed.
	send(t, m, realtime.CreateResponse{})
	if got := next(); got.Change != realtime.TriggerRequested || got.Pending != 1 {
		t.Fatalf("after CreateResponse: %+v", got)
	}
	_ = m.Close()
	all, _ := ev.drain()
	var last realtime.ResponseTriggers
	for _, e := range all {
		if rt, ok := e.(realtime.ResponseTriggers); ok {
			last = rt
		}
	}
	if last != (realtime.ResponseTriggers{Change: realtime.TriggerWithdrawn, Count: 1, Pending: 0}) {
		t.Errorf("at teardown: %+v", last)
	}
}
