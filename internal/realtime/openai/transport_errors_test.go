package openai

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/rtagent/rtagent/internal/realtime"
	"github.com/rtagent/rtagent/internal/testkit/hostile"
)

// closedErr connects to url and returns the error of the Closed event.
func closedErr(t *testing.T, url string) error {
	t.Helper()
	m := New(Config{URL: url, APIKey: "sk-test"})
	if err := m.Connect(context.Background(), realtime.ConnectOptions{Settings: defaultSettings()}); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev, ok := <-m.Events():
			if !ok {
				t.Fatal("events ended without Closed")
			}
			if c, ok := ev.(realtime.Closed); ok {
				return c.Err
			}
		case <-timeout:
			t.Fatal("no Closed within 10s")
		}
	}
}

// A close frame with the reserved code 1006 (which no endpoint may send) gives one
// short sentence, not the library's chain (issue 11 item 7).
func TestReservedCloseCodeMessage(t *testing.T) {
	hs := &hostile.Server{Frames: [][]byte{[]byte(sessionCreatedFrame)}, Fault: hostile.Close1006}
	err := closedErr(t, hs.Start(t))
	if err == nil || !errors.Is(err, ErrConnectionLost) {
		t.Fatalf("err %v, want a lost connection", err)
	}
	const want = "connection lost: the server sent a close frame with the reserved code 1006, which no server may send"
	if err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
}

// A TCP connection dropped without a close frame says so in a few words.
func TestAbruptCloseMessage(t *testing.T) {
	hs := &hostile.Server{Frames: [][]byte{[]byte(sessionCreatedFrame)}, Fault: hostile.Abrupt}
	err := closedErr(t, hs.Start(t))
	if err == nil || !strings.HasPrefix(err.Error(), "connection lost: ") || strings.Contains(err.Error(), "failed to") {
		t.Fatalf("message %q, want a short lost-connection message", err)
	}
}

// A server that accepts the TCP connection but never answers the upgrade: the
// connection could not be established — it was never lost (issue 11 item 7).
func TestHandshakeNeverFinishes(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			accepted <- c
		}
		close(accepted)
	}()
	defer func() {
		if c, ok := <-accepted; ok {
			c.Close()
		}
	}()
	url := "ws://" + ln.Addr().String() + "/v1/realtime"
	m := New(Config{URL: url, APIKey: "sk-test", HandshakeTimeout: 300 * time.Millisecond})
	err = m.Connect(context.Background(), realtime.ConnectOptions{Settings: defaultSettings()})
	if err == nil {
		m.Close()
		t.Fatal("connected to a silent server")
	}
	want := "could not establish the connection to " + url + ": the server did not complete the WebSocket handshake within 300ms"
	if err.Error() != want {
		t.Errorf("message %q\nwant    %q", err, want)
	}
	if strings.Contains(err.Error(), "lost") {
		t.Errorf("a connection that never existed was %q", err)
	}
	if !errors.Is(err, ErrConnectionLost) {
		t.Error("a failed dial is not in the retryable class")
	}
	var de *DialError
	if !errors.As(err, &de) {
		t.Errorf("%T is not a *DialError", err)
	}
}

// A refused connection names the endpoint and the reason only.
func TestConnectionRefusedMessage(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "ws://" + ln.Addr().String() + "/v1/realtime"
	ln.Close()
	m := New(Config{URL: url, APIKey: "sk-test"})
	err = m.Connect(context.Background(), realtime.ConnectOptions{Settings: defaultSettings()})
	if err == nil {
		m.Close()
		t.Fatal("connected to a closed port")
	}
	if want := "could not establish the connection to " + url + ": connection refused"; err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
}

// A refused upgrade is one clause: no "connect:" of its own (the session adds the
// step), the status, what it means, and the server's message from its JSON body.
func TestHandshakeErrorText(t *testing.T) {
	e := &HandshakeError{StatusCode: 401, Status: "401 Unauthorized",
		Body: `{"error":{"message":"Incorrect API key provided.\n See docs.","type":"invalid_request_error"}}`}
	const want = "HTTP 401 Unauthorized (the server refused the credentials): Incorrect API key provided. See docs."
	if e.Error() != want {
		t.Errorf("%q, want %q", e.Error(), want)
	}
	if got := (&HandshakeError{StatusCode: 502, Status: "502 Bad Gateway", Body: "upstream\ndown"}).Error(); got != "HTTP 502 Bad Gateway: upstream down" {
		t.Errorf("%q", got)
	}
}

const sessionCreatedFrame = `{"type":"session.created","event_id":"evt_1","session":{"type":"realtime","object":"realtime.session","id":"sess_1","model":"gpt-realtime","output_modalities":["audio"],"expires_at":1767233035}}`
