package mcp

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rtagent/rtagent/internal/tools"
)

// A stdio server: tools listed with their schemas (an invalid schema left out),
// calls through tools.Invoke, content summarised, error results, a minimal
// environment, stderr in the log.
func TestStdioListAndCall(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "sk-must-not-leak")
	cfg := stdio("test")
	cfg.Env = []string{"MCP_TEST_VALUE=42"}
	r := open(t, []ServerConfig{cfg}, Options{})

	st := r.Status()[0]
	if st.State != StateReady || st.Kind != "stdio" {
		t.Fatalf("status %+v", st)
	}
	if len(st.Skipped) != 1 || !strings.HasPrefix(st.Skipped[0], "bad_schema: ") {
		t.Errorf("skipped = %q, want bad_schema", st.Skipped)
	}
	all, conflicts := r.Tools([]Use{{Server: "test"}}, nil)
	if len(conflicts) > 0 {
		t.Fatal(conflicts)
	}
	if got := names(all); slices.Contains(got, "bad_schema") || !slices.Contains(got, "echo") || !slices.Contains(got, "add") {
		t.Fatalf("tools = %v", got)
	}
	echo := r.tool(t, "echo", Use{Server: "test"})
	if d := echo.Definition(); d.Description != "Echo the message." || !strings.Contains(string(d.Parameters), `"required":["message"]`) || d.NeedsApproval {
		t.Errorf("echo definition %+v", d)
	}
	if mt, ok := echo.(*Tool); !ok || mt.Server() != "test" || mt.RemoteName() != "echo" {
		t.Errorf("echo is %T", echo)
	}

	for _, c := range []struct{ tool, args, want string }{
		{"echo", `{"message":"hello"}`, "Echo: hello"},
		{"add", `{"a":2,"b":3.5}`, "The sum of 2 and 3.5 is 5.5."},
		{"media", `{}`, "a picture:\n[image: image/png, 24 bytes]\n[resource link: x.txt <file:///tmp/x.txt>]"},
		{"env", ``, "MCP_TEST_VALUE=42 OPENAI_API_KEY="},
	} {
		if res := invoke(t, r.tool(t, c.tool, Use{Server: "test"}), c.args); res.Err != nil || res.Output != c.want {
			t.Errorf("%s: output %q err %v, want %q", c.tool, res.Output, res.Err, c.want)
		}
	}
	// Arguments that do not match the schema never reach the server (R8.4).
	if res := invoke(t, echo, `{"message":7}`); !errors.Is(res.Err, tools.ErrInvalidArguments) {
		t.Errorf("bad arguments: %q %v", res.Output, res.Err)
	}
	if res := invoke(t, r.tool(t, "fail", Use{Server: "test"}), `{}`); res.Err == nil || res.Output != "Error running tool fail: the disk is on fire" {
		t.Errorf("error result: %q %v", res.Output, res.Err)
	}
	if !strings.Contains(r.log.String(), "mcpserver starting") {
		t.Errorf("server stderr not in the log:\n%s", r.log)
	}
}

// Allow and deny lists, approvals per server and per tool, prefixes, and name
// conflicts with the agent's tools and between servers.
func TestUsesAndNames(t *testing.T) {
	a := stdio("a")
	b := stdio("b")
	p := stdio("p")
	p.Prefix = "p."
	r := open(t, []ServerConfig{a, b, p}, Options{})

	ts, conflicts := r.Tools([]Use{{Server: "a", Allow: []string{"echo", "add", "fail"}, Deny: []string{"fail"}, ApprovalTools: []string{"add"}}}, nil)
	// In the server's order (the go-sdk lists tools by name).
	if got := names(ts); !slices.Equal(got, []string{"add", "echo"}) || len(conflicts) > 0 {
		t.Fatalf("allow/deny: %v %v", got, conflicts)
	}
	if !ts[0].Definition().NeedsApproval || ts[1].Definition().NeedsApproval {
		t.Error("per-tool approval not applied")
	}
	ts, _ = r.Tools([]Use{{Server: "a", Allow: []string{"echo"}, NeedsApproval: true}}, nil)
	if len(ts) != 1 || !ts[0].Definition().NeedsApproval {
		t.Error("per-server approval not applied")
	}

	// p's tools are p_echo, ...: "." is not allowed in a realtime tool name (R8.1).
	ts, conflicts = r.Tools([]Use{{Server: "a", Allow: []string{"echo"}}, {Server: "b", Allow: []string{"echo", "add"}}, {Server: "p", Allow: []string{"echo"}}},
		func(n string) bool { return n == "add" })
	if got := names(ts); !slices.Equal(got, []string{"echo", "p_echo"}) {
		t.Errorf("tools = %v", got)
	}
	var msgs []string
	for _, c := range conflicts {
		msgs = append(msgs, c.Error())
	}
	want := []string{
		`MCP server b: tool add is left out: the agent already has a tool named "add" (set a prefix on the server)`,
		`MCP server b: tool echo is left out: server a already provides a tool named "echo" (set a prefix on one of them)`,
	}
	if !slices.Equal(msgs, want) {
		t.Errorf("conflicts:\n%s\nwant:\n%s", strings.Join(msgs, "\n"), strings.Join(want, "\n"))
	}
	if res := invoke(t, ts[1], `{"message":"via prefix"}`); res.Output != "Echo: via prefix" {
		t.Errorf("prefixed call: %q %v", res.Output, res.Err)
	}
	if _, c := r.Tools([]Use{{Server: "nope"}}, nil); len(c) != 1 {
		t.Error("unknown server not reported")
	}
}

// A huge result is cut to the output cap with a visible marker.
func TestHugeOutput(t *testing.T) {
	r := open(t, []ServerConfig{stdio("test")}, Options{})
	res := invoke(t, r.tool(t, "big", Use{Server: "test"}), `{"n":2000000}`)
	if res.Err != nil || len(res.Output) > tools.MaxOutputBytes || !strings.Contains(res.Output, "bytes omitted]") {
		t.Fatalf("output %d bytes, err %v, tail %q", len(res.Output), res.Err, res.Output[max(0, len(res.Output)-60):])
	}
}

// A tool that hangs times out; the server still answers a ping, so it stays up
// and the next call works.
func TestHangingToolTimesOut(t *testing.T) {
	cfg := stdio("test")
	cfg.Timeout = 300 * time.Millisecond
	r := open(t, []ServerConfig{cfg}, Options{})
	res := invoke(t, r.tool(t, "hang", Use{Server: "test"}), `{}`)
	if !res.TimedOut || res.Output != "Tool hang timed out after 0.3s" {
		t.Fatalf("hang: %q %v", res.Output, res.Err)
	}
	if res := invoke(t, r.tool(t, "echo", Use{Server: "test"}), `{"message":"still here"}`); res.Output != "Echo: still here" {
		t.Fatalf("after the hang: %q %v", res.Output, res.Err)
	}
	if st := r.Status()[0]; st.Restarts != 0 || st.State != StateReady {
		t.Errorf("status %+v", st)
	}
}

// A server that stops answering altogether (SIGSTOP) is detected by the ping after
// a timed-out call, killed and restarted.
func TestFrozenServerIsRestarted(t *testing.T) {
	cfg := stdio("test")
	cfg.Timeout = 300 * time.Millisecond
	r := open(t, []ServerConfig{cfg}, Options{Backoff: func(int) time.Duration { return 0 }})
	r.waitState(t, StateReady)
	res := invoke(t, r.tool(t, "freeze", Use{Server: "test"}), `{}`)
	if !res.TimedOut {
		t.Fatalf("freeze: %q %v", res.Output, res.Err)
	}
	down := r.waitState(t, StateRestarting)
	if down.err == nil || !strings.Contains(down.err.Error(), "killed") {
		t.Errorf("down because %v", down.err)
	}
	r.waitState(t, StateReady)
	if res := invoke(t, r.tool(t, "echo", Use{Server: "test"}), `{"message":"back"}`); res.Output != "Echo: back" {
		t.Fatalf("after restart: %q %v", res.Output, res.Err)
	}
}

// A crash mid-session: the call gets a clear error, the model gets "not running"
// while the restart waits, and the server comes back.
func TestCrashRestartsWithBackoff(t *testing.T) {
	release, stop := make(chan struct{}), make(chan struct{})
	var waits []int
	r := open(t, []ServerConfig{stdio("test")}, Options{Backoff: func(n int) time.Duration {
		waits = append(waits, n)
		select { // the test decides when the restart happens
		case <-release:
		case <-stop:
		}
		return 0
	}})
	t.Cleanup(func() { close(stop) }) // runs before the Manager's Close
	r.waitState(t, StateReady)
	res := invoke(t, r.tool(t, "crash", Use{Server: "test"}), `{}`)
	if res.Err == nil || !strings.HasPrefix(res.Output, "Error running tool crash: MCP server test: ") {
		t.Errorf("crash call: %q", res.Output)
	}
	down := r.waitState(t, StateRestarting)
	if want := "server process ended: exit status 3; last stderr line: boom: crashing on purpose"; down.err == nil || down.err.Error() != want {
		t.Errorf("down because %v, want %s", down.err, want)
	}
	echo := r.tool(t, "echo", Use{Server: "test"}) // still declared from the last list
	res = invoke(t, echo, `{"message":"x"}`)
	if want := "Error running tool echo: MCP server test is not running (server process ended: exit status 3; last stderr line: boom: crashing on purpose); restarting"; res.Output != want {
		t.Errorf("while down: %q\nwant %q", res.Output, want)
	}
	close(release)
	r.waitState(t, StateReady)
	if res := invoke(t, echo, `{"message":"again"}`); res.Output != "Echo: again" {
		t.Errorf("after restart: %q", res.Output)
	}
	if st := r.Status()[0]; st.Restarts != 1 || !slices.Equal(waits, []int{1}) {
		t.Errorf("restarts %d, backoff calls %v", st.Restarts, waits)
	}
}

// Start failures: a missing program, a program that exits, a server that never
// answers initialize. Open returns, the state says why, restarts end after
// MaxAttempts.
func TestStartFailures(t *testing.T) {
	missing := ServerConfig{Name: "missing", Command: []string{"/nonexistent/mcp-server"}}
	exits := ServerConfig{Name: "exits", Command: []string{"/bin/sh", "-c", "echo 'no config' >&2; exit 2"}}
	silent := stdio("silent", "-silent")
	silent.StartTimeout = 500 * time.Millisecond
	start := time.Now()
	r := open(t, []ServerConfig{missing, exits, silent, stdio("good")}, Options{MaxAttempts: 1})
	if d := time.Since(start); d > 8*time.Second {
		t.Errorf("Open took %s", d)
	}
	want := map[string]string{
		"missing": "cannot start /nonexistent/mcp-server: no such file or directory (gave up after 1 attempts)",
		"exits":   "server process ended during initialize: exit status 2; last stderr line: no config (gave up after 1 attempts)",
		"silent":  "no answer to initialize within 500ms (gave up after 1 attempts)",
	}
	for _, st := range r.Status() {
		if st.Name == "good" {
			if st.State != StateReady {
				t.Errorf("good: %+v", st)
			}
			continue
		}
		if st.State != StateFailed || st.Err == nil || st.Err.Error() != want[st.Name] {
			t.Errorf("%s: %s %v\nwant %s", st.Name, st.State, st.Err, want[st.Name])
		}
	}
	ts, _ := r.Tools([]Use{{Server: "silent"}, {Server: "good", Allow: []string{"echo"}}}, nil)
	if got := names(ts); !slices.Equal(got, []string{"echo"}) {
		t.Errorf("tools = %v", got)
	}
}

// notifications/tools/list_changed: the tools are listed again and Changed fires.
func TestToolListChanged(t *testing.T) {
	r := open(t, []ServerConfig{stdio("test")}, Options{})
	if res := invoke(t, r.tool(t, "grow", Use{Server: "test"}), `{}`); res.Output != "grown" {
		t.Fatalf("grow: %q %v", res.Output, res.Err)
	}
	select {
	case <-r.Changed():
	case <-time.After(20 * time.Second):
		t.Fatal("no change signalled")
	}
	if res := invoke(t, r.tool(t, "extra", Use{Server: "test"}), `{}`); res.Output != "extra here" {
		t.Fatalf("extra: %q %v", res.Output, res.Err)
	}
}

// Streamable HTTP with a header secret from the environment; a missing variable
// and a refused token fail the start with messages that never hold the secret.
func TestHTTPServer(t *testing.T) {
	const token = "s3cret-token-value"
	url := startHTTPServer(t, "EXPECT_AUTH=Bearer "+token)
	t.Setenv("MCP_TEST_TOKEN", token)
	ok := ServerConfig{Name: "web", URL: url, Headers: map[string]string{"Authorization": "Bearer ${MCP_TEST_TOKEN}"}}
	noVar := ServerConfig{Name: "novar", URL: url, Headers: map[string]string{"Authorization": "Bearer ${MCP_TEST_UNSET}"}}
	wrong := ServerConfig{Name: "wrong", URL: url, Headers: map[string]string{"Authorization": "Bearer ${MCP_TEST_TOKEN}x"}}
	r := open(t, []ServerConfig{ok, noVar, wrong}, Options{MaxAttempts: 1})

	sts := r.Status()
	if sts[0].State != StateReady || sts[0].Kind != "http" {
		t.Fatalf("web: %+v", sts[0])
	}
	if res := invoke(t, r.tool(t, "echo", Use{Server: "web"}), `{"message":"over http"}`); res.Output != "Echo: over http" {
		t.Errorf("http echo: %q %v", res.Output, res.Err)
	}
	if e := sts[1].Err; e == nil || e.Error() != "header Authorization: environment variable MCP_TEST_UNSET is not set (gave up after 1 attempts)" {
		t.Errorf("novar: %v", e)
	}
	if e := sts[2].Err; e == nil || sts[2].State != StateFailed || strings.Contains(e.Error(), token) {
		t.Errorf("wrong token: %v", e)
	}
	if strings.Contains(r.log.String(), token) {
		t.Error("the token is in the log")
	}
}

// "$${NAME}" in a header is the literal "${NAME}", as agents.yaml validation
// accepts it: the server receives it unexpanded although NAME is set, and the
// literal is no secret to scrub from the server's messages.
func TestHTTPServerHeaderLiteral(t *testing.T) {
	t.Setenv("MCP_TEST_TOKEN", "s3cret-token-value")
	url := startHTTPServer(t, "EXPECT_AUTH=Bearer ${MCP_TEST_TOKEN}")
	r := open(t, []ServerConfig{{Name: "web", URL: url, Headers: map[string]string{"Authorization": "Bearer $${MCP_TEST_TOKEN}"}}},
		Options{MaxAttempts: 1})
	if st := r.Status()[0]; st.State != StateReady {
		t.Fatalf("web: %+v", st)
	}
	s := r.servers[0]
	s.mu.Lock()
	secrets := s.secrets
	s.mu.Unlock()
	if len(secrets) != 0 {
		t.Errorf("%d header values kept as secrets, want none", len(secrets))
	}
}

// An HTTP server that goes away mid-session: the call gets a clear error naming
// the server, and closing the Manager does not hang.
func TestHTTPServerGone(t *testing.T) {
	url, stop := startHTTPServerStop(t)
	r := open(t, []ServerConfig{{Name: "web", URL: url}}, Options{Backoff: func(int) time.Duration { return time.Hour }})
	echo := r.tool(t, "echo", Use{Server: "web"})
	if res := invoke(t, echo, `{"message":"up"}`); res.Output != "Echo: up" {
		t.Fatalf("before: %q %v", res.Output, res.Err)
	}
	stop()
	res := invoke(t, echo, `{"message":"down"}`)
	if res.Err == nil || !strings.HasPrefix(res.Output, "Error running tool echo: MCP server web") {
		t.Errorf("after the server went away: %q", res.Output)
	} else {
		t.Log(res.Output)
	}
	done := make(chan struct{})
	go func() { r.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		t.Fatal("Close hangs")
	}
}
