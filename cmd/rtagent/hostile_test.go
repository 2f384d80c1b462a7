package main

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtagent/rtagent/internal/realtime/sim"
	"github.com/rtagent/rtagent/internal/testkit/hostile"
	"github.com/rtagent/rtagent/internal/testkit/rig"
)

// The stated bounds of the hostile-server suite: the run's own --timeout, and how
// much longer the command may take to exit after it.
const (
	hostileRunTimeout = 10 * time.Second
	hostileExitSlack  = 10 * time.Second
)

// hostileSeed picks the fault points; RTAGENT_HOSTILE_SEED replays another run.
func hostileSeed(t *testing.T) uint64 {
	if s := os.Getenv("RTAGENT_HOSTILE_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("RTAGENT_HOSTILE_SEED: %v", err)
		}
		return n
	}
	return 11
}

// hostileCause is what a failure's message must name, per fault class, when the
// class ends the run (a reconnect that succeeds exits 0 instead).
var hostileCause = map[hostile.Fault]string{
	hostile.Abrupt:    "without a close frame",
	hostile.Close1000: "close 1000",
	hostile.Close1001: "close 1001",
	hostile.Close1006: "reserved code 1006",
	hostile.Close1011: "close 1011",
	hostile.Oversized: "read limit",
}

// hostileOutcome is what one fault class did to `rtagent run`.
type hostileOutcome struct {
	fault   hostile.Fault
	at      int
	code    int
	elapsed time.Duration
	stderr  string
	message string // the "rtagent: …" line, if any
}

// TestHostileServer runs `rtagent run` (four turns: text, a command tool, a
// builtin, text) against a server that relays the simulator and injects one fault
// class at a seeded random server frame, and checks the outcome of each: exit 0
// or 1 (never a crash, never a usage code), an exit within the stated bound, at
// most one clear line on stderr (no library error chain, no control character)
// and a transcript that still holds every line written before the fault (issue
// 11). Classes the client may survive (a reconnect, a tolerated event) may exit 0.
func TestHostileServer(t *testing.T) {
	if testing.Short() {
		t.Skip("hostile-server suite: not in -short")
	}
	seed := hostileSeed(t)
	_, simURL := rig.StartSim(t, sim.Options{})
	var mu sync.Mutex
	var table []hostileOutcome
	for _, fault := range hostile.Faults {
		t.Run(string(fault), func(t *testing.T) {
			h := fnv.New64a()
			h.Write([]byte(fault))
			rng := rand.New(rand.NewPCG(seed, h.Sum64()))
			at := 3 + rng.IntN(28) // server frames 3..30: the run has about 50
			o := runHostile(t, simURL, fault, at)
			mu.Lock()
			table = append(table, o)
			mu.Unlock()
		})
	}
	var b strings.Builder
	fmt.Fprintf(&b, "hostile-server outcomes (seed %d):\n| fault | at frame | exit | time | message |\n|---|---|---|---|---|\n", seed)
	for _, o := range table {
		fmt.Fprintf(&b, "| %s | %d | %d | %.2fs | %s |\n", o.fault, o.at, o.code, o.elapsed.Seconds(), o.message)
	}
	t.Log(b.String())
}

func runHostile(t *testing.T, simURL string, fault hostile.Fault, at int) hostileOutcome {
	dir := t.TempDir()
	md := filepath.Join(dir, "t.md")
	var before string
	hs := &hostile.Server{Upstream: simURL, Fault: fault, At: at, OnFault: func() {
		b, _ := os.ReadFile(md) // the transcript as it stood when the fault came
		before = string(b)
	}}
	url := hs.Start(t)

	io, out, errOut := testIO("")
	done := make(chan int, 1)
	start := time.Now()
	go func() {
		done <- execute(context.Background(), io, []string{
			"run", "--url", url, "--agents", "../../agents.yaml", "--timeout", hostileRunTimeout.String(),
			"--transcript", md, "--trace", filepath.Join(dir, "trace.jsonl"),
			"--say", "hello", "--say", "lookup_order order_id=A-1", "--say", "what time is it? get_time", "--say", "thanks, bye",
		})
	}()
	var code int
	select {
	case code = <-done:
	case <-time.After(hostileRunTimeout + hostileExitSlack):
		t.Fatalf("%s at frame %d: no exit within %s", fault, at, hostileRunTimeout+hostileExitSlack)
	}
	o := hostileOutcome{fault: fault, at: at, code: code, elapsed: time.Since(start), stderr: errOut.String()}
	t.Logf("%s at frame %d: exit %d after %.2fs; stderr %q", fault, at, code, o.elapsed.Seconds(), o.stderr)
	if testing.Verbose() {
		t.Logf("stdout:\n%s", out)
	}

	select {
	case <-hs.Injected():
	default:
		t.Errorf("the fault was never injected (the run had fewer than %d server frames)\nstdout:\n%s", at, out)
	}
	if code != exitOK && code != exitFailure {
		t.Errorf("exit %d, want 0 or 1", code)
	}
	// stderr: at most one message line ("rtagent: …"), besides the session summary
	// (text form: "session …" and the files written).
	var messages []string
	for _, line := range strings.Split(strings.TrimSuffix(o.stderr, "\n"), "\n") {
		switch {
		case line == "":
		case strings.HasPrefix(line, "rtagent: "):
			messages = append(messages, line)
		case strings.HasPrefix(line, "session "), strings.HasPrefix(line, "transcript "):
		default:
			t.Errorf("unclear stderr line %q", line)
		}
	}
	o.message = strings.Join(messages, " / ")
	if len(messages) > 1 {
		t.Errorf("%d messages on stderr, want at most one:\n%s", len(messages), o.stderr)
	}
	if code == exitFailure && len(messages) == 0 {
		t.Error("exit 1 without a word on stderr")
	}
	for _, line := range messages {
		if len(line) > 300 {
			t.Errorf("a long message: %q", line)
		}
		for _, chain := range []string{"failed to get reader", "failed to read", "failed to WebSocket", "failed to write"} {
			if strings.Contains(line, chain) {
				t.Errorf("stderr shows the library's error chain: %q", line)
			}
		}
	}
	if want, ok := hostileCause[fault]; ok {
		switch {
		case code == exitFailure && !strings.Contains(o.message, want):
			t.Errorf("message %q does not name the cause (%q)", o.message, want)
		case code == exitOK && !strings.Contains(out.String(), "reconnected"):
			t.Errorf("exit 0 after %s without a reconnect:\n%s", fault, out)
		case code == exitOK && !strings.Contains(out.String(), want):
			t.Errorf("the reconnect line does not name the cause (%q):\n%s", want, out)
		}
	}
	if strings.ContainsAny(o.stderr+out.String(), "\x1b\x07") {
		t.Error("a control character reached the terminal")
	}
	after, err := os.ReadFile(md)
	if err != nil {
		t.Fatalf("transcript: %v", err)
	}
	if !strings.HasPrefix(string(after), before) {
		t.Errorf("the transcript lost lines written before the fault\nbefore:\n%s\nafter:\n%s", before, after)
	}
	return o
}
