package tui

import (
	"time"

	"github.com/rtagent/rtagent/internal/realtime"
	"github.com/rtagent/rtagent/internal/session"
)

// Backend is what the UI asks of the session. *session.Session implements it.
// The UI calls it only from tea.Cmds, never from Update.
type Backend interface {
	SendText(text string) error
	Interrupt(reason string)
	Approve(callID string, always bool)
	Reject(callID string, always bool, message string)
	SwitchAgent(name string) error
	StartPushToTalk() error
	CommitAudio() error
}

// ImageSender is implemented by a Backend that can send images: /image FILE reads
// the file and sends it as a user message (app.PushToTalk does; the message shows
// up as the session's user transcript "[image: name, size]").
type ImageSender interface {
	SendImage(path string) error
}

// AudioControl is the UI's handle on the local audio devices; nil in --text
// mode. The UI never sees audio data: it samples Levels on its tick.
type AudioControl interface {
	SetMuted(muted bool)
	Muted() bool
	// Levels returns the input and output levels, 0..1.
	Levels() (in, out float64)
}

// Options configures New.
type Options struct {
	Backend Backend
	Audio   AudioControl // nil: text mode
	// Controls switch text/voice, push-to-talk, devices, reload the agents file
	// and show the session configuration (nil: not available).
	Controls Controls
	// Text starts in text mode even with Audio set (Audio then stands for
	// devices that Controls may open later).
	Text bool

	Agents      []string // agent names, for the picker
	ActiveAgent string
	Model       string
	Voice       string

	// LocalVAD is the local barge-in detector's summary for the status line
	// ("local VAD medium ≥60ms", "local VAD off (--no-aec)"); empty: not shown.
	LocalVAD string

	// PushToTalk selects manual turns: hold (or toggle) the push-to-talk key.
	PushToTalk bool
	// NoMouse starts without mouse capture, so the terminal's own text
	// selection works; f7 toggles it (wheel scrolling needs the capture).
	NoMouse bool
	// NoColor disables every style. The NO_COLOR environment variable does too.
	NoColor bool

	// Endpoint names where the session connects (a URL or "the built-in
	// simulator"); the welcome line shows it.
	Endpoint string
	// Simulated marks a simulator session: the welcome line says so and the
	// cost reads "(simulated)".
	Simulated bool
	// Examples are 2–3 prompts the welcome line suggests (e.g. the agents
	// file's examples); when empty they are derived from the starting agent's
	// tools and handoffs in AgentInfo.
	Examples []string
	// AgentInfo describes agents by name, for the picker (Description, the
	// agent's handoff_description) and the derived examples.
	AgentInfo map[string]AgentInfo

	// Now is the clock (time.Now when nil); tests inject a fake one.
	Now func() time.Time
	// Title heads the Markdown transcript ("rtagent session" when empty).
	Title string
	// LogSize bounds the raw event log (2000 when 0).
	LogSize int
	// Notices are shown in the conversation from the start (e.g. "no audio device;
	// continuing in text mode").
	Notices []string
}

// EventMsg carries one session event into the program:
// program.Send(tui.EventMsg{Event: ev}).
type EventMsg struct{ Event session.Event }

// AgentInfo is what the UI shows about an agent beyond its name.
type AgentInfo struct {
	Description string   // handoff_description
	Tools       []string // tool names (not handoffs)
	Handoffs    []string // agents it can hand off to
}

// FrameMsg carries one wire frame from the model's frame tap into the event log:
// program.Send(tui.FrameMsg{Frame: f}). The frame's audio is already elided.
type FrameMsg struct{ Frame realtime.Frame }
