package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/rtagent/rtagent/internal/testkit"
)

// TestMCPScripts runs the command-line scripts about MCP servers
// (testdata/mcpscript): $MCPSERVER is the mcp package's test server (a real go-sdk
// server, built here), and, when node is installed, $NODE and $EVERYTHING run the
// pinned reference server @modelcontextprotocol/server-everything (condition
// [everything]; without node those parts are skipped and the log says why).
func TestMCPScripts(t *testing.T) {
	root := testkit.Root(t)
	bin := filepath.Join(t.TempDir(), "mcpserver")
	build := exec.Command("go", "build", "-o", bin, "./internal/tools/mcp/testdata/mcpserver")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the test MCP server: %v\n%s", err, out)
	}
	entry, why := everythingServer(t, root)
	if why != "" {
		t.Log(why)
	}
	testscript.Run(t, testscript.Params{
		Dir: filepath.Join("testdata", "mcpscript"),
		Setup: func(env *testscript.Env) error {
			env.Setenv("ROOT", root)
			env.Setenv("OPENAI_API_KEY", "")
			env.Setenv("XDG_STATE_HOME", filepath.Join(env.WorkDir, ".state"))
			// Scripts name the servers by bare name (looked up in PATH) and by a
			// path relative to the agents file.
			env.Setenv("PATH", filepath.Dir(bin)+string(os.PathListSeparator)+env.Getenv("PATH"))
			if entry != "" {
				pkg := filepath.Dir(filepath.Dir(entry))
				if err := os.Symlink(pkg, filepath.Join(env.WorkDir, "server-everything")); err != nil {
					return err
				}
			}
			return nil
		},
		Condition: func(cond string) (bool, error) {
			if cond == "everything" {
				return entry != "", nil
			}
			return false, nil
		},
	})
}

// everythingServer installs the pinned reference server (the mcp package's
// testdata/everything, npm ci once; node_modules is git-ignored) and returns node
// its entry point, or why it cannot.
func everythingServer(t *testing.T, root string) (entry, why string) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		return "", "node is not installed: skipping the parts with the reference MCP server @modelcontextprotocol/server-everything"
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		return "", "npm is not installed: skipping the parts with the reference MCP server @modelcontextprotocol/server-everything"
	}
	dir := filepath.Join(root, "internal", "tools", "mcp", "testdata", "everything")
	entry = filepath.Join(dir, "node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js")
	if _, err := os.Stat(entry); err != nil {
		cmd := exec.Command(npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm ci in %s: %v\n%s", dir, err, out)
		}
	}
	return entry, ""
}
