package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rtagent/rtagent/internal/scenario"
	"github.com/rtagent/rtagent/internal/transcript"
)

// ScenarioOptions configure the sessions `rtagent test` opens. The opener they
// build holds no global state: many scenarios run at once in one process.
type ScenarioOptions struct {
	Getenv    func(string) string // the environment (nil: os.Getenv)
	Logger    *slog.Logger        // nil: discard
	UserAgent string

	// JudgeModel judges `judge:` expectations on real endpoints ("" =
	// DefaultJudgeModel); JudgeURL is the OpenAI REST API base ("" =
	// $OPENAI_BASE_URL, else DefaultOpenAIBaseURL); JudgeClient is its HTTP
	// client (nil: a one-minute timeout).
	JudgeModel  string
	JudgeURL    string
	JudgeClient *http.Client

	// TraceDir, if set, receives each run's trace (<name>.trace.jsonl) and
	// Markdown transcript (<name>.md); <name> is the scenario file's name
	// without .test.yaml (see traceName).
	TraceDir string

	// ReplayTimeout bounds the replay server's wait for each recorded client
	// frame (0: 10 s).
	ReplayTimeout time.Duration
}

// NewScenarioOpener returns the Opener that builds a scenario's runtime from
// its agents file with app's own pieces: the simulator (unpaced) by default,
// the OpenAI Realtime API, a ws:// URL, or a replay of a recorded trace, whose
// divergences become a failed check. Answers are in text. Nothing is printed.
func NewScenarioOpener(o ScenarioOptions) scenario.Opener {
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.JudgeModel == "" {
		o.JudgeModel = DefaultJudgeModel
	}
	if o.JudgeURL == "" {
		o.JudgeURL = o.Getenv("OPENAI_BASE_URL")
	}
	if o.JudgeURL == "" {
		o.JudgeURL = DefaultOpenAIBaseURL
	}
	op := &scenarioOpener{o: o, runs: map[string]int{}, names: map[string]string{}, taken: map[string]bool{}}
	return op.open
}

type scenarioOpener struct {
	o     ScenarioOptions
	mu    sync.Mutex
	runs  map[string]int    // scenario path → runs opened
	names map[string]string // scenario path → its trace-dir base name
	taken map[string]bool   // base names given out
}

func (op *scenarioOpener) open(ctx context.Context, sc *scenario.Scenario) (_ *scenario.Conn, err error) {
	o := op.o
	aopts := Options{
		AgentsFile: sc.AgentsPath, Agent: sc.Agent, Vars: sc.Vars,
		Modality: "text", Approval: "ask", // approvals are answered by approve: steps
		Getenv: o.Getenv, Logger: o.Logger.With("scenario", sc.Path), UserAgent: o.UserAgent,
	}
	var (
		closers []func() error
		checks  func() []scenario.Check
		judge   *Judge
	)
	cleanup := func() error {
		var errs []error
		for i := len(closers) - 1; i >= 0; i-- {
			errs = append(errs, closers[i]())
		}
		closers = nil
		return errors.Join(errs...)
	}
	defer func() {
		if err != nil {
			_ = cleanup()
		}
	}()

	key := o.Getenv("OPENAI_API_KEY")
	switch ep := sc.Endpoint; {
	case sc.ReplayPath != "":
		frames, err := scenario.LoadTrace(sc.ReplayPath)
		if err != nil {
			return nil, err
		}
		rp := scenario.NewReplay(frames)
		if o.ReplayTimeout > 0 {
			rp.ReadTimeout = o.ReplayTimeout
		}
		url, err := rp.Start("127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("replay %s: %w", sc.Replay, err)
		}
		closers = append(closers, rp.Close)
		aopts.URL = url
		// The replay server is ours, on loopback: it gets the placeholder key,
		// never the user's.
		aopts.Getenv = withoutKeys(o.Getenv)
		checks = func() []scenario.Check { return replayChecks(sc, rp) }
	case ep == "" || ep == scenario.EndpointSim:
		aopts.Sim, aopts.Fast = true, true
	case ep == scenario.EndpointOpenAI:
		if key == "" {
			return nil, usageErrorf("endpoint openai: OPENAI_API_KEY is not set: export it, or use the simulator (endpoint: sim)")
		}
		judge = &Judge{BaseURL: o.JudgeURL, APIKey: key, Model: o.JudgeModel, Client: o.JudgeClient}
	default: // a ws:// or wss:// URL
		aopts.URL = ep
		if key != "" {
			judge = &Judge{BaseURL: o.JudgeURL, APIKey: key, Model: o.JudgeModel, Client: o.JudgeClient}
		}
	}

	var tw *transcript.Writer
	var tpath string
	if o.TraceDir != "" {
		if err := os.MkdirAll(o.TraceDir, 0o755); err != nil {
			return nil, usageErrorf("--trace-dir: %v", err)
		}
		base := op.traceName(sc.Path)
		aopts.Trace = filepath.Join(o.TraceDir, base+".trace.jsonl")
		tpath = filepath.Join(o.TraceDir, base+".md")
	}
	rt, err := Open(ctx, aopts)
	if err != nil {
		return nil, err
	}
	closers = append(closers, rt.Close)
	if tpath != "" {
		if tw, err = transcript.Create(tpath, transcript.Header{Agents: sc.AgentsPath, Model: rt.Settings.Model, Agent: rt.StartAgent}); err != nil {
			return nil, fmt.Errorf("--trace-dir: %w", err)
		}
		closers = append(closers, func() error { return FileErr("--trace-dir", tpath, tw.Close()) })
	}
	if err := rt.Session.Start(ctx); err != nil {
		return nil, err
	}
	conn := &scenario.Conn{
		Session: rt.Session,
		Speak:   func(ctx context.Context, path string) error { return rt.speak(ctx, path) },
		Close:   cleanup,
		Checks:  checks,
	}
	if tw != nil {
		conn.Observe = tw.Add
	}
	if judge != nil {
		conn.Judge = judge.Evaluate
	}
	return conn, nil
}

// speak plays a WAV file as the microphone; without turn detection (push to
// talk) it then commits the turn, as releasing the key would (§5.8).
func (rt *Runtime) speak(ctx context.Context, path string) error {
	if err := rt.PlayAudioIn(ctx, path); err != nil {
		return err
	}
	if rt.Settings.TurnDetection == nil {
		return rt.Session.CommitAudio()
	}
	return nil
}

// traceName is the --trace-dir base name of the next run of the scenario at
// path: the file's name without .test.yaml, "-2", "-3" … when files in other
// directories share it, and ".runN" from a file's second run on.
func (op *scenarioOpener) traceName(path string) string {
	stem := strings.TrimSuffix(filepath.Base(path), scenario.Suffix)
	key := filepath.Clean(path)
	op.mu.Lock()
	defer op.mu.Unlock()
	base, ok := op.names[key]
	if !ok {
		base = stem
		for i := 2; op.taken[base]; i++ {
			base = stem + "-" + strconv.Itoa(i)
		}
		op.taken[base] = true
		op.names[key] = base
	}
	op.runs[key]++
	if n := op.runs[key]; n > 1 {
		base += ".run" + strconv.Itoa(n)
	}
	return base
}

// replayTail bounds the wait, after the client closed, for the replay server
// to finish comparing what it received.
const replayTail = 5 * time.Second

// replayChecks turns a replay's divergences into one check.
func replayChecks(sc *scenario.Scenario, rp *scenario.Replay) []scenario.Check {
	select {
	case <-rp.Done():
	case <-time.After(replayTail):
	}
	c := scenario.Check{Step: -1, What: "replay: the client follows " + sc.Replay, Result: scenario.Passed}
	if divs := rp.Divergences(); len(divs) > 0 {
		var lines []string
		for i, d := range divs {
			if i == 5 {
				lines = append(lines, fmt.Sprintf("… and %d more", len(divs)-5))
				break
			}
			lines = append(lines, d.String())
		}
		c.Result = scenario.Failed
		c.Detail = fmt.Sprintf("%d divergence(s): %s", len(divs), strings.Join(lines, "; "))
	}
	return []scenario.Check{c}
}

// withoutKeys hides the API keys from getenv.
func withoutKeys(getenv func(string) string) func(string) string {
	return func(k string) string {
		if k == "OPENAI_API_KEY" || k == "AZURE_OPENAI_API_KEY" {
			return ""
		}
		return getenv(k)
	}
}
