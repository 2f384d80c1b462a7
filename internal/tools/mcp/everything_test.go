package mcp

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtagent/rtagent/internal/testkit"
)

// everythingDir holds the pinned reference server (package.json, package-lock.json).
const everythingDir = "testdata/everything"

// everythingServer installs the reference server @modelcontextprotocol/server-everything
// at its pinned version with npm ci (once; node_modules is kept and git-ignored) and
// returns its stdio configuration. It skips the test without node and npm.
func everythingServer(t *testing.T) ServerConfig {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: skipping the reference MCP server @modelcontextprotocol/server-everything")
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		t.Skip("npm is not installed: skipping the reference MCP server @modelcontextprotocol/server-everything")
	}
	entry := filepath.Join(everythingDir, "node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js")
	if _, err := os.Stat(entry); err != nil {
		cmd := exec.Command(npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts")
		cmd.Dir = everythingDir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm ci in %s: %v\n%s", everythingDir, err, out)
		}
	}
	abs, err := filepath.Abs(entry)
	if err != nil {
		t.Fatal(err)
	}
	return ServerConfig{Name: "everything", Command: []string{node, abs, "stdio"}, StartTimeout: 30 * time.Second}
}

// The reference server: its tools are listed with their schemas, echo and get-sum
// (the former "add") answer, an image result is summarised, never dumped.
func TestEverythingReferenceServer(t *testing.T) {
	r := open(t, []ServerConfig{everythingServer(t)}, Options{})
	st := r.Status()[0]
	if st.State != StateReady {
		t.Fatalf("status %+v", st)
	}
	ts, conflicts := r.Tools([]Use{{Server: "everything"}}, nil)
	if len(conflicts) > 0 || len(ts) < 5 {
		t.Fatalf("tools %v, conflicts %v, skipped %v", names(ts), conflicts, st.Skipped)
	}
	use := Use{Server: "everything"}
	if res := invoke(t, r.tool(t, "echo", use), `{"message":"hello"}`); res.Err != nil || res.Output != "Echo: hello" {
		t.Errorf("echo: %q %v", res.Output, res.Err)
	}
	if res := invoke(t, r.tool(t, "get-sum", use), `{"a":2,"b":3}`); res.Err != nil || !strings.Contains(res.Output, "5") {
		t.Errorf("get-sum: %q %v", res.Output, res.Err)
	}
	res := invoke(t, r.tool(t, "get-tiny-image", use), `{}`)
	if res.Err != nil || !strings.Contains(res.Output, "[image: image/png, ") || len(res.Output) > 1000 {
		t.Errorf("get-tiny-image: %q %v", res.Output, res.Err)
	}

	// Declared to the model, every tool is a valid GA function tool: a
	// session.update carrying them all validates strictly (R2.3 rule 5, R8.1).
	type wireTool struct {
		Type        string          `json:"type"`
		Name        string          `json:"name"`
		Description string          `json:"description,omitempty"`
		Parameters  json.RawMessage `json:"parameters"`
	}
	var wt []wireTool
	for _, x := range ts {
		d := x.Definition()
		wt = append(wt, wireTool{Type: "function", Name: d.Name, Description: d.Description, Parameters: d.Parameters})
	}
	pcm := map[string]any{"type": "audio/pcm", "rate": 24000}
	frame, err := json.Marshal(map[string]any{"type": "session.update", "event_id": "rtagent_session_update_1", "session": map[string]any{
		"type": "realtime", "model": "gpt-realtime-2", "output_modalities": []string{"text"}, "instructions": "",
		"audio": map[string]any{"input": map[string]any{"format": pcm, "turn_detection": nil}, "output": map[string]any{"format": pcm, "voice": "marin"}},
		"tools": wt, "tool_choice": "auto", "reasoning": map[string]any{"effort": "low"}, "parallel_tool_calls": true,
	}})
	if err != nil {
		t.Fatal(err)
	}
	testkit.ValidateClientFrames(t, [][]byte{frame})
}
