package realtime

import "context"

// Model is one persistent connection to a realtime speech-to-speech model.
//
// The contract every implementation keeps:
//   - Connect dials, sends the full session configuration built from opts.Settings,
//     and returns once the connection is open (not necessarily ready: readiness is the
//     first SessionUpdated with Ready set). A Model is connected at most once.
//   - Events delivers typed events in wire order. It is fed through an unbounded queue,
//     so the connection's reader never blocks on the consumer. The last event is always
//     Closed, after which the channel is closed. A Model may also offer its queue
//     itself (Queued, queue.go): the consumer then drains it instead of reading
//     Events, one goroutine hand-off fewer per event.
//   - Send queues one command on the single ordered writer. It returns an error only
//     when the command is invalid or the connection is gone; wire-level failures come
//     back as Error events.
//   - Response sequencing (one active response, coalesced triggers, cancel only while
//     active) is the Model's job: callers say what they want (Respond, CancelResponse),
//     never when a response is created. The Model reports its pending triggers as
//     ResponseTriggers (one TriggerRequested for each accepted command that
//     RegistersTrigger, then Covered / Withdrawn as they resolve), so a caller knows
//     whether a response is still wanted without knowing the protocol.
//   - Errors the Model absorbs as benign races (a cancel that met the natural end of
//     the response, a create refused while a response it wanted is active) arrive as
//     Error with Race set: log them, never show them.
//   - Close is idempotent and safe from any goroutine; it closes with code 1000.
type Model interface {
	Connect(ctx context.Context, opts ConnectOptions) error
	Events() <-chan Event
	Send(ctx context.Context, cmd Command) error
	Close() error
}

// ConnectOptions are the per-connection options. Transport settings (URL, keys,
// headers, trace) belong to the provider's own constructor.
type ConnectOptions struct {
	Settings Settings
}
