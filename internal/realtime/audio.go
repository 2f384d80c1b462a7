package realtime

// PlaybackState is what the audio output knows about what the listener heard
// (docs/protocol.md R7.3): the item currently at the device and the bytes of it actually
// handed to the device, less the device's output latency.
type PlaybackState struct {
	ResponseID   string
	ItemID       string
	ContentIndex int
	PlayedBytes  int
	// Active is true while any assistant audio is queued or playing.
	Active bool
}

// AudioSink plays assistant audio and reports what was heard. The session engine is
// its only caller: it enqueues every accepted audio delta and, on an interrupt, calls
// Interrupt, which must return quickly (it snapshots, then fades out and flushes).
// Implementations: the PortAudio player, a WAV writer, and a wall-clock estimator for
// sessions without audio output.
type AudioSink interface {
	Enqueue(responseID, itemID string, contentIndex int, pcm []byte)
	// Interrupt snapshots the playback state, then fades out (about 12 ms), drops the
	// queue and re-arms the prebuffer. It returns the snapshot taken before the flush.
	Interrupt() PlaybackState
	State() PlaybackState
}
