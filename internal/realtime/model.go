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
//     Closed, after which the channel is closed.
//   - Send queues one command on the single ordered writer. It returns an error only
//     when the command is invalid or the connection is gone; wire-level failures come
//     back as Error events.
//   - Response sequencing (one active response, coalesced triggers, cancel only while
//     active) is the Model's job: callers say what they want (Respond, CancelResponse),
//     never when to send response.create.
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
