package proc

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/rtagent/rtagent/internal/tools/proc/proctest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRunStdinStdoutExit(t *testing.T) {
	var stderr bytes.Buffer
	res, err := Run(context.Background(), Spec{
		Argv:   []string{"/bin/sh", "-c", `cat; echo warn1 >&2; printf 'warn2\nlast words' >&2; exit 3`},
		Stdin:  []byte("hello\n"),
		Stderr: &stderr,
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := string(res.Stdout); got != "hello\n" {
		t.Errorf("stdout = %q", got)
	}
	if res.ExitCode != 3 || res.Status != "exit status 3" {
		t.Errorf("exit = %d %q", res.ExitCode, res.Status)
	}
	if res.LastStderr != "last words" {
		t.Errorf("LastStderr = %q", res.LastStderr)
	}
	if got := stderr.String(); got != "warn1\nwarn2\nlast words\n" {
		t.Errorf("stderr sink got %q", got)
	}
}

func TestRunMinimalEnv(t *testing.T) {
	t.Setenv("RTAGENT_TEST_SECRET", "hunter2")
	res, err := Run(context.Background(), Spec{Argv: []string{"/usr/bin/env"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(res.Stdout)), "\n") {
		k, _, _ := strings.Cut(line, "=")
		if k != "PATH" && k != "HOME" && k != "LANG" {
			t.Errorf("unexpected variable in the minimal environment: %q", line)
		}
	}
	res, err = Run(context.Background(), Spec{Argv: []string{"/usr/bin/env"}, Env: []string{"A=1"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := string(res.Stdout); got != "A=1\n" {
		t.Errorf("explicit env: got %q", got)
	}
}

func TestRunStartFailure(t *testing.T) {
	_, err := Run(context.Background(), Spec{Argv: []string{"/nonexistent/program"}})
	if err == nil {
		t.Fatal("want an error")
	}
	if _, err := Run(context.Background(), Spec{}); err == nil {
		t.Fatal("empty argv: want an error")
	}
}

// A program that exits while a descendant outside its process group still holds
// stdout must not hang Run beyond PipeGrace.
func TestRunDoesNotHangOnEscapedDescendant(t *testing.T) {
	setsid, err := exec.LookPath("setsid")
	if err != nil {
		t.Skip("no setsid")
	}
	pidFile := filepath.Join(t.TempDir(), "pid")
	start := time.Now()
	res, err := Run(context.Background(), Spec{
		Argv: []string{"/bin/sh", "-c", setsid + ` sleep 60 & echo $! > "$1"; echo done`, "sh", pidFile},
	})
	elapsed := time.Since(start)
	if pid := proctest.ReadPid(t, pidFile); pid > 0 {
		t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) })
	}
	if err != nil {
		t.Fatal(err)
	}
	if string(res.Stdout) != "done\n" {
		t.Errorf("stdout = %q", res.Stdout)
	}
	if elapsed > PipeGrace+5*time.Second {
		t.Errorf("Run took %v", elapsed)
	}
}

// When the leader exits normally, what is left of its group is killed.
func TestRunKillsStragglersAfterExit(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	_, err := Run(context.Background(), Spec{
		Argv: []string{"/bin/sh", "-c", `sleep 1000 > /dev/null 2>&1 & echo $! > "$1"`, "sh", pidFile},
	})
	if err != nil {
		t.Fatal(err)
	}
	proctest.WaitDead(t, proctest.ReadPid(t, pidFile))
}

func TestRunCancelKillsGroup(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		_, err := Run(ctx, Spec{
			Argv: []string{"/bin/sh", "-c", `sleep 1000 & echo $! > "$1.tmp"; mv "$1.tmp" "$1"; sleep 1000`, "sh", pidFile},
		})
		errc <- err
	}()
	pid := proctest.WaitPidFile(t, pidFile)
	cancel()
	waitCanceled(t, errc)
	proctest.WaitDead(t, pid)
}

func TestRunDrainsHugeOutput(t *testing.T) {
	res, err := Run(context.Background(), Spec{
		Argv:      []string{"/bin/sh", "-c", `head -c 10000000 /dev/zero`},
		MaxStdout: 100,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Stdout) != 100 || res.StdoutBytes != 10000000 || !res.Truncated() {
		t.Errorf("kept %d of %d", len(res.Stdout), res.StdoutBytes)
	}
}

func TestClip(t *testing.T) {
	if got := Clip("short", 10); got != "short" {
		t.Errorf("Clip short = %q", got)
	}
	s := strings.Repeat("a", 1000)
	got := Clip(s, 100)
	if len(got) > 100 || !strings.HasSuffix(got, Marker(int64(1000-strings.Index(got, "…")))) {
		t.Errorf("Clip = %q (%d bytes)", got, len(got))
	}
	// Never split a rune.
	s = strings.Repeat("é", 500) // 1000 bytes
	for limit := 40; limit < 60; limit++ {
		got := Clip(s, limit)
		if !utf8.ValidString(got) || len(got) > limit {
			t.Fatalf("limit %d: %q (%d bytes)", limit, got, len(got))
		}
		kept := strings.Index(got, "…")
		if want := Marker(int64(1000 - kept)); !strings.HasSuffix(got, want) {
			t.Fatalf("limit %d: %q, want suffix %q", limit, got, want)
		}
	}
}

func TestResultOutput(t *testing.T) {
	if got := (Result{Stdout: []byte("x\r\n"), StdoutBytes: 3}).Output(100); got != "x" {
		t.Errorf("got %q", got)
	}
	if got := (Result{Stdout: []byte("x\n\n"), StdoutBytes: 3}).Output(100); got != "x\n" {
		t.Errorf("only one newline is trimmed: got %q", got)
	}
	b := &CapBuffer{Max: 50}
	for range 10 {
		b.Write([]byte(strings.Repeat("z", 100)))
	}
	got := b.Text(50)
	if len(got) > 50 || !strings.HasSuffix(got, Marker(1000-int64(strings.Index(got, "…")))) {
		t.Errorf("Text = %q", got)
	}
}

// waitCanceled waits (10 s at most) for Run's error after its context was
// cancelled, and wants context.Canceled.
func waitCanceled(t *testing.T, errc <-chan error) {
	t.Helper()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}
