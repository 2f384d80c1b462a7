// Package hostile is a WebSocket server for tests that misbehaves on purpose: it
// relays a client to the simulator and, at a chosen server frame of the first
// connection, injects one fault (an abrupt close, a close frame with any code —
// even the reserved 1006 no library will send —, a stall, a server that stops
// reading, a malformed or oversized frame, out-of-order, duplicate or unknown
// events, an error for a client event). Without an upstream it plays a fixed list
// of server frames (fuzzing the client's connection state).
//
// It speaks WebSocket itself (RFC 6455 framing on a hijacked connection) on the
// client side, because a conforming library refuses to send what a hostile server
// sends. It is imported by tests only.
package hostile

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// Fault is one way the server misbehaves.
type Fault string

// The fault classes (issue 11).
const (
	None        Fault = ""
	Abrupt      Fault = "abrupt"       // TCP closed, no close frame
	Close1000   Fault = "close-1000"   // close frame 1000 mid-session
	Close1001   Fault = "close-1001"   // going away (session limit)
	Close1006   Fault = "close-1006"   // a reserved code no server may send
	Close1011   Fault = "close-1011"   // server error
	Stall       Fault = "stall"        // nothing more sent, pings unanswered
	StopReading Fault = "stop-reading" // client frames no longer read
	Malformed   Fault = "malformed"    // a frame that is not JSON
	Oversized   Fault = "oversized"    // a frame larger than the client's read limit
	OutOfOrder  Fault = "out-of-order" // two server events swapped
	Duplicate   Fault = "duplicate"    // a server event sent twice
	Unknown     Fault = "unknown-type" // an event of a type no client knows
	ClientError Fault = "client-error" // an error event naming the client's last event
)

// Faults lists every fault class.
var Faults = []Fault{Abrupt, Close1000, Close1001, Close1006, Close1011, Stall, StopReading,
	Malformed, Oversized, OutOfOrder, Duplicate, Unknown, ClientError}

// OversizedBytes is the size of the Oversized frame: above the openai model's
// default read limit (32 MiB).
const OversizedBytes = 32<<20 + 1024

// EchoPlaceholder, in a relayed server frame, is replaced by the value of the
// request header named by Server.EchoHeader: a server that echoes a secret.
const EchoPlaceholder = "ECHO_HEADER"

// Server is a hostile WebSocket endpoint. Set the fields, then Start.
type Server struct {
	// Upstream is the simulator's ws:// URL to relay to; empty plays Frames.
	Upstream string
	// Fault is injected right after the At-th server frame (1-based) of the first
	// connection; later connections (a reconnect) are relayed faithfully.
	Fault Fault
	At    int
	// Frames are sent in order after the handshake when there is no Upstream;
	// client frames are read and dropped. The connection then closes with 1000,
	// or as Fault says (Abrupt, Close1001, Close1006, Close1011).
	Frames [][]byte
	// EchoHeader names a request header whose value replaces EchoPlaceholder in
	// every relayed server frame.
	EchoHeader string
	// OnFault is called just before the fault is applied (from the relay goroutine).
	OnFault func()

	ln      net.Listener
	srv     *http.Server
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	mu      sync.Mutex
	conns   map[net.Conn]struct{}
	nconn   int
	injects chan Fault
}

// Start listens on a loopback port and returns the ws:// URL of its realtime
// endpoint. The server stops when the test ends.
func (s *Server) Start(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("hostile: listen: %v", err)
	}
	s.ln = ln
	s.conns = map[net.Conn]struct{}{}
	s.injects = make(chan Fault, 1)
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.srv = &http.Server{Handler: http.HandlerFunc(s.serve), ReadHeaderTimeout: 5 * time.Second}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		_ = s.srv.Serve(ln)
	}()
	t.Cleanup(s.Close)
	return "ws://" + ln.Addr().String() + "/v1/realtime"
}

// Injected receives the fault once it was applied.
func (s *Server) Injected() <-chan Fault { return s.injects }

// Close stops the server and every connection and waits for its goroutines.
func (s *Server) Close() {
	s.cancel()
	_ = s.srv.Close()
	s.mu.Lock()
	for c := range s.conns {
		_ = c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *Server) track(c net.Conn, add bool) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if add {
		s.conns[c] = struct{}{}
		s.nconn++
		return s.nconn
	}
	delete(s.conns, c)
	return s.nconn
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		http.Error(w, "want a WebSocket upgrade", http.StatusBadRequest)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "no hijacking", http.StatusInternalServerError)
		return
	}
	conn, brw, err := hj.Hijack()
	if err != nil {
		return
	}
	s.wg.Add(1)
	defer s.wg.Done()
	n := s.track(conn, true)
	defer func() { s.track(conn, false); _ = conn.Close() }()
	sum := sha1.Sum([]byte(r.Header.Get("Sec-WebSocket-Key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
		base64.StdEncoding.EncodeToString(sum[:]) + "\r\n\r\n")
	if brw.Flush() != nil {
		return
	}
	c := &peer{conn: conn, br: brw.Reader}
	if s.Upstream == "" {
		s.play(c)
		return
	}
	fault := None
	if n == 1 {
		fault = s.Fault
	}
	echo := ""
	if s.EchoHeader != "" {
		echo = r.Header.Get(s.EchoHeader)
	}
	s.relay(c, r, fault, echo)
}

// play sends Frames, drains the client, then closes with 1000.
func (s *Server) play(c *peer) {
	done := make(chan struct{})
	go func() { // the reader: answers pings, drops everything else
		defer close(done)
		for {
			op, p, err := c.read()
			if err != nil {
				return
			}
			switch op {
			case opPing:
				_ = c.write(opPong, p)
			case opClose:
				_ = c.write(opClose, p)
				return
			}
		}
	}()
	for _, f := range s.Frames {
		if c.write(opText, f) != nil {
			break
		}
	}
	switch s.Fault {
	case Abrupt:
		_ = c.conn.Close()
	case Close1001, Close1006, Close1011:
		code := map[Fault]uint16{Close1001: 1001, Close1006: 1006, Close1011: 1011}[s.Fault]
		_ = c.write(opClose, closePayload(code, "hostile "+string(s.Fault)))
	default:
		_ = c.write(opClose, closePayload(1000, "done"))
	}
	select {
	case <-done:
	case <-time.After(2 * time.Second):
	case <-s.ctx.Done():
	}
	_ = c.conn.Close()
	<-done
}

// relay connects to the upstream and copies frames both ways, injecting fault.
func (s *Server) relay(c *peer, r *http.Request, fault Fault, echo string) {
	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	u := s.Upstream
	if r.URL.RawQuery != "" {
		u += "?" + r.URL.RawQuery
	}
	up, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer hostile-relay"}}})
	if err != nil {
		_ = c.write(opClose, closePayload(1011, "upstream unavailable"))
		return
	}
	up.SetReadLimit(64 << 20)
	defer up.CloseNow()

	var stopReading, stalled atomicFlag
	var lastClientEvent atomicString
	clientDone := make(chan struct{})
	go func() { // client → upstream
		defer close(clientDone)
		defer cancel()
		for {
			if stopReading.get() {
				<-ctx.Done()
				return
			}
			op, p, err := c.read()
			if err != nil {
				return
			}
			switch op {
			case opText, opBinary:
				var ev struct {
					EventID string `json:"event_id"`
				}
				if json.Unmarshal(p, &ev) == nil && ev.EventID != "" {
					lastClientEvent.set(ev.EventID)
				}
				if stalled.get() {
					continue
				}
				if up.Write(ctx, websocket.MessageText, p) != nil {
					return
				}
			case opPing:
				if !stalled.get() {
					_ = c.write(opPong, p)
				}
			case opClose:
				_ = c.write(opClose, p)
				return
			}
		}
	}()
	defer func() { cancel(); _ = c.conn.Close(); <-clientDone }()

	n := 0
	var held []byte
	for {
		_, p, err := up.Read(ctx)
		if err != nil {
			return
		}
		if echo != "" {
			p = bytes.ReplaceAll(p, []byte(EchoPlaceholder), []byte(echo))
		}
		n++
		if held != nil { // OutOfOrder: the later event first, then the held one
			if c.write(opText, p) != nil || c.write(opText, held) != nil {
				return
			}
			held = nil
			continue
		}
		if fault == None || n != s.At {
			if c.write(opText, p) != nil {
				return
			}
			continue
		}
		if s.OnFault != nil {
			s.OnFault()
		}
		f := fault
		fault = None
		select {
		case s.injects <- f:
		default:
		}
		switch f {
		case Abrupt:
			return
		case Close1000, Close1001, Close1006, Close1011:
			_ = c.write(opText, p)
			code := map[Fault]uint16{Close1000: 1000, Close1001: 1001, Close1006: 1006, Close1011: 1011}[f]
			_ = c.write(opClose, closePayload(code, "hostile "+string(f)))
			select { // the client answers the close; then the TCP connection ends
			case <-clientDone:
			case <-time.After(2 * time.Second):
			case <-ctx.Done():
			}
			return
		case Stall:
			stalled.set()
			<-ctx.Done()
			return
		case StopReading:
			stopReading.set()
			err = c.write(opText, p)
		case Malformed:
			if err = c.write(opText, p); err == nil {
				err = c.write(opText, []byte(`{"type":"response.output_text.delta","delta":`))
			}
		case Oversized:
			big := append([]byte(`{"type":"response.output_text.delta","event_id":"evt_big","delta":"`), bytes.Repeat([]byte("A"), OversizedBytes)...)
			big = append(big, `"}`...)
			if err = c.write(opText, big); err == nil {
				err = c.write(opText, p)
			}
		case OutOfOrder:
			held = p
		case Duplicate:
			if err = c.write(opText, p); err == nil {
				err = c.write(opText, p)
			}
		case Unknown:
			if err = c.write(opText, []byte(`{"type":"hostile.unknown_event","event_id":"evt_hostile_unknown","payload":{"x":[1,2,3]}}`)); err == nil {
				err = c.write(opText, p)
			}
		case ClientError:
			if err = c.write(opText, p); err == nil {
				e, _ := json.Marshal(map[string]any{"type": "error", "event_id": "evt_hostile_error", "error": map[string]any{
					"type": "invalid_request_error", "code": "invalid_value", "message": "Hostile server: your last event was rejected.",
					"param": nil, "event_id": lastClientEvent.get()}})
				err = c.write(opText, e)
			}
		default:
			err = c.write(opText, p)
		}
		if err != nil {
			return
		}
	}
}

// peer is the client side of a hijacked connection: frames are read masked and
// written unmasked (RFC 6455 §5).
type peer struct {
	conn net.Conn
	br   *bufio.Reader
	wmu  sync.Mutex
}

const (
	opCont   = 0x0
	opText   = 0x1
	opBinary = 0x2
	opClose  = 0x8
	opPing   = 0x9
	opPong   = 0xA
)

// maxClientFrame bounds what the server accepts from the client.
const maxClientFrame = 16 << 20

func (c *peer) read() (byte, []byte, error) {
	var msg []byte
	var msgOp byte
	for {
		var h [2]byte
		if _, err := io.ReadFull(c.br, h[:]); err != nil {
			return 0, nil, err
		}
		fin, op := h[0]&0x80 != 0, h[0]&0x0F
		n := uint64(h[1] & 0x7F)
		switch n {
		case 126:
			var b [2]byte
			if _, err := io.ReadFull(c.br, b[:]); err != nil {
				return 0, nil, err
			}
			n = uint64(binary.BigEndian.Uint16(b[:]))
		case 127:
			var b [8]byte
			if _, err := io.ReadFull(c.br, b[:]); err != nil {
				return 0, nil, err
			}
			n = binary.BigEndian.Uint64(b[:])
		}
		if n > maxClientFrame {
			return 0, nil, errors.New("hostile: client frame too large")
		}
		var mask [4]byte
		if h[1]&0x80 != 0 {
			if _, err := io.ReadFull(c.br, mask[:]); err != nil {
				return 0, nil, err
			}
		}
		p := make([]byte, n)
		if _, err := io.ReadFull(c.br, p); err != nil {
			return 0, nil, err
		}
		for i := range p {
			p[i] ^= mask[i%4]
		}
		if op >= opClose { // control frames are never fragmented
			return op, p, nil
		}
		if op != opCont {
			msgOp = op
		}
		msg = append(msg, p...)
		if fin {
			return msgOp, msg, nil
		}
	}
}

func (c *peer) write(op byte, p []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	h := make([]byte, 0, 10)
	h = append(h, 0x80|op)
	switch n := len(p); {
	case n < 126:
		h = append(h, byte(n))
	case n <= 0xFFFF:
		h = append(h, 126, byte(n>>8), byte(n))
	default:
		h = append(h, 127)
		h = binary.BigEndian.AppendUint64(h, uint64(n))
	}
	_ = c.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.conn.Write(h); err != nil {
		return err
	}
	_, err := c.conn.Write(p)
	return err
}

func closePayload(code uint16, reason string) []byte {
	return append(binary.BigEndian.AppendUint16(nil, code), reason...)
}

type atomicFlag struct {
	mu sync.Mutex
	v  bool
}

func (f *atomicFlag) set() { f.mu.Lock(); f.v = true; f.mu.Unlock() }
func (f *atomicFlag) get() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.v
}

type atomicString struct {
	mu sync.Mutex
	v  string
}

func (s *atomicString) set(v string) { s.mu.Lock(); s.v = v; s.mu.Unlock() }
func (s *atomicString) get() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.v
}
