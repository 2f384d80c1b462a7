package tui

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/rtagent/rtagent/internal/session"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// fakeBackend records every call, in order.
type fakeBackend struct {
	mu      sync.Mutex
	calls   []string
	sendErr error
}

func (f *fakeBackend) rec(s string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, s)
}

func (f *fakeBackend) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *fakeBackend) SendText(text string) error { f.rec("send " + text); return f.sendErr }
func (f *fakeBackend) Interrupt(reason string)    { f.rec("interrupt " + reason) }
func (f *fakeBackend) Approve(callID string, always bool) {
	f.rec("approve " + callID + " always=" + boolStr(always))
}
func (f *fakeBackend) Reject(callID string, always bool, message string) {
	f.rec("reject " + callID + " always=" + boolStr(always) + " msg=" + message)
}
func (f *fakeBackend) SwitchAgent(name string) error { f.rec("switch " + name); return nil }
func (f *fakeBackend) StartPushToTalk() error        { f.rec("ptt start"); return nil }
func (f *fakeBackend) CommitAudio() error            { f.rec("ptt commit"); return nil }

func boolStr(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

type fakeAudio struct {
	mu      sync.Mutex
	muted   bool
	in, out float64
}

func (a *fakeAudio) SetMuted(m bool) { a.mu.Lock(); a.muted = m; a.mu.Unlock() }
func (a *fakeAudio) Muted() bool     { a.mu.Lock(); defer a.mu.Unlock(); return a.muted }
func (a *fakeAudio) Levels() (float64, float64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.in, a.out
}

// clock is the injected time source.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

var t0 = time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)

type harness struct {
	t     testing.TB
	m     *Model
	be    *fakeBackend
	audio *fakeAudio
	clk   *clock
}

func newHarness(t testing.TB, w, h int, mod ...func(*Options)) *harness {
	clk := &clock{t: t0}
	be := &fakeBackend{}
	au := &fakeAudio{}
	opts := Options{
		Backend: be, Audio: au,
		Agents: []string{"concierge", "billing"}, ActiveAgent: "concierge",
		Model: "gpt-realtime", Voice: "marin",
		NoColor: true, Now: clk.Now,
	}
	for _, f := range mod {
		f(&opts)
	}
	m := New(opts)
	hs := &harness{t: t, m: m, be: be, audio: au, clk: clk}
	hs.send(tea.WindowSizeMsg{Width: w, Height: h})
	return hs
}

// send applies messages; backend commands run synchronously and their result
// is fed back (tick commands are never run: tests send ticks themselves).
func (h *harness) send(msgs ...tea.Msg) tea.Cmd {
	var last tea.Cmd
	for _, msg := range msgs {
		_, cmd := h.m.Update(msg)
		last = cmd
	}
	return last
}

// exec runs a command returned by Update and feeds its message back, if it is
// a backend result.
func (h *harness) exec(cmd tea.Cmd) tea.Msg {
	if cmd == nil {
		return nil
	}
	msg := cmd()
	if bd, ok := msg.(backendDoneMsg); ok {
		h.send(bd)
	}
	return msg
}

func (h *harness) ev(evs ...session.Event) {
	for _, e := range evs {
		h.send(EventMsg{Event: e})
	}
}

// flush delivers a tick (as the running program would every 100 ms).
func (h *harness) flush() {
	h.send(tickMsg{at: h.clk.Now()})
}

func (h *harness) tickLevels(in, out float64) {
	h.send(tickMsg{at: h.clk.Now(), in: in, out: out, hasAudio: true})
}

func (h *harness) typeText(s string) {
	for _, r := range s {
		h.send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

func (h *harness) key(k tea.KeyPressMsg) tea.Cmd { return h.send(k) }

// view is the frame without escape sequences.
func (h *harness) view() string { return ansi.Strip(h.m.View().Content) }

var (
	keyEnter     = tea.KeyPressMsg{Code: tea.KeyEnter}
	keyEsc       = tea.KeyPressMsg{Code: tea.KeyEscape}
	keyTab       = tea.KeyPressMsg{Code: tea.KeyTab}
	keyDown      = tea.KeyPressMsg{Code: tea.KeyDown}
	keyPgUp      = tea.KeyPressMsg{Code: tea.KeyPgUp}
	keyPgDown    = tea.KeyPressMsg{Code: tea.KeyPgDown}
	keyEnd       = tea.KeyPressMsg{Code: tea.KeyEnd}
	keyF1        = tea.KeyPressMsg{Code: tea.KeyF1}
	keyF2        = tea.KeyPressMsg{Code: tea.KeyF2}
	keyF4        = tea.KeyPressMsg{Code: tea.KeyF4}
	keyF6        = tea.KeyPressMsg{Code: tea.KeyF6}
	keyUp        = tea.KeyPressMsg{Code: tea.KeyUp}
	keyCtrlC     = tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	keyCtrlX     = tea.KeyPressMsg{Code: 'x', Mod: tea.ModCtrl}
	keyCtrlSpace = tea.KeyPressMsg{Code: tea.KeySpace, Mod: tea.ModCtrl}
)

func runeKey(r rune) tea.KeyPressMsg { return tea.KeyPressMsg{Code: r, Text: string(r)} }

// checkFrame asserts the layout contract: exactly h lines, none wider than w.
func checkFrame(t testing.TB, frame string, w, h int) {
	t.Helper()
	lines := strings.Split(frame, "\n")
	if len(lines) != h {
		t.Errorf("frame has %d lines, want %d", len(lines), h)
	}
	for i, l := range lines {
		if sw := ansi.StringWidth(l); sw > w {
			t.Errorf("line %d is %d wide (> %d): %q", i, sw, w, ansi.Strip(l))
		}
	}
}

func mustContain(t testing.TB, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("missing %q in:\n%s", sub, s)
		}
	}
}

func mustNotContain(t testing.TB, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			t.Errorf("unexpected %q in:\n%s", sub, s)
		}
	}
}

// golden compares got with testdata/<name>.golden (-update rewrites it).
func golden(t testing.TB, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		t.Fatalf("%s missing; run go test ./internal/tui -update", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	if string(want) != got {
		t.Errorf("%s differs (go test ./internal/tui -update to accept)\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// recordHas reports whether the record holds an entry of kind whose text (or
// message) is text.
func recordHas(r *Record, kind EntryKind, text string) bool {
	for _, e := range r.Entries {
		if e.Kind == kind && (e.Text == text || e.Message == text) {
			return true
		}
	}
	return false
}
