package sim

import (
	"log/slog"
	"time"
)

// Defaults of the live service that the simulator reproduces.
const (
	DefaultMaxDuration  = 60 * time.Minute
	DefaultPingInterval = 20 * time.Second
)

// Options configure a Server. The zero value is usable: it generates as fast as
// possible (Pace 0), caps sessions at 60 minutes, pings every 20 s and keeps the
// whole transcript on truncate (TruncateTranscript false). NewOptions returns the
// interactive defaults (real-time pacing, transcript cut on truncate).
type Options struct {
	// Pace scales the audio and text timeline: 1 = real time, 4 = four times faster,
	// 0 (or negative) = as fast as possible.
	Pace float64
	// MaxDuration closes every connection with 1001 "Your session hit the maximum
	// duration of 60 minutes." when it is reached. Zero means DefaultMaxDuration.
	MaxDuration time.Duration
	// TruncateTranscript cuts the stored transcript of a truncated assistant item to
	// the words whose audio began before audio_end_ms. When false the transcript is
	// kept whole (only the audio is cut).
	TruncateTranscript bool
	// PingInterval between server WebSocket pings. Zero means DefaultPingInterval.
	PingInterval time.Duration
	Faults       Faults
	// Logger receives connection-level diagnostics. Nil discards them.
	Logger *slog.Logger
	// Clock gives wall-clock timestamps (expires_at). Nil means time.Now. Pacing
	// always uses the monotonic clock.
	Clock func() time.Time
}

// NewOptions returns the options the interactive CLI uses: real-time pacing,
// 60-minute sessions, transcripts cut on truncate.
func NewOptions() Options {
	return Options{Pace: 1, MaxDuration: DefaultMaxDuration, TruncateTranscript: true}
}

// Faults inject failures into every connection. Event counts are server events
// (every frame the simulator sends, session.created included), counted from 1.
// Zero disables a fault.
type Faults struct {
	// CloseAfterEvents closes the connection right after the N-th server event with
	// CloseCode (default 1011) and CloseReason.
	CloseAfterEvents int
	CloseCode        int
	CloseReason      string
	// ErrorAfterEvents sends Error right after the N-th server event (the error is
	// not counted). A zero Error is a server_error "The server had an error while
	// processing your request.".
	ErrorAfterEvents int
	Error            FaultError
	// MalformedAfterEvents sends one frame that is not valid JSON right after the
	// N-th server event.
	MalformedAfterEvents int
	// Delay is waited before every server event is written.
	Delay time.Duration

	// DropAfterEvents drops the TCP connection right after the N-th server event,
	// with no close frame: the client sees an abnormal closure (1006).
	DropAfterEvents int
	// RandomSeed, when not zero, picks one event index per connection uniformly in
	// [RandomMin, RandomMax] (defaults 3 and 60) from this seed and the connection's
	// number, and applies RandomFault there. The same seed gives the same points.
	RandomSeed  int64
	RandomMin   int
	RandomMax   int
	RandomFault FaultKind
	// StallAfterEvents stops sending anything (events and pings) after the N-th
	// server event while still reading: a server that went silent.
	StallAfterEvents int
	// StopReadingAfterEvents stops reading client frames after the N-th server
	// event (pongs are no longer answered, the client's writes back up).
	StopReadingAfterEvents int
	// Connections limits the faults to the first N connections of this server
	// (0: every connection), so a reconnecting client meets a healthy server.
	Connections int
}

// FaultKind is what a fault does to the connection.
type FaultKind string

// Fault kinds for RandomFault and the fault spec.
const (
	FaultDrop        FaultKind = "drop"         // abrupt TCP drop (1006)
	FaultClose       FaultKind = "close"        // close frame with CloseCode
	FaultStall       FaultKind = "stall"        // stop sending
	FaultStopReading FaultKind = "stop-reading" // stop reading
)

// active reports whether the faults apply to connection number seq (from 1).
func (f Faults) active(seq int) bool { return f.Connections == 0 || seq <= f.Connections }

// FaultError is the error event injected by Faults.ErrorAfterEvents.
type FaultError struct {
	Type    string // default "server_error"
	Code    string // empty = null
	Message string
}

func (o Options) withDefaults() Options {
	if o.Pace < 0 {
		o.Pace = 0
	}
	if o.MaxDuration <= 0 {
		o.MaxDuration = DefaultMaxDuration
	}
	if o.PingInterval <= 0 {
		o.PingInterval = DefaultPingInterval
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Faults.CloseCode == 0 {
		o.Faults.CloseCode = 1011
	}
	if o.Faults.Error.Type == "" {
		o.Faults.Error.Type = "server_error"
	}
	if o.Faults.RandomSeed != 0 {
		if o.Faults.RandomMin <= 0 {
			o.Faults.RandomMin = 3
		}
		if o.Faults.RandomMax < o.Faults.RandomMin {
			o.Faults.RandomMax = max(o.Faults.RandomMin, 60)
		}
		if o.Faults.RandomFault == "" {
			o.Faults.RandomFault = FaultDrop
		}
	}
	if o.Faults.Error.Message == "" {
		o.Faults.Error.Message = "The server had an error while processing your request."
	}
	return o
}
