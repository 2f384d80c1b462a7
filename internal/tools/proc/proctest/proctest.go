// Package proctest holds test helpers for code that runs processes. It is imported
// by tests only and must never be imported by production code.
package proctest

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Dead reports whether process pid is dead: it does not exist, or it is a zombie
// waiting for its reaper (state Z or X in /proc/<pid>/stat).
func Dead(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	// The state follows the parenthesised command name.
	i := bytes.LastIndexByte(b, ')')
	return i >= 0 && i+2 < len(b) && (b[i+2] == 'Z' || b[i+2] == 'X')
}

// WaitDead fails the test unless pid is dead within 5 s. SIGKILL is delivered
// asynchronously, so this polls against a deadline; a live process is killed so that
// it does not outlive the test.
func WaitDead(t testing.TB, pid int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !Dead(pid) {
		if time.Now().After(deadline) {
			t.Errorf("process %d is still alive", pid)
			syscall.Kill(pid, syscall.SIGKILL)
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// ReadPid reads a pid a test program wrote to path.
func ReadPid(t testing.TB, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading pid file: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		t.Fatalf("bad pid %q in %s", b, path)
	}
	return pid
}

// WaitPidFile waits (at most 10 s) for a test program to publish a pid in path; the
// program should write a temporary file and rename it, so a partial write is never
// read.
func WaitPidFile(t testing.TB, path string) int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(path); err == nil {
			return ReadPid(t, path)
		}
		if time.Now().After(deadline) {
			t.Fatal("the program never wrote its pid file")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
