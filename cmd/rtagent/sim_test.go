package main

import (
	"context"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// notifyBuffer is a concurrent writer whose readers can wait for text to appear.
type notifyBuffer struct {
	mu      sync.Mutex
	b       strings.Builder
	changed chan struct{}
}

func newNotifyBuffer() *notifyBuffer { return &notifyBuffer{changed: make(chan struct{})} }

func (n *notifyBuffer) Write(p []byte) (int, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.b.Write(p)
	close(n.changed)
	n.changed = make(chan struct{})
	return len(p), nil
}

// wait returns what was written once re matches it, or fails at the deadline.
func (n *notifyBuffer) wait(t *testing.T, re *regexp.Regexp) string {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		n.mu.Lock()
		s, ch := n.b.String(), n.changed
		n.mu.Unlock()
		if re.MatchString(s) {
			return s
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("timed out waiting for %s in:\n%s", re, s)
		}
	}
}

// `rtagent sim` says on stderr when clients come and go, and Ctrl-C (the context
// ending, as main's signal handler does) stops it with exit code 0.
func TestSimLogsClientsAndStopsCleanly(t *testing.T) {
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	out, errOut := newNotifyBuffer(), newNotifyBuffer()
	code := make(chan int, 1)
	go func() {
		code <- execute(ctx, &IOStreams{In: strings.NewReader(""), Out: out, ErrOut: errOut}, []string{"sim", "--addr", "127.0.0.1:0", "--fast"})
	}()
	url := regexp.MustCompile(`ws://127\.0\.0\.1:\d+/v1/realtime`).FindString(out.wait(t, regexp.MustCompile(`listening on ws://\S+\n`)))

	io, runOut, runErr := testIO("")
	if c := execute(context.Background(), io, []string{"run", "--url", url, "--say", "hello", "--agents", "../../agents.yaml", "--timeout", "20s"}); c != exitOK {
		t.Fatalf("run against rtagent sim: exit %d\n%s%s", c, runOut, runErr)
	}
	errOut.wait(t, regexp.MustCompile(`(?m)^\d\d:\d\d:\d\d rtagent sim: client 1 from 127\.0\.0\.1:\d+ \(rtagent/\S+\) connected\n`))
	errOut.wait(t, regexp.MustCompile(`(?m)^\d\d:\d\d:\d\d rtagent sim: client 1 disconnected after \S+\n`))

	stop()
	select {
	case c := <-code:
		if c != exitOK {
			t.Errorf("exit code after Ctrl-C %d, want 0", c)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("rtagent sim did not stop")
	}
	if s := errOut.wait(t, regexp.MustCompile(`rtagent sim: stopped\n$`)); strings.Contains(s, "rtagent: ") {
		t.Errorf("an error was reported:\n%s", s)
	}
}
