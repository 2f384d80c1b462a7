package mcp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// maxLine caps one JSON-RPC message from a stdio server (the SDK's frame limit).
const maxLine = mcp.DefaultMaxLineLength

// stdioProc is one running stdio server process: its stdin and stdout carry
// newline-delimited JSON-RPC, its stderr goes to the log. It runs in its own
// process group, which is killed when the connection closes, so no server
// (nor what npx started) outlives its session.
type stdioProc struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout io.ReadCloser
	stderr *stderrLog

	once   sync.Once
	exited chan struct{} // closed when Wait returned
	status string        // how the process ended, after exited
}

// startStdio starts the server process.
func startStdio(cfg ServerConfig, baseEnv []string, log *slog.Logger) (*stdioProc, error) {
	cmd := exec.Command(cfg.Command[0], cfg.Command[1:]...)
	cmd.Dir = cfg.Dir
	cmd.Env = append(append([]string{}, baseEnv...), cfg.Env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	p := &stdioProc{cmd: cmd, exited: make(chan struct{}), stderr: &stderrLog{log: log}}
	cmd.Stderr = p.stderr
	var err error
	if p.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	if p.stdout, err = cmd.StdoutPipe(); err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		err := cmd.Wait() // also waits for the stderr copy
		p.stderr.flush()
		switch {
		case err == nil:
			p.status = "exited"
		default:
			p.status = err.Error()
		}
		close(p.exited)
	}()
	return p, nil
}

// transport is the SDK transport over the process's pipes.
func (p *stdioProc) transport() mcp.Transport {
	return &mcp.IOTransport{Reader: p.stdout, Writer: p, MaxLineLength: maxLine}
}

func (p *stdioProc) Write(b []byte) (int, error) { return p.stdin.Write(b) }

// Close ends the server as the MCP spec asks: close its stdin, wait StopGrace for
// it to exit, then kill its process group.
func (p *stdioProc) Close() error {
	p.once.Do(func() {
		p.stdin.Close()
		t := time.NewTimer(StopGrace)
		defer t.Stop()
		select {
		case <-p.exited:
		case <-t.C:
		}
		// The leader may be gone while members of its group still run.
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.exited
	})
	return nil
}

// kill ends the process group at once (a server that does not answer).
func (p *stdioProc) kill() {
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
}

// exitStatus describes how the process ended ("" while it runs), with its last
// stderr line.
func (p *stdioProc) exitStatus() string {
	select {
	case <-p.exited:
	default:
		return ""
	}
	s := p.status
	if last := p.stderr.lastLine(); last != "" {
		s += "; last stderr line: " + last
	}
	return s
}

// waitExit waits up to d for the process to end (after its stdout closed).
func (p *stdioProc) waitExit(d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-p.exited:
	case <-t.C:
	}
}

// maxStderrLine caps one logged stderr line.
const maxStderrLine = 4 << 10

// stderrLog logs a server's stderr line by line and keeps the last non-empty line.
type stderrLog struct {
	log     *slog.Logger
	mu      sync.Mutex
	partial []byte
	last    string
}

func (w *stderrLog) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := len(b)
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			room := maxStderrLine - len(w.partial)
			if len(b) < room {
				w.partial = append(w.partial, b...)
				return n, nil
			}
			w.partial = append(w.partial, b[:room]...)
			b = b[room:]
			w.emit()
			continue
		}
		w.partial = append(w.partial, b[:i]...)
		b = b[i+1:]
		w.emit()
	}
	return n, nil
}

func (w *stderrLog) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.partial) > 0 {
		w.emit()
	}
}

func (w *stderrLog) emit() {
	line := string(bytes.TrimRight(w.partial, "\r"))
	w.partial = w.partial[:0]
	if len(bytes.TrimSpace([]byte(line))) == 0 {
		return
	}
	w.last = line
	w.log.Info("mcp server stderr", "text", line)
}

func (w *stderrLog) lastLine() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.last
}

// startError words a failure to start a stdio program.
func startError(argv0 string, err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) || errors.Is(err, exec.ErrNotFound) {
		return fmt.Errorf("cannot start %s: %w", argv0, errors.Unwrap(err))
	}
	return fmt.Errorf("cannot start %s: %w", argv0, err)
}
