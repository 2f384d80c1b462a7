package openai

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"strings"
	"syscall"
	"time"
)

// DialError is a connection that was never established: the TCP connection, TLS
// or the WebSocket handshake failed or got no answer in time (R1.10). It is not a
// lost connection (there never was one), so its text says so; errors.Is still
// matches ErrConnectionLost, the retryable class. Err is kept for errors.Is (a
// context's cause, for one).
type DialError struct {
	URL     string        // the endpoint, without query or user info
	Timeout time.Duration // the handshake timeout
	Err     error
}

func (e *DialError) Error() string {
	s := "could not establish the connection"
	if e.URL != "" {
		s += " to " + e.URL
	}
	return s + ": " + dialReason(e.Err, e.Timeout)
}

// Is implements errors.Is for the sentinel errors.
func (e *DialError) Is(target error) bool { return target == ErrConnectionLost }

func (e *DialError) Unwrap() error { return e.Err }

// dialFailure is the error of a dial that got no WebSocket and no HTTP answer.
func dialFailure(rawURL string, timeout time.Duration, err error) error {
	return &DialError{URL: logURL(rawURL), Timeout: timeout, Err: err}
}

// dialReason says in a few words why a dial failed, instead of the library's chain
// of "failed to WebSocket dial: failed to send handshake request: Get …".
func dialReason(err error, timeout time.Duration) string {
	var dns *net.DNSError
	switch {
	case err == nil:
		return "unknown error"
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("the server did not complete the WebSocket handshake within %s", timeout)
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.As(err, &dns):
		return "cannot resolve host " + dns.Name
	}
	if r := transportReason(err); r != "" {
		return r
	}
	return innermost(err)
}

// reservedClose matches coder/websocket's error for a close frame that carries a
// code no endpoint may send (1005, 1006, 1015: RFC 6455 §7.4.1).
var reservedClose = regexp.MustCompile(`invalid status code (\w+)`)

var reservedCodes = map[string]string{
	"StatusNoStatusRcvd": "1005", "StatusAbnormalClosure": "1006", "StatusTLSHandshake": "1015",
}

// transportReason names the common ways a connection breaks in a few words, or
// returns "" for anything else.
func transportReason(err error) string {
	var errno syscall.Errno
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the server closed the connection without a close frame"
	case errors.Is(err, syscall.ECONNRESET):
		return "the connection was reset"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.EPIPE):
		return "the server stopped reading (broken pipe)"
	case errors.As(err, &errno):
		return errno.Error()
	}
	msg := err.Error()
	if m := reservedClose.FindStringSubmatch(msg); m != nil {
		code := m[1]
		if c, ok := reservedCodes[code]; ok {
			code = c
		}
		return "the server sent a close frame with the reserved code " + code + ", which no server may send"
	}
	if i := strings.Index(msg, "read limited at "); i >= 0 {
		return "a server frame was larger than the read limit (" + strings.TrimSpace(strings.TrimPrefix(msg[i:], "read limited at ")) + ")"
	}
	if strings.Contains(msg, "use of closed network connection") {
		return "the connection was closed"
	}
	return ""
}

// innermost is the text of the deepest error in err's chain: the cause, without
// the wrappers' prefixes.
func innermost(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}
