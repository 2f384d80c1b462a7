// Package e2e holds rtagent's voice acceptance tests and benchmarks: the whole client
// (session engine, OpenAI GA WebSocket model, audio package) against the offline
// simulator, with the real PortAudio library playing to and capturing from the ALSA
// file device (testdata/audio/fakeaudio.conf, see testdata/audio/README.md).
//
// The package has no non-test code. The tests check, sample for sample:
//
//   - TestVoicePlaybackMatchesSynthesis: a simulator audio response played through
//     audio.Player lands in out.raw exactly as sim.SynthesizeSpeech(answer), with only
//     leading prebuffer silence before it and silence after it.
//   - TestVoiceBargeIn: server-VAD barge-in in the middle of a real-time response
//     (docs/protocol.md §7): playback ends in a 12 ms linear fade, the
//     conversation.item.truncate carries audio_end_ms equal to the item audio in
//     out.raw less the output latency (within one device buffer), no response.cancel
//     is sent (R7.7) and no late audio of the cancelled response reaches the device
//     (R7.10).
//   - TestVoiceNoTruncateWhenIdle: speech_started with nothing playing (never played,
//     and after a fully played answer) sends no truncate and emits no
//     audio_interrupted (R7.5 #1).
//   - TestVoiceRunFilePath: the `run --audio-in/--audio-out` path, WAVSource →
//     session → simulator VAD → WAVSink, yields the synthesized "You said: [N ms of
//     audio]", fast and real-time.
//
// Every test captures the client frames from the model's trace writer (TraceAudio on)
// and validates them with testkit.ValidateClientFrames (strict).
//
// Benchmarks (skipped with -short; run them with
// go test -run '^$' -bench . -benchtime 1x ./internal/e2e/): output path latency,
// microphone to socket latency, barge-in to silence, duplex CPU per minute and RSS over
// a long session. Latencies are measured at a loopback WebSocket proxy between the
// model and the simulator; CPU and RSS benchmarks run the simulator in a child process
// so only the client is measured.
package e2e
