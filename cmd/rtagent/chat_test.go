package main

import (
	"slices"
	"testing"

	"github.com/rtagent/rtagent/internal/app"
)

// The UI learns the endpoint (never its query), whether it is the simulator, the
// agents' descriptions, tools and handoffs, the starting agent's examples and
// --no-mouse.
func TestTUIOptions(t *testing.T) {
	cfg, err := app.LoadAgents("../../agents.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	rt := &app.Runtime{Config: cfg, StartAgent: "concierge", Endpoint: app.RedactURL("wss://x.example/v1/realtime?token=SECRET")}
	opts := &chatOptions{NoMouse: true}
	o := tuiOptions(rt, opts)
	if o.Endpoint != "wss://x.example/v1/realtime" || o.Simulated || !o.NoMouse {
		t.Errorf("endpoint %q simulated %v no-mouse %v", o.Endpoint, o.Simulated, o.NoMouse)
	}
	if !slices.Equal(o.Examples, []string{"what time is it? get_time", "lookup_order order_id=A-1234", "transfer to billing"}) {
		t.Errorf("examples %q", o.Examples)
	}
	b := o.AgentInfo["billing"]
	if b.Description == "" || !slices.Contains(b.Tools, "issue_refund") || !slices.Contains(b.Handoffs, "concierge") {
		t.Errorf("billing info %+v", b)
	}
	if !slices.Equal(o.Agents, []string{"concierge", "billing", "tech_support"}) {
		t.Errorf("agents %q", o.Agents)
	}

	rt.Simulated = true
	o = tuiOptions(rt, &chatOptions{})
	if o.Endpoint != "the built-in simulator" || !o.Simulated || o.NoMouse {
		t.Errorf("sim: endpoint %q simulated %v no-mouse %v", o.Endpoint, o.Simulated, o.NoMouse)
	}
}
