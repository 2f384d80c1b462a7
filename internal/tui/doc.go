// Package tui is the Bubble Tea program of `rtagent chat`: one root model
// ([Model]) with plain components (conversation, input, status line, event log,
// approval dialog, agent picker, help), its styles, and the record
// of what it showed ([Record]).
//
// What it owns: turning session events ([EventMsg] wrapping a session.Event)
// into screen state, and turning keys into calls on a [Backend] and an
// [AudioControl].
//
// Rules (see AGENTS.md):
//   - Update never does IO and never blocks: every Backend or AudioControl call
//     runs in a tea.Cmd, whose result comes back as a message. State changes
//     only in Update; View only reads a frame that Update composed.
//   - The TUI never touches audio data. session.AudioStarted (the first audio
//     of a response, no bytes) stops the latency clock of a spoken answer; meter
//     levels are sampled off the Update goroutine by the ~10 Hz tick command.
//   - The event log shows typed wire frames ([FrameMsg]) from the model's frame
//     tap, audio already elided; it never parses trace text.
//   - High-frequency events (transcript deltas, raw wire events, audio) only
//     mark the frame dirty; the tick recomposes it, so a delta storm costs
//     O(1) per event plus at most ten frames a second.
//   - Time comes from Options.Now, so views and latency are testable.
package tui
