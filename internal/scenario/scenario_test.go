package scenario

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/rtagent/rtagent"
	"github.com/rtagent/rtagent/internal/agent"
	"github.com/rtagent/rtagent/internal/realtime"
	"github.com/rtagent/rtagent/internal/realtime/openai"
	"github.com/rtagent/rtagent/internal/realtime/sim"
	"github.com/rtagent/rtagent/internal/session"
	"github.com/rtagent/rtagent/internal/tools"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// simOpener builds a session over the real simulator on loopback: a concierge
// with the builtin echo tool and an approval-gated refund tool, handing off to
// billing.
func simOpener(t testing.TB) Opener {
	return func(ctx context.Context, sc *Scenario) (*Conn, error) {
		srv := sim.New(sim.Options{})
		url, err := srv.Start("127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		echo, err := tools.NewBuiltin("echo", tools.Definition{Name: "echo"})
		if err != nil {
			t.Fatal(err)
		}
		refund, err := tools.NewBuiltin("echo", tools.Definition{Name: "refund", NeedsApproval: true,
			Parameters: json.RawMessage(`{"type":"object","properties":{"order_id":{"type":"string"}},"required":["order_id"]}`)})
		if err != nil {
			t.Fatal(err)
		}
		agents := []*session.Agent{
			{Name: "concierge", Instructions: "front desk", Tools: []tools.Tool{echo, refund},
				Handoffs: []session.HandoffTarget{{Agent: "billing"}}},
			{Name: "billing", HandoffDescription: "billing", Instructions: "billing"},
		}
		s, err := session.New(session.Config{
			Model:      openai.New(openai.Config{URL: url, APIKey: "sk-scenario"}),
			Agents:     agents,
			StartAgent: sc.Agent,
			Base:       realtime.Settings{Model: "gpt-realtime", OutputModalities: []string{"text"}},
		})
		if err != nil {
			srv.Close()
			return nil, err
		}
		if err := s.Start(ctx); err != nil {
			srv.Close()
			return nil, err
		}
		return &Conn{Session: s, Close: srv.Close}, nil
	}
}

func TestSuitePassesAndFailsWithDiff(t *testing.T) {
	files, err := Discover([]string{"testdata/suite"})
	if err != nil || len(files) != 2 {
		t.Fatalf("Discover = %v, %v", files, err)
	}
	all, err := LoadAll(files)
	if err != nil {
		t.Fatal(err)
	}
	var progress []string
	rs := RunAll(t.Context(), all, simOpener(t), Options{Parallel: 2, Done: func(r *Result) { progress = append(progress, ProgressLine(r)) }})
	if len(rs) != 2 || len(progress) != 2 {
		t.Fatalf("%d results, %d progress lines", len(rs), len(progress))
	}
	byName := map[string]*Result{}
	for _, r := range rs {
		byName[r.Name] = r
	}
	pass, fail := byName["echo, approval and handoff"], byName["deliberately failing"]
	if pass.Failed() {
		var buf bytes.Buffer
		WriteText(&buf, []*Result{pass}, Summary{})
		t.Fatalf("passing scenario failed:\n%s", buf.String())
	}
	var judge *Check
	for i, c := range pass.Checks {
		if strings.HasPrefix(c.What, "judge:") {
			judge = &pass.Checks[i]
		}
	}
	if judge == nil || judge.Result != Skipped {
		t.Fatalf("a judge on the simulator must be skipped, never passed: %+v", judge)
	}
	if !fail.Failed() {
		t.Fatal("the deliberately failing scenario passed")
	}
	var buf bytes.Buffer
	WriteText(&buf, rs, Summarize(rs, time.Second))
	out := buf.String()
	for _, want := range []string{
		"--- FAIL: deliberately failing",
		`step 1: expected transcript`,
		`got: does not contain "goodbye"; the assistant said: "You said: hello there"`,
		"expected tool_called: echo",
		"you: hello there",
		"1 passed, 1 failed, 1 skipped",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}

func TestInvalidScenarioHasPositions(t *testing.T) {
	_, err := Load("testdata/bad/invalid.test.yaml")
	var errs agent.Errors
	if !errors.As(err, &errs) {
		t.Fatalf("Load = %v, want agent.Errors", err)
	}
	got := err.Error()
	for _, want := range []string{
		"testdata/bad/invalid.test.yaml:3:5: steps[0]: a step does one thing",
		"testdata/bad/invalid.test.yaml:5:14: steps[1].approve: want yes, no, always or never",
		"testdata/bad/invalid.test.yaml:7:29: steps[2].expect.transcript.matches: not a valid regular expression",
		`testdata/bad/invalid.test.yaml:8:7: steps[2].expect.tool_caled: unknown field "tool_caled" (did you mean "tool_called"?)`,
		"testdata/bad/invalid.test.yaml:10:48: steps[3].expect.tool_called.arguments_schema: not a valid JSON Schema: at '/properties/n/minimum': got string, want number",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("errors lack %q:\n%s", want, got)
		}
	}
}

// A tool_called expectation with arguments_schema passes only for a call whose
// arguments validate.
func TestToolCalledArgumentsSchema(t *testing.T) {
	tc := &ToolCall{Name: "refund", ArgumentsSchema: map[string]any{
		"required":   []any{"order_id"},
		"properties": map[string]any{"order_id": map[string]any{"type": "string", "pattern": "^A-[0-9]+$"}},
	}}
	call := func(args string) []session.Event {
		return []session.Event{session.ToolStart{Tool: "refund", Arguments: args}}
	}
	if ok, why := toolCalled(tc, call(`{"order_id":"A-12"}`)); !ok {
		t.Errorf("matching arguments failed: %s", why)
	}
	for _, args := range []string{`{}`, `{"order_id":12}`, `{"order_id":"B-1"}`, `{"order_id":`} {
		if ok, _ := toolCalled(tc, call(args)); ok {
			t.Errorf("arguments %s passed the schema", args)
		}
	}
}

func TestSelectAndShard(t *testing.T) {
	var all []*Scenario
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		all = append(all, &Scenario{File: File{Name: n, Path: n + Suffix}})
	}
	names := func(scs []*Scenario) string {
		var s []string
		for _, sc := range scs {
			s = append(s, sc.Name)
		}
		return strings.Join(s, ",")
	}
	if got := names(Select(all, Options{Shard: Shard{K: 2, N: 2}})); got != "b,d" {
		t.Errorf("shard 2/2 = %s", got)
	}
	if got := names(Select(all, Options{Run: regexp.MustCompile("^[ace]$"), Shard: Shard{K: 1, N: 2}})); got != "a,e" {
		t.Errorf("filtered shard 1/2 = %s", got)
	}
	for _, bad := range []string{"0/2", "3/2", "x", "1/0"} {
		if _, err := ParseShard(bad); err == nil {
			t.Errorf("ParseShard(%q) accepted", bad)
		}
	}
}

// The JUnit file has the shape of the common JUnit XML schema: testsuites with
// counts, testsuite with counts, testcase with name, classname and time, and a
// failure element carrying message and type.
func TestJUnitShape(t *testing.T) {
	rs := []*Result{
		{Name: "ok", Path: "a.test.yaml", Run: 1, Status: Passed, Duration: time.Second},
		{Name: "bad", Path: "b.test.yaml", Run: 1, Status: Failed, Checks: []Check{{Step: 0, What: "handoff: billing", Result: Failed, Detail: "handoffs: none"}}},
		{Name: "broke", Path: "c.test.yaml", Run: 2, Status: Failed, Error: "timed out"},
	}
	var buf bytes.Buffer
	if err := WriteJUnit(&buf, "rtagent", rs, 3*time.Second); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		XMLName  xml.Name `xml:"testsuites"`
		Tests    int      `xml:"tests,attr"`
		Failures int      `xml:"failures,attr"`
		Errors   int      `xml:"errors,attr"`
		Suites   []struct {
			Name  string `xml:"name,attr"`
			Tests int    `xml:"tests,attr"`
			Time  string `xml:"time,attr"`
			Cases []struct {
				Name      string `xml:"name,attr"`
				Classname string `xml:"classname,attr"`
				Time      string `xml:"time,attr"`
				Failure   *struct {
					Message string `xml:"message,attr"`
					Type    string `xml:"type,attr"`
				} `xml:"failure"`
				Error *struct {
					Message string `xml:"message,attr"`
				} `xml:"error"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("not XML: %v\n%s", err, buf.String())
	}
	if doc.Tests != 3 || doc.Failures != 1 || doc.Errors != 1 || len(doc.Suites) != 1 || len(doc.Suites[0].Cases) != 3 {
		t.Fatalf("counts: %+v", doc)
	}
	c := doc.Suites[0].Cases
	if c[0].Failure != nil || c[0].Time != "1.000" || c[0].Classname != "a.test.yaml" {
		t.Errorf("passing case: %+v", c[0])
	}
	if c[1].Failure == nil || c[1].Failure.Message != "handoff: billing" || c[1].Failure.Type == "" {
		t.Errorf("failing case: %+v", c[1])
	}
	if c[2].Error == nil || c[2].Name != "broke (run 2)" {
		t.Errorf("erroring case: %+v", c[2])
	}
}

func TestSchemaDescribesSteps(t *testing.T) {
	b := []byte(rtagent.ScenarioSchema)
	var s map[string]any
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"tool_called"`, `"approve"`, `"judge"`, `"p95_latency"`} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("schema lacks %s", want)
		}
	}
}
