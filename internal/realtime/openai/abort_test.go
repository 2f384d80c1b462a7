package openai

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/rtagent/rtagent/internal/realtime"
)

// silentServer answers the handshake and then neither reads nor writes anything:
// a close frame sent to it is never answered. Every connection is counted on conns.
func silentServer(t *testing.T) (url string, conns chan struct{}) {
	t.Helper()
	release := make(chan struct{})
	conns = make(chan struct{}, 8)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer func() { _ = c.CloseNow() }()
		conns <- struct{}{}
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		if _, _, err := c.Read(ctx); err != nil { // session.update
			return
		}
		p := &peer{c: c}
		p.send(t,
			`{"type":"session.created","event_id":"event_1","session":{"type":"realtime","id":"sess_1","model":"gpt-realtime"}}`,
			`{"type":"session.updated","event_id":"event_2","session":{"type":"realtime","id":"sess_1","model":"gpt-realtime"}}`)
		<-release // silent from now on
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	return "ws" + strings.TrimPrefix(srv.URL, "http") + "/v1/realtime", conns
}

// connectSilent connects a model to a silent server and waits for its session.
func connectSilent(t *testing.T, url string, cfg Config) (*Model, events) {
	t.Helper()
	cfg.URL, cfg.APIKey, cfg.PingInterval = url, "sk-test-key", -1
	m := New(cfg)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := m.Connect(ctx, realtime.ConnectOptions{Settings: defaultSettings()}); err != nil {
		t.Fatalf("connect: %v", err)
	}
	ev := events{t: t, ch: m.Events()}
	ev.until(func(e realtime.Event) bool { _, ok := e.(realtime.SessionUpdated); return ok })
	m.mu.Lock()
	l := m.ln
	m.mu.Unlock()
	// The reader must read with a context that is never cancelled (no per-frame
	// timer in coder/websocket), so only closing the stream can end it.
	if l.stream == nil || l.readCtx.Done() != nil {
		t.Fatalf("the reader reads with a cancellable context (stream %v)", l.stream != nil)
	}
	return m, ev
}

// Close ends a reader blocked on a peer that never answers the close handshake
// within the grace, although the reader's context cannot be cancelled.
func TestCloseAbortsAReaderBlockedOnASilentPeer(t *testing.T) {
	url, _ := silentServer(t)
	m, _ := connectSilent(t, url, Config{})
	closeWithinASecond(t, m, "with a peer that does not answer the close")
}

// A recycle whose close is never answered drops the old connection after the
// grace and dials again (R14.3 #1), without waiting for the library's 5 s bound.
func TestRecycleAbortsASilentPeer(t *testing.T) {
	url, conns := silentServer(t)
	m, ev := connectSilent(t, url, Config{Reconnect: fastReconnect()})
	defer closeWithinASecond(t, m, "")
	<-conns
	start := time.Now()
	if err := m.Send(context.Background(), realtime.Reconnect{Reason: "recycle"}); err != nil {
		t.Fatal(err)
	}
	ev.until(connState(realtime.StateReconnecting))
	if el := time.Since(start); el > 2*time.Second {
		t.Fatalf("the old connection ended %v after the recycle (grace %v)", el, closeGrace)
	}
	select {
	case <-conns:
	case <-time.After(wait):
		t.Fatal("no new connection after the recycle")
	}
}

// A caller's HTTP client with its own transport keeps the cheap reader: the
// stream is captured through it.
func TestStreamCapturedThroughACustomTransport(t *testing.T) {
	url, _ := silentServer(t)
	rt := &countingTransport{base: http.DefaultTransport}
	m, _ := connectSilent(t, url, Config{HTTPClient: &http.Client{Transport: rt}})
	closeWithinASecond(t, m, "")
	if rt.n == 0 {
		t.Fatal("the caller's transport was not used")
	}
}

type countingTransport struct {
	base http.RoundTripper
	n    int
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n++
	return c.base.RoundTrip(r)
}
