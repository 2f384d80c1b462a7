package realtime

import "time"

// Reconnection (docs/protocol.md §14). A model that reconnects reports, on its
// event stream:
//
//	ConnectionChanged{State: StateReconnecting, Attempt: 1, CloseCode, Reason}
//	  … one per attempt (Attempt 2, 3 …) while dialling fails …
//	ConnectionChanged{State: StateReconnected, Attempt: n, Down: …}
//	SessionUpdated{Created} … SessionUpdated{Ready} (the new connection's session)
//
// or, when it gives up, ConnectionChanged{State: StateDisconnected} and Closed{Err}.
// Between StateReconnecting and StateReconnected every command Send accepts is
// held. On StateReconnected the model has sent the full session.update of the last
// settings it was given (R14.4) and waits for the consumer's Replay; it sends the
// replayed items first, then the held user texts, item creates and response
// creates, in order. Held or unacknowledged tool outputs, audio, commits,
// truncations and cancels are dropped: the consumer's history already carries the
// outputs (it replays them), and the audio buffer and item ids of the old
// connection are gone. Pending response triggers are withdrawn at the loss; the
// consumer asks for a new response with Replay.Respond.

// StateReconnected: a new connection is open and configured; answer with Replay.
const StateReconnected = "reconnected"

// Reconnect asks the model to replace its connection now: a planned recycle before
// the session's lifetime ends (R14.3 #1). The old connection closes with 1000 after
// what is queued; the new one is announced like an unplanned reconnection.
type Reconnect struct{ Reason string }

// Replay recreates the conversation on a new connection (R14.4, R14.5): Items are
// appended in order (conversation.item.create without previous_item_id), one frame
// each, before anything held during the outage; with Respond a response is asked
// for after them. A model that is not reconnecting sends them at once (seeding).
type Replay struct {
	Items   []Item
	Respond bool
}

func (Reconnect) isCommand() {}
func (Replay) isCommand()    {}

// ReconnectInfo is carried by ConnectionChanged while reconnecting.
type ReconnectInfo struct {
	Attempt int           // 1-based attempt number
	Planned bool          // a recycle (Reconnect), not a loss
	Down    time.Duration // StateReconnected: time since the connection was lost
}
