package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtagent/rtagent/internal/session"
)

// dropRun is what one session under network trouble produced.
type dropRun struct {
	said       []string // final assistant transcripts
	tools      map[string]int
	downs      []time.Duration
	reconnects int
	markdown   string
	err        error
}

// runWithDrops plays five turns (text, a command tool, a handoff, an approval-gated
// tool, a question about the first turn) on the simulator, whose first connection
// drops at a seeded random point.
func runWithDrops(t *testing.T, seed int, audio bool) dropRun {
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	kind := []string{"drop", "close,code=1011", "close,code=1001"}[seed%3]
	mod := "text"
	if audio {
		mod = "audio"
	}
	md := filepath.Join(t.TempDir(), fmt.Sprintf("s%d.md", seed))
	rt, err := Open(ctx, Options{
		AgentsFile: exampleAgents(t), Sim: true, Fast: true, Modality: mod, Approval: "ask",
		SimFaults:        fmt.Sprintf("random=%d,between=3-120,conns=1,kind=%s", seed, kind),
		ReconnectBackoff: []time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 40 * time.Millisecond, 80 * time.Millisecond, 160 * time.Millisecond},
	})
	if err != nil {
		return dropRun{err: err}
	}
	defer rt.Close()
	tw, err := rt.OpenTranscript(md)
	if err != nil {
		return dropRun{err: err}
	}
	r := dropRun{tools: map[string]int{}}
	var mu sync.Mutex
	drv := NewDriver(rt.Session, func(ev session.Event) error {
		tw.Add(ev)
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case session.Transcript:
			if e.Final && e.Role == "assistant" {
				r.said = append(r.said, e.Text)
			}
		case session.ToolStart:
			r.tools[e.Tool]++
		case session.ConnectionEvent:
			if e.State == session.ConnReconnected {
				r.reconnects++
				r.downs = append(r.downs, time.Duration(e.DownMS)*time.Millisecond)
			}
		}
		return nil
	})
	drv.Approve = func(session.ToolApprovalRequired) (bool, bool, string) {
		time.Sleep(5 * time.Millisecond) // a person answering: a drop may come meanwhile
		return true, false, ""
	}
	if err := rt.Session.Start(ctx); err != nil {
		return dropRun{err: err}
	}
	go drv.Consume()
	if err := drv.WaitReady(ctx); err != nil {
		return dropRun{err: err}
	}
	for _, say := range []string{fmt.Sprintf("hello %d", seed), "lookup_order order_id=A-1234", "transfer to billing", "issue_refund order_id=A-1234", "what did I say first"} {
		if err := drv.Say(ctx, say); err != nil {
			r.err = fmt.Errorf("%q: %w", say, err)
			break
		}
	}
	_ = drv.CloseAndDrain()
	_ = tw.Close()
	b, _ := os.ReadFile(md)
	r.markdown = string(b)
	return r
}

// Issue: survive the network. 100 sessions whose connection drops at a seeded
// random point — during text turns, tool calls (running or awaiting approval),
// handoffs and audio answers — lose no user turn, run no tool twice, never hang,
// and their transcripts hold every turn.
func TestSessionsSurviveDrops(t *testing.T) {
	n := 100
	if testing.Short() {
		n = 20
	}
	type result struct {
		seed int
		run  dropRun
	}
	results := make(chan result, n)
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for seed := 1; seed <= n; seed++ {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			results <- result{seed, runWithDrops(t, seed, seed%4 == 0)}
		}()
	}
	wg.Wait()
	close(results)
	var downs []time.Duration
	lost, dupTools, reconnected := 0, 0, 0
	for res := range results {
		r, seed := res.run, res.seed
		if r.err != nil {
			t.Errorf("session %d: %v", seed, r.err)
			continue
		}
		reconnected += min(r.reconnects, 1)
		downs = append(downs, r.downs...)
		want := []string{fmt.Sprintf("You said: hello %d", seed), "lookup_order returned:", "Hi, this is billing.", "issue_refund returned:", fmt.Sprintf("You first said: hello %d", seed)}
		all := strings.Join(r.said, "\n")
		pos := 0
		for _, w := range want {
			i := strings.Index(all[pos:], w)
			if i < 0 {
				lost++
				t.Errorf("session %d: no answer %q in order; the assistant said:\n%s", seed, w, all)
				break
			}
			pos += i + len(w)
			if c := strings.Count(all, w); c != 1 {
				t.Errorf("session %d: %q answered %d times; the assistant said:\n%s", seed, w, c, all)
			}
			if !strings.Contains(r.markdown, w) {
				t.Errorf("session %d: the transcript lacks %q", seed, w)
			}
		}
		for tool, c := range r.tools {
			if c > 1 {
				dupTools++
				t.Errorf("session %d: %s ran %d times", seed, tool, c)
			}
		}
	}
	slices.Sort(downs)
	pct := func(p int) time.Duration {
		if len(downs) == 0 {
			return 0
		}
		return downs[min(len(downs)-1, len(downs)*p/100)]
	}
	t.Logf("%d sessions: %d reconnected, %d lost turns, %d duplicated tool runs; drop → reconnected p50 %v, p95 %v (test backoff 10 ms)",
		n, reconnected, lost, dupTools, pct(50), pct(95))
	if reconnected < n/2 {
		t.Errorf("only %d of %d sessions met a drop: the faults did not fire", reconnected, n)
	}
}
