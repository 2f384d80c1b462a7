package scenario

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rtagent/rtagent/internal/session"
)

// Conn is a started session for one scenario, as an Opener returns it. The
// runner is the only reader of Session.Events.
type Conn struct {
	Session *session.Session
	// Judge evaluates a plain-language statement about a conversation with a
	// text model; nil where there is none (the simulator): judge expectations
	// are then skipped, never passed.
	Judge func(ctx context.Context, conversation, statement string) (ok bool, why string, err error)
	// Speak plays a WAV file into the session as a spoken user turn (an audio
	// step); nil where the opener cannot, and audio steps then fail.
	Speak func(ctx context.Context, path string) error
	// Observe, if set, sees every session event as the runner reads it (a
	// transcript); it runs on the runner's reader goroutine and must not block.
	Observe func(session.Event)
	// Close releases what the opener built besides the session (a simulator, a
	// replay server). It may be nil.
	Close func() error
	// Checks, if set, is called after Close and returns checks about the whole
	// run (a replay's divergences from its recording).
	Checks func() []Check
}

// Opener starts a session for sc (connected; readiness may come later).
type Opener func(ctx context.Context, sc *Scenario) (*Conn, error)

// Result is the outcome of one run of one scenario.
type Result struct {
	Name       string        `json:"name"`
	Path       string        `json:"path"`
	Run        int           `json:"run"` // 1-based, with --count
	Status     string        `json:"status"`
	Checks     []Check       `json:"checks"`
	Error      string        `json:"error,omitempty"` // a failure to run, not an expectation
	Duration   time.Duration `json:"duration_ns"`
	Cost       float64       `json:"cost_usd"`
	P95Latency time.Duration `json:"p95_latency_ns"`
	Transcript []string      `json:"transcript,omitempty"` // the conversation, one line a turn
}

// Failed reports whether the run failed (an expectation or the run itself).
func (r *Result) Failed() bool { return r.Status == Failed }

// runner plays one scenario.
type runner struct {
	sc   *Scenario
	conn *Conn
	sess *session.Session

	mu        sync.Mutex
	changed   chan struct{}
	buf       []session.Event // events of the current step
	ready     bool
	ended     bool
	endErr    error
	idleSeq   int // Idle events seen
	idleTurns int
	approvals []session.ToolApprovalRequired // waiting for an answer
	agent     string
	cost      float64
	tokens    int
	sentAt    []time.Time // per turn sent, for latency
	answered  int         // turns whose first answer arrived
	latencies []time.Duration
	stepLat   []time.Duration // latencies of the turns answered during the current step
	lines     []string
	turns     int
	quiet     bool // the latest Idle came after the latest sign of activity
	speaking  bool // an audio step is in progress
	endAfter  bool // an agent_end arrived since the current audio step began
	endIdle   int  // idleSeq at the last agent_end
}

// Run plays sc once with open and returns its result. ctx bounds the whole run.
func Run(ctx context.Context, sc *Scenario, open Opener, run int) *Result {
	res := &Result{Name: sc.Name, Path: sc.Path, Run: run, Status: Passed}
	start := time.Now()
	if sc.Budget.Wall > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, sc.Budget.Wall.D())
		defer cancel()
	}
	err := playScenario(ctx, sc, open, res)
	res.Duration = time.Since(start)
	if err != nil {
		res.Status, res.Error = Failed, err.Error()
		if sc.Budget.Wall > 0 && errors.Is(err, context.DeadlineExceeded) {
			res.Error = fmt.Sprintf("over the wall-time budget of %s", sc.Budget.Wall)
		}
	}
	for _, c := range res.Checks {
		if c.Result == Failed {
			res.Status = Failed
		}
	}
	return res
}

func playScenario(ctx context.Context, sc *Scenario, open Opener, res *Result) error {
	conn, err := open(ctx, sc)
	if err != nil {
		return err
	}
	r := &runner{sc: sc, conn: conn, sess: conn.Session, changed: make(chan struct{})}
	consumed := make(chan struct{})
	go func() { defer close(consumed); r.consume() }()
	defer func() {
		_ = r.sess.Close()
		<-consumed
		if conn.Close != nil {
			_ = conn.Close()
		}
		if conn.Checks != nil {
			res.Checks = append(res.Checks, conn.Checks()...)
		}
		r.mu.Lock()
		res.Transcript = r.lines
		res.Cost = r.cost
		res.P95Latency = p95(r.latencies)
		r.mu.Unlock()
	}()
	if err := r.waitFor(ctx, sc.Timeout.D(), "the session to be ready", func() bool { return r.ready }); err != nil {
		return err
	}
	for i := range sc.Steps {
		st := &sc.Steps[i]
		if err := r.step(ctx, st); err != nil {
			return fmt.Errorf("step %d: %w", i+1, err)
		}
		if st.Expect != nil {
			res.Checks = append(res.Checks, sc.evaluate(i, st.Expect, r.record(ctx))...)
		}
		r.mu.Lock()
		r.buf, r.stepLat = nil, nil
		r.mu.Unlock()
	}
	r.budgets(res)
	return nil
}

func (r *runner) budgets(res *Result) {
	b := r.sc.Budget
	r.mu.Lock()
	cost, lat := r.cost, p95(r.latencies)
	r.mu.Unlock()
	if b.Cost != nil {
		c := Check{Step: -1, What: fmt.Sprintf("budget.cost: $%.4f", *b.Cost), Result: Passed}
		if cost > *b.Cost {
			c.Result, c.Detail = Failed, fmt.Sprintf("cost $%.4f", cost)
		}
		res.Checks = append(res.Checks, c)
	}
	if b.P95Latency > 0 {
		c := Check{Step: -1, What: "budget.p95_latency: " + b.P95Latency.String(), Result: Passed}
		if lat > b.P95Latency.D() {
			c.Result, c.Detail = Failed, "p95 latency "+lat.Round(time.Millisecond).String()
		}
		res.Checks = append(res.Checks, c)
	}
}

// step performs one step's action and waits for the session to settle.
func (r *runner) step(ctx context.Context, st *Step) error {
	timeout := r.sc.Timeout.D()
	switch {
	case st.Say != "":
		r.mu.Lock()
		seq := r.idleSeq
		r.turns++
		r.quiet = false
		turns := r.turns
		r.sentAt = append(r.sentAt, time.Now())
		r.lines = append(r.lines, "you: "+st.Say)
		r.mu.Unlock()
		if err := r.sess.SendText(st.Say); err != nil {
			return fmt.Errorf("sending %q: %w", st.Say, err)
		}
		// Settled: answered completely, or stopped at an approval for a later step.
		return r.waitFor(ctx, timeout, "the answer to "+fmt.Sprintf("%q", st.Say), func() bool {
			return (r.idleSeq > seq && r.idleTurns >= turns) || len(r.approvals) > 0
		})
	case st.Approve != "":
		if err := r.waitFor(ctx, timeout, "a tool approval request", func() bool { return len(r.approvals) > 0 }); err != nil {
			return err
		}
		r.mu.Lock()
		a := r.approvals[0]
		r.approvals = r.approvals[1:]
		seq := r.idleSeq
		r.lines = append(r.lines, fmt.Sprintf("(approval for %s: %s)", a.Tool, st.Approve))
		r.mu.Unlock()
		switch st.Approve {
		case "yes", "always":
			r.sess.Approve(a.CallID, st.Approve == "always")
		default:
			r.sess.Reject(a.CallID, st.Approve == "never", "")
		}
		return r.waitFor(ctx, timeout, "the session to settle after the approval", func() bool {
			return (r.idleSeq > seq && len(r.approvals) == 0) || len(r.approvals) > 0
		})
	case st.Interrupt:
		r.mu.Lock()
		seq, quiet := r.idleSeq, r.quiet
		r.lines = append(r.lines, "(you interrupt)")
		r.mu.Unlock()
		r.sess.Interrupt(session.ReasonManual)
		if quiet {
			return nil // nothing was running: no Idle will follow
		}
		return r.waitFor(ctx, timeout, "the session to settle after the interrupt", func() bool { return r.idleSeq > seq })
	case st.Wait > 0:
		t := time.NewTimer(st.Wait.D())
		defer t.Stop()
		select {
		case <-t.C:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	case st.Audio != "":
		if r.conn.Speak == nil {
			return errors.New("audio steps are not supported on this endpoint")
		}
		r.mu.Lock()
		r.endAfter, r.speaking, r.quiet = false, true, false
		r.lines = append(r.lines, "(you speak "+st.Audio+")")
		r.mu.Unlock()
		defer func() {
			r.mu.Lock()
			r.speaking = false
			r.mu.Unlock()
		}()
		if err := r.conn.Speak(ctx, r.sc.rel(st.Audio)); err != nil {
			return fmt.Errorf("speaking %s: %w", st.Audio, err)
		}
		// Settled: a response ended after the audio began and the session was
		// quiet after it (tool calls and handoffs included), or it stopped at an
		// approval for a later step.
		return r.waitFor(ctx, timeout, "the answer to "+st.Audio, func() bool {
			return (r.endAfter && r.idleSeq > r.endIdle) || len(r.approvals) > 0
		})
	}
	return nil
}

// record snapshots what the current step saw, for its expectations.
func (r *runner) record(ctx context.Context) *stepRecord {
	r.mu.Lock()
	defer r.mu.Unlock()
	rec := &stepRecord{events: slices.Clone(r.buf), latencies: slices.Clone(r.stepLat), agent: r.agent, cost: r.cost, tokens: r.tokens}
	if j := r.conn.Judge; j != nil {
		conv := strings.Join(r.lines, "\n")
		rec.judge = func(statement string) (bool, string, error) { return j(ctx, conv, statement) }
	}
	return rec
}

func (r *runner) consume() {
	for ev := range r.sess.Events() {
		if r.conn.Observe != nil {
			r.conn.Observe(ev)
		}
		r.mu.Lock()
		r.buf = append(r.buf, ev)
		switch e := ev.(type) {
		case session.SessionReady:
			r.ready = true
			r.agent = e.Agent
		case session.Idle:
			r.idleSeq++
			r.idleTurns = e.Turns
			r.quiet = true
		case session.SpeechStarted, session.ToolStart:
			r.quiet = false
		case session.ToolApprovalRequired:
			r.approvals = append(r.approvals, e)
			r.quiet = false
		case session.AgentStart:
			r.agent = e.Agent
			r.quiet = false
		case session.AgentEnd:
			r.endAfter, r.endIdle = true, r.idleSeq
		case session.Handoff:
			r.agent = e.ToAgent
			r.lines = append(r.lines, fmt.Sprintf("(handoff %s → %s)", e.FromAgent, e.ToAgent))
		case session.UsageEvent:
			r.cost = e.CostUSD
			r.tokens = e.Total.TotalTokens
		case session.Transcript:
			if e.Role == "user" && e.Final && r.speaking {
				r.lines = append(r.lines, "you: "+e.Text)
			}
			if e.Role == "assistant" {
				r.noteAnswer()
				if e.Final && strings.TrimSpace(e.Text) != "" {
					r.lines = append(r.lines, e.Agent+": "+e.Text)
				}
			}
		case session.ToolEnd:
			r.lines = append(r.lines, fmt.Sprintf("(tool %s %s → %s)", e.Tool, e.Arguments, clip(e.Output)))
		case session.GuardrailTripped:
			r.lines = append(r.lines, fmt.Sprintf("(guardrail %s tripped)", strings.Join(e.Guardrails, ", ")))
		case session.Closed:
			r.ended, r.endErr = true, e.Err
		}
		r.signal()
		r.mu.Unlock()
	}
	r.mu.Lock()
	r.ended = true
	r.signal()
	r.mu.Unlock()
}

// noteAnswer records the latency of the oldest unanswered turn (mu held).
func (r *runner) noteAnswer() {
	if r.answered < len(r.sentAt) {
		r.latencies = append(r.latencies, time.Since(r.sentAt[r.answered]))
		r.answered++
		r.stepLat = append(r.stepLat, r.latencies[len(r.latencies)-1])
	}
}

func (r *runner) signal() {
	close(r.changed)
	r.changed = make(chan struct{})
}

// waitFor waits until cond (evaluated under mu) holds, the session ends, or the
// step timeout or ctx ends.
func (r *runner) waitFor(ctx context.Context, timeout time.Duration, what string, cond func() bool) error {
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		r.mu.Lock()
		ok, ch, ended, endErr := cond(), r.changed, r.ended, r.endErr
		r.mu.Unlock()
		if ok {
			return nil
		}
		if ended {
			if endErr != nil {
				return fmt.Errorf("the session ended while waiting for %s: %w", what, endErr)
			}
			return fmt.Errorf("the session ended while waiting for %s", what)
		}
		select {
		case <-ch:
		case <-t.C:
			return fmt.Errorf("timed out after %s waiting for %s", timeout, what)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func p95(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (len(s)*95 + 99) / 100
	return s[max(i-1, 0)]
}
