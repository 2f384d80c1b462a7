package tui

import (
	"bytes"
	"encoding/json"
	"strconv"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// inspector expands one raw event or one tool call to its full, pretty-printed
// JSON, in place of the main pane. It is opened on the event log's selected
// line (enter) or on the latest tool card (f6), and steps through its list
// with ←/→. c copies the JSON to the clipboard with OSC 52 (the terminal's
// clipboard; tmux passes it on with set-clipboard on).
type inspector struct {
	open   bool
	events []logLine // the filtered log when opened from the log (a snapshot: lines never change)
	tools  []*Entry  // the tool cards when opened from the conversation (live: cards change state)
	config string    // the session configuration sent (f12), pretty JSON
	index  int
	scroll scroller
}

func (in *inspector) len() int {
	if in.config != "" {
		return 1
	}
	return len(in.events) + len(in.tools)
}

// title and body of the shown item.
func (m *Model) inspected() (title, body string) {
	in := &m.inspect
	if in.config != "" {
		return "session configuration sent (R2.3) · f12 refreshes", in.config
	}
	if in.events != nil {
		ln := in.events[in.index]
		dir := "← received"
		if ln.Direction == "out" {
			dir = "→ sent"
		}
		return "event " + ln.Type + " · " + dir + " " + ln.At.Format("15:04:05.000"), indentJSON(ln.Summary)
	}
	e := in.tools[in.index]
	return "tool call " + e.Tool, toolJSON(e)
}

// toolJSON is a tool card as JSON: arguments and output as JSON when they
// are, as strings otherwise.
func toolJSON(e *Entry) string {
	state := map[ToolState]string{ToolAwaitingApproval: "awaiting approval", ToolRunning: "running",
		ToolDone: "done", ToolFailed: "failed"}[e.State]
	v := struct {
		Tool       string `json:"tool"`
		Agent      string `json:"agent,omitempty"`
		CallID     string `json:"call_id,omitempty"`
		State      string `json:"state"`
		Decision   string `json:"decision,omitempty"`
		DurationMS *int64 `json:"duration_ms,omitempty"`
		Error      string `json:"error,omitempty"`
		Arguments  any    `json:"arguments"`
		Output     any    `json:"output,omitempty"`
	}{Tool: e.Tool, Agent: e.Agent, CallID: e.CallID, State: state, Decision: e.Decision,
		Arguments: jsonOrString(e.Arguments), Error: e.Error}
	if e.Output != "" {
		v.Output = jsonOrString(e.Output)
	}
	if e.State == ToolDone || e.State == ToolFailed {
		ms := e.Duration.Milliseconds()
		v.DurationMS = &ms
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err.Error()
	}
	return b.String()
}

func jsonOrString(s string) any {
	if s != "" && json.Valid([]byte(s)) {
		return json.RawMessage(s)
	}
	return s
}

// inspectTools opens the inspector on the latest tool card.
func (m *Model) inspectTools() {
	var tools []*Entry
	for _, e := range m.record.Entries {
		if e.Kind == EntryTool {
			tools = append(tools, e)
		}
	}
	if len(tools) == 0 {
		m.setNotice("no tool call to inspect yet")
		return
	}
	m.inspect = inspector{open: true, tools: tools, index: len(tools) - 1}
}

// inspectEvent opens the inspector on the i-th of the filtered log lines.
func (m *Model) inspectEvent(rows []logLine, i int) {
	if len(rows) == 0 {
		m.setNotice("no event to inspect")
		return
	}
	m.inspect = inspector{open: true, events: rows, index: min(max(i, 0), len(rows)-1)}
}

// handleInspectKey: ←/→ step, ↑/↓ pgup/pgdn home/end scroll, c copies,
// esc/f6/q close. Other typed keys go to the input (never lost).
func (m *Model) handleInspectKey(msg tea.KeyPressMsg) tea.Cmd {
	in := &m.inspect
	k := m.keys
	switch {
	case msg.String() == "esc" || msg.String() == "q" || key.Matches(msg, k.Inspect):
		in.open = false
	case key.Matches(msg, k.Config) && in.config != "":
		return m.openConfig()
	case msg.String() == "left" || msg.String() == "shift+tab":
		if in.index > 0 {
			in.index--
			in.scroll = scroller{}
		}
	case msg.String() == "right" || msg.String() == "tab":
		if in.index < in.len()-1 {
			in.index++
			in.scroll = scroller{}
		}
	case msg.String() == "up":
		in.scroll.scroll(-1)
	case msg.String() == "down":
		in.scroll.scroll(1)
	case key.Matches(msg, k.PageUp):
		in.scroll.pageUp()
	case key.Matches(msg, k.PageDown):
		in.scroll.pageDown()
	case key.Matches(msg, k.Top):
		in.scroll.top()
	case key.Matches(msg, k.Bottom):
		in.scroll.bottom()
	case msg.String() == "c":
		_, body := m.inspected()
		m.setNotice("copied " + strconv.Itoa(len(body)) + " bytes of JSON to the clipboard (OSC 52)")
		return tea.SetClipboard(body)
	case msg.Text != "":
		var cmd tea.Cmd
		m.input, cmd = m.input.Update(msg)
		return cmd
	}
	return nil
}

// indentJSON pretty-prints s when it is JSON, else returns it unchanged.
func indentJSON(s string) string {
	var b bytes.Buffer
	if err := json.Indent(&b, []byte(s), "", "  "); err != nil {
		return s
	}
	return b.String()
}
