// Package openai is the OpenAI Realtime GA WebSocket model (and Azure OpenAI GA):
// a realtime.Model that owns one WebSocket connection.
//
// It owns: the handshake (URL, model query, auth headers, user agent), the wire types
// of every client event and the tolerant decoding of every server event into
// realtime events (docs/protocol.md §3, §4), the session.update builder (R2.3), event ids
// and error correlation (R3.1, R6.5; errors carry a neutral realtime.CommandKind),
// response sequencing through its Sequencer (§6) and the reports of its pending
// triggers (realtime.ResponseTriggers) and benign races (realtime.Error.Race),
// close-code mapping to typed errors (R1.11), the raw-frame trace and the typed
// frame tap (Config.Frames, audio elided).
//
// It must never: block its reader goroutine on the consumer, a trace file or the
// writer; send a frame outside its single ordered writer; build JSON with maps or
// Sprintf for client events; send the OpenAI-Beta header or beta shapes; put the API
// key into an error, a log record or the trace; decide anything about agents, tools,
// history, playback or truncation policy (that is internal/session's job).
package openai
