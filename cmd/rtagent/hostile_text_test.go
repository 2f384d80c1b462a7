package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rtagent/rtagent/internal/realtime/sim"
	"github.com/rtagent/rtagent/internal/testkit/hostile"
	"github.com/rtagent/rtagent/internal/testkit/rig"
)

// Escape sequences a model or a tool may print: clear screen, set the window
// title, write the clipboard (OSC 52).
const (
	escClear = "\x1b[2J\x1b[H"
	escTitle = "\x1b]0;pwned\x07"
	escClip  = "\x1b]52;c;cm0gLXJmIH4K\x07"
)

// shoutAgents is an agents file whose command tool "shout" prints all three
// sequences (printf interprets the octal escapes; no shell is involved).
const shoutAgents = `agents:
  - name: concierge
    instructions: Answer briefly.
    tools:
      - name: shout
        description: Prints terminal escape sequences
        command: [printf, '\033[2J\033[H\033]0;pwned\007\033]52;c;cm0gLXJmIH4K\007 tool done']
        timeout: 5s
`

func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// assertNeutralised fails when out holds an escape introducer or BEL, and wants
// the caret forms of the three sequences.
func assertNeutralised(t *testing.T, where, out string) {
	t.Helper()
	if strings.ContainsAny(out, "\x1b\x07\u009b\u009d") {
		t.Errorf("%s: a control character reached the output:\n%q", where, out)
	}
	for _, want := range []string{"^[[2J", "^[]0;pwned^G", "^[]52;c;cm0gLXJmIH4K^G"} {
		if !strings.Contains(out, want) {
			t.Errorf("%s: missing the caret form %q in:\n%s", where, want, out)
		}
	}
}

// run's text output and the Markdown transcript show escape sequences from the
// model's text (the simulator echoes the user) and from a tool's output in caret
// form; nothing reaches the terminal raw (issue 11 item 2).
func TestRunTextNeutralisesEscapes(t *testing.T) {
	dir := t.TempDir()
	agents := writeFile(t, dir, "agents.yaml", shoutAgents)
	md := filepath.Join(dir, "t.md")
	io, out, errOut := testIO("")
	code := execute(context.Background(), io, []string{
		"run", "--sim", "--fast", "--agents", agents, "--timeout", "30s", "--transcript", md,
		"--say", "echo " + escClear + escTitle + escClip, "--say", "shout",
	})
	if code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, errOut)
	}
	assertNeutralised(t, "stdout", out.String())
	if !strings.Contains(out.String(), "← shout: ^[[2J") {
		t.Errorf("the tool output line is missing:\n%s", out)
	}
	b, err := os.ReadFile(md)
	if err != nil {
		t.Fatal(err)
	}
	assertNeutralised(t, "transcript", string(b))
}

// Line-mode chat prints the same lines: neutralised too.
func TestChatLinesNeutraliseEscapes(t *testing.T) {
	dir := t.TempDir()
	agents := writeFile(t, dir, "agents.yaml", shoutAgents)
	io, out, errOut := testIO("echo " + escClear + escTitle + escClip + "\nshout\n")
	code := execute(context.Background(), io, []string{"chat", "--sim", "--fast", "--text", "--agents", agents})
	if code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, errOut)
	}
	assertNeutralised(t, "stdout", out.String())
}

// A --header value that the server echoes (in model text, hence in the transcript,
// the trace and the log) appears nowhere: not on stdout, stderr, in the trace, the
// transcript or the log file (issue 11 item 5).
func TestHeaderSecretEchoedAppearsNowhere(t *testing.T) {
	const secret = "hdr-SECRET-echoed-5f0c2a9e71"
	_, simURL := rig.StartSim(t, sim.Options{})
	hs := &hostile.Server{Upstream: simURL, EchoHeader: "X-Team-Token"}
	url := hs.Start(t)
	dir := t.TempDir()
	trace, md, logf := filepath.Join(dir, "trace.jsonl"), filepath.Join(dir, "t.md"), filepath.Join(dir, "rtagent.log")
	for _, format := range []string{"text", "jsonl"} {
		io, out, errOut := testIO("")
		code := execute(context.Background(), io, []string{
			"run", "--url", url, "--header", "X-Team-Token: " + secret, "--agents", "../../agents.yaml",
			"--timeout", "30s", "--trace", trace, "--transcript", md, "--log-file", logf, "--debug",
			"--format", format, "--say", "repeat " + hostile.EchoPlaceholder + " please",
		})
		if code != exitOK {
			t.Fatalf("%s: exit %d; stderr:\n%s", format, code, errOut)
		}
		if !strings.Contains(out.String(), "repeat <redacted> please") {
			t.Errorf("%s: the echo did not come back scrubbed:\n%s", format, out)
		}
		files := map[string]string{"stdout": out.String(), "stderr": errOut.String()}
		for _, p := range []string{trace, md, logf} {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			files[filepath.Base(p)] = string(b)
		}
		if !strings.Contains(files["trace.jsonl"], "<redacted>") {
			t.Errorf("%s: the trace shows no scrubbed echo:\n%s", format, files["trace.jsonl"])
		}
		for name, body := range files {
			if strings.Contains(body, "SECRET") {
				t.Errorf("%s: the header value reached %s:\n%s", format, name, body)
			}
		}
	}
}

// `rtagent test`'s text report quotes the conversation of a failing scenario: the
// model's escape sequences arrive in caret form there too.
func TestTestReportNeutralisesEscapes(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "agents.yaml", shoutAgents)
	sc := writeFile(t, dir, "esc.test.yaml", "name: escapes\nsteps:\n  - say: \"echo \\e[2J\\e[H\\e]0;pwned\\a\\e]52;c;cm0gLXJmIH4K\\a\"\n    expect:\n      transcript: {contains: goodbye}\n")
	code, stdout, stderr := run(t, "test", sc)
	if code != exitFailure {
		t.Fatalf("exit %d, want 1 (the scenario fails); stderr %q\n%s", code, stderr, stdout)
	}
	assertNeutralised(t, "report", stdout)
}
