package e2e

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/rtagent/rtagent/internal/audio"
	"github.com/rtagent/rtagent/internal/session"
	"github.com/rtagent/rtagent/internal/testkit"
)

func validateClient(tb testing.TB, frames [][]byte) {
	tb.Helper()
	if len(frames) == 0 {
		tb.Fatal("no client frames in the trace")
	}
	testkit.ValidateClientFrames(tb, frames)
}

func assistantFinal(tb testing.TB, r *recorder, n int, want string) {
	tb.Helper()
	tr := waitEventN(tb, r, n, func(e session.Transcript) bool { return e.Final && e.Role == "assistant" })
	if tr.Text != want {
		tb.Errorf("assistant said %q, want %q", tr.Text, want)
	}
}

// checkPlayed asserts that out holds exactly want (aligned on want's first non-zero
// sample) with nothing but silence before and after it, and returns the device index
// of want[0].
func checkPlayed(tb testing.TB, out, want []int16) int {
	tb.Helper()
	ew, eo := firstNonZero(want), firstNonZero(out)
	if ew < 0 || eo < 0 {
		tb.Fatalf("no audio: want first non-zero %d, out first non-zero %d (%d samples)", ew, eo, len(out))
	}
	off := eo - ew
	if off < 0 || off+len(want) > len(out) {
		tb.Fatalf("out.raw has %d samples, answer at %d needs %d", len(out), off, len(want))
	}
	for i, v := range want {
		if out[off+i] != v {
			tb.Fatalf("sample %d of the answer (device %d): played %d, synthesized %d", i, off+i, out[off+i], v)
		}
	}
	if l := lastNonZero(out); l > off+lastNonZero(want) {
		tb.Fatalf("audio after the answer: last non-zero device sample %d, answer ends at %d", l, off+len(want))
	}
	return off
}

// 1. A simulator audio response played through the real player on the ALSA file
// device is, sample for sample, the synthesized speech of its transcript.
func TestVoicePlaybackMatchesSynthesis(t *testing.T) {
	dir := fakeDir(t, nil)
	p := openPlayer(t, audio.PlayerConfig{})
	r := startRig(t, rigConfig{Pace: 0, Base: voiceBase(nil, false), Sink: p})

	const answer = "You said: the quick brown fox jumps"
	if err := r.sess.SendText("the quick brown fox jumps"); err != nil {
		t.Fatal(err)
	}
	assistantFinal(t, r.rec, 1, answer)
	end := waitEvent[session.AgentEnd](t, r.rec, nil)
	if end.Status != "completed" {
		t.Errorf("agent_end %+v", end)
	}
	drain(t, p)
	lines := r.closeAndValidate()
	r.noErrors()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}

	want := speech(answer)
	got, _ := r.sink.accepted()
	if got != 2*len(want) {
		t.Errorf("session accepted %d bytes of audio, synthesized answer is %d", got, 2*len(want))
	}
	out := readOut(t, dir)
	off := checkPlayed(t, out, want)
	t.Logf("answer: %d samples (%v), leading silence %.1f ms, out.raw %d samples, output latency %v, %d trace lines",
		len(want), time.Duration(len(want))*time.Second/audio.SampleRate, float64(off)/24, len(out), p.OutputLatency(), len(lines))
	for _, typ := range []string{"conversation.item.truncate", "response.cancel"} {
		if f := framesOf(lines, "client", typ); len(f) > 0 {
			t.Errorf("unexpected %s: %s", typ, f[0])
		}
	}
}

// 2. Server-VAD barge-in in the middle of a real-time response (docs/protocol.md §7).
func TestVoiceBargeIn(t *testing.T) {
	dir := fakeDir(t, nil)
	log := &playLog{}
	// A 200 ms jitter buffer keeps the real-time stream from starving on a loaded
	// machine (a starved player has nothing to fade).
	p := openPlayer(t, audio.PlayerConfig{OnPlayed: log.onPlayed, Prebuffer: 200 * time.Millisecond})
	// create_response off: the barge-in utterance gets no answer, so out.raw holds
	// the interrupted answer only.
	var mu syncTimes
	// The simulator stops generating at once; the live service keeps streaming for a
	// while. The proxy re-sends the response's latest audio delta three times right
	// after speech_started (before response.done), so R7.10's dropping is exercised.
	var lastDelta []byte
	inject := func(data []byte) [][]byte {
		switch frameType(data) {
		case "response.output_audio.delta":
			lastDelta = data
		case "input_audio_buffer.speech_started":
			var extra [][]byte
			for i := range 3 {
				var m map[string]any
				if json.Unmarshal(lastDelta, &m) != nil {
					return nil
				}
				m["event_id"] = fmt.Sprintf("event_late_%d", i)
				b, _ := json.Marshal(m)
				extra = append(extra, b)
			}
			return extra
		}
		return nil
	}
	r := startRig(t, rigConfig{Pace: 1, Base: voiceBase(serverVAD(false, true), false), Sink: p, InjectServer: inject,
		OnServer: func(at time.Time, data []byte) {
			if frameType(data) == "input_audio_buffer.speech_started" {
				mu.add(at)
			}
		}})

	const text = "please read this fairly long sentence back to me slowly"
	const answer = "You said: " + text
	want := speech(answer)
	if err := r.sess.SendText(text); err != nil {
		t.Fatal(err)
	}
	// Wait until the device is well into the item, at a point inside a word's tone
	// (so the fade is audible and the cut point is unambiguous).
	latMS := int(p.OutputLatency() / time.Millisecond)
	const word = 240
	deadline := time.Now().Add(waitTimeout)
	for {
		st := p.State()
		played := st.PlayedBytes / audio.BytesPerMsPCM16
		if pos := (played + latMS) % word; st.ItemID != "" && played >= 700 && pos >= 20 && pos <= 60 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("playback did not progress: %+v", st)
		}
		time.Sleep(time.Millisecond)
	}
	_ = r.sess.AppendAudio(pcm(tone(100*time.Millisecond, 440, 0.3), silence(400*time.Millisecond)))
	ai := waitEvent[session.AudioInterrupted](t, r.rec, nil)
	end := waitEvent[session.AgentEnd](t, r.rec, nil)
	if end.Status != "cancelled" || end.StatusReason != "turn_detected" {
		t.Errorf("agent_end %+v, want cancelled by turn_detected", end)
	}
	waitEvent[session.SpeechStopped](t, r.rec, nil)
	waitEvent(t, r.rec, func(e session.HistoryUpdated) bool { return e.Item != nil && e.Item.TruncatedAtMS != nil })
	// Give late audio (had any leaked) time to reach the device.
	time.Sleep(300 * time.Millisecond)
	lines := r.closeAndValidate()
	r.noErrors()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}

	// The wire: one truncate of the playing item at the played position, no cancel.
	if ai.Reason != session.ReasonBargeIn {
		t.Errorf("audio_interrupted %+v", ai)
	}
	tr := framesOf(lines, "client", "conversation.item.truncate")
	if len(tr) != 1 {
		t.Fatalf("%d conversation.item.truncate frames, want 1", len(tr))
	}
	var trunc struct {
		ItemID       string `json:"item_id"`
		ContentIndex int    `json:"content_index"`
		AudioEndMS   int    `json:"audio_end_ms"`
	}
	if err := json.Unmarshal(tr[0], &trunc); err != nil {
		t.Fatal(err)
	}
	if trunc.ItemID != ai.ItemID || trunc.ContentIndex != 0 || trunc.AudioEndMS != ai.PlayedMS {
		t.Errorf("truncate %s vs audio_interrupted %+v", tr[0], ai)
	}
	if c := framesOf(lines, "client", "response.cancel"); len(c) != 0 {
		t.Errorf("response.cancel sent on a server-VAD barge-in with interrupt_response (R7.7): %s", c[0])
	}
	if len(framesOf(lines, "server", "conversation.item.truncated")) != 1 {
		t.Errorf("the server did not confirm the truncate")
	}
	// Deltas the server sent after speech_started (all must have been dropped).
	late, seen := 0, false
	for _, l := range lines {
		if l.Dir == "server" && l.Type == "input_audio_buffer.speech_started" {
			seen = true
		}
		if seen && l.Dir == "server" && l.Type == "response.output_audio.delta" {
			late++
		}
	}
	if !seen {
		t.Fatal("no speech_started in the trace")
	}
	if late < 3 {
		t.Errorf("%d audio deltas after speech_started, want the 3 injected", late)
	}
	// No accepted audio after the interrupt (R7.10).
	if _, late := r.sink.accepted(); late[ai.ResponseID] != 0 {
		t.Errorf("%d audio chunks of %s accepted after the interrupt", late[ai.ResponseID], ai.ResponseID)
	}

	// The device: answer[0:cut] exactly, then the 12 ms fade of answer[cut:], then
	// silence to the end of the file (no late audio, R7.10).
	out := readOut(t, dir)
	ew := firstNonZero(want)
	off := firstNonZero(out) - ew
	if off < 0 {
		t.Fatal("nothing played")
	}
	match := 0
	for off+match < len(out) && match < len(want) && out[off+match] == want[match] {
		match++
	}
	var cuts []int
	for c := max(0, match-2*audio.FadeSamples); c <= match && c+audio.FadeSamples <= len(want); c++ {
		if fadeAndSilenceAt(out, want, off, c) {
			cuts = append(cuts, c)
		}
	}
	if len(cuts) == 0 {
		t.Fatalf("out.raw is not answer[0:cut] + 12 ms fade + silence (prefix matches %d samples; last non-zero %d)",
			match, lastNonZero(out)-off)
	}
	latN := int(p.OutputLatency().Seconds() * audio.SampleRate)
	blockN := int(audio.DefaultDeviceBuffer.Seconds() * audio.SampleRate)
	ok := false
	for _, c := range cuts {
		// Played (R7.3) = item samples written less the output latency, counted
		// per committed device buffer: the buffer in flight at the interrupt is in
		// out.raw but may not be counted yet.
		heard := float64(c-latN) / 24
		if d := heard - float64(trunc.AudioEndMS); d >= -1 && d <= float64(blockN)/24+1 {
			ok = true
		}
	}
	t.Logf("cut after %v samples of the item (%.1f ms written, output latency %d samples); truncate audio_end_ms %d; "+
		"%d audio deltas arrived after speech_started (dropped)", cuts, float64(cuts[0])/24, latN, trunc.AudioEndMS, late)
	if !ok {
		t.Errorf("audio_end_ms %d does not match the audio written (%v samples, less %d latency) within one device buffer (%d samples)",
			trunc.AudioEndMS, cuts, latN, blockN)
	}
	// Silence arrived within a few device buffers of speech_started.
	if ts := mu.get(); len(ts) == 1 {
		_, ws := log.snapshot()
		lastNZ := off + cuts[len(cuts)-1] + audio.FadeSamples - 1
		if w, found := writeOf(ws, lastNZ); found {
			t.Logf("speech_started → fade written: %v", w.wall.Sub(ts[0]).Round(100*time.Microsecond))
			if d := w.wall.Sub(ts[0]); d > 200*time.Millisecond {
				t.Errorf("playback went silent %v after speech_started", d)
			}
		}
	}
}

// fadeAndSilenceAt reports whether out (want[0] at off) continues at cut with the
// player's fade of want[cut:] and then only silence.
func fadeAndSilenceAt(out, want []int16, off, cut int) bool {
	base := off + cut
	if base+audio.FadeSamples > len(out) {
		return false
	}
	for i := range audio.FadeSamples {
		if out[base+i] != fadeSample(want[cut+i], i) {
			return false
		}
	}
	for _, v := range out[base+audio.FadeSamples:] {
		if v != 0 {
			return false
		}
	}
	return true
}

// 3. speech_started with nothing playing sends no truncate and no audio_interrupted
// (R7.5 #1): first before anything was ever played, then after an answer was played
// out completely.
func TestVoiceNoTruncateWhenIdle(t *testing.T) {
	dir := fakeDir(t, nil)
	p := openPlayer(t, audio.PlayerConfig{})
	r := startRig(t, rigConfig{Pace: 0, Base: voiceBase(serverVAD(true, true), false), Sink: p})

	const answer = "You said: [400 ms of audio]"
	utter := pcm(silence(100*time.Millisecond), tone(400*time.Millisecond, 440, 0.3), silence(500*time.Millisecond))
	for turn := 1; turn <= 2; turn++ {
		_ = r.sess.AppendAudio(utter)
		waitEventN[session.SpeechStarted](t, r.rec, turn, nil)
		assistantFinal(t, r.rec, turn, answer)
		if end := waitEventN[session.AgentEnd](t, r.rec, turn, nil); end.Status != "completed" {
			t.Errorf("turn %d: agent_end %+v", turn, end)
		}
		drain(t, p)
		if st := p.State(); st.Active {
			t.Fatalf("turn %d: player still active after drain: %+v", turn, st)
		}
	}
	lines := r.closeAndValidate()
	r.noErrors()
	_ = p.Close()

	if n := len(eventsOf[session.AudioInterrupted](r.rec.events())); n != 0 {
		t.Errorf("%d audio_interrupted events while nothing was playing", n)
	}
	for _, typ := range []string{"conversation.item.truncate", "response.cancel"} {
		if f := framesOf(lines, "client", typ); len(f) > 0 {
			t.Errorf("unexpected %s while idle: %s", typ, f[0])
		}
	}
	if n := len(framesOf(lines, "server", "input_audio_buffer.speech_started")); n != 2 {
		t.Errorf("%d speech_started, want 2", n)
	}
	// Both answers were played whole.
	out := readOut(t, dir)
	want := speech(answer)
	first := checkPlayedPrefix(t, out, want)
	rest := out[first+len(want):]
	checkPlayed(t, rest, want)
}

// checkPlayedPrefix is checkPlayed for the first of several answers in out.
func checkPlayedPrefix(tb testing.TB, out, want []int16) int {
	tb.Helper()
	off := firstNonZero(out) - firstNonZero(want)
	if off < 0 || off+len(want) > len(out) {
		tb.Fatalf("first answer not in out.raw (%d samples, first non-zero %d)", len(out), firstNonZero(out))
	}
	for i, v := range want {
		if out[off+i] != v {
			tb.Fatalf("first answer sample %d: played %d, synthesized %d", i, out[off+i], v)
		}
	}
	return off
}

// 4. The `run --audio-in/--audio-out` path: a WAV file as the microphone, the
// simulator's VAD turns it into a user turn, and the answer lands in the output WAV.
func TestVoiceRunFilePath(t *testing.T) {
	for _, fast := range []bool{true, false} {
		t.Run(fmt.Sprintf("fast=%v", fast), func(t *testing.T) {
			dir := t.TempDir()
			in, outPath := filepath.Join(dir, "in.wav"), filepath.Join(dir, "out.wav")
			w, err := audio.CreateWAV(in, audio.SampleRate, 1)
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Write(append(silence(300*time.Millisecond), tone(500*time.Millisecond, 330, 0.25)...)); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			sink, err := audio.CreateWAVSink(audio.WAVSinkConfig{Path: outPath, Fast: fast})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = sink.Close() })
			pace := 0.0
			if !fast {
				pace = 1
			}
			r := startRig(t, rigConfig{Pace: pace, Base: voiceBase(serverVAD(true, true), true), Sink: sink})

			src, err := audio.OpenWAVSource(audio.WAVSourceConfig{Path: in, Fast: fast, TrailingSilence: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			frames := 0
			for fr := range src.Frames() {
				if err := r.sess.AppendAudio(fr.PCM); err != nil {
					t.Fatal(err)
				}
				frames++
			}
			_ = src.Close()

			const heard = "[500 ms of audio]"
			user := waitEvent(t, r.rec, func(e session.Transcript) bool { return e.Final && e.Role == "user" })
			if user.Text != heard {
				t.Errorf("user transcript %q, want %q", user.Text, heard)
			}
			const answer = "You said: " + heard
			assistantFinal(t, r.rec, 1, answer)
			waitEvent[session.AgentEnd](t, r.rec, nil)
			deadline := time.Now().Add(waitTimeout)
			for sink.State().Active && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			lines := r.closeAndValidate()
			r.noErrors()
			if err := sink.Close(); err != nil {
				t.Fatal(err)
			}
			if n := len(framesOf(lines, "client", "input_audio_buffer.append")); n != frames {
				t.Errorf("%d append frames for %d source frames", n, frames)
			}
			got, err := audio.LoadWAV24k(outPath)
			if err != nil {
				t.Fatal(err)
			}
			want := speech(answer)
			if len(got) != len(want) {
				t.Fatalf("output WAV has %d samples, synthesized answer %d", len(got), len(want))
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("output WAV sample %d = %d, synthesized %d", i, got[i], want[i])
				}
			}
		})
	}
}

// syncTimes is a goroutine-safe list of instants.
type syncTimes struct {
	mu sync.Mutex
	ts []time.Time
}

func (s *syncTimes) add(t time.Time) {
	s.mu.Lock()
	s.ts = append(s.ts, t)
	s.mu.Unlock()
}

func (s *syncTimes) get() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.ts...)
}
