package openai

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/rtagent/rtagent/internal/realtime"
	"github.com/rtagent/rtagent/internal/realtime/sim"
	"github.com/rtagent/rtagent/internal/testkit"
)

func fastReconnect() ReconnectPolicy {
	return ReconnectPolicy{Enabled: true, Backoff: []time.Duration{10 * time.Millisecond, 10 * time.Millisecond}, Jitter: -1}
}

func connState(state string) func(realtime.Event) bool {
	return func(ev realtime.Event) bool {
		c, ok := ev.(realtime.ConnectionChanged)
		return ok && c.State == state
	}
}

// R14.3 #2, R14.4: after an abrupt loss the model dials again, configures the new
// connection with the last settings, sends the consumer's replay first, then the
// item that was never acknowledged, then what was sent during the outage.
func TestReconnectAfterAbruptLoss_R14_4(t *testing.T) {
	fs := newFakeServer(t, nil)
	m, p, ev := connect(t, fs, Config{Reconnect: fastReconnect()}, defaultSettings())
	p.handshake(t)
	ev.until(func(e realtime.Event) bool { u, ok := e.(realtime.SessionUpdated); return ok && u.Ready })
	send := func(c realtime.Command) {
		t.Helper()
		if err := m.Send(context.Background(), c); err != nil {
			t.Fatalf("send %T: %v", c, err)
		}
	}
	send(realtime.SendUserText{Text: "unacknowledged", Respond: true})
	p.expect(t, "conversation.item.create")
	_ = p.c.CloseNow() // no close frame: 1006

	lost := ev.until(connState(realtime.StateReconnecting)).(realtime.ConnectionChanged)
	if lost.CloseCode != 1006 || lost.Attempt != 1 || lost.Planned {
		t.Fatalf("reconnecting = %+v", lost)
	}
	send(realtime.SendUserText{Text: "during the outage", Respond: true})
	send(realtime.AppendAudio{Audio: make([]byte, 960)}) // tied to the old connection: dropped
	p2 := fs.accept(t)
	up := p2.expect(t, "session.update")
	if s, _ := up["session"].(map[string]any); s["instructions"] != "Be brief." {
		t.Fatalf("the new connection's session.update lacks the settings: %v", up)
	}
	rc := ev.until(connState(realtime.StateReconnected)).(realtime.ConnectionChanged)
	if rc.Down <= 0 {
		t.Fatalf("reconnected = %+v", rc)
	}
	send(realtime.Replay{Items: []realtime.Item{
		{Type: realtime.ItemMessage, Role: "user", Content: []realtime.Content{{Type: realtime.ContentInputText, Text: "from history"}}},
		{Type: realtime.ItemMessage, Role: "assistant", Content: []realtime.Content{{Type: realtime.ContentText, Text: "an answer"}}},
	}})
	var texts []string
	for len(texts) < 4 {
		f, _ := p2.next(t)
		if f.typ() == "response.create" {
			continue // each resent text asks for its answer right after its item (R6.4)
		}
		if f.typ() != "conversation.item.create" {
			t.Fatalf("unexpected %s on the new connection", f.typ())
		}
		item := f["item"].(map[string]any)
		texts = append(texts, item["content"].([]any)[0].(map[string]any)["text"].(string))
	}
	if strings.Join(texts, "|") != "from history|an answer|unacknowledged|during the outage" {
		t.Fatalf("order on the new connection: %q", texts)
	}
	testkit.ValidateClientFrames(t, fs.clientFrames())
}

// R14.3 #2: never after 3000/4000 closes.
func TestNoReconnectAfterRequestClose_R14_3(t *testing.T) {
	fs := newFakeServer(t, nil)
	_, p, ev := connect(t, fs, Config{Reconnect: fastReconnect()}, defaultSettings())
	p.handshake(t)
	p.closeWith(t, 4000, "invalid_request_error")
	all, closed := ev.drain()
	for _, e := range all {
		if connState(realtime.StateReconnecting)(e) {
			t.Fatal("reconnected after a 4000 close")
		}
	}
	if closed.Err == nil || closed.Code != 4000 {
		t.Fatalf("closed = %+v", closed)
	}
}

// When every attempt fails the model ends with the last close code and reason.
func TestReconnectGivesUp_R14_3(t *testing.T) {
	var refuse bool
	fs := newFakeServer(t, func(*http.Request) (int, string) {
		if refuse {
			return http.StatusServiceUnavailable, "down for maintenance"
		}
		return 0, ""
	})
	_, p, ev := connect(t, fs, Config{Reconnect: fastReconnect()}, defaultSettings())
	p.handshake(t)
	refuse = true
	p.closeWith(t, websocket.StatusInternalError, "server hiccup")
	all, closed := ev.drain()
	attempts := 0
	for _, e := range all {
		if connState(realtime.StateReconnecting)(e) {
			attempts++
		}
	}
	if attempts != 2 {
		t.Fatalf("%d reconnecting events, want 2", attempts)
	}
	if closed.Code != 1011 || closed.Err == nil || !strings.Contains(closed.Err.Error(), "reconnecting failed after 2 attempts") ||
		!strings.Contains(closed.Err.Error(), "503") {
		t.Fatalf("closed = %+v (%v)", closed, closed.Err)
	}
}

// A server that goes silent while an answer is due is detected by the stall timer
// and replaced.
func TestStallIsDetected(t *testing.T) {
	fs := newFakeServer(t, nil)
	cfg := Config{Reconnect: fastReconnect(), StallTimeout: 300 * time.Millisecond, PingInterval: -1}
	m, p, ev := connect(t, fs, cfg, defaultSettings())
	p.handshake(t)
	start := time.Now()
	if err := m.Send(context.Background(), realtime.CreateResponse{}); err != nil {
		t.Fatal(err)
	}
	p.expect(t, "response.create") // and then nothing comes back
	lost := ev.until(connState(realtime.StateReconnecting)).(realtime.ConnectionChanged)
	if !strings.Contains(lost.Reason, "sent nothing") {
		t.Fatalf("reconnecting = %+v", lost)
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Fatalf("stall detected after %v", el)
	}
	fs.accept(t).expect(t, "session.update")
}

// A server that stops reading no longer answers pings: the connection is replaced;
// the second connection is healthy.
func TestUnansweredPingIsDetected(t *testing.T) {
	srv := sim.New(sim.Options{Faults: sim.Faults{StopReadingAfterEvents: 1, Connections: 1}})
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	m := New(Config{URL: url, APIKey: "sk-sim", Reconnect: fastReconnect(), PingInterval: 100 * time.Millisecond, PongTimeout: 200 * time.Millisecond})
	if err := m.Connect(t.Context(), realtime.ConnectOptions{Settings: defaultSettings()}); err != nil {
		t.Fatal(err)
	}
	ev := events{t: t, ch: m.Events()}
	lost := ev.until(connState(realtime.StateReconnecting)).(realtime.ConnectionChanged)
	if !strings.Contains(lost.Reason, "no answer to a ping") {
		t.Fatalf("reconnecting = %+v", lost)
	}
	ev.until(connState(realtime.StateReconnected))
	_ = m.Send(context.Background(), realtime.Replay{})
	ev.until(func(e realtime.Event) bool { u, ok := e.(realtime.SessionUpdated); return ok && u.Ready })
	closeWithinASecond(t, m, "")
}

// Closing never waits more than about a second for a peer that does not read.
func TestCloseDoesNotWaitForAPeerThatStoppedReading(t *testing.T) {
	srv := sim.New(sim.Options{Faults: sim.Faults{StopReadingAfterEvents: 1}})
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	m := New(Config{URL: url, APIKey: "sk-sim", PingInterval: -1})
	if err := m.Connect(t.Context(), realtime.ConnectOptions{Settings: defaultSettings()}); err != nil {
		t.Fatal(err)
	}
	ev := events{t: t, ch: m.Events()}
	ev.until(func(e realtime.Event) bool { _, ok := e.(realtime.SessionUpdated); return ok })
	closeWithinASecond(t, m, "with a peer that does not read")
}

// R14.3 #1: Reconnect replaces a live connection at once: the old one closes with
// 1000, the new one is announced as planned.
func TestRecycle_R14_3(t *testing.T) {
	fs := newFakeServer(t, nil)
	m, p, ev := connect(t, fs, Config{Reconnect: fastReconnect()}, defaultSettings())
	p.handshake(t)
	if err := m.Send(context.Background(), realtime.Reconnect{Reason: "recycle"}); err != nil {
		t.Fatal(err)
	}
	rc := ev.until(connState(realtime.StateReconnecting)).(realtime.ConnectionChanged)
	if !rc.Planned {
		t.Fatalf("recycle = %+v", rc)
	}
	p.waitDone(t)
	fs.accept(t).expect(t, "session.update")
	ev.until(connState(realtime.StateReconnected))
}

// closeWithinASecond closes m and drains its events; all of it must take a
// second at most (why, if not empty, says what made it hard).
func closeWithinASecond(t *testing.T, m *Model, why string) {
	t.Helper()
	start := time.Now()
	_ = m.Close()
	for range m.Events() {
	}
	if el := time.Since(start); el > time.Second {
		if why != "" {
			t.Fatalf("close took %v %s", el, why)
		}
		t.Fatalf("close took %v", el)
	}
}
