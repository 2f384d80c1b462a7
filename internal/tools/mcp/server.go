package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/rtagent/rtagent/internal/envref"
)

// State is where a server is in its life.
type State string

// Server states.
const (
	StateStarting   State = "starting"
	StateReady      State = "ready"
	StateRestarting State = "restarting" // down, a restart is scheduled
	StateFailed     State = "failed"     // gave up after Options.MaxAttempts failures
	StateStopped    State = "stopped"
)

// RemoteTool is one tool as the server lists it.
type RemoteTool struct {
	Name, Description string
	InputSchema       json.RawMessage
	ReadOnly          bool // the server's readOnlyHint
}

// server supervises one MCP server.
type server struct {
	cfg  ServerConfig
	opts *Options
	log  *slog.Logger
	m    *Manager

	relist chan struct{} // tools/list_changed arrived; buffered 1, coalescing

	mu       sync.Mutex
	state    State
	err      error // why the server is not ready (nil when ready)
	sess     *mcp.ClientSession
	proc     *stdioProc // stdio servers, while running
	tools    []RemoteTool
	skipped  []string // tools left out: invalid schema
	restarts int
	secrets  []string
}

// run is the supervisor: start, serve, restart with backoff, until ctx is done.
// started is closed after the first start attempt.
func (s *server) run(ctx context.Context, started chan<- struct{}) {
	defer s.setStopped()
	failures := 0
	first := true
	for {
		sess, err := s.start(ctx)
		if first {
			close(started)
			first = false
		}
		if ctx.Err() != nil {
			if sess != nil {
				sess.Close()
			}
			return
		}
		if err == nil {
			up := time.Now()
			err = s.serve(ctx, sess)
			if ctx.Err() != nil {
				return
			}
			if time.Since(up) >= stableAfter {
				failures = 0
			}
		}
		failures++
		if failures >= s.opts.MaxAttempts {
			s.setDown(StateFailed, fmt.Errorf("%w (gave up after %d attempts)", err, failures))
			return
		}
		s.setDown(StateRestarting, err)
		wait := s.opts.Backoff(failures)
		s.log.Warn("mcp server down, restarting", "error", err.Error(), "in", wait.String(), "attempt", failures)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		s.mu.Lock()
		s.restarts++
		s.mu.Unlock()
	}
}

// start launches the server, initializes the session and lists the tools, all
// within the start timeout.
func (s *server) start(ctx context.Context) (*mcp.ClientSession, error) {
	timeout := s.cfg.StartTimeout
	if timeout <= 0 {
		timeout = DefaultStartTimeout
	}
	sctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	client := mcp.NewClient(&mcp.Implementation{Name: "rtagent", Version: "1"}, &mcp.ClientOptions{
		Logger: s.log,
		ToolListChangedHandler: func(context.Context, *mcp.ToolListChangedRequest) {
			select {
			case s.relist <- struct{}{}:
			default:
			}
		},
	})
	var t mcp.Transport
	var p *stdioProc
	var secrets []string
	if s.cfg.kind() == "stdio" {
		var err error
		p, err = startStdio(s.cfg, s.opts.BaseEnv, s.log)
		if err != nil {
			return nil, startError(s.cfg.Command[0], err)
		}
		t = p.transport()
	} else {
		h, sec, err := envref.Header(s.cfg.Headers, nil)
		if err != nil {
			return nil, err
		}
		secrets = sec
		t = &mcp.StreamableClientTransport{
			Endpoint:   s.cfg.URL,
			HTTPClient: &http.Client{Transport: &headerTransport{base: http.DefaultTransport, header: h}},
			MaxRetries: 1,
		}
	}
	s.mu.Lock()
	s.secrets = secrets
	s.mu.Unlock()

	sess, err := client.Connect(sctx, t, nil)
	if err != nil {
		if p != nil {
			p.kill()
			p.Close()
		}
		return nil, s.describe(sctx, p, "initialize", err)
	}
	tools, skipped, err := s.list(sctx, sess)
	if err != nil {
		sess.Close()
		return nil, s.describe(sctx, p, "tools/list", err)
	}
	s.mu.Lock()
	changed := !sameTools(s.tools, tools)
	s.state, s.err, s.sess, s.proc, s.tools, s.skipped = StateReady, nil, sess, p, tools, skipped
	s.mu.Unlock()
	s.log.Info("mcp server ready", "tools", len(tools), "skipped", len(skipped))
	s.notify(StateReady, nil)
	if changed {
		s.m.signalChanged()
	}
	return sess, nil
}

// describe turns a start failure into a message that says what went wrong.
func (s *server) describe(ctx context.Context, p *stdioProc, step string, err error) error {
	if p != nil {
		p.waitExit(StopGrace)
		if st := p.exitStatus(); st != "" && ctx.Err() == nil {
			return fmt.Errorf("server process ended during %s: %s", step, st)
		}
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		timeout := s.cfg.StartTimeout
		if timeout <= 0 {
			timeout = DefaultStartTimeout
		}
		return fmt.Errorf("no answer to %s within %s", step, timeout)
	}
	s.mu.Lock()
	secrets := s.secrets
	s.mu.Unlock()
	return fmt.Errorf("%s failed: %s", step, redact(err.Error(), secrets))
}

// list fetches every page of tools/list. Tools whose input schema is unusable are
// left out and named in skipped.
func (s *server) list(ctx context.Context, sess *mcp.ClientSession) ([]RemoteTool, []string, error) {
	var out []RemoteTool
	var skipped []string
	for t, err := range sess.Tools(ctx, nil) {
		if err != nil {
			return nil, nil, err
		}
		rt, err := remoteTool(t)
		if err != nil {
			skipped = append(skipped, t.Name+": "+err.Error())
			s.log.Warn("mcp tool left out", "tool", t.Name, "error", err.Error())
			continue
		}
		out = append(out, rt)
	}
	return out, skipped, nil
}

// serve waits until the session ends (crash, close) or ctx is done, re-listing the
// tools on list_changed. It returns why the session ended.
func (s *server) serve(ctx context.Context, sess *mcp.ClientSession) error {
	ended := make(chan error, 1)
	go func() { ended <- sess.Wait() }()
	for {
		select {
		case <-ctx.Done():
			sess.Close()
			<-ended
			return ctx.Err()
		case err := <-ended:
			sess.Close() // also ends the SDK's subscription goroutine
			return s.lost(err)
		case <-s.relist:
			lctx, cancel := context.WithTimeout(ctx, PingTimeout)
			tools, skipped, err := s.list(lctx, sess)
			cancel()
			if err != nil {
				s.log.Warn("mcp tools/list after list_changed failed", "error", err.Error())
				continue
			}
			s.mu.Lock()
			changed := !sameTools(s.tools, tools)
			s.tools, s.skipped = tools, skipped
			s.mu.Unlock()
			if changed {
				s.log.Info("mcp tools changed", "tools", len(tools))
				s.m.signalChanged()
			}
		}
	}
}

// lost says why a session ended.
func (s *server) lost(err error) error {
	s.mu.Lock()
	p := s.proc
	s.mu.Unlock()
	if p != nil {
		p.Close()
		if st := p.exitStatus(); st != "" {
			return fmt.Errorf("server process ended: %s", st)
		}
	}
	if err == nil || errors.Is(err, mcp.ErrConnectionClosed) {
		return errors.New("connection closed")
	}
	return fmt.Errorf("connection lost: %w", err)
}

func (s *server) setDown(st State, err error) {
	s.mu.Lock()
	s.state, s.err, s.sess, s.proc = st, err, nil, nil
	s.mu.Unlock()
	if st == StateFailed {
		s.log.Error("mcp server failed", "error", err.Error())
	}
	s.notify(st, err)
}

func (s *server) notify(st State, err error) {
	if f := s.opts.Notify; f != nil {
		f(s.cfg.Name, st, err)
	}
}

func (s *server) setStopped() {
	s.mu.Lock()
	p := s.proc
	s.sess, s.proc = nil, nil
	stopped := s.state != StateFailed
	if stopped {
		s.state = StateStopped
	}
	s.mu.Unlock()
	if p != nil {
		p.Close()
	}
	if stopped {
		s.notify(StateStopped, nil)
	}
}

// current returns the live session, or an error saying why there is none.
func (s *server) current() (*mcp.ClientSession, *stdioProc, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sess != nil {
		return s.sess, s.proc, nil
	}
	switch {
	case s.err != nil && s.state == StateRestarting:
		return nil, nil, fmt.Errorf("MCP server %s is not running (%v); restarting", s.cfg.Name, s.err)
	case s.err != nil:
		return nil, nil, fmt.Errorf("MCP server %s is not running: %v", s.cfg.Name, s.err)
	}
	return nil, nil, fmt.Errorf("MCP server %s is not running (%s)", s.cfg.Name, s.state)
}

// probe pings the server after a call timed out; a server that does not answer
// either is ended, and the supervisor restarts it.
func (s *server) probe(ctx context.Context, sess *mcp.ClientSession, p *stdioProc) {
	pctx, cancel := context.WithTimeout(ctx, PingTimeout)
	defer cancel()
	if err := sess.Ping(pctx, nil); err == nil || ctx.Err() != nil {
		return
	}
	s.log.Warn("mcp server does not answer ping after a call timed out; restarting it")
	if p != nil {
		p.kill()
	}
	sess.Close()
}

func sameTools(a, b []RemoteTool) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || a[i].Description != b[i].Description || string(a[i].InputSchema) != string(b[i].InputSchema) || a[i].ReadOnly != b[i].ReadOnly {
			return false
		}
	}
	return true
}
