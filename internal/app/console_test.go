package app

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtagent/rtagent/internal/realtime"
	"github.com/rtagent/rtagent/internal/session"
)

const consoleAgentsV1 = `default_agent: desk
model:
  name: gpt-realtime-2.1
  voice: marin
agents:
  - name: desk
    instructions: You are version {{ .Vars.version }}.
    tools:
      - name: clock
        builtin: clock
`

// toolEndLog collects the tool_end events the driver sees.
type toolEndLog struct {
	mu  sync.Mutex
	evs []session.ToolEnd
}

func (l *toolEndLog) last() session.ToolEnd {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.evs) == 0 {
		return session.ToolEnd{}
	}
	return l.evs[len(l.evs)-1]
}

// A text chat on the simulator with a Console, as chat --text builds it.
func openConsole(t *testing.T, agents string) (*Console, *Driver, context.Context, *toolEndLog) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	sink := NewSwitchSink(nil)
	rt, err := Open(ctx, Options{AgentsFile: agents, Vars: map[string]string{"version": "one"}, Sim: true, Fast: true,
		Modality: "text", Approval: "never", Audio: sink})
	if err != nil {
		t.Fatal(err)
	}
	c := NewConsole(ctx, rt, nil, sink, ConsoleOptions{Text: true})
	ends := &toolEndLog{}
	drv := NewDriver(rt.Session, func(ev session.Event) error {
		if e, ok := ev.(session.ToolEnd); ok {
			ends.mu.Lock()
			ends.evs = append(ends.evs, e)
			ends.mu.Unlock()
		}
		return nil
	})
	if err := rt.Session.Start(ctx); err != nil {
		t.Fatal(err)
	}
	go drv.Consume()
	t.Cleanup(func() {
		_ = drv.CloseAndDrain()
		_ = c.Close()
		_ = rt.Close()
	})
	if err := drv.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	return c, drv, ctx, ends
}

// configOf is the Console's configuration view, decoded.
func configOf(t *testing.T, c *Console) (agent string, sess map[string]any) {
	t.Helper()
	body, err := c.SessionConfig()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Agent   string         `json:"agent"`
		Session map[string]any `json:"session"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatalf("configuration view is not JSON: %v\n%s", err, body)
	}
	return doc.Agent, doc.Session
}

func toolNames(sess map[string]any) []string {
	var names []string
	tools, _ := sess["tools"].([]any)
	for _, t := range tools {
		names = append(names, t.(map[string]any)["name"].(string))
	}
	return names
}

// Items 15 and 16: the view shows the wire's session object after templating;
// a reload is validated first (an invalid file changes nothing), then a valid
// one replaces the instructions and tools, and the next answer uses them.
func TestConsoleReloadAndConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "agents.yaml")
	writeFile(t, path, consoleAgentsV1)
	c, drv, ctx, ends := openConsole(t, path)

	agent, sess := configOf(t, c)
	if agent != "desk" || sess["instructions"] != "You are version one." || strings.Join(toolNames(sess), ",") != "clock" ||
		sess["type"] != "realtime" || sess["output_modalities"].([]any)[0] != "text" {
		t.Errorf("configuration = %s %v", agent, sess)
	}

	writeFile(t, path, "agents:\n  - name: desk\n    tools:\n      - name: x\n        builtin: nope\n")
	if _, _, err := c.Reload(); !IsConfigError(err) {
		t.Errorf("invalid file: err = %v, want a config error", err)
	}
	writeFile(t, path, strings.ReplaceAll(consoleAgentsV1, "name: desk", "name: other"))
	if _, _, err := c.Reload(); !IsConfigError(err) || !strings.Contains(err.Error(), `"desk"`) {
		t.Errorf("active agent gone: err = %v", err)
	}
	if _, sess := configOf(t, c); strings.Join(toolNames(sess), ",") != "clock" {
		t.Errorf("a refused reload changed the tools: %v", toolNames(sess))
	}

	writeFile(t, path, strings.ReplaceAll(consoleAgentsV1, "version {{ .Vars.version }}.", "version two ({{ .Vars.version }}).")+
		"      - name: calculator\n        builtin: calculator\n")
	cfg, _, err := c.Reload()
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Agents) != 1 {
		t.Errorf("reloaded config = %+v", cfg.Agents)
	}
	if err := drv.Say(ctx, "calculator expression=6*7"); err != nil {
		t.Fatal(err)
	}
	if toolEnd := ends.last(); toolEnd.Tool != "calculator" || !strings.Contains(toolEnd.Output, "42") {
		t.Errorf("after the reload: tool_end = %+v", toolEnd)
	}
	if _, sess := configOf(t, c); sess["instructions"] != "You are version two (one)." || strings.Join(toolNames(sess), ",") != "clock,calculator" {
		t.Errorf("configuration after reload = %v", sess)
	}
}

// Item 13: push-to-talk sends turn_detection null, and back the file's VAD; text
// mode without devices keeps answering in text.
func TestConsolePushToTalk(t *testing.T) {
	path := filepath.Join(t.TempDir(), "agents.yaml")
	writeFile(t, path, consoleAgentsV1)
	c, _, _, _ := openConsole(t, path)

	st, err := c.SetPushToTalk(true)
	if err != nil || !st.PushToTalk || st.Voice {
		t.Fatalf("SetPushToTalk(true) = %+v, %v", st, err)
	}
	if _, sess := configOf(t, c); sess["audio"].(map[string]any)["input"].(map[string]any)["turn_detection"] != nil {
		t.Errorf("push-to-talk: turn_detection = %v, want null", sess["audio"])
	}
	if _, err := c.SetPushToTalk(false); err != nil {
		t.Fatal(err)
	}
	_, sess := configOf(t, c)
	td, _ := sess["audio"].(map[string]any)["input"].(map[string]any)["turn_detection"].(map[string]any)
	if td["type"] != realtime.TurnSemanticVAD {
		t.Errorf("voice activity back: turn_detection = %v", td)
	}
	if _, _, err := c.AudioDevices(); err == nil {
		t.Error("device list without audio open: no error")
	}
	if _, err := c.UseDevices("x", ""); err == nil {
		t.Error("device change without audio open: no error")
	}
}
