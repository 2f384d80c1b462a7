package agent

import "testing"

// model.reasoning and model.parallel_tool_calls load as given and stay unset when
// absent (they are sent only when configured, docs/protocol.md R2.3 rule 2).
func TestReasoningAndParallelToolCalls(t *testing.T) {
	cfg, err := Parse([]byte("model:\n  reasoning: {effort: xhigh}\n  parallel_tool_calls: false\nagents:\n  - name: a\n    instructions: hi\n"), "r.yaml", testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if r := cfg.Model.Reasoning; r == nil || r.Effort != "xhigh" {
		t.Errorf("reasoning = %+v", r)
	}
	if p := cfg.Model.ParallelToolCalls; p == nil || *p {
		t.Errorf("parallel_tool_calls = %v", p)
	}
	cfg, err = Parse([]byte("agents:\n  - name: a\n    instructions: hi\n"), "r.yaml", testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Model.Reasoning != nil || cfg.Model.ParallelToolCalls != nil {
		t.Errorf("defaults set: %+v %v", cfg.Model.Reasoning, cfg.Model.ParallelToolCalls)
	}
}
