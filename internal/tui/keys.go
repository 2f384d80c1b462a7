package tui

import "charm.land/bubbles/v2/key"

// keyMap holds every binding; help is generated from it, so the help pane
// cannot drift from what the keys do.
//
// Choices: Ctrl+U, Ctrl+A, Ctrl+E, Ctrl+K, Ctrl+W belong to the text input
// (line editing) and Ctrl+M is Enter in legacy terminals, so none of them is a
// UI command.
type keyMap struct {
	Send, Interrupt, Mute, PushToTalk, Agent, Help, Log, Quit key.Binding
	PageUp, PageDown, Top, Bottom                             key.Binding
	Approve, Reject, AlwaysApprove, AlwaysReject              key.Binding
	Close, Inspect, Redraw, Mouse                             key.Binding
	Voice, Turns, Devices, Reload, Config                     key.Binding // runtime controls (controls.go)
}

func defaultKeyMap() keyMap {
	return keyMap{
		Send:       key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "send text")),
		Interrupt:  key.NewBinding(key.WithKeys("ctrl+x", "esc"), key.WithHelp("esc/ctrl+x", "interrupt the agent")),
		Mute:       key.NewBinding(key.WithKeys("f2", "ctrl+o"), key.WithHelp("f2/ctrl+o", "mute/unmute mic")),
		PushToTalk: key.NewBinding(key.WithKeys("ctrl+space", "f3"), key.WithHelp("ctrl+space/f3", "push to talk (hold; toggle)")),
		Agent:      key.NewBinding(key.WithKeys("tab", "f5"), key.WithHelp("tab/f5", "switch agent (tab: answer a waiting approval)")),
		Help:       key.NewBinding(key.WithKeys("f1", "?"), key.WithHelp("f1/?", "help (? on empty input)")),
		Log:        key.NewBinding(key.WithKeys("f4"), key.WithHelp("f4", "event log (type to filter; ↑/↓ select, enter expands)")),
		Inspect:    key.NewBinding(key.WithKeys("f6"), key.WithHelp("f6", "expand the latest tool call to its JSON (←/→ others, c copies)")),
		Mouse:      key.NewBinding(key.WithKeys("f7"), key.WithHelp("f7", "mouse capture on/off (off: select text; on: wheel scrolls)")),
		Redraw:     key.NewBinding(key.WithKeys("ctrl+l"), key.WithHelp("ctrl+l", "redraw the screen")),
		Voice:      key.NewBinding(key.WithKeys("f8", "ctrl+t"), key.WithHelp("f8/ctrl+t", "text ↔ voice (spoken answers, microphone and speaker)")),
		Turns:      key.NewBinding(key.WithKeys("f9", "ctrl+g"), key.WithHelp("f9/ctrl+g", "voice activity detection ↔ push-to-talk")),
		Devices:    key.NewBinding(key.WithKeys("f10"), key.WithHelp("f10", "audio devices: see and choose the microphone and speaker")),
		Reload:     key.NewBinding(key.WithKeys("ctrl+r"), key.WithHelp("ctrl+r", "reload the agents file (validated first; chat --watch: on save)")),
		Config:     key.NewBinding(key.WithKeys("f12"), key.WithHelp("f12", "session configuration sent (instructions, tools, turns, voice)")),
		Quit:       key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c ×2", "quit")),
		PageUp:     key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup/pgdn", "scroll (or mouse wheel)")),
		PageDown:   key.NewBinding(key.WithKeys("pgdown")),
		Top:        key.NewBinding(key.WithKeys("home"), key.WithHelp("home/end", "top / follow the end")),
		Bottom:     key.NewBinding(key.WithKeys("end")),
		// The approval keys are the same on every surface (UI, `run --approve
		// ask`, line mode): y yes, n no, a always, v never.
		Approve:       key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "approve")),
		Reject:        key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "reject")),
		AlwaysApprove: key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "always approve")),
		AlwaysReject:  key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "always reject (never)")),
		Close:         key.NewBinding(key.WithKeys("esc")),
	}
}

// helpRows is the help pane's content, in order.
func (k keyMap) helpRows() []key.Binding {
	return []key.Binding{
		k.Send, k.Interrupt, k.Mute, k.PushToTalk, k.Agent, k.Log, k.Inspect, k.PageUp, k.Top, k.Mouse, k.Redraw, k.Help, k.Quit,
		k.Voice, k.Turns, k.Devices, k.Reload, k.Config,
	}
}
