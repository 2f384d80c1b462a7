package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/rtagent/rtagent/internal/realtime/sim"
	"github.com/rtagent/rtagent/internal/scenario"
	"github.com/rtagent/rtagent/internal/testkit"
	"github.com/rtagent/rtagent/internal/testkit/rig"
)

func runSuite(t *testing.T, o ScenarioOptions, paths ...string) []*scenario.Result {
	t.Helper()
	files, err := scenario.Discover(paths)
	if err != nil {
		t.Fatal(err)
	}
	all, err := scenario.LoadAll(files)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	if o.Getenv == nil {
		o.Getenv = func(string) string { return "" }
	}
	return scenario.RunAll(ctx, all, NewScenarioOpener(o), scenario.Options{Parallel: 2})
}

func report(rs []*scenario.Result) string {
	var buf bytes.Buffer
	scenario.WriteText(&buf, rs, scenario.Summarize(rs, 0))
	return buf.String()
}

// The example scenarios pass on the simulator through the real opener.
func TestExampleScenariosPass(t *testing.T) {
	rs := runSuite(t, ScenarioOptions{}, filepath.Join(testkit.Root(t), "examples", "tests"))
	if len(rs) < 5 {
		t.Fatalf("%d results", len(rs))
	}
	for _, r := range rs {
		if r.Failed() {
			t.Fatalf("example failed:\n%s", report(rs))
		}
	}
}

// fakeJudge is a loopback stand-in for the Chat Completions API: it checks the
// request a judge sends and answers pass when the statement contains "greets".
func fakeJudge(t *testing.T, key string) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.URL.Path != "/v1/chat/completions" || r.Method != http.MethodPost {
			http.Error(w, `{"error":{"message":"no such route"}}`, http.StatusNotFound)
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+key {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"error":{"message":"Incorrect API key provided","type":"invalid_request_error"}}`)
			return
		}
		var req struct {
			Model    string `json:"model"`
			Messages []struct {
				Role, Content string
			} `json:"messages"`
			ResponseFormat struct {
				Type       string `json:"type"`
				JSONSchema struct {
					Strict bool            `json:"strict"`
					Schema json.RawMessage `json:"schema"`
				} `json:"json_schema"`
			} `json:"response_format"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || len(req.Messages) != 2 ||
			req.ResponseFormat.Type != "json_schema" || !req.ResponseFormat.JSONSchema.Strict {
			http.Error(w, `{"error":{"message":"bad request"}}`, http.StatusBadRequest)
			return
		}
		user := req.Messages[1].Content
		_, statement, _ := strings.Cut(user, "\n\nStatement: ")
		verdict := map[string]any{"pass": strings.Contains(statement, "greets"), "reason": "model " + req.Model + " read: " + strings.ReplaceAll(user, "\n", " | ")}
		content, _ := json.Marshal(verdict)
		json.NewEncoder(w).Encode(map[string]any{"choices": []any{map[string]any{"message": map[string]any{"role": "assistant", "content": string(content)}}}})
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

// The judge asks the Chat Completions API for a strict JSON verdict with the key,
// the model and the conversation, and returns its answer; API errors name the
// status and message, never the key.
func TestJudgeEvaluate(t *testing.T) {
	const key = "sk-judge-SECRET-123"
	srv, _ := fakeJudge(t, key)
	j := &Judge{BaseURL: srv.URL + "/v1", APIKey: key, Model: "judge-model-x", Client: srv.Client()}
	ok, why, err := j.Evaluate(t.Context(), "you: hi\nconcierge: Hello!", "the agent greets the user")
	if err != nil || !ok || !strings.Contains(why, "model judge-model-x read: Conversation: | you: hi | concierge: Hello!") {
		t.Fatalf("Evaluate = %v, %q, %v", ok, why, err)
	}
	ok, _, err = j.Evaluate(t.Context(), "you: hi", "the agent refunds the order")
	if err != nil || ok {
		t.Fatalf("a false statement: %v, %v", ok, err)
	}
	bad := &Judge{BaseURL: srv.URL + "/v1", APIKey: "sk-wrong-SECRET", Model: "m", Client: srv.Client()}
	_, _, err = bad.Evaluate(t.Context(), "c", "s")
	if err == nil || !strings.Contains(err.Error(), "401 Unauthorized: Incorrect API key provided") || strings.Contains(err.Error(), "SECRET") {
		t.Fatalf("a rejected key: %v", err)
	}
}

// A judge: expectation is evaluated by the judge on a real endpoint (a ws:// URL
// with a key), and skipped — never passed — on the simulator, even with a key.
func TestScenarioJudgeOnRealEndpointsOnly(t *testing.T) {
	const key = "sk-judge-SECRET-456"
	judge, calls := fakeJudge(t, key)
	_, simURL := rig.StartSim(t, sim.Options{})
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "agents.yaml"), "agents:\n  - name: concierge\n    instructions: front desk\n")
	body := "steps:\n  - say: hello\n    expect:\n      judge: the agent greets the user\n  - expect:\n      judge: the agent refunds an order\n"
	writeFile(t, filepath.Join(dir, "real.test.yaml"), "name: real\nendpoint: "+simURL+"\n"+body)
	writeFile(t, filepath.Join(dir, "sim.test.yaml"), "name: sim\n"+body)
	env := func(k string) string {
		if k == "OPENAI_API_KEY" {
			return key
		}
		return ""
	}
	rs := runSuite(t, ScenarioOptions{Getenv: env, JudgeURL: judge.URL + "/v1", JudgeModel: "judge-model-y"}, dir)
	byName := map[string]*scenario.Result{}
	for _, r := range rs {
		byName[r.Name] = r
	}
	real, simr := byName["real"], byName["sim"]
	if real == nil || simr == nil || real.Error != "" || simr.Error != "" {
		t.Fatalf("results: %s", report(rs))
	}
	if len(real.Checks) != 2 || real.Checks[0].Result != scenario.Passed || real.Checks[1].Result != scenario.Failed {
		t.Fatalf("judged checks: %+v", real.Checks)
	}
	if !strings.Contains(real.Checks[0].Detail, "concierge: You said: hello") || !strings.Contains(real.Checks[0].Detail, "judge-model-y") {
		t.Errorf("the judge did not see the conversation or the model: %q", real.Checks[0].Detail)
	}
	for _, c := range simr.Checks {
		if c.Result != scenario.Skipped {
			t.Errorf("on the simulator a judge must be skipped: %+v", c)
		}
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("the judge was called %d times, want 2 (never for the simulator)", n)
	}
	if out := report(rs); strings.Contains(out, "SECRET") {
		t.Errorf("the key leaked into the report:\n%s", out)
	}
}

// A scenario whose endpoint is a recorded trace replays it: the same agents file
// follows the recording; a renamed tool fails the run with the divergence.
func TestScenarioReplayEndpoint(t *testing.T) {
	dir := t.TempDir()
	agents := "agents:\n  - name: concierge\n    instructions: front desk\n    handoffs: [billing]\n    tools:\n      - {name: calculator, builtin: calculator}\n  - name: billing\n    instructions: billing\n"
	writeFile(t, filepath.Join(dir, "agents.yaml"), agents)
	steps := "steps:\n  - say: hello\n  - say: calculator expression=2*3\n    expect: {tool_output: {contains: '6'}}\n  - say: transfer to billing\n    expect: {handoff: billing}\n"
	writeFile(t, filepath.Join(dir, "record.test.yaml"), "name: record\n"+steps)
	traces := filepath.Join(dir, "traces")
	if rs := runSuite(t, ScenarioOptions{TraceDir: traces}, filepath.Join(dir, "record.test.yaml")); rs[0].Failed() {
		t.Fatalf("recording:\n%s", report(rs))
	}
	edited := filepath.Join(dir, "edited")
	if err := os.Mkdir(edited, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(edited, "agents.yaml"), strings.Replace(agents, "name: calculator", "name: calc", 1))
	replay := "name: replay\nreplay: ../traces/record.trace.jsonl\n" + strings.ReplaceAll(steps, "    expect: {tool_output: {contains: '6'}}\n", "")
	if err := os.Mkdir(filepath.Join(dir, "replay"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "replay", "replay.test.yaml"), replay)
	writeFile(t, filepath.Join(edited, "replay.test.yaml"), replay)

	rs := runSuite(t, ScenarioOptions{ReplayTimeout: 2 * time.Second}, filepath.Join(dir, "replay"), edited)
	same, diverged := rs[1], rs[0] // sorted by path: edited/ before replay/
	if same.Failed() {
		t.Fatalf("the same agents file diverged:\n%s", report(rs))
	}
	last := same.Checks[len(same.Checks)-1]
	if last.What != "replay: the client follows ../traces/record.trace.jsonl" || last.Result != scenario.Passed {
		t.Errorf("replay check: %+v", last)
	}
	if !diverged.Failed() {
		t.Fatalf("a renamed tool did not fail the replay:\n%s", report(rs))
	}
	out := report([]*scenario.Result{diverged})
	if !strings.Contains(out, `replay: expected replay: the client follows ../traces/record.trace.jsonl`) ||
		!strings.Contains(out, `session.update: session.tools[0].name: recorded "calculator", got "calc"`) {
		t.Errorf("the report does not show the divergence:\n%s", out)
	}
}

// endpoint: openai without a key fails the scenario with the one clear line.
func TestScenarioOpenAIWithoutKey(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "agents.yaml"), "agents:\n  - name: concierge\n    instructions: front desk\n")
	writeFile(t, filepath.Join(dir, "o.test.yaml"), "name: o\nendpoint: openai\nsteps:\n  - say: hello\n")
	rs := runSuite(t, ScenarioOptions{}, dir)
	if !rs[0].Failed() || rs[0].Error != "endpoint openai: OPENAI_API_KEY is not set: export it, or use the simulator (endpoint: sim)" {
		t.Fatalf("result: %+v", rs[0])
	}
}

// After a suite, the opener has left nothing running: simulators, replay servers
// and their connections, sessions and tool processes are all closed.
func TestScenarioOpenerLeavesNothingRunning(t *testing.T) {
	t.Run("replay", TestScenarioReplayEndpoint)
	t.Run("judge", TestScenarioJudgeOnRealEndpointsOnly)
	t.Run("examples", TestExampleScenariosPass)
	goleak.VerifyNone(t)
}
