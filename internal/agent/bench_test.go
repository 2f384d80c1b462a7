package agent

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeAgents writes an agents file with n agents, each with instructions,
// three tools (builtin, command, http), three handoffs and two guardrails.
func writeAgents(tb testing.TB, n int) string {
	tb.Helper()
	var b strings.Builder
	b.WriteString("default_agent: agent_0\nmodel: {name: gpt-realtime-2.1, turn_detection: {type: semantic_vad, eagerness: auto}}\n")
	b.WriteString("guardrails:\n  output:\n    - {name: global_words, deny_words: [password, passcode]}\nagents:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - name: agent_%d\n", i)
		fmt.Fprintf(&b, "    handoff_description: Specialist number %d\n", i)
		fmt.Fprintf(&b, "    instructions: |\n      You are agent %d of {{ .Vars.company }}. Today is {{ .Date }}.\n      Be brief.\n", i)
		b.WriteString("    tools:\n")
		b.WriteString("      - {name: now, builtin: clock}\n")
		b.WriteString("      - name: lookup\n        description: Look up a record\n")
		b.WriteString("        parameters: {type: object, properties: {id: {type: string, pattern: '^[A-Z]-[0-9]+$'}, limit: {type: integer, minimum: 1}}, required: [id], additionalProperties: false}\n")
		b.WriteString("        command: [./tools/lookup.sh, --json]\n        timeout: 5s\n")
		b.WriteString("      - name: refund\n        http: {url: 'https://api.example/refund', headers: {Authorization: 'Bearer ${API_KEY}'}}\n        needs_approval: true\n")
		b.WriteString("    handoffs:\n")
		for k := 1; k <= 3; k++ {
			fmt.Fprintf(&b, "      - agent_%d\n", (i+k)%n)
		}
		b.WriteString("    output_guardrails:\n      - {name: cards, deny_regex: '\\b(?:\\d[ -]?){13,16}\\b'}\n")
		b.WriteString("    input_guardrails:\n      - {name: words, deny_words: [hack, exploit]}\n")
	}
	dir := tb.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "tools"), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tools", "lookup.sh"), []byte("#!/bin/sh\ncat\n"), 0o755); err != nil {
		tb.Fatal(err)
	}
	path := filepath.Join(dir, "agents.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		tb.Fatal(err)
	}
	return path
}

func TestGenerated50Agents(t *testing.T) {
	cfg, err := Load(writeAgents(t, 50), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Agents) != 50 || len(cfg.Agents[49].Handoffs) != 3 || cfg.Agents[49].Handoffs[0].ToolName != "transfer_to_agent_0" {
		t.Fatalf("unexpected config: %d agents", len(cfg.Agents))
	}
}

func BenchmarkLoad50Agents(b *testing.B) {
	path := writeAgents(b, 50)
	opts := testOptions()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(path, opts); err != nil {
			b.Fatal(err)
		}
	}
}
