// Package audio owns everything between the session engine and the sound card:
// PortAudio lifecycle and device selection, microphone capture (20 ms PCM16 frames at
// 24 kHz mono, resampled when the device cannot run at 24 kHz), playback with a jitter
// buffer, fade-out and a playback tracker (docs/protocol.md R7.3), echo handling (the R7.12
// energy gate, half duplex and speexdsp acoustic echo cancellation), WAV sources and
// sinks, a stereo session recorder, and level meters for the UI. The one wall-clock
// playback estimator (R7.3 fallback) is its pure-Go subpackage wallclock, used by the
// WAV sink and by sessions without an audio device.
//
// Rules this package keeps:
//   - No network, no knowledge of the wire protocol: it speaks PCM16 and
//     realtime.PlaybackState only.
//   - It never blocks the session engine. AudioSink.Enqueue, Interrupt and State take a
//     short mutex and return; device I/O happens only on goroutines the package owns.
//   - Every goroutine has one owner (a Capture, Player, WAVSource or WAVSink) that
//     starts it, stops it and joins it in Close.
//   - Nothing it does reaches the terminal: libasound/libjack noise printed to fd 2
//     while PortAudio initialises or opens streams is diverted and logged with slog.
//   - Device errors are reported as values (Err channels, returned errors); nothing
//     panics on a device failure.
//
// All PCM is 16-bit little-endian mono at 24,000 Hz unless a name says otherwise.
package audio
