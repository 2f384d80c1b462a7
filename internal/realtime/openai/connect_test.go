package openai

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/rtagent/rtagent/internal/realtime"
)

func TestHandshakeOpenAI(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "sk-from-env")
	var got *http.Request
	fs := newFakeServer(t, func(r *http.Request) (int, string) { got = r; return 0, "" })
	m := New(Config{URL: fs.url(), UserAgent: "rtagent/test"})
	ctx := context.Background()
	if err := m.Connect(ctx, realtime.ConnectOptions{Settings: defaultSettings()}); err != nil {
		t.Fatal(err)
	}
	ev := events{t: t, ch: m.Events()}
	p := fs.accept(t)
	if got.URL.Path != "/v1/realtime" {
		t.Errorf("path %q", got.URL.Path)
	}
	if q := got.URL.Query().Get("model"); q != "gpt-realtime" {
		t.Errorf("model query %q", q)
	}
	if a := got.Header.Get("Authorization"); a != "Bearer sk-from-env" {
		t.Errorf("Authorization %q", a)
	}
	if ua := got.Header.Get("User-Agent"); ua != "rtagent/test" {
		t.Errorf("User-Agent %q", ua)
	}
	if _, ok := got.Header["Openai-Beta"]; ok {
		t.Error("OpenAI-Beta header sent")
	}
	if got.Header.Get("api-key") != "" {
		t.Error("api-key header sent to OpenAI")
	}

	f := p.handshake(t)
	if f.str("event_id") != "rtagent_session_update_1" {
		t.Errorf("event_id %q", f.str("event_id"))
	}
	if c := ev.next(); c != (realtime.ConnectionChanged{State: realtime.StateConnected}) {
		t.Fatalf("got %+v", c)
	}
	created := ev.next().(realtime.SessionUpdated)
	if !created.Created || created.Ready || created.Info.ID != "sess_1" || created.Info.ExpiresAt.Unix() != 1767233035 {
		t.Errorf("session.created: %+v", created)
	}
	td := created.Info.Settings.TurnDetection
	if td == nil || td.Type != realtime.TurnServerVAD || *td.SilenceDurationMS != 200 || td.IdleTimeoutMS != nil || created.Info.Settings.Voice != "alloy" || created.Info.Settings.MaxOutputTokens != -1 {
		t.Errorf("effective settings: %+v %+v", created.Info.Settings, td)
	}
	updated := ev.next().(realtime.SessionUpdated)
	s := updated.Info.Settings
	if updated.Created || !updated.Ready || s.TurnDetection != nil || s.OutputFormat.BytesPerMS() != 8 || s.Voice != "voice_123" ||
		s.ToolChoice != "f" || s.MaxOutputTokens != 100 || len(s.Tools) != 1 {
		t.Errorf("session.updated: %+v", updated)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	_, closed := ev.drain()
	if closed.Err != nil || closed.Code != 1000 {
		t.Errorf("closed %+v", closed)
	}
	p.waitDone(t)
	if err := m.Send(ctx, realtime.ClearAudio{}); !errors.Is(err, ErrClosed) {
		t.Errorf("send after close: %v", err)
	}
	if err := m.Close(); err != nil {
		t.Errorf("second close: %v", err)
	}
}

func TestHandshakeAzure(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "")
	var got *http.Request
	fs := newFakeServer(t, func(r *http.Request) (int, string) { got = r; return 0, "" })
	url := strings.Replace(fs.url(), "/v1/realtime", "/openai/v1/realtime?model=my-deployment", 1)
	_, p, _ := connect(t, fs, Config{URL: url, Azure: true, APIKey: "azure-key"}, defaultSettings())
	if got.URL.Path != "/openai/v1/realtime" || got.URL.Query().Get("model") != "my-deployment" {
		t.Errorf("url %s", got.URL)
	}
	if got.Header.Get("api-key") != "azure-key" || got.Header.Get("Authorization") != "" {
		t.Errorf("headers %v", got.Header)
	}
	f := p.handshake(t)
	if model := f["session"].(map[string]any)["model"]; model != "my-deployment" {
		t.Errorf("session model %v, want the deployment", model)
	}
}

func TestHandshakeCustomHeaders(t *testing.T) {
	var got *http.Request
	fs := newFakeServer(t, func(r *http.Request) (int, string) { got = r; return 0, "" })
	h := http.Header{}
	h.Set("Authorization", "Bearer entra-token")
	h.Set("X-Tenant", "acme")
	connect(t, fs, Config{Headers: h, APIKey: "sk-must-not-be-sent", Azure: true}, defaultSettings())
	if got.Header.Get("Authorization") != "Bearer entra-token" || got.Header.Get("X-Tenant") != "acme" {
		t.Errorf("custom headers not sent: %v", got.Header)
	}
	if got.Header.Get("api-key") != "" || strings.Contains(strings.Join(got.Header.Values("Authorization"), ","), "sk-must") {
		t.Errorf("auth added to custom headers: %v", got.Header)
	}
}

func TestHandshakeRefused(t *testing.T) {
	fs := newFakeServer(t, func(r *http.Request) (int, string) {
		return http.StatusUnauthorized, `{"error":{"message":"bad key sk-secret-123"}}`
	})
	m := New(Config{URL: fs.url(), APIKey: "sk-secret-123"})
	err := m.Connect(context.Background(), realtime.ConnectOptions{Settings: defaultSettings()})
	var he *HandshakeError
	if !errors.As(err, &he) || he.StatusCode != 401 || !errors.Is(err, ErrAuth) {
		t.Fatalf("err %v (%T)", err, err)
	}
	if !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "bad key") {
		t.Errorf("error text %q", err)
	}
	if strings.Contains(err.Error(), "sk-secret-123") {
		t.Errorf("key in error: %q", err)
	}
	_, closed := events{t: t, ch: m.Events()}.drain()
	if closed.Err != err {
		t.Errorf("closed %+v", closed)
	}
	if err := m.Close(); err != nil {
		t.Error(err)
	}
}

func TestConnectUnreachable(t *testing.T) {
	fs := newFakeServer(t, nil)
	url := fs.url()
	fs.srv.Close()
	m := New(Config{URL: url, APIKey: "k"})
	err := m.Connect(context.Background(), realtime.ConnectOptions{})
	if err == nil || !errors.Is(err, ErrConnectionLost) {
		t.Fatalf("err %v", err)
	}
	events{t: t, ch: m.Events()}.drain()
}

func TestCloseBeforeConnect(t *testing.T) {
	m := New(Config{})
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	events{t: t, ch: m.Events()}.drain()
	if err := m.Connect(context.Background(), realtime.ConnectOptions{}); err == nil {
		t.Fatal("connect after close succeeded")
	}
}

func TestDialURL(t *testing.T) {
	for _, tc := range []struct{ in, model, url, conn string }{
		{"wss://api.openai.com/v1/realtime", "", "wss://api.openai.com/v1/realtime?model=" + DefaultModel, DefaultModel},
		{"wss://api.openai.com/v1/realtime", "gpt-realtime", "wss://api.openai.com/v1/realtime?model=gpt-realtime", "gpt-realtime"},
		{"ws://127.0.0.1:8765/v1/realtime?model=sim", "gpt-realtime", "ws://127.0.0.1:8765/v1/realtime?model=sim", "sim"},
		{"https://r.openai.azure.com/openai/v1/realtime?model=dep", "", "wss://r.openai.azure.com/openai/v1/realtime?model=dep", "dep"},
	} {
		u, conn, err := dialURL(tc.in, tc.model)
		if err != nil || u != tc.url || conn != tc.conn {
			t.Errorf("dialURL(%q,%q) = %q,%q,%v", tc.in, tc.model, u, conn, err)
		}
	}
	if _, _, err := dialURL("ftp://x", ""); err == nil {
		t.Error("ftp accepted")
	}
}

// closeCase drives a server-side close and returns the Closed event.
func closeCase(t *testing.T, serverFrames []string, code websocket.StatusCode, reason string) realtime.Closed {
	t.Helper()
	fs := newFakeServer(t, nil)
	_, p, ev := connect(t, fs, Config{}, defaultSettings())
	p.expect(t, "session.update")
	p.send(t, serverFrames...)
	p.closeWith(t, code, reason)
	_, closed := ev.drain()
	return closed
}

func TestCloseCodes(t *testing.T) {
	t.Run("3000 auth", func(t *testing.T) {
		closed := closeCase(t, []string{`{"type":"error","event_id":"event_…","error":{"type":"invalid_request_error","code":"invalid_api_key","message":"Incorrect API key provided: sk-te***key.","param":null,"event_id":null}}`},
			3000, "invalid_request_error.invalid_api_key")
		var ce *CloseError
		if !errors.Is(closed.Err, ErrAuth) || !errors.As(closed.Err, &ce) || ce.Code != 3000 || closed.Code != 3000 {
			t.Fatalf("closed %+v", closed)
		}
		if msg := closed.Err.Error(); !strings.HasPrefix(msg, "authentication failed: ") || !strings.Contains(msg, "Incorrect API key provided") {
			t.Errorf("text %q", msg)
		}
		if errors.Is(closed.Err, ErrRejected) || errors.Is(closed.Err, ErrConnectionLost) {
			t.Error("3000 matches other sentinels")
		}
	})
	t.Run("4000 rejected", func(t *testing.T) {
		closed := closeCase(t, []string{`{"type":"error","event_id":"e","error":{"type":"invalid_request_error","code":"invalid_model","message":"Model 'nope' is not supported.","param":null,"event_id":null}}`},
			4000, "invalid_request_error.invalid_model")
		if !errors.Is(closed.Err, ErrRejected) || !strings.HasPrefix(closed.Err.Error(), "request rejected: Model 'nope'") {
			t.Fatalf("closed %+v", closed)
		}
	})
	t.Run("4000 without an error event uses the reason", func(t *testing.T) {
		closed := closeCase(t, nil, 4000, "invalid_request_error.missing_model")
		if !errors.Is(closed.Err, ErrRejected) || closed.Err.Error() != "request rejected: invalid_request_error.missing_model" {
			t.Fatalf("closed %+v", closed)
		}
	})
	t.Run("1011 lost", func(t *testing.T) {
		closed := closeCase(t, nil, websocket.StatusInternalError, "boom")
		if !errors.Is(closed.Err, ErrConnectionLost) || !strings.HasPrefix(closed.Err.Error(), "connection lost") || closed.Code != 1011 {
			t.Fatalf("closed %+v", closed)
		}
	})
	t.Run("1001 going away", func(t *testing.T) {
		closed := closeCase(t, nil, websocket.StatusGoingAway, "Your session hit the maximum duration of 60 minutes.")
		if !errors.Is(closed.Err, ErrConnectionLost) || !strings.Contains(closed.Err.Error(), "maximum duration") {
			t.Fatalf("closed %+v", closed)
		}
	})
	t.Run("1000 normal", func(t *testing.T) {
		closed := closeCase(t, nil, websocket.StatusNormalClosure, "")
		if closed.Err != nil || closed.Code != 1000 {
			t.Fatalf("closed %+v", closed)
		}
	})
}

func TestInitialSessionUpdateRejectedIsFatal(t *testing.T) {
	fs := newFakeServer(t, nil)
	_, p, ev := connect(t, fs, Config{}, defaultSettings())
	f := p.expect(t, "session.update")
	p.send(t, `{"type":"session.created","event_id":"e1","session":{"type":"realtime","id":"s"}}`,
		`{"type":"error","event_id":"e2","error":{"type":"invalid_request_error","code":"unknown_parameter","message":"Unknown parameter: 'session.bogus'.","param":"session.bogus","event_id":"`+f.str("event_id")+`"}}`)
	e := ev.until(isType[realtime.Error]).(realtime.Error)
	if !e.Fatal || e.Command != realtime.CommandUpdateSession || e.Code != "unknown_parameter" {
		t.Errorf("error %+v", e)
	}
	p.waitDone(t)
	_, closed := ev.drain()
	if !errors.Is(closed.Err, ErrSessionRejected) || !strings.Contains(closed.Err.Error(), "session.bogus") {
		t.Errorf("closed %+v", closed)
	}
}
