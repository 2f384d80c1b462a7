package scenario

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtagent/rtagent/internal/realtime"
	"github.com/rtagent/rtagent/internal/realtime/openai"
	"github.com/rtagent/rtagent/internal/realtime/sim"
	"github.com/rtagent/rtagent/internal/session"
	"github.com/rtagent/rtagent/internal/testkit"
	"github.com/rtagent/rtagent/internal/tools"
)

// converse runs a three-turn session (text, tool call, handoff) against url with
// the echo tool named toolName, tracing every frame into trace.
func converse(t *testing.T, url, toolName string, trace *testkit.SafeBuffer) *Result {
	t.Helper()
	echo, err := tools.NewBuiltin("echo", tools.Definition{Name: toolName})
	if err != nil {
		t.Fatal(err)
	}
	cfg := openai.Config{URL: url, APIKey: "sk-replay"}
	if trace != nil {
		cfg.Trace = trace
	}
	s, err := session.New(session.Config{
		Model: openai.New(cfg),
		Agents: []*session.Agent{
			{Name: "concierge", Instructions: "front desk", Tools: []tools.Tool{echo}, Handoffs: []session.HandoffTarget{{Agent: "billing"}}},
			{Name: "billing", HandoffDescription: "billing", Instructions: "billing"},
		},
		Base: realtime.Settings{Model: "gpt-realtime", OutputModalities: []string{"text"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	sc := &Scenario{File: File{Name: "converse", Timeout: 10 * 1e9, Steps: []Step{
		{Say: "hello"}, {Say: "echo text=hi"}, {Say: "transfer to billing"},
	}}}
	res := Run(t.Context(), sc, func(ctx context.Context, _ *Scenario) (*Conn, error) {
		return &Conn{Session: s}, s.Start(ctx)
	}, 1)
	return res
}

func TestReplayRecordedSession(t *testing.T) {
	srv := sim.New(sim.Options{})
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var trace testkit.SafeBuffer
	if res := converse(t, url, "echo", &trace); res.Error != "" {
		t.Fatalf("recording: %s\n%s", res.Error, strings.Join(res.Transcript, "\n"))
	}
	srv.Close()
	path := filepath.Join(t.TempDir(), "trace.jsonl")
	if err := os.WriteFile(path, trace.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	frames, err := LoadTrace(path)
	if err != nil {
		t.Fatal(err)
	}

	play := func(toolName string) []Divergence {
		r := NewReplay(frames)
		r.ReadTimeout = 2 * time.Second
		url, err := r.Start("127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		res := converse(t, url, toolName, nil)
		if toolName == "echo" && res.Error != "" {
			t.Fatalf("replay: %s\n%s", res.Error, strings.Join(res.Transcript, "\n"))
		}
		return r.Divergences()
	}
	if d := play("echo"); len(d) != 0 {
		t.Fatalf("the same client diverged from its own recording: %v", d)
	}
	d := play("repeat") // an edited agents file: the tool was renamed
	if len(d) == 0 {
		t.Fatal("a renamed tool did not diverge")
	}
	if !strings.Contains(d[0].String(), "session.update: session.tools[0].name: recorded \"echo\", got \"repeat\"") {
		t.Fatalf("first divergence = %s", d[0])
	}
}

func TestLoadTraceErrorsNameTheLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.jsonl")
	os.WriteFile(path, []byte(`{"t_ms":1,"dir":"server","event":{"type":"session.created"}}`+"\n"+`{"t_ms":2,"dir":"sideways","event":{"type":"x"}}`+"\n"), 0o644)
	if _, err := LoadTrace(path); err == nil || !strings.Contains(err.Error(), "t.jsonl:2: dir must be client or server") {
		t.Fatalf("LoadTrace = %v", err)
	}
}

func TestWithSilence(t *testing.T) {
	got := string(withSilence([]byte(`{"type":"response.output_audio.delta","delta":"<3 bytes>"}`)))
	if got != `{"type":"response.output_audio.delta","delta":"AAAA"}` {
		t.Fatalf("withSilence = %s", got)
	}
}
