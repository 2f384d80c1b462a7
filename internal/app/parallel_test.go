package app

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/rtagent/rtagent/internal/session"
	"github.com/rtagent/rtagent/internal/testkit"
)

// End to end on the simulator: a message naming two tools gets both called in one
// response (parallel tool calls), their outputs go in call order, and one follow-up
// response answers about both (R8.10, R6.4).
func TestParallelToolCallsOnSimulator(t *testing.T) {
	agents := agentsFile(t, `agents:
  - name: helper
    instructions: Help.
    tools:
      - name: get_time
        builtin: clock
      - name: echo
        builtin: echo
`)
	trace := filepath.Join(filepath.Dir(agents), "trace.jsonl")
	evs := runSimOpts(t, Options{AgentsFile: agents, Trace: trace}, nil, "get_time and echo text=hi")
	ends := toolEnds(evs)
	if len(ends) != 2 || ends[0].Tool != "get_time" || ends[1].Tool != "echo" || ends[1].Output != "hi" {
		t.Fatalf("tool_end events = %+v", ends)
	}
	starts, answers := 0, []string{}
	for _, ev := range evs {
		switch e := ev.(type) {
		case session.AgentStart:
			starts++
		case session.Transcript:
			if e.Final && e.Role == "assistant" {
				answers = append(answers, e.Text)
			}
		}
	}
	if starts != 2 {
		t.Errorf("%d responses, want 2: the calls, then one follow-up", starts)
	}
	if len(answers) != 1 || !strings.Contains(answers[0], "get_time returned:") || !strings.Contains(answers[0], "echo returned: hi") {
		t.Errorf("answers = %q, want one answer about both tools", answers)
	}
	frames := testkit.ReadTrace(t, readFile(t, trace))
	var order []string
	for _, f := range testkit.FramesOf(frames, "client", "conversation.item.create", "response.create") {
		s := string(f)
		switch {
		case strings.Contains(s, `"function_call_output"`):
			order = append(order, "output")
		case strings.Contains(s, `"response.create"`):
			order = append(order, "create")
		}
	}
	if strings.Join(order, " ") != "create output output create" && strings.Join(order, " ") != "output output create" {
		t.Errorf("client frames = %v, want both outputs then one response.create", order)
	}
	calls := testkit.FramesOf(frames, "server", "response.output_item.done")
	outs := testkit.FramesOf(frames, "client", "conversation.item.create")
	var callIDs, outIDs []string
	for _, c := range calls {
		if id := jsonField(string(c), "call_id"); id != "" {
			callIDs = append(callIDs, id)
		}
	}
	for _, o := range outs {
		if id := jsonField(string(o), "call_id"); id != "" {
			outIDs = append(outIDs, id)
		}
	}
	if strings.Join(callIDs, ",") != strings.Join(outIDs, ",") {
		t.Errorf("outputs %v not in call order %v", outIDs, callIDs)
	}
}

// jsonField returns the first "key":"value" string value in s.
func jsonField(s, key string) string {
	i := strings.Index(s, `"`+key+`":"`)
	if i < 0 {
		return ""
	}
	s = s[i+len(key)+4:]
	return s[:strings.IndexByte(s, '"')]
}
