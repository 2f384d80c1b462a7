package openai

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
)

// Sentinel errors, for errors.Is. The CLI maps them to exit codes and friendly text.
var (
	// ErrAuth: the server refused the credentials (close 3000, or HTTP 401/403 on
	// the upgrade). Fatal; do not retry.
	ErrAuth = errors.New("authentication failed")
	// ErrRejected: the server rejected the request shape (close 4000: invalid or
	// missing model, beta shape). Fatal; do not retry.
	ErrRejected = errors.New("request rejected")
	// ErrConnectionLost: the connection ended abnormally (network drop, server error,
	// 1001 session limit, write timeout). Retryable.
	ErrConnectionLost = errors.New("connection lost")
	// ErrSessionRejected: the initial session.update was refused (R1.12). Fatal.
	ErrSessionRejected = errors.New("session configuration rejected")
	// ErrClosed: the model is closed or was never connected.
	ErrClosed = errors.New("openai: model is not connected")
)

// CloseError is how a connection ended, other than a normal close. Message is the
// text of the server's last error event when there was one (the close reason
// otherwise). errors.Is matches ErrAuth (3000), ErrRejected (4000) or
// ErrConnectionLost (anything else).
type CloseError struct {
	Code    int    // WebSocket close code; 0 when the connection failed without one
	Reason  string // close reason, e.g. "invalid_request_error.invalid_api_key"
	Message string
	Err     error // underlying transport error, if any
}

func (e *CloseError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = e.Reason
	}
	switch e.Code {
	case 3000:
		return "authentication failed: " + orDefault(msg, "close 3000")
	case 4000:
		return "request rejected: " + orDefault(msg, "close 4000")
	}
	s := "connection lost"
	if e.Code == 1000 {
		s = "the server ended the session" // a normal close, but not one we asked for
	}
	if e.Code != 0 {
		s += ": close " + strconv.Itoa(e.Code)
		if msg != "" {
			s += " (" + msg + ")"
		}
	} else if msg != "" {
		s += ": " + msg
	}
	if e.Err != nil {
		// The common breaks in a few words, not the library's chain ("failed to get
		// reader: failed to read frame header: EOF").
		if r := transportReason(e.Err); r != "" {
			s += ": " + r
		} else {
			s += ": " + e.Err.Error()
		}
	}
	return s
}

// Is implements errors.Is for the sentinel errors.
func (e *CloseError) Is(target error) bool {
	switch target {
	case ErrAuth:
		return e.Code == 3000
	case ErrRejected:
		return e.Code == 4000
	case ErrConnectionLost:
		return e.Code != 3000 && e.Code != 4000
	}
	return false
}

func (e *CloseError) Unwrap() error { return e.Err }

// HandshakeError is a refused WebSocket upgrade: the HTTP status and the start of
// the response body. errors.Is matches ErrAuth for 401 and 403, ErrRejected for other
// 4xx, ErrConnectionLost otherwise.
type HandshakeError struct {
	StatusCode int
	Status     string
	Body       string // at most 512 bytes
}

func (e *HandshakeError) Error() string {
	// No "connect:" here: the session names the step ("connect: HTTP 401 …").
	s := "HTTP " + orDefault(e.Status, strconv.Itoa(e.StatusCode))
	switch {
	case e.StatusCode == 401 || e.StatusCode == 403:
		s += " (the server refused the credentials)"
	case e.StatusCode == 404:
		s += " (no realtime endpoint at this URL)"
	}
	if msg := bodyMessage(e.Body); msg != "" {
		s += ": " + msg
	}
	return s
}

// bodyMessage is the message of a refused upgrade's body on one line: the
// error.message of an OpenAI-style JSON error, else the body's text.
func bodyMessage(body string) string {
	var v struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal([]byte(body), &v) == nil && v.Error.Message != "" {
		body = v.Error.Message
	}
	return strings.Join(strings.Fields(body), " ")
}

// Is implements errors.Is for the sentinel errors.
func (e *HandshakeError) Is(target error) bool {
	switch target {
	case ErrAuth:
		return e.StatusCode == 401 || e.StatusCode == 403
	case ErrRejected:
		return e.StatusCode >= 400 && e.StatusCode < 500 && e.StatusCode != 401 && e.StatusCode != 403
	case ErrConnectionLost:
		return e.StatusCode < 400 || e.StatusCode >= 500
	}
	return false
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
