package openai

import (
	"errors"
	"strings"
	"testing"

	"github.com/coder/websocket"
)

// The server closes with 3000 right after its error event, often while our first
// session.update is being written: the close code, not the failed write, is what
// the user must see.
func TestCloseCodeWinsOverFailedWrite(t *testing.T) {
	m := New(Config{URL: "ws://127.0.0.1:1/v1/realtime", APIKey: "k"})
	m.st.writeErr = errors.New("failed to write msg: use of closed network connection")
	m.st.lastErr = "Incorrect API key provided."
	closed := m.closedEventLocked(websocket.CloseError{Code: 3000, Reason: "invalid_request_error.invalid_api_key"})
	if closed.Code != 3000 || !errors.Is(closed.Err, ErrAuth) {
		t.Fatalf("closed = %+v, want code 3000 and an authentication error", closed)
	}
	if !strings.HasPrefix(closed.Err.Error(), "authentication failed: Incorrect API key provided.") {
		t.Fatalf("error text %q", closed.Err)
	}
	// Without a close code the failed write is the explanation.
	closed = m.closedEventLocked(errors.New("EOF"))
	if closed.Err == nil || !strings.Contains(closed.Err.Error(), "write failed") {
		t.Fatalf("closed = %+v, want the write failure", closed)
	}
}
