package agent

import (
	"encoding/json"
	"testing"
)

// A builtin tool declared without parameters gets the builtin's own schema, so the
// model learns its arguments (the calculator's required expression).
func TestBuiltinToolDefaultsToItsOwnParameters(t *testing.T) {
	cfg, err := Parse([]byte(`
agents:
  - name: a
    instructions: hi
    tools:
      - { name: calc, builtin: calculator }
      - { name: mine, builtin: calculator, parameters: { type: object, properties: { x: { type: number } } } }
`), "agents.yaml", LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Properties map[string]any `json:"properties"`
		Required   []string       `json:"required"`
	}
	if err := json.Unmarshal(cfg.Agents[0].Tools[0].ParametersJSON(), &got); err != nil {
		t.Fatal(err)
	}
	if _, ok := got.Properties["expression"]; !ok || len(got.Required) != 1 || got.Required[0] != "expression" {
		t.Fatalf("calculator parameters = %s, want the builtin's schema with a required expression", cfg.Agents[0].Tools[0].ParametersJSON())
	}
	if s := cfg.Agents[0].Tools[0].ParametersSchema(); s == nil {
		t.Fatal("the default schema was not compiled")
	}
	// Explicit parameters win.
	if err := json.Unmarshal(cfg.Agents[0].Tools[1].ParametersJSON(), &got); err != nil {
		t.Fatal(err)
	}
	if _, ok := got.Properties["x"]; !ok {
		t.Fatalf("explicit parameters were replaced: %s", cfg.Agents[0].Tools[1].ParametersJSON())
	}
}
