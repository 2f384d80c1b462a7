package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestTmuxChatMCP drives the real full-screen `rtagent chat --sim --text` with an
// MCP server configured: the reference server @modelcontextprotocol/server-everything
// when node is installed, else the mcp package's go-sdk test server. Its echo tool
// needs approval: the dialog, y, the tool card with the result, the answer. Then
// /image sends a picture and the simulator acknowledges it. Nothing of the server
// reaches the terminal.
func TestTmuxChatMCP(t *testing.T) {
	r := newTmuxRig(t)
	root, tmp, bin, stderrPath := r.root, r.tmp, r.bin, r.stderr
	work := filepath.Join(tmp, "work")
	if err := os.Mkdir(work, 0o755); err != nil {
		t.Fatal(err)
	}
	server := ""
	echoResult := "Echo: hello"
	if entry, why := everythingServer(t, root); entry != "" {
		server = fmt.Sprintf("[node, %q, stdio]\n    start_timeout: 30s", entry)
	} else {
		t.Logf("%s; using the go-sdk test server instead", why)
		mcpBin := filepath.Join(tmp, "mcpserver")
		build := exec.Command("go", "build", "-o", mcpBin, "./internal/tools/mcp/testdata/mcpserver")
		build.Dir = root
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("building the test MCP server: %v\n%s", err, out)
		}
		server = fmt.Sprintf("[%q]", mcpBin)
	}
	agents := filepath.Join(work, "agents.yaml")
	if err := os.WriteFile(agents, []byte(`mcp_servers:
  - name: ref
    command: `+server+`
agents:
  - name: helper
    instructions: Help.
    mcp:
      - { server: ref, allow: [echo], needs_approval: [echo] }
`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(work, "cat.gif"), []byte("GIF89a fake pixels\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	shellCmd := fmt.Sprintf("%s chat --sim --text --agents %s 2>%s",
		shq(bin), shq(agents), shq(stderrPath))
	s := r.start(work, shellCmd)

	s.waitText("type a message", "helper │", "● connected")
	s.typeLine("echo message=hello")
	s.waitText("approve tool call?", "tool  echo  agent helper", "y approve  n reject")
	s.key("y")
	scr := s.waitText("ƒ echo  ✓", "approved by you", "result "+echoResult, "echo returned: "+echoResult)
	if strings.Contains(scr, "error") {
		s.fatalf("an error on screen")
	}

	s.typeLine("/image cat.gif")
	s.waitText("[image: cat.gif, 19 bytes]", "You sent an image of 19 bytes.")

	scr = s.quit()
	if b, _ := os.ReadFile(stderrPath); len(bytes.TrimSpace(b)) > 0 {
		t.Errorf("rtagent wrote to stderr:\n%s", b)
	}
}
