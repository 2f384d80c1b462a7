package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rtagent/rtagent/internal/testkit"
)

// tmuxSession is the real rtagent binary running `chat` full-screen inside a
// detached tmux server of its own (a private socket, no user config).
type tmuxSession struct {
	t    *testing.T
	sock string
	name string
	last string // the last captured pane, printed on failure
}

var tmuxSessions atomic.Int64

// tmux runs one tmux client command on the private server.
func (s *tmuxSession) tmux(args ...string) (string, error) {
	cmd := exec.Command("tmux", append([]string{"-S", s.sock}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return string(out), fmt.Errorf("tmux %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return string(out), nil
}

func (s *tmuxSession) must(args ...string) string {
	s.t.Helper()
	out, err := s.tmux(args...)
	if err != nil {
		s.fatalf("%v", err)
	}
	return out
}

// capture returns the visible pane, as text.
func (s *tmuxSession) capture() string {
	out, err := s.tmux("capture-pane", "-p", "-t", s.name)
	if err == nil {
		s.last = out
	}
	return out
}

// format evaluates a tmux format (#{...}) on the pane.
func (s *tmuxSession) format(f string) string {
	out, _ := s.tmux("display-message", "-p", "-t", s.name, f)
	return strings.TrimSpace(out)
}

func (s *tmuxSession) fatalf(format string, args ...any) {
	s.t.Helper()
	s.t.Fatalf("%s\n--- last screen ---\n%s\n-------------------", fmt.Sprintf(format, args...), s.last)
}

// tmuxWait bounds every wait for the screen; generous for -race on a busy CI box.
const tmuxWait = 15 * time.Second

// waitFor polls the pane every 50 ms until cond holds for the captured screen.
func (s *tmuxSession) waitFor(what string, cond func(screen string) bool) string {
	s.t.Helper()
	deadline := time.Now().Add(tmuxWait)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if scr := s.capture(); cond(scr) {
			return scr
		}
		if time.Now().After(deadline) {
			s.fatalf("timed out after %v waiting for %s", tmuxWait, what)
		}
		<-tick.C
	}
}

// waitText waits until the screen contains every one of want.
func (s *tmuxSession) waitText(want ...string) string {
	s.t.Helper()
	return s.waitFor(fmt.Sprintf("%q on screen", want), func(scr string) bool {
		for _, w := range want {
			if !strings.Contains(scr, w) {
				return false
			}
		}
		return true
	})
}

// typeLine types text literally, then Enter.
func (s *tmuxSession) typeLine(text string) {
	s.t.Helper()
	s.must("send-keys", "-t", s.name, "-l", text)
	s.must("send-keys", "-t", s.name, "Enter")
}

func (s *tmuxSession) key(k string) {
	s.t.Helper()
	s.must("send-keys", "-t", s.name, k)
}

// raceEnabled reports whether this test binary was built with -race, so the
// binary under test is built the same way (the Makefile's RACEFLAGS).
func raceEnabled() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, st := range bi.Settings {
		if st.Key == "-race" {
			return st.Value == "true"
		}
	}
	return false
}

// buildRtagent builds this module's rtagent command into dir.
func buildRtagent(t *testing.T, root, dir string) string {
	t.Helper()
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goBin); err != nil {
		if goBin, err = exec.LookPath("go"); err != nil {
			t.Fatalf("no go command to build rtagent: %v", err)
		}
	}
	bin := filepath.Join(dir, "rtagent")
	args := []string{"build", "-o", bin}
	if raceEnabled() {
		// The Makefile's RACEFLAGS: portaudio trips checkptr under -race.
		args = append(args, "-race", "-gcflags=github.com/gordonklaus/portaudio=-d=checkptr=0")
	}
	args = append(args, "./cmd/rtagent")
	cmd := exec.Command(goBin, args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build rtagent: %v\n%s", err, out)
	}
	t.Logf("built %s (race detector: %v)", bin, raceEnabled())
	return bin
}

// TestTmuxChat drives the real full-screen `rtagent chat --sim --text` in a
// 100×30 tmux pane through keys, reading the screen back: a plain turn, a tool
// call, a handoff, an approval, then Ctrl+C twice; the process must exit 0 with
// the terminal modes restored and a Markdown transcript of the whole session.
func TestTmuxChat(t *testing.T) {
	r := newTmuxRig(t)
	root, tmp, bin, stderrPath := r.root, r.tmp, r.bin, r.stderr

	work := userCheckout(t, root, tmp)
	transcriptPath := filepath.Join(tmp, "t.md")

	// rtagent's stderr goes to a file (race reports, errors).
	shellCmd := fmt.Sprintf("%s chat --sim --text --agents %s --transcript %s 2>%s",
		shq(bin), shq(filepath.Join(work, "agents.yaml")), shq(transcriptPath), shq(stderrPath))
	s := r.start(work, shellCmd)

	// Ready: the input line and a connected status; the welcome names the endpoint
	// and the model and suggests the agents file's examples.
	s.waitText("type a message", "concierge │", "● connected")
	s.waitText("welcome — the built-in simulator · model gpt-realtime-2.1",
		"try: “what time is it? get_time” · “lookup_order order_id=A-1234” · “transfer to billing”")
	if got := s.format("#{window_width}x#{window_height} alt=#{alternate_on}"); got != "100x30 alt=1" {
		t.Errorf("pane while running = %q, want 100x30 on the alternate screen", got)
	}

	// A plain turn.
	s.typeLine("hello there")
	s.waitText("hello there", "You said: hello there")

	// A tool named in the message: its card with arguments and result, then the answer.
	s.typeLine("lookup_order order_id=A-1234")
	s.waitText("ƒ lookup_order  ✓", `args   {"order_id":"A-1234"}`,
		`result {"order_id":"A-1234","status":"shipped"`, `lookup_order returned: {"order_id":"A-1234"`)

	// A handoff: the marker, billing's greeting, billing active in the status line.
	s.typeLine("transfer to billing")
	s.waitText("handoff concierge → billing", "Hi, this is billing.", " billing │")

	// A tool that needs approval: the dialog, then y runs it.
	s.typeLine("issue_refund order_id=A-1234")
	s.waitText("approve tool call?", "tool  issue_refund  agent billing", "y approve  n reject", "awaiting approval")
	s.key("y")
	scr := s.waitText("ƒ issue_refund  ✓", "approved by you", `result {"refund_id":"R-1234"`,
		`issue_refund returned: {"refund_id":"R-1234"`)
	if strings.Contains(scr, "approve tool call?") {
		s.fatalf("the approval dialog is still open after y")
	}

	// Ctrl+C once arms the quit; twice quits.
	scr = s.quit()

	// The terminal is restored: primary screen, cursor shown, no mouse or keypad
	// modes left on, and nothing of the UI on the primary screen.
	modes := "alt=#{alternate_on} cursor=#{cursor_flag} mouse=#{mouse_any_flag}#{mouse_button_flag}#{mouse_standard_flag}#{mouse_all_flag}#{mouse_sgr_flag} keypad=#{keypad_flag}#{keypad_cursor_flag}"
	if got, want := s.format(modes), "alt=0 cursor=1 mouse=00000 keypad=00"; got != want {
		t.Errorf("terminal modes after exit: %s, want %s", got, want)
	}
	// On the primary screen: the session summary, then the shell's line.
	// (The pane wraps long lines: they are joined before matching.)
	if got := strings.ReplaceAll(strings.TrimSpace(scr), "\n", ""); !regexp.MustCompile(`^session \S+ · 4 turns · 2 tool calls · 0 interruptions · latency p50 \S+ p95 \S+ · cost \$\S+ \(simulated\)transcript \S+t\.md *rtagent exited: 0$`).MatchString(got) {
		t.Errorf("the primary screen after exit is not the summary and the shell's line:\n%s", scr)
	}
	if b, _ := os.ReadFile(stderrPath); len(bytes.TrimSpace(b)) > 0 {
		t.Errorf("rtagent wrote to stderr:\n%s", b)
	}

	// The transcript has every turn, tool call and the handoff, in order.
	md, err := os.ReadFile(transcriptPath)
	if err != nil {
		t.Fatalf("transcript: %v", err)
	}
	want := []string{
		"# rtagent transcript",
		"**concierge:** You said: hello there",
		"> 🔧 `lookup_order` `{\"order_id\":\"A-1234\"}` → ",
		"**concierge:** lookup_order returned: {\"order_id\":\"A-1234\"",
		"> ⇄ Handoff: concierge → billing",
		"**billing:** Hi, this is billing.",
		"> 🔧 `issue_refund` `{\"order_id\":\"A-1234\",\"reason\":\"customer request\"}` → ",
		"**billing:** issue_refund returned: {\"refund_id\":\"R-1234\"",
	}
	rest := string(md)
	for _, w := range want {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Fatalf("transcript lacks %q (in order):\n%s", w, md)
		}
		rest = rest[i+len(w):]
	}
	for _, typed := range []string{"hello there", "lookup_order order_id=A-1234", "transfer to billing", "issue_refund order_id=A-1234"} {
		if !strings.Contains(string(md), "**You:** "+typed) {
			t.Errorf("transcript lacks the typed turn %q", "**You:** "+typed)
		}
	}
	if t.Failed() {
		t.Logf("transcript:\n%s", md)
	}
}

// shq quotes s for sh.
// userCheckout makes a working directory as a user's checkout has it:
// ./agents.yaml and ./tools.
func userCheckout(t *testing.T, root, tmp string) string {
	t.Helper()
	work := filepath.Join(tmp, "work")
	if err := os.Mkdir(work, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"agents.yaml", "tools"} {
		if err := os.Symlink(filepath.Join(root, p), filepath.Join(work, p)); err != nil {
			t.Fatal(err)
		}
	}
	return work
}

// `run --approve ask` asks on the terminal and honours the answer.
func TestTmuxRunApproveAsk(t *testing.T) {
	r := newTmuxRig(t)
	root, tmp, bin := r.root, r.tmp, r.bin
	work := userCheckout(t, root, tmp)
	shellCmd := fmt.Sprintf("%s run --sim --fast --agent billing --say 'issue_refund order_id=A-1234' --say 'issue_refund order_id=A-7' --approve ask", shq(bin))
	s := r.start(work, shellCmd)

	s.waitText(`billing wants to run issue_refund {"order_id":"A-1234"`, "[y]es, [n]o, [a]lways, ne[v]er:")
	s.typeLine("n")
	s.waitText("✗ issue_refund not run: Tool execution was not approved.")
	s.waitText(`billing wants to run issue_refund {"order_id":"A-7"`, "[y]es, [n]o, [a]lways, ne[v]er:")
	// Only y, n, a and v answer (no "r" alias): anything else asks again.
	s.typeLine("r")
	s.waitText("rtagent: answer y, n, a or v:")
	s.typeLine("y")
	s.waitText(`billing: issue_refund returned: {"refund_id":"R-7"`, "rtagent exited: 0")
}

// tmuxRig is the start every tmux test shares: tmux installed (else the test
// is skipped), the repository root, a temporary directory, the rtagent binary
// built into it, and the path a test sends rtagent's stderr to, printed when
// the test fails (race reports, errors).
type tmuxRig struct {
	t                      *testing.T
	root, tmp, bin, stderr string
}

func newTmuxRig(t *testing.T) *tmuxRig {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed (make test-deps installs it)")
	}
	root := testkit.Root(t)
	tmp := t.TempDir()
	r := &tmuxRig{t: t, root: root, tmp: tmp, bin: buildRtagent(t, root, tmp), stderr: filepath.Join(tmp, "stderr")}
	t.Cleanup(func() {
		if t.Failed() {
			if b, err := os.ReadFile(r.stderr); err == nil && len(b) > 0 {
				t.Logf("rtagent stderr:\n%s", b)
			}
		}
	})
	return r
}

// start runs cmd in a tmux pane in work (state under tmp/state). A shell runs
// cmd, reports its exit status and stays (sleep), so the terminal modes rtagent
// left behind can be read from a live pane (tmux hides the cursor of a dead one).
func (r *tmuxRig) start(work, cmd string) *tmuxSession {
	r.t.Helper()
	return startTmux(r.t, r.tmp, work, filepath.Join(r.tmp, "state"), cmd+`; echo "rtagent exited: $?"; exec sleep 3600`)
}

// quit presses ctrl+c twice, the first showing the quit hint, and returns the
// screen once the shell reports that rtagent exited with status 0.
func (s *tmuxSession) quit() string {
	s.t.Helper()
	s.key("C-c")
	s.waitText("press ctrl+c again to quit")
	s.key("C-c")
	scr := s.waitText("rtagent exited: ")
	if !strings.Contains(scr, "rtagent exited: 0") {
		s.fatalf("rtagent did not exit with status 0")
	}
	return scr
}

// startTmux runs shellCmd in a 100×30 pane of a private tmux server (no user
// config, no status line), in dir, with a clean environment for rtagent.
func startTmux(t *testing.T, tmp, dir, state, shellCmd string) *tmuxSession {
	t.Helper()
	// The socket path must stay short (sun_path); t.TempDir() may not be.
	sockDir, err := os.MkdirTemp("", "rtt")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(sockDir) })
	conf := filepath.Join(tmp, "tmux.conf")
	if err := os.WriteFile(conf, []byte("set -g status off\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := &tmuxSession{
		t:    t,
		sock: filepath.Join(sockDir, "s"),
		name: "rtagent-" + strconv.Itoa(os.Getpid()) + "-" + strconv.FormatInt(tmuxSessions.Add(1), 10),
	}
	t.Cleanup(func() {
		_, _ = s.tmux("kill-session", "-t", s.name)
		_, _ = s.tmux("kill-server")
	})
	if _, err := s.tmux("-f", conf, "new-session", "-d", "-x", "100", "-y", "30", "-s", s.name, "-c", dir,
		"-e", "NO_COLOR=1", "-e", "XDG_STATE_HOME="+state, "-e", "OPENAI_API_KEY=", "-e", "TERM=xterm-256color",
		shellCmd); err != nil {
		t.Fatal(err)
	}
	return s
}

func shq(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
