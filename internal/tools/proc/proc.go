package proc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// DefaultMaxOutput is the stdout budget when Spec.MaxStdout is not set (32 KiB, R8.9).
const DefaultMaxOutput = 32 << 10

// PipeGrace bounds how long Run waits, after the program has exited and its process
// group has been killed, for its stdout and stderr to reach end of file. Only a
// descendant that escaped the group (setsid) can hold them open that long; Run then
// closes its ends and returns what it has.
const PipeGrace = time.Second

// maxStderrLine caps one forwarded stderr line and the remembered last line.
const maxStderrLine = 4 << 10

// Spec describes one run of an external program.
type Spec struct {
	// Argv is the program and its arguments, executed directly (no shell). A name
	// without a slash is looked up in PATH; a relative path is resolved against Dir.
	Argv []string
	// Dir is the working directory ("" = the current one).
	Dir string
	// Env is the program's whole environment. nil means MinimalEnv(); an empty,
	// non-nil slice means no variables at all.
	Env []string
	// Stdin is written to the program's standard input, which is then closed.
	Stdin []byte
	// MaxStdout is how many stdout bytes are kept (≤ 0: DefaultMaxOutput). The rest is
	// read and counted but discarded.
	MaxStdout int
	// Stderr receives each stderr line (with its newline) in one Write call; nil
	// discards them. The last non-empty line is kept in Result.LastStderr either way.
	Stderr io.Writer
}

// Result is what a finished program left behind.
type Result struct {
	// Stdout holds the first MaxStdout bytes written to stdout.
	Stdout []byte
	// StdoutBytes is how many bytes the program wrote to stdout in total.
	StdoutBytes int64
	// ExitCode is the exit status, or -1 when the program was ended by a signal.
	ExitCode int
	// Status describes how the program ended, e.g. "exit status 2" or "signal: killed".
	Status string
	// LastStderr is the last non-empty stderr line, without its newline.
	LastStderr string
}

// Truncated reports whether stdout was longer than what was kept.
func (r Result) Truncated() bool { return r.StdoutBytes > int64(len(r.Stdout)) }

// Output returns stdout as text: one trailing newline removed, or, when stdout was
// longer than what was kept, the kept part clipped with Marker so it fits limit bytes.
func (r Result) Output(limit int) string {
	if !r.Truncated() {
		return Clip(TrimNewline(string(r.Stdout)), limit)
	}
	return ClipHead(r.Stdout, r.StdoutBytes, limit)
}

// TrimNewline removes one trailing "\n" or "\r\n" from s.
func TrimNewline(s string) string {
	if n := len(s); n > 0 && s[n-1] == '\n' {
		s = s[:n-1]
		if n := len(s); n > 0 && s[n-1] == '\r' {
			s = s[:n-1]
		}
	}
	return s
}

// MinimalEnv returns the environment a program gets when none is configured: PATH,
// HOME and LANG copied from this process (those that are set), nothing else. In
// particular no API keys or tokens leak to tools.
func MinimalEnv() []string {
	env := make([]string, 0, 3)
	for _, k := range []string{"PATH", "HOME", "LANG"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// Run starts the program described by s, feeds it s.Stdin and waits for it to exit.
//
// The program runs in a new process group. When ctx is done the whole group is
// killed with SIGKILL and Run returns ctx.Err() (with whatever was captured). When the
// program exits on its own or is killed, every descendant still running is killed
// too, also one that left the group with setsid or a double fork (on Linux, see
// reaper_linux.go), so no tool outlives its call. A non-zero exit is not an error: it is reported in
// Result.ExitCode and Result.Status. Errors are failures to start or to talk to the
// program, and cancellation.
func Run(ctx context.Context, s Spec) (Result, error) {
	if len(s.Argv) == 0 || s.Argv[0] == "" {
		return Result{}, errors.New("proc: empty argv")
	}
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	keep := s.MaxStdout
	if keep <= 0 {
		keep = DefaultMaxOutput
	}
	env := s.Env
	if env == nil {
		env = MinimalEnv()
	}

	outR, outW, err := os.Pipe()
	if err != nil {
		return Result{}, fmt.Errorf("proc: stdout pipe: %w", err)
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		return Result{}, fmt.Errorf("proc: stderr pipe: %w", err)
	}

	cmd := exec.CommandContext(ctx, s.Argv[0], s.Argv[1:]...)
	cmd.Dir = s.Dir
	cmd.Env = env
	cmd.Stdin = bytes.NewReader(s.Stdin)
	cmd.Stdout = outW
	cmd.Stderr = errW
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return killGroup(cmd.Process.Pid) }
	// Bounds the stdin copy when a descendant holds stdin open without reading it.
	cmd.WaitDelay = PipeGrace

	tr, startErr := startTracked(func() (int, error) {
		if err := cmd.Start(); err != nil {
			return 0, err
		}
		return cmd.Process.Pid, nil
	})
	// The child has its own copies of the write ends; ours must go so EOF can arrive.
	outW.Close()
	errW.Close()
	if startErr != nil {
		outR.Close()
		errR.Close()
		return Result{}, startErr
	}

	stdout := &CapBuffer{Max: keep}
	stderr := &lineWriter{dst: s.Stderr}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		io.Copy(stdout, outR) // CapBuffer never fails; ends at EOF or when outR is closed
	}()
	go func() {
		defer wg.Done()
		io.Copy(stderr, errR)
		stderr.flush()
	}()

	waitErr := cmd.Wait()
	// The leader is gone; take its group and every other descendant with it,
	// including those that left the group (stragglers hold our pipes and would
	// otherwise outlive the call). The group id is the leader's pid, which the
	// kernel does not reuse while the group has members.
	tr.finish(time.Now().Add(PipeGrace))

	readers := make(chan struct{})
	go func() { wg.Wait(); close(readers) }()
	grace := time.NewTimer(PipeGrace)
	select {
	case <-readers:
	case <-grace.C:
		// Someone outside the group holds the pipes open: stop reading.
		outR.Close()
		errR.Close()
		<-readers
	}
	grace.Stop()
	outR.Close()
	errR.Close()

	res := Result{
		Stdout:      stdout.Bytes(),
		StdoutBytes: stdout.Total(),
		LastStderr:  stderr.last,
	}
	if st := cmd.ProcessState; st != nil {
		res.ExitCode = st.ExitCode()
		res.Status = st.String()
	}
	var exitErr *exec.ExitError
	switch {
	case waitErr == nil, errors.Is(waitErr, exec.ErrWaitDelay):
		return res, nil
	case ctx.Err() != nil:
		return res, ctx.Err()
	case errors.As(waitErr, &exitErr):
		return res, nil
	default:
		return res, waitErr
	}
}

// killGroup sends SIGKILL to process group pgid. A group that is already gone is not
// an error.
func killGroup(pgid int) error {
	err := syscall.Kill(-pgid, syscall.SIGKILL)
	if errors.Is(err, syscall.ESRCH) {
		return os.ErrProcessDone
	}
	return err
}

// lineWriter splits what is written into lines, forwards each to dst in one Write and
// remembers the last non-empty one. Lines longer than maxStderrLine are forwarded in
// pieces.
type lineWriter struct {
	dst     io.Writer
	partial []byte
	last    string
}

func (w *lineWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			room := maxStderrLine - len(w.partial)
			if len(p) < room {
				w.partial = append(w.partial, p...)
				return n, nil
			}
			w.partial = append(w.partial, p[:room]...)
			p = p[room:]
			w.emit()
			continue
		}
		w.partial = append(w.partial, p[:i+1]...)
		p = p[i+1:]
		w.emit()
	}
	return n, nil
}

// flush forwards a final line that had no newline.
func (w *lineWriter) flush() {
	if len(w.partial) > 0 {
		w.partial = append(w.partial, '\n')
		w.emit()
	}
}

func (w *lineWriter) emit() {
	line := w.partial
	if w.dst != nil {
		w.dst.Write(line) // a failing log sink must not stop the program's stderr being drained
	}
	text := bytes.TrimRight(line, "\r\n")
	if len(bytes.TrimSpace(text)) > 0 {
		w.last = string(text)
	}
	w.partial = w.partial[:0]
}
