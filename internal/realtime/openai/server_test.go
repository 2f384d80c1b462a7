package openai

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"

	"github.com/rtagent/rtagent/internal/realtime"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// wait bounds every blocking step of a test; nothing sleeps.
const wait = 10 * time.Second

// fakeServer is a loopback WebSocket server that records every client frame (for
// the strict schema check) and hands each connection to the test as a peer.
type fakeServer struct {
	t      *testing.T
	srv    *httptest.Server
	check  func(r *http.Request) (status int, body string)
	peers  chan *peer
	mu     sync.Mutex
	frames [][]byte
}

type peer struct {
	c    *websocket.Conn
	r    *http.Request
	in   chan []byte
	done chan struct{}
}

func newFakeServer(t *testing.T, check func(r *http.Request) (int, string)) *fakeServer {
	t.Helper()
	fs := &fakeServer{t: t, check: check, peers: make(chan *peer, 4)}
	fs.srv = httptest.NewServer(fs)
	t.Cleanup(fs.srv.Close)
	return fs
}

func (fs *fakeServer) url() string {
	return "ws" + strings.TrimPrefix(fs.srv.URL, "http") + "/v1/realtime"
}

func (fs *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if fs.check != nil {
		if status, body := fs.check(r); status != 0 {
			http.Error(w, body, status)
			return
		}
	}
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	c.SetReadLimit(64 << 20)
	p := &peer{c: c, r: r, in: make(chan []byte, 4096), done: make(chan struct{})}
	fs.peers <- p
	defer close(p.done)
	defer close(p.in)
	for {
		typ, data, err := c.Read(context.Background())
		if err != nil {
			return
		}
		if typ != websocket.MessageText {
			fs.t.Errorf("client sent a %v frame", typ)
		}
		fs.mu.Lock()
		fs.frames = append(fs.frames, data)
		fs.mu.Unlock()
		p.in <- data
	}
}

// clientFrames returns every frame the clients sent so far.
func (fs *fakeServer) clientFrames() [][]byte {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return append([][]byte(nil), fs.frames...)
}

func (fs *fakeServer) accept(t *testing.T) *peer {
	t.Helper()
	select {
	case p := <-fs.peers:
		return p
	case <-time.After(wait):
		t.Fatal("no connection")
		return nil
	}
}

// frame is a decoded client frame, for assertions.
type frame map[string]any

func (f frame) typ() string { s, _ := f["type"].(string); return s }
func (f frame) str(k string) string {
	s, _ := f[k].(string)
	return s
}

// next returns the next client frame.
func (p *peer) next(t *testing.T) (frame, []byte) {
	t.Helper()
	select {
	case b, ok := <-p.in:
		if !ok {
			t.Fatal("connection closed while waiting for a client frame")
		}
		var f frame
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatalf("client frame is not JSON: %v: %s", err, b)
		}
		return f, b
	case <-time.After(wait):
		t.Fatal("no client frame")
		return nil, nil
	}
}

// expect returns the next client frame and checks its type.
func (p *peer) expect(t *testing.T, typ string) frame {
	t.Helper()
	f, b := p.next(t)
	if f.typ() != typ {
		t.Fatalf("client frame type %q, want %q: %s", f.typ(), typ, b)
	}
	return f
}

func (p *peer) send(t *testing.T, frames ...string) {
	t.Helper()
	for _, s := range frames {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		err := p.c.Write(ctx, websocket.MessageText, []byte(s))
		cancel()
		if err != nil {
			t.Fatalf("server write: %v", err)
		}
	}
}

// closeWith closes from the server side and waits for the handler to finish.
func (p *peer) closeWith(t *testing.T, code websocket.StatusCode, reason string) {
	t.Helper()
	_ = p.c.Close(code, reason)
	select {
	case <-p.done:
	case <-time.After(wait):
		t.Fatal("server handler did not finish")
	}
}

// waitDone waits until the client closed the connection.
func (p *peer) waitDone(t *testing.T) {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(wait):
		t.Fatal("connection not closed")
	}
}

// handshake answers the initial session.update the way the service does.
func (p *peer) handshake(t *testing.T) frame {
	t.Helper()
	f := p.expect(t, "session.update")
	p.send(t,
		`{"type":"session.created","event_id":"event_1","session":{"type":"realtime","object":"realtime.session","id":"sess_1","model":"gpt-realtime","expires_at":1767233035,"audio":{"input":{"format":{"type":"audio/pcm","rate":24000},"turn_detection":{"type":"server_vad","threshold":0.5,"prefix_padding_ms":300,"silence_duration_ms":200,"idle_timeout_ms":null,"create_response":true,"interrupt_response":true}},"output":{"format":{"type":"audio/pcm","rate":24000},"voice":"alloy","speed":1.0}},"tools":[],"tool_choice":"auto","max_output_tokens":"inf","tracing":null,"prompt":null}}`,
		`{"type":"session.updated","event_id":"event_2","session":{"type":"realtime","object":"realtime.session","id":"sess_1","model":"gpt-realtime","expires_at":1767233035,"audio":{"input":{"format":{"type":"audio/pcm","rate":24000},"turn_detection":null},"output":{"format":{"type":"audio/pcmu"},"voice":{"id":"voice_123"}}},"tools":[{"type":"function","name":"f","parameters":{"type":"object"}}],"tool_choice":{"type":"function","name":"f"},"max_output_tokens":100}}`,
	)
	return f
}

// events reads model events with a bound.
type events struct {
	t  *testing.T
	ch <-chan realtime.Event
}

func (e events) next() realtime.Event {
	e.t.Helper()
	select {
	case ev, ok := <-e.ch:
		if !ok {
			e.t.Fatal("event channel closed")
		}
		return ev
	case <-time.After(wait):
		e.t.Fatal("no event")
		return nil
	}
}

// until returns the first event for which match is true, skipping others.
func (e events) until(match func(realtime.Event) bool) realtime.Event {
	e.t.Helper()
	for {
		ev := e.next()
		if match(ev) {
			return ev
		}
		if _, ok := ev.(realtime.Closed); ok {
			e.t.Fatalf("closed while waiting: %+v", ev)
		}
	}
}

// drain reads until Closed and the channel closes; it returns everything read.
func (e events) drain() (all []realtime.Event, closed realtime.Closed) {
	e.t.Helper()
	for {
		select {
		case ev, ok := <-e.ch:
			if !ok {
				if closed == (realtime.Closed{}) && len(all) == 0 {
					e.t.Fatal("channel closed without a Closed event")
				}
				return all, closed
			}
			if c, ok := ev.(realtime.Closed); ok {
				closed = c
			} else if closed != (realtime.Closed{}) {
				e.t.Fatalf("event after Closed: %T", ev)
			}
			all = append(all, ev)
		case <-time.After(wait):
			e.t.Fatal("events not closed")
		}
	}
}

func isType[T realtime.Event](ev realtime.Event) bool { _, ok := ev.(T); return ok }

// connect returns a connected model, the server side, and an event reader. The
// model is closed and drained at cleanup.
func connect(t *testing.T, fs *fakeServer, cfg Config, s realtime.Settings) (*Model, *peer, events) {
	t.Helper()
	if cfg.URL == "" {
		cfg.URL = fs.url()
	}
	if cfg.APIKey == "" && cfg.Headers == nil {
		cfg.APIKey = "sk-test-key"
	}
	m := New(cfg)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := m.Connect(ctx, realtime.ConnectOptions{Settings: s}); err != nil {
		t.Fatalf("connect: %v", err)
	}
	ev := events{t: t, ch: m.Events()}
	t.Cleanup(func() {
		_ = m.Close()
		for range m.Events() {
		}
	})
	p := fs.accept(t)
	if c := ev.next(); c != (realtime.ConnectionChanged{State: realtime.StateConnected}) {
		t.Fatalf("first event %+v, want connected", c)
	}
	return m, p, ev
}

func defaultSettings() realtime.Settings {
	yes := true
	return realtime.Settings{
		Model:            "gpt-realtime",
		OutputModalities: []string{realtime.ModalityAudio},
		Instructions:     "Be brief.",
		InputFormat:      realtime.PCM24k,
		OutputFormat:     realtime.PCM24k,
		Transcription:    &realtime.Transcription{Model: "gpt-4o-mini-transcribe"},
		TurnDetection:    &realtime.TurnDetection{Type: realtime.TurnSemanticVAD, Eagerness: "auto", CreateResponse: &yes, InterruptResponse: &yes},
		Voice:            "marin",
		ToolChoice:       "auto",
	}
}

func send(t *testing.T, m *Model, cmd realtime.Command) {
	t.Helper()
	if err := m.Send(context.Background(), cmd); err != nil {
		t.Fatalf("send %T: %v", cmd, err)
	}
}

func seqState(m *Model) SeqState {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.st.seq.State()
}

var errAny = errors.New("any")

// Issue 9 #8: session.created/session.updated without a session object are
// acknowledgements: the model becomes ready instead of waiting forever.
func TestSessionEventsWithoutSessionObject(t *testing.T) {
	fs := newFakeServer(t, nil)
	_, p, ev := connect(t, fs, Config{}, defaultSettings())
	p.expect(t, "session.update")
	p.send(t, `{"type":"session.created","event_id":"event_1"}`, `{"type":"session.updated","event_id":"event_2","session":null}`)
	got := ev.until(func(e realtime.Event) bool {
		if _, ok := e.(realtime.Error); ok {
			t.Errorf("error for a bare session event: %+v", e)
		}
		u, ok := e.(realtime.SessionUpdated)
		return ok && u.Ready
	}).(realtime.SessionUpdated)
	if !got.Bare || got.Created {
		t.Errorf("ready event = %+v, want a bare session.updated", got)
	}
}
