package sim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

const (
	readLimit    = 32 << 20 // R1.8: retrieve and append frames can be large
	writeTimeout = 5 * time.Second
	pingTimeout  = 10 * time.Second
	// outQueue bounds the frames waiting for the writer. Producers block when it
	// is full (every server event is a fact the client must get, in order).
	outQueue = 256
)

var errConnClosed = errors.New("sim: connection closed")

// outFrame is one queued text frame, or a close request.
type outFrame struct {
	data   []byte
	drop   bool // end the TCP connection with no close frame
	close  bool
	code   websocket.StatusCode
	reason string
}

// conn is one simulated session. Goroutines: the reader (the ServeHTTP goroutine,
// which also runs every client-event handler), the writer, the keepalive (pings and
// the max-duration timer) and at most one response generator at a time (a finishing
// one may overlap the next by its last events). All are joined in serve.
type conn struct {
	s    *Server
	opts Options
	// faults are this connection's faults: Options.Faults when they apply to it,
	// with a random point resolved (see Faults.RandomSeed).
	faults  Faults
	stalled atomic.Bool // StallAfterEvents reached: nothing more is sent
	deaf    atomic.Bool // StopReadingAfterEvents reached: nothing more is read
	ws      *websocket.Conn
	log     *slog.Logger
	req     *http.Request
	seq     int

	ctx    context.Context
	cancel context.CancelFunc
	out    chan outFrame
	wg     sync.WaitGroup

	sendMu   sync.Mutex // orders event ids, fault counting and enqueueing
	eventSeq int
	sent     int
	closing  bool

	// mu guards the session state below. Lock order: mu before sendMu.
	mu            sync.Mutex
	itemSeq       int
	respSeq       int
	callSeq       int
	sess          *sessionState
	conv          conversation
	active        *response
	input         inputState
	audioProduced bool
	tokensUsed    int
}

func newConn(s *Server, ws *websocket.Conn, r *http.Request, seq int) *conn {
	ctx, cancel := context.WithCancel(context.Background())
	c := &conn{s: s, opts: s.opts, ws: ws, req: r, seq: seq, ctx: ctx, cancel: cancel,
		out: make(chan outFrame, outQueue)}
	c.log = s.opts.Logger.With("conn", seq)
	c.faults = connFaults(s.opts.Faults, seq)
	ws.SetReadLimit(readLimit)
	return c
}

// connFaults resolves the faults of connection number seq.
func connFaults(f Faults, seq int) Faults {
	if !f.active(seq) {
		return Faults{CloseCode: f.CloseCode, Error: f.Error}
	}
	if f.RandomSeed != 0 {
		rng := rand.New(rand.NewPCG(uint64(f.RandomSeed), uint64(seq)))
		at := f.RandomMin + rng.IntN(f.RandomMax-f.RandomMin+1)
		switch f.RandomFault {
		case FaultClose:
			f.CloseAfterEvents = at
		case FaultStall:
			f.StallAfterEvents = at
		case FaultStopReading:
			f.StopReadingAfterEvents = at
		default:
			f.DropAfterEvents = at
		}
	}
	return f
}

func (c *conn) serve() {
	c.wg.Add(2)
	go c.writer()
	go c.keepalive()

	if e, code := c.handshakeError(); e != nil {
		c.sendError(e, "")
		c.closeWith(code, e.typ+"."+e.code)
	} else {
		model := c.req.URL.Query().Get("model")
		expires := c.opts.Clock().Add(c.opts.MaxDuration).Unix()
		c.mu.Lock()
		c.sess = newSessionState(fmt.Sprintf("sess_sim_%04d", c.seq), model, expires)
		c.send(&sessionEvent{header: hdr("session.created"), Session: c.sess.snapshot()})
		c.mu.Unlock()
	}

	for {
		if c.deaf.Load() { // StopReadingAfterEvents: leave the client's frames unread
			<-c.ctx.Done()
			break
		}
		typ, data, err := c.ws.Read(context.Background())
		if err != nil {
			c.log.Debug("sim: read ended", "err", err)
			break
		}
		if c.ctx.Err() != nil {
			continue // shutting down: drain until the close handshake ends
		}
		c.handleFrame(typ, data)
	}
	c.cancel()
	c.wg.Wait()
}

// handshakeError checks the upgrade request (Appendix A.1).
func (c *conn) handshakeError() (*apiError, websocket.StatusCode) {
	h := c.req.Header
	auth := strings.TrimSpace(h.Get("Authorization"))
	bearer := ""
	if len(auth) > 7 && strings.EqualFold(auth[:7], "bearer ") {
		bearer = strings.TrimSpace(auth[7:])
	}
	if bearer == "" && strings.TrimSpace(h.Get("api-key")) == "" {
		return invalidRequest("invalid_api_key", "",
			"You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."), 3000
	}
	if h.Get("OpenAI-Beta") != "" {
		return invalidRequest("beta_api_shape_disabled", "",
			"The Realtime Beta API is no longer supported. Please use the GA API shape (remove the 'OpenAI-Beta: realtime=v1' header)."), 4000
	}
	if c.req.URL.Query().Get("model") == "" {
		return invalidRequest("missing_model", "model", "Missing required parameter: 'model'."), 4000
	}
	return nil, 0
}

// send assigns the next event id, encodes ev and queues it, then applies the
// event-count faults. It fails only when the connection is closing.
func (c *conn) send(ev serverEvent) error {
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	if c.closing {
		return errConnClosed
	}
	if err := c.enqueue(ev); err != nil {
		return err
	}
	c.sent++
	f := c.faults
	if f.ErrorAfterEvents == c.sent {
		code := (*string)(nil)
		if f.Error.Code != "" {
			code = &f.Error.Code
		}
		_ = c.enqueue(&errorEvent{header: hdr("error"), Error: errorBody{Type: f.Error.Type, Code: code, Message: f.Error.Message}})
	}
	if f.MalformedAfterEvents == c.sent {
		_ = c.enqueueFrame(outFrame{data: []byte(`{"type":"response.output_text.delta","event_id":`)})
	}
	if f.CloseAfterEvents == c.sent {
		c.closing = true
		_ = c.enqueueFrame(outFrame{close: true, code: websocket.StatusCode(f.CloseCode), reason: f.CloseReason})
	}
	if f.DropAfterEvents == c.sent {
		c.closing = true
		_ = c.enqueueFrame(outFrame{drop: true})
	}
	if f.StallAfterEvents == c.sent {
		c.log.Debug("sim: fault: stalling", "after_events", c.sent)
		c.stalled.Store(true)
	}
	if f.StopReadingAfterEvents == c.sent {
		c.log.Debug("sim: fault: no longer reading", "after_events", c.sent)
		c.deaf.Store(true)
	}
	return nil
}

// enqueue is send without fault accounting; sendMu must be held.
func (c *conn) enqueue(ev serverEvent) error {
	c.eventSeq++
	ev.setEventID(fmt.Sprintf("event_%04d", c.eventSeq))
	data, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("sim: encode event: %w", err)
	}
	return c.enqueueFrame(outFrame{data: data})
}

func (c *conn) enqueueFrame(f outFrame) error {
	if c.stalled.Load() && !f.close && !f.drop {
		return nil // StallAfterEvents: the server went silent
	}
	select {
	case c.out <- f:
		return nil
	case <-c.ctx.Done():
		return errConnClosed
	}
}

// closeWith queues a close frame after everything already queued.
func (c *conn) closeWith(code websocket.StatusCode, reason string) {
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	if c.closing {
		return
	}
	c.closing = true
	_ = c.enqueueFrame(outFrame{close: true, code: code, reason: reason})
}

func (c *conn) writer() {
	defer c.wg.Done()
	defer c.ws.CloseNow()
	for {
		select {
		case <-c.ctx.Done():
			if err := c.ws.Close(websocket.StatusGoingAway, "server shutting down"); err != nil {
				c.log.Debug("sim: close handshake", "err", err)
			}
			return
		case f := <-c.out:
			if d := c.faults.Delay; d > 0 {
				t := time.NewTimer(d)
				select {
				case <-t.C:
				case <-c.ctx.Done():
					t.Stop()
					c.ws.Close(websocket.StatusGoingAway, "server shutting down")
					return
				}
			}
			if f.drop {
				c.log.Debug("sim: fault: dropping the connection")
				c.cancel()
				return // the deferred CloseNow ends TCP with no close frame
			}
			if f.close {
				if err := c.ws.Close(f.code, f.reason); err != nil {
					c.log.Debug("sim: close handshake", "err", err)
				}
				c.cancel()
				return
			}
			// Not derived from c.ctx: coder/websocket closes the socket when a
			// write's context ends, even just after the write, and shutdown must
			// still send a close frame.
			ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
			err := c.ws.Write(ctx, websocket.MessageText, f.data)
			cancel()
			if err != nil {
				c.log.Debug("sim: write failed", "err", err)
				c.cancel()
				return
			}
		}
	}
}

// keepalive pings every PingInterval ([R1.9]) and closes the session with 1001
// at MaxDuration.
func (c *conn) keepalive() {
	defer c.wg.Done()
	ping := time.NewTicker(c.opts.PingInterval)
	defer ping.Stop()
	maxDur := time.NewTimer(c.opts.MaxDuration)
	defer maxDur.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-maxDur.C:
			c.closeWith(websocket.StatusGoingAway, maxDurationReason(c.opts.MaxDuration))
		case <-ping.C:
			if c.stalled.Load() {
				continue
			}
			ctx, cancel := context.WithTimeout(context.Background(), pingTimeout) // see writer
			if err := c.ws.Ping(ctx); err != nil {
				c.log.Debug("sim: ping failed", "err", err)
			}
			cancel()
		}
	}
}

func maxDurationReason(d time.Duration) string {
	if d%time.Minute == 0 {
		return fmt.Sprintf("Your session hit the maximum duration of %d minutes.", int(d/time.Minute))
	}
	return fmt.Sprintf("Your session hit the maximum duration of %s.", d)
}

// sendError sends an error event; eventID echoes the client's event_id ("" = null).
func (c *conn) sendError(e *apiError, eventID string) {
	body := errorBody{Type: e.typ, Message: e.message}
	if e.code != "" {
		code := e.code
		body.Code = &code
	}
	if e.param != "" {
		param := e.param
		body.Param = &param
	}
	if eventID != "" {
		body.EventID = &eventID
	}
	_ = c.send(&errorEvent{header: hdr("error"), Error: body})
}

// Per-connection deterministic ids; c.mu must be held.
// Like the service's, ids are unique across the connections of a server: from the
// second connection on they carry its number (a reconnecting client must never see
// an id twice).
func (c *conn) newItemID() string { c.itemSeq++; return c.id("item", c.itemSeq) }
func (c *conn) newRespID() string { c.respSeq++; return c.id("resp", c.respSeq) }
func (c *conn) newCallID() string { c.callSeq++; return c.id("call", c.callSeq) }

func (c *conn) id(kind string, n int) string {
	if c.seq <= 1 {
		return fmt.Sprintf("%s_sim_%04d", kind, n)
	}
	return fmt.Sprintf("%s_sim_%d_%04d", kind, c.seq, n)
}

// obfuscation imitates the undocumented padding field on deltas, deterministically.
func obfuscation(delta string) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	n := 16 - len(delta)
	if n < 2 {
		n = 2
	}
	h := fnv.New64a()
	h.Write([]byte(delta))
	x := h.Sum64()
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[x%uint64(len(alphabet))]
		x = x*6364136223846793005 + 1442695040888963407
	}
	return string(b)
}
