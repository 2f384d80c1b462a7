package audio

import "time"

// Frame is 20 ms of microphone audio: 480 samples of 24 kHz mono PCM16LE (960 bytes).
type Frame struct {
	PCM []byte
	Seq uint64 // 0, 1, 2, … per source
	// Captured estimates when the first sample entered the microphone (the stream
	// timeline, free of scheduling jitter); used to align echo reference and recordings.
	Captured time.Time
	// Read is when the frame became available to this package (the device read returned).
	Read time.Time
}

// Source is a microphone: a Capture or a WAVSource.
type Source interface {
	// Frames delivers frames; it is closed when the source stops.
	Frames() <-chan Frame
	// Err receives at most one error (the reason the source stopped early) and is
	// closed when the source stops.
	Err() <-chan error
	Close() error
}
