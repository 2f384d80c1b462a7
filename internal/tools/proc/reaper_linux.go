//go:build linux

package proc

import (
	"bytes"
	"errors"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Descendants that leave the program's process group (setsid, a double fork)
// are out of reach of killGroup. To find them, this process makes itself a
// child subreaper (prctl PR_SET_CHILD_SUBREAPER, Linux 3.4+): a descendant
// whose parent dies is re-parented to us instead of to init, so every
// escapee either still hangs below a process we know or is our own child.
//
// Why a subreaper and not a cgroup: a cgroup per call (clone3 into it, then
// cgroup.kill) needs a writable, delegated cgroup v2 hierarchy, which an
// ordinary user session or a container usually does not have; the subreaper
// needs no privilege and works everywhere Linux runs.
//
// Each call is tracked while it runs: every trackInterval the tree below its
// leader (and below every process already seen) is read from
// /proc/<pid>/task/<tid>/children, and each process is remembered with its
// start time, so a reused pid is never mistaken for it. When the call ends
// (the leader exited or was killed), finish kills, repeatedly until nothing
// is left: the leader's group, every remembered process still alive, and
// every orphan re-parented to us. An orphan is a child of ours that is
// outside our own process group, was not our child when the call started, and is
// neither the leader of a running call nor remembered by one; children that
// other code in this process starts with os/exec stay in our process group
// and are never touched, and the subreaper attribute is on only while calls
// run (so a daemon started by other code between calls goes to init). Orphans are
// reaped with wait4 on their pid only, never wait4(-1), so exec.Cmd.Wait
// elsewhere keeps its exit statuses. An orphan that escaped between two
// polls cannot be told apart between two concurrent calls; the first call to
// end kills it.

// trackInterval is how often a running call's process tree is read.
const trackInterval = 50 * time.Millisecond

var (
	selfPid     = os.Getpid()
	selfPgid, _ = syscall.Getpgid(0)
)

// setSubreaper turns the child-subreaper attribute on or off. It is on only
// while calls run, so that a daemon some other code in this process starts
// between calls is re-parented to init as usual, never to us. Best effort:
// without it, the tracking still finds every escapee it saw.
func setSubreaper(on bool) {
	v := uintptr(0)
	if on {
		v = 1
	}
	_ = unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, v, 0, 0, 0)
}

// calls holds the running calls. Its lock is held while a leader is started
// and registered, and while finish picks orphans, so a leader that is being
// started is never taken for an orphan.
var calls = struct {
	sync.Mutex
	byLeader map[int]*tracker
}{byLeader: make(map[int]*tracker)}

// tracker remembers the processes of one call.
type tracker struct {
	leader      int
	leaderStart uint64
	before      map[int]uint64 // our children when the call started: not its orphans
	mu          sync.Mutex
	known       map[int]uint64 // pid → start time
	stop        chan struct{}
	done        chan struct{}
}

// startTracked runs start (which starts the leader) under the registry lock
// and begins tracking the leader's tree.
func startTracked(start func() (int, error)) (*tracker, error) {
	calls.Lock()
	defer calls.Unlock()
	if len(calls.byLeader) == 0 {
		setSubreaper(true)
	}
	before := make(map[int]uint64)
	for _, c := range childrenOf(selfPid) {
		if st, ok := readStat(c); ok {
			before[c] = st.start
		}
	}
	pid, err := start()
	if err != nil {
		if len(calls.byLeader) == 0 {
			setSubreaper(false)
		}
		return nil, err
	}
	t := &tracker{leader: pid, before: before, known: make(map[int]uint64), stop: make(chan struct{}), done: make(chan struct{})}
	if st, ok := readStat(pid); ok {
		t.leaderStart = st.start
	}
	calls.byLeader[pid] = t
	go t.loop()
	return t, nil
}

func (t *tracker) loop() {
	defer close(t.done)
	tick := time.NewTicker(trackInterval)
	defer tick.Stop()
	for {
		t.poll()
		select {
		case <-t.stop:
			return
		case <-tick.C:
		}
	}
}

// poll adds every process below the leader or below a known process that
// is still the process it was.
func (t *tracker) poll() {
	t.mu.Lock()
	defer t.mu.Unlock()
	var queue []int
	if st, ok := readStat(t.leader); ok && st.start == t.leaderStart {
		queue = append(queue, t.leader)
	}
	for pid, start := range t.known {
		if st, ok := readStat(pid); ok && st.start == start {
			queue = append(queue, pid)
		}
	}
	seen := make(map[int]bool)
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		if seen[pid] {
			continue
		}
		seen[pid] = true
		for _, c := range childrenOf(pid) {
			if st, ok := readStat(c); ok {
				t.known[c] = st.start
				queue = append(queue, c)
			}
		}
	}
}

func (t *tracker) owns(pid int) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, ok := t.known[pid]
	return ok
}

// finish kills what is left of the call, reaps the orphans among it, and
// stops tracking. It returns when nothing of the call is left or at the
// deadline (a process stuck in the kernel cannot be hurried).
func (t *tracker) finish(deadline time.Time) {
	close(t.stop)
	<-t.done
	defer func() {
		calls.Lock()
		delete(calls.byLeader, t.leader)
		if len(calls.byLeader) == 0 {
			setSubreaper(false)
		}
		calls.Unlock()
	}()
	for {
		_ = killGroup(t.leader)
		t.poll()
		left := 0
		t.mu.Lock()
		for pid, start := range t.known {
			st, ok := readStat(pid)
			if !ok || st.start != start {
				delete(t.known, pid) // gone; the pid may be reused
				continue
			}
			if st.state != 'Z' {
				_ = syscall.Kill(pid, syscall.SIGKILL)
				left++
			}
		}
		t.mu.Unlock()
		orphans := t.orphans()
		for _, pid := range orphans {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		reaped := reap(orphans)
		if left == 0 && len(orphans) == reaped && syscall.Kill(-t.leader, 0) != nil {
			return
		}
		if time.Now().After(deadline) {
			return
		}
		time.Sleep(time.Millisecond) // SIGKILL is delivered asynchronously
	}
}

// orphans returns our children that belong to no one else (see above).
func (t *tracker) orphans() []int {
	calls.Lock()
	defer calls.Unlock()
	var out []int
	for _, pid := range childrenOf(selfPid) {
		if other, ok := calls.byLeader[pid]; ok && other != t {
			continue // the leader of a running call
		}
		if pid == t.leader {
			continue // reaped by exec.Cmd.Wait
		}
		st, ok := readStat(pid)
		if start, was := t.before[pid]; !ok || st.pgrp == selfPgid || st.start < t.leaderStart || was && start == st.start {
			continue // started by ordinary os/exec in this process, or before the call
		}
		mine := true
		for _, other := range calls.byLeader {
			if other != t && other.owns(pid) {
				mine = false
				break
			}
		}
		if mine {
			out = append(out, pid)
		}
	}
	return out
}

// reap collects the exit status of the given children of ours without
// blocking; it returns how many were reaped (or were already gone).
func reap(pids []int) int {
	n := 0
	for _, pid := range pids {
		var ws syscall.WaitStatus
		got, err := syscall.Wait4(pid, &ws, syscall.WNOHANG, nil)
		if got == pid || errors.Is(err, syscall.ECHILD) {
			n++
		}
	}
	return n
}

// childrenOf lists the children of pid from /proc/<pid>/task/*/children
// (each thread has its own list). Without that file (a kernel built without
// CONFIG_PROC_CHILDREN) every process's stat is read instead.
func childrenOf(pid int) []int {
	dir := "/proc/" + strconv.Itoa(pid) + "/task"
	tasks, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []int
	for _, task := range tasks {
		b, err := os.ReadFile(dir + "/" + task.Name() + "/children")
		if errors.Is(err, os.ErrNotExist) {
			if _, serr := os.Stat(dir + "/" + task.Name()); serr == nil {
				return childrenByScan(pid) // the file is not supported
			}
			continue
		}
		for _, f := range bytes.Fields(b) {
			if c, err := strconv.Atoi(string(f)); err == nil {
				out = append(out, c)
			}
		}
	}
	return out
}

func childrenByScan(pid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []int
	for _, e := range entries {
		c, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if st, ok := readStat(c); ok && st.ppid == pid {
			out = append(out, c)
		}
	}
	return out
}

type procStat struct {
	state      byte
	ppid, pgrp int
	start      uint64 // clock ticks after boot
}

// readStat parses /proc/<pid>/stat.
func readStat(pid int) (procStat, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, false
	}
	i := bytes.LastIndexByte(b, ')') // the command name may contain anything
	if i < 0 {
		return procStat{}, false
	}
	f := bytes.Fields(b[i+1:]) // f[0] is field 3 (state)
	if len(f) < 20 || len(f[0]) != 1 {
		return procStat{}, false
	}
	ppid, err1 := strconv.Atoi(string(f[1]))
	pgrp, err2 := strconv.Atoi(string(f[2]))
	start, err3 := strconv.ParseUint(string(f[19]), 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return procStat{}, false
	}
	return procStat{state: f[0][0], ppid: ppid, pgrp: pgrp, start: start}, true
}
