package sim

import (
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"
)

func TestHandshakeErrors(t *testing.T) {
	_, url := startSim(t, Options{})
	cases := []struct {
		name   string
		query  string
		header http.Header
		code   string
		close  websocket.StatusCode
	}{
		{"no key", "?model=gpt-realtime", http.Header{}, "invalid_api_key", 3000},
		{"empty bearer", "?model=gpt-realtime", http.Header{"Authorization": {"Bearer  "}}, "invalid_api_key", 3000},
		{"beta header", "?model=gpt-realtime", http.Header{"Authorization": {"Bearer k"}, "Openai-Beta": {"realtime=v1"}}, "beta_api_shape_disabled", 4000},
		{"no model", "", http.Header{"Api-Key": {"azure-key"}}, "missing_model", 4000},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := dialRaw(t, url+tc.query, tc.header)
			e := c.next()
			if e.Type != "error" || e.Error.Code != tc.code || e.Error.Type != "invalid_request_error" || e.Error.EventID != nil {
				t.Fatalf("error = %s", e.raw)
			}
			c.expectClose(tc.close, "invalid_request_error."+tc.code)
			c.validate()
		})
	}
	// api-key (Azure) is accepted.
	c := dialRaw(t, url+"?model=my-deployment", http.Header{"Api-Key": {"azure-key"}})
	if e := c.next(); e.Type != "session.created" || e.Session.Model != "my-deployment" {
		t.Fatalf("azure = %s", e.raw)
	}
}

func TestSessionUpdateErrors(t *testing.T) {
	_, url := startSim(t, Options{})
	c := dial(t, url)
	bad := []struct {
		session map[string]any
		code    string
		param   string
	}{
		{map[string]any{"type": "realtime", "bogus_field": 1}, "unknown_parameter", "session.bogus_field"},
		{map[string]any{"type": "realtime", "audio": map[string]any{"input": map[string]any{"turn_detection": map[string]any{"type": "semantic_vad", "threshold": 0.5}}}},
			"unknown_parameter", "session.audio.input.turn_detection.threshold"},
		{map[string]any{"type": "realtime", "tools": []any{map[string]any{"type": "function", "name": "x", "strict": true}}}, "unknown_parameter", "session.tools[0].strict"},
		{map[string]any{"type": "realtime", "voice": "marin"}, "unknown_parameter", "session.voice"},
		{map[string]any{"instructions": "no type"}, "missing_required_parameter", "session.type"},
	}
	var sent [][]byte
	for _, b := range bad {
		id := c.send(c.ev("session.update", "session", b.session))
		e := c.next()
		if e.Type != "error" || e.Error.Code != b.code || e.Error.Param == nil || *e.Error.Param != b.param || *e.Error.EventID != id {
			t.Fatalf("%v → %s", b.session, e.raw)
		}
		sent = append(sent, c.sent[len(c.sent)-1])
	}
	c.sent = c.sent[:len(c.sent)-len(sent)] // deliberately invalid client frames
	// The rejected updates changed nothing.
	c.send(c.ev("session.update", "session", map[string]any{"type": "realtime"}))
	up := c.until("session.updated")[0]
	if up.Session.Instructions != defaultInstructions || string(up.Session.Tools) != "[]" {
		t.Fatalf("rejected update leaked: %s", up.raw)
	}
	c.validate()
}

func TestProtocolErrorsKeepSocketOpen(t *testing.T) {
	_, url := startSim(t, Options{})
	c := dial(t, url)
	c.write(websocket.MessageBinary, []byte{1, 2, 3})
	if e := c.next(); e.Error == nil || e.Error.Code != "invalid_event" {
		t.Fatalf("binary = %s", e.raw)
	}
	c.write(websocket.MessageText, []byte(`{"type":`))
	if e := c.next(); e.Error == nil || e.Error.Code != "invalid_json" {
		t.Fatalf("bad json = %s", e.raw)
	}
	c.write(websocket.MessageText, []byte(`{"type":"nope","event_id":"evt_9"}`))
	e := c.next()
	if e.Error == nil || e.Error.Code != "invalid_value" || *e.Error.EventID != "evt_9" || *e.Error.Param != "type" {
		t.Fatalf("unknown type = %s", e.raw)
	}
	c.write(websocket.MessageText, []byte(`{"type":"response.create","event_id":"evt_10","modalities":["text"]}`))
	if e := c.next(); e.Error == nil || e.Error.Code != "unknown_parameter" || *e.Error.Param != "modalities" {
		t.Fatalf("unknown key = %s", e.raw)
	}
	// Still alive.
	c.send(userMsg(c, "still there"))
	c.send(c.ev("response.create"))
	if text, _ := spoken(t, c.turn()); text != "You said: still there" {
		t.Fatalf("answer = %q", text)
	}
	c.validate()
}

func TestConcurrentResponseCreate(t *testing.T) {
	_, url := startSim(t, Options{Pace: 1})
	c := dial(t, url)
	c.send(userMsg(c, "one two three four five six"))
	c.send(c.ev("response.create"))
	evs := c.until("response.created")
	rid := evs[len(evs)-1].Response.ID
	id := c.send(c.ev("response.create"))
	evs = c.until("error")
	e := evs[len(evs)-1]
	if e.Error.Code != "conversation_already_has_active_response" || e.Error.EventID == nil || *e.Error.EventID != id ||
		e.Error.Message != "Conversation already has an active response in progress: "+rid+". Wait until the response is finished before creating a new one." {
		t.Fatalf("error = %s", e.raw)
	}
	c.send(c.ev("response.cancel"))
	c.turn()
	c.validate()
}

func TestPacing(t *testing.T) {
	const msg = "one two three" // "You said: one two three": 5 words, 1.2 s
	want := SpeechDuration("You said: " + msg)
	measure := func(pace float64) time.Duration {
		_, url := startSim(t, Options{Pace: pace})
		c := dial(t, url)
		c.send(userMsg(c, msg))
		start := time.Now() // before the server can start the response
		c.send(c.ev("response.create"))
		c.until("response.output_audio.done")
		elapsed := time.Since(start)
		c.turn()
		return elapsed
	}
	if got := measure(1); got < want {
		t.Fatalf("Pace 1: audio spanned %v, want >= %v", got, want)
	}
	if got := measure(4); got < want/4 {
		t.Fatalf("Pace 4: audio spanned %v, want >= %v", got, want/4)
	}
	if got := measure(0); got >= want/4 {
		t.Fatalf("Pace 0: took %v, want well under %v", got, want)
	}
}

func TestFaultCloseAfterEvents(t *testing.T) {
	_, url := startSim(t, Options{Faults: Faults{CloseAfterEvents: 3, CloseCode: 4001, CloseReason: "fault injected"}})
	c := dial(t, url) // event 1
	c.send(userMsg(c, "hi"))
	c.send(c.ev("response.create"))
	c.expectClose(4001, "fault injected")
	if len(c.server) != 3 {
		t.Fatalf("got %d events before close, want 3", len(c.server))
	}
}

func TestFaultErrorMalformedDelay(t *testing.T) {
	_, url := startSim(t, Options{Faults: Faults{ErrorAfterEvents: 1, MalformedAfterEvents: 1, Delay: 50 * time.Millisecond,
		Error: FaultError{Code: "fault", Message: "injected"}}})
	start := time.Now()
	c := dial(t, url)
	e := c.next()
	if e.Type != "error" || e.Error.Type != "server_error" || e.Error.Code != "fault" || e.Error.Message != "injected" {
		t.Fatalf("fault error = %s", e.raw)
	}
	ctxRead := func() []byte {
		_, data, err := c.ws.Read(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	if data := ctxRead(); string(data) != `{"type":"response.output_text.delta","event_id":` {
		t.Fatalf("malformed frame = %s", data)
	}
	if el := time.Since(start); el < 150*time.Millisecond {
		t.Fatalf("3 frames with 50 ms delay took %v", el)
	}
	// The session goes on.
	c.send(c.ev("session.update", "session", map[string]any{"type": "realtime"}))
	c.until("session.updated")
}

func TestMaxDurationAndServerClose(t *testing.T) {
	_, url := startSim(t, Options{MaxDuration: 200 * time.Millisecond})
	c := dial(t, url)
	c.expectClose(websocket.StatusGoingAway, "Your session hit the maximum duration of 200ms.")
	if got := maxDurationReason(60 * time.Minute); got != "Your session hit the maximum duration of 60 minutes." {
		t.Fatalf("reason = %q", got)
	}

	s, url := startSim(t, Options{})
	c = dial(t, url)
	done := make(chan error, 1)
	go func() { done <- s.Close() }()
	c.expectClose(websocket.StatusGoingAway, "server shutting down")
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := s.Start("127.0.0.1:0"); err == nil {
		t.Fatal("Start after Close succeeded")
	}
}

func TestPings(t *testing.T) {
	_, url := startSim(t, Options{PingInterval: 20 * time.Millisecond})
	c := dial(t, url)
	// Pings are answered by the client's reader; the session stays usable.
	time.Sleep(100 * time.Millisecond)
	c.send(userMsg(c, "ping"))
	c.send(c.ev("response.create"))
	c.turn()
}
