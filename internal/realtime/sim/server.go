package sim

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// Path is where the simulator serves the Realtime WebSocket.
const Path = "/v1/realtime"

// Server is the offline Realtime simulator. It is an http.Handler for Path; Start
// also listens and serves it. Every accepted WebSocket is an independent session
// with its own conversation and deterministic id counters.
type Server struct {
	opts Options

	mu      sync.Mutex
	closed  bool
	conns   map[*conn]struct{}
	connSeq int
	httpSrv *http.Server
	url     string

	handlers sync.WaitGroup // ServeHTTP calls that accepted a connection
	serving  sync.WaitGroup // the http.Server started by Start
}

// New returns a simulator with the given options (see Options for the zero value).
func New(opts Options) *Server {
	return &Server{opts: opts.withDefaults(), conns: make(map[*conn]struct{})}
}

// ServeHTTP upgrades requests for Path to a simulated Realtime session and blocks
// until that session ends.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != Path {
		http.NotFound(w, r)
		return
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		http.Error(w, "simulator closed", http.StatusServiceUnavailable)
		return
	}
	s.handlers.Add(1)
	s.connSeq++
	seq := s.connSeq
	s.mu.Unlock()
	defer s.handlers.Done()

	ws, err := websocket.Accept(w, r, nil)
	if err != nil {
		s.opts.Logger.Debug("sim: websocket accept failed", "err", err)
		return
	}
	c := newConn(s, ws, r, seq)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ws.Close(websocket.StatusGoingAway, "server shutting down")
		return
	}
	s.conns[c] = struct{}{}
	s.mu.Unlock()

	c.serve()

	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// Start listens on addr ("127.0.0.1:0" picks a free port) and serves the simulator
// in the background until Close. It returns the WebSocket URL, e.g.
// ws://127.0.0.1:41234/v1/realtime.
func (s *Server) Start(addr string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return "", errors.New("sim: server closed")
	}
	if s.httpSrv != nil {
		return "", errors.New("sim: server already started")
	}
	// Plain TCP: net.Listen would probe for and open a Multipath TCP socket
	// (0.2 ms of every start), of no use on loopback.
	var lc net.ListenConfig
	lc.SetMultipathTCP(false)
	ln, err := lc.Listen(context.Background(), "tcp", addr)
	if err != nil {
		return "", err
	}
	mux := http.NewServeMux()
	mux.Handle(Path, s)
	s.httpSrv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	s.url = "ws://" + ln.Addr().String() + Path
	srv := s.httpSrv
	s.serving.Add(1)
	go func() {
		defer s.serving.Done()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.opts.Logger.Error("sim: serve", "err", err)
		}
	}()
	return s.url, nil
}

// URL returns the WebSocket URL after Start, or "".
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.url
}

// Close stops listening, closes every connection (1001 "server shutting down") and
// waits for all of the simulator's goroutines to end. It is safe to call twice.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	srv := s.httpSrv
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()

	// Sessions first: they close with a proper close frame. New upgrades are
	// refused (closed is set), so the listener can go last.
	for _, c := range conns {
		c.cancel()
	}
	s.handlers.Wait()
	var err error
	if srv != nil {
		err = srv.Close()
	}
	s.serving.Wait()
	return err
}
