package openai

import (
	"io"
	"net/http"
	"sync/atomic"
)

// The reader reads with a context that is never cancelled: coder/websocket arms a
// context.AfterFunc for every frame header and payload it reads with a cancellable
// one (its read timeout), about 5 % of the CPU of a real-time session. A reader
// blocked on a silent peer is ended instead by closing the connection's byte
// stream, which this file captures at the handshake: closing it makes the
// blocked read fail at once, whatever the library's close state (Conn.CloseNow
// waits for a close handshake in progress instead of closing).

// streamTap wraps a client's RoundTripper and keeps the byte stream of the
// WebSocket upgrade (the 101 response's body, a io.ReadWriteCloser) so that the
// link can close it. The body itself is left as it is: coder/websocket reads it
// directly, with no layer in between.
type streamTap struct {
	base   http.RoundTripper
	stream atomic.Pointer[abortableStream]
}

func (t *streamTap) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		return resp, err
	}
	if rwc, ok := resp.Body.(io.ReadWriteCloser); ok {
		t.stream.Store(&abortableStream{rwc})
	}
	return resp, nil
}

// abortableStream is the upgraded connection coder/websocket reads and writes.
type abortableStream struct{ io.Closer }

// tappedClient is base (nil: http.DefaultClient) with its transport wrapped by tap.
func tappedClient(base *http.Client) (*http.Client, *streamTap) {
	if base == nil {
		base = http.DefaultClient
	}
	rt := base.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	tap := &streamTap{base: rt}
	c := *base
	c.Transport = tap
	return &c, tap
}
