// Package realtime is the provider-neutral model layer of rtagent.
//
// It owns the contracts every other package meets on: the Model interface (connect,
// send a command, receive typed events, close), the typed model events and commands,
// the session settings, the history item shapes, usage, and the audio sink the
// session engine uses to play and truncate assistant audio.
//
// It must never know the wire: JSON, WebSockets and event names belong to the
// provider packages (internal/realtime/openai) and the simulator (internal/realtime/sim).
// Anything that implements Model can be plugged in as a custom model layer.
package realtime
