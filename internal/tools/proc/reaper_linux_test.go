//go:build linux

package proc

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/rtagent/rtagent/internal/tools/proc/proctest"
)

// gone reports whether pid no longer exists at all: not even a zombie is left.
func gone(pid int) bool {
	_, err := os.Stat("/proc/" + strconv.Itoa(pid))
	return errors.Is(err, os.ErrNotExist)
}

// killLater makes sure a process that escaped despite the test is not left
// behind.
func killLater(t *testing.T, pid int) {
	t.Cleanup(func() {
		if !gone(pid) {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	})
}

func needSetsid(t *testing.T) string {
	setsid, err := exec.LookPath("setsid")
	if err != nil {
		t.Skip("no setsid")
	}
	return setsid
}

// A tool script that starts a `setsid sleep 1000` grandchild and exits: the
// grandchild has left the process group, so killing the group cannot reach
// it; it must still be gone (killed and reaped) when Run returns (issue 11
// item 4). Before, it lived on for the whole 1000 s.
func TestRunKillsSetsidGrandchildAfterExit(t *testing.T) {
	setsid := needSetsid(t)
	script := filepath.Join(t.TempDir(), "tool.sh")
	pidFile := script + ".pid"
	if err := os.WriteFile(script, []byte("#!/bin/sh\n"+setsid+" sleep 1000 &\necho $! > \"$1\"\necho started\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	res, err := Run(context.Background(), Spec{Argv: []string{script, pidFile}})
	elapsed := time.Since(start)
	pid := proctest.ReadPid(t, pidFile)
	killLater(t, pid)
	if err != nil {
		t.Fatal(err)
	}
	if string(res.Stdout) != "started\n" {
		t.Errorf("stdout = %q", res.Stdout)
	}
	if !gone(pid) {
		t.Errorf("the setsid grandchild %d outlived the call", pid)
	}
	// It held stdout open: with it killed, Run need not wait out PipeGrace.
	if elapsed >= PipeGrace {
		t.Errorf("Run took %v, want it to end without waiting out PipeGrace", elapsed)
	}
}

// The same on a timed-out call, and for a double fork: the escapee's parent
// exits at once, so it is re-parented before the tracker ever sees it.
func TestRunKillsEscapedDescendantsOnTimeout(t *testing.T) {
	setsid := needSetsid(t)
	dir := t.TempDir()
	script := filepath.Join(dir, "tool.sh")
	body := "#!/bin/sh\n" +
		setsid + " sleep 1000 & echo $! > \"$1/a.tmp\"; mv \"$1/a.tmp\" \"$1/a\"\n" +
		"( " + setsid + " sh -c 'echo $$ > \"$1/b.tmp\"; mv \"$1/b.tmp\" \"$1/b\"; exec sleep 1000' sh \"$1\" & ) \n" +
		"while [ ! -e \"$1/b\" ]; do sleep 0.01; done\n" +
		"echo $$ > \"$1/ready.tmp\"; mv \"$1/ready.tmp\" \"$1/ready\"\n" +
		"exec sleep 1000\n"
	if err := os.WriteFile(script, []byte(body), 0o700); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		_, err := Run(ctx, Spec{Argv: []string{script, dir}, Env: []string{"PATH=" + os.Getenv("PATH")}})
		errc <- err
	}()
	proctest.WaitPidFile(t, filepath.Join(dir, "ready"))
	a := proctest.ReadPid(t, filepath.Join(dir, "a"))
	b := proctest.ReadPid(t, filepath.Join(dir, "b"))
	killLater(t, a)
	killLater(t, b)
	cancel() // what a tool timeout does
	waitCanceled(t, errc)
	for name, pid := range map[string]int{"setsid child": a, "double-forked": b} {
		if !gone(pid) {
			t.Errorf("%s process %d outlived the call", name, pid)
		}
	}
}

// Children that other code in this process starts with os/exec are not
// mistaken for a tool's orphans: neither one in our process group nor one in
// a group of its own started before the call.
func TestRunLeavesOtherChildrenAlone(t *testing.T) {
	plain := exec.Command("sleep", "1000")
	grouped := exec.Command("sleep", "1000")
	grouped.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	for _, c := range []*exec.Cmd{plain, grouped} {
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { c.Process.Kill(); c.Wait() }()
	}
	if _, err := Run(context.Background(), Spec{Argv: []string{"/bin/sh", "-c", "exit 0"}}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*exec.Cmd{plain, grouped} {
		if proctest.Dead(c.Process.Pid) {
			t.Errorf("Run killed child %v it did not start", c.Args)
		}
	}
}
