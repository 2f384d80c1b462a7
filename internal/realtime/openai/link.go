package openai

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/rtagent/rtagent/internal/fifo"
	"github.com/rtagent/rtagent/internal/realtime"
)

// closeGrace bounds how long Close waits for a peer that does not read or answer
// the close handshake: Ctrl-C never takes longer (issue: survive the network).
const closeGrace = 500 * time.Millisecond

// link is one WebSocket connection and its goroutines: exactly one reader, one
// writer (R1.13) and the keepalive. A Model has one link at a time; a reconnection
// replaces it.
type link struct {
	poke       chan struct{} // wakes the keepalive when an answer becomes due
	conn       *websocket.Conn
	ctx        context.Context // cancelled at teardown
	cancel     context.CancelFunc
	out        *fifo.Queue[[]byte] // Send/reader → writer; unbounded, ordered
	readerDone chan struct{}
	writerDone chan struct{}
	aliveDone  chan struct{}
	lastRead   atomic.Int64 // unix nanoseconds of the last frame read
	writeErr   atomic.Pointer[error]
	dead       atomic.Pointer[string] // why the keepalive gave up on the connection
	planned    atomic.Bool            // closed by a Reconnect command (a recycle)
	// closing is set once a close handshake was started: CloseNow would then wait
	// for it (coder/websocket), so teardown leaves the connection to it.
	closing atomic.Bool
	born    time.Time
	// stream is the connection's byte stream (abort.go); readCtx is the reader's
	// context: never cancelled when stream is known (abort closes stream then), ctx
	// otherwise.
	stream  *abortableStream
	readCtx context.Context
}

func newLink(conn *websocket.Conn, stream *abortableStream) *link {
	l := &link{conn: conn, out: fifo.New[[]byte](), poke: make(chan struct{}, 1),
		readerDone: make(chan struct{}), writerDone: make(chan struct{}), aliveDone: make(chan struct{})}
	l.ctx, l.cancel = context.WithCancel(context.Background())
	l.stream, l.readCtx = stream, l.ctx
	if stream != nil {
		l.readCtx = context.Background()
	}
	l.born = time.Now()
	l.lastRead.Store(l.born.UnixNano())
	return l
}

// run starts the link's goroutines. When the reader ends, linkEnded decides what
// follows (another connection, or the end of the Model).
func (m *Model) run(l *link) {
	go m.writeLoop(l)
	go m.keepalive(l)
	go m.readLoop(l)
}

func (m *Model) writeLoop(l *link) {
	defer close(l.writerDone)
	for {
		frame, ok := l.out.Pop()
		if !ok {
			return
		}
		if l.ctx.Err() != nil {
			continue // transport gone: drop
		}
		m.tr.add("client", frame) // before the write, so it precedes any answer in the trace
		wctx, cancel := context.WithTimeout(l.ctx, m.cfg.WriteTimeout)
		err := l.conn.Write(wctx, websocket.MessageText, frame)
		cancel()
		if err != nil {
			if l.ctx.Err() == nil {
				l.writeErr.CompareAndSwap(nil, &err)
				m.cfg.Logger.Warn("realtime write failed; closing", "err", m.scrubErr(err))
			}
			_ = l.conn.CloseNow() // a failed write marks the connection broken (R1.10)
		}
	}
}

func (m *Model) readLoop(l *link) {
	defer close(l.readerDone)
	// buf is reused from frame to frame while nothing keeps a frame: audio deltas
	// are decoded into their own buffers and traced elided (a copy); the trace of
	// other frames and raw events keep theirs.
	var buf bytes.Buffer
	for {
		typ, data, err := m.readFrame(l, &buf)
		if err != nil {
			m.linkEnded(l, err)
			return
		}
		l.lastRead.Store(time.Now().UnixNano())
		kept := m.tr.add("server", data)
		if typ != websocket.MessageText {
			m.evq.Push(realtime.Error{Source: "engine", Code: "unexpected_binary_frame",
				Message: "server sent a binary frame (" + strconv.Itoa(len(data)) + " bytes); ignored"})
		} else if m.handleFrame(data) {
			kept = true
		}
		if kept {
			buf = bytes.Buffer{} // data is referenced now: the next frame gets a new buffer
		}
	}
}

// readFrame reads one message into buf (reset first), like Conn.Read without its
// allocation per message.
func (m *Model) readFrame(l *link, buf *bytes.Buffer) (websocket.MessageType, []byte, error) {
	typ, r, err := l.conn.Reader(l.readCtx)
	if err != nil {
		return 0, nil, err
	}
	buf.Reset()
	if _, err := buf.ReadFrom(r); err != nil {
		return 0, nil, err
	}
	return typ, buf.Bytes(), nil
}

// keepalive detects a dead connection (issue: survive the network): a ping every
// PingInterval that must be answered within PongTimeout, and, while a response is
// active or wanted, nothing read for StallTimeout. Either one closes the
// connection, which the reader reports as an unplanned loss. It sleeps on one
// timer; while nothing is expected it wakes only to ping.
func (m *Model) keepalive(l *link) {
	defer close(l.aliveDone)
	ping, pong, stall := m.cfg.PingInterval, m.cfg.PongTimeout, m.cfg.StallTimeout
	if ping <= 0 && stall <= 0 {
		return
	}
	const stallCheck = time.Second
	nextPing := time.Now().Add(ping)
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for {
		wait := time.Until(nextPing)
		if ping <= 0 {
			wait = time.Hour
		}
		if stall > 0 && m.expecting() {
			wait = min(wait, stallCheck)
		}
		t.Reset(max(wait, time.Millisecond))
		select {
		case <-l.ctx.Done():
			return
		case <-l.poke:
			continue // an answer became due: recompute the wait
		case <-t.C:
		}
		now := time.Now()
		if stall > 0 && m.expecting() {
			if idle := now.Sub(time.Unix(0, l.lastRead.Load())); idle >= stall {
				l.kill("the server sent nothing for " + idle.Round(time.Second).String() + " while an answer was due")
				return
			}
		}
		if ping > 0 && !now.Before(nextPing) {
			nextPing = now.Add(ping)
			pctx, cancel := context.WithTimeout(l.ctx, pong)
			err := l.conn.Ping(pctx)
			cancel()
			if err != nil && l.ctx.Err() == nil {
				if errors.Is(err, context.DeadlineExceeded) {
					l.kill("no answer to a ping within " + pong.String())
				}
				return
			}
		}
	}
}

// expecting reports whether the server owes the client something: a response is
// active or wanted (its triggers are pending).
func (m *Model) expecting() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.st.seq != nil && (m.st.seq.ResponseID() != "" || m.st.seq.Pending() > 0)
}

// expect tells the keepalive that an answer became due.
func (l *link) expect() {
	if l == nil {
		return
	}
	select {
	case l.poke <- struct{}{}:
	default:
	}
}

// abort drops the connection at once, even while a close handshake runs: a reader
// blocked on a silent peer returns.
func (l *link) abort() {
	l.cancel()
	if l.stream != nil {
		_ = l.stream.Close()
	}
}

// kill ends a connection the keepalive found dead.
func (l *link) kill(why string) {
	l.dead.CompareAndSwap(nil, &why)
	_ = l.conn.CloseNow()
}

// closeGracefully writes what is queued, sends a 1000 close and waits at most grace
// for the peer's answer; a peer that does not answer in time is dropped (abort),
// so Ctrl-C never waits for a server that stopped reading.
func (l *link) closeGracefully(grace time.Duration) {
	l.closing.Store(true) // before the reader can end: teardown must not CloseNow
	l.out.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		<-l.writerDone
		_ = l.conn.Close(websocket.StatusNormalClosure, "")
	}()
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		l.abort()
	}
	<-l.readerDone
	// The close handshake normally ends with the reader; if it had taken the read
	// side itself it waits for the peer up to the library's own 5 s bound. It ends
	// by itself then; Close does not wait for it.
	select {
	case <-done:
	case <-time.After(grace / 5):
	}
}

// teardown stops the link's goroutines after its reader ended.
func (l *link) teardown() {
	l.cancel()
	l.out.Close()
	<-l.writerDone
	if !l.closing.Load() {
		_ = l.conn.CloseNow()
	}
	<-l.aliveDone
}
