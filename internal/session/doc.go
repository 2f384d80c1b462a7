// Package session is the session engine of rtagent: the Go counterpart of the
// Agents SDK's RealtimeSession (docs/protocol.md §6–§13).
//
// It owns the conversation state of one realtime connection: the local history (it is
// its single writer), the active agent and handoffs, tool dispatch and approvals,
// output and input guardrails, interruption and truncation (with playback tracking
// through an AudioSink), usage and cost, and the ordered stream of session events.
//
// Structure: one engine goroutine consumes the Model's events, the public commands
// (SendText, Interrupt, Approve, …) and the results of tool and guardrail goroutines.
// Everything the engine owns is touched by that goroutine only; the few read-only
// accessors (History, ActiveAgent, Usage) read snapshots under a lock.
//
// What it must never do:
//   - block the Model's reader or itself on consumers (events go through an unbounded
//     FIFO), on tools or guardrails (they run in their own goroutines and report back
//     as messages), or on the audio sink (Enqueue and Interrupt are non-blocking);
//   - decide when a response is created: it says Respond / CancelResponse, the Model
//     sequences (§6) and reports whether a response is still wanted
//     (realtime.ResponseTriggers), which Idle relies on;
//   - know the wire: no JSON of client or server events is built or parsed here.
package session
