// Package vad is local voice activity detection for instant barge-in
// (docs/protocol.md R7.6, R7.12): WebRTC's voice detector, from Debian's
// libwebrtc-audio-processing1 (its C WebRtcVad_* API, loaded with dlopen on first
// use: nothing links it), run on the echo-cancelled microphone signal.
//
// A Detector turns 24 kHz PCM16 mono into speech-start and speech-end events: it
// resamples to 16 kHz, classifies 10 ms frames, and reports a start once MinSpeech of
// consecutive speech frames has been heard. A BargeIn watches the capture stream and
// calls back when speech starts while assistant audio plays; the caller interrupts
// the session (a full R7.6 interrupt: fade, cancel, truncate at what was played).
//
// Rules this package keeps:
//   - No network, no protocol, no session: it reports speech and nothing else. It
//     never touches the player; the callback decides what an onset does.
//   - No goroutines: everything runs on the caller's goroutine, allocation-free per
//     frame, in tens of microseconds.
//   - It must be fed the echo-cancelled signal (or a headset microphone): on the raw
//     microphone of a laptop the assistant's own voice is speech too (R7.12).
package vad
