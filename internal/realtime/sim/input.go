package sim

import (
	"encoding/binary"
	"math"
)

// VAD emulation constants: the detector looks at 10 ms frames; a frame is speech
// when its RMS (full scale = 1) reaches threshold × rmsPerThreshold.
const (
	vadFrameMs      = 10
	rmsPerThreshold = 0.04 // threshold 0.5 → RMS 0.02 (about −34 dBFS)
	minCommitMs     = 100
)

// inputState is the input audio buffer and the VAD state, on the input timeline
// (milliseconds of audio appended since the session began). Guarded by conn.mu.
type inputState struct {
	vad      *vadConfig
	bpm      int
	buf      []byte // uncommitted audio
	bufStart int    // timeline ms of buf[0]
	pending  []byte // audio not yet analysed (less than one frame)
	scanned  int    // timeline ms analysed so far

	speaking      bool
	itemID        string
	audioStartMs  int
	firstVoicedMs int
	lastVoicedEnd int
	silenceMs     int
	idleRef       int // idle timeout counts silence from here
}

func (in *inputState) configure(st *sessionState) {
	in.vad = st.vad
	in.bpm = st.inputBytesPerMs()
	if in.vad == nil {
		in.speaking = false
		in.pending = nil
	}
}

// now is the timeline position of the end of the appended audio.
func (in *inputState) now() int { return in.bufStart + len(in.buf)/max(in.bpm, 1) }

func (in *inputState) responseDone() { in.idleRef = max(in.idleRef, in.scanned) }

// appendAudio buffers audio and runs the VAD over it (Appendix A.9).
func (c *conn) appendAudio(pcm []byte) {
	c.mu.Lock()
	in := &c.input
	if in.bpm == 0 {
		in.configure(c.sess)
	}
	in.buf = append(in.buf, pcm...)
	if in.vad == nil {
		c.mu.Unlock()
		return
	}
	in.pending = append(in.pending, pcm...)
	frame := vadFrameMs * in.bpm
	for len(in.pending) >= frame && in.vad != nil {
		f := in.pending[:frame]
		in.pending = in.pending[frame:]
		t := in.scanned
		in.scanned += vadFrameMs
		if r := c.vadFrameLocked(f, t); r != nil {
			// Barge-in: let the generator close the response, then go on.
			c.mu.Unlock()
			c.join(r)
			c.mu.Lock()
		}
	}
	c.mu.Unlock()
}

// vadFrameLocked advances the detector by one frame starting at t. It returns a
// response it asked to cancel (turn_detected), which the caller must join.
func (c *conn) vadFrameLocked(frame []byte, t int) *response {
	in := &c.input
	v := in.vad
	voiced := frameRMS(frame, in.bpm) >= v.threshold*rmsPerThreshold
	switch {
	case !in.speaking && voiced:
		in.speaking = true
		in.itemID = c.newItemID()
		in.firstVoicedMs, in.lastVoicedEnd, in.silenceMs = t, t+vadFrameMs, 0
		in.audioStartMs = max(in.bufStart, t-v.prefixPaddingMs)
		_ = c.send(&speechStartedEvent{header: hdr("input_audio_buffer.speech_started"), AudioStartMs: in.audioStartMs, ItemID: in.itemID})
		if v.interruptResponse && c.active != nil {
			r := c.active
			c.requestCancel(r, "turn_detected")
			return r
		}
	case in.speaking && voiced:
		in.lastVoicedEnd, in.silenceMs = t+vadFrameMs, 0
	case in.speaking:
		in.silenceMs += vadFrameMs
		if in.silenceMs < v.silenceDurationMs {
			return nil
		}
		in.speaking = false
		end := in.lastVoicedEnd
		_ = c.send(&speechStoppedEvent{header: hdr("input_audio_buffer.speech_stopped"), AudioEndMs: end, ItemID: in.itemID})
		it := c.commitLocked(in.itemID, in.audioStartMs, end, end-in.firstVoicedMs, false)
		in.idleRef = t + vadFrameMs
		if v.createResponse && c.active == nil && it != nil {
			_ = c.startResponse(&responseParams{})
		}
	default: // silence, not speaking: idle timeout
		if v.idleTimeoutMs <= 0 || c.active != nil {
			in.idleRef = max(in.idleRef, t)
			return nil
		}
		if t+vadFrameMs-in.idleRef < v.idleTimeoutMs {
			return nil
		}
		start, end := max(in.idleRef, in.bufStart), t+vadFrameMs
		id := c.newItemID()
		_ = c.send(&timeoutTriggeredEvent{header: hdr("input_audio_buffer.timeout_triggered"), AudioStartMs: start, AudioEndMs: end, ItemID: id})
		c.commitLocked(id, start, end, 0, true)
		in.idleRef = end
		if c.active == nil {
			_ = c.startResponse(&responseParams{})
		}
	}
	return nil
}

// commitLocked turns the buffered audio [startMs, endMs) into a user item and
// sends committed, item added/done and, with transcription on, the transcript.
// Audio before endMs leaves the buffer.
func (c *conn) commitLocked(id string, startMs, endMs, speechMs int, idle bool) *item {
	in := &c.input
	bpm := max(in.bpm, 1)
	from := min(max(startMs-in.bufStart, 0)*bpm, len(in.buf))
	to := min(max(endMs-in.bufStart, 0)*bpm, len(in.buf))
	audio := append([]byte(nil), in.buf[from:to]...)
	in.buf = append([]byte(nil), in.buf[to:]...)
	in.bufStart = max(in.bufStart, endMs)

	it := &item{id: id, typ: "message", role: "user", status: "completed", idle: idle, speechMs: speechMs,
		content: []content{{typ: "input_audio", audio: audio}}}
	prev, _ := c.conv.insert(it, "")
	_ = c.send(&committedEvent{header: hdr("input_audio_buffer.committed"), PreviousItemID: prev, ItemID: id})
	w := it.wire(false)
	_ = c.send(&itemEvent{header: hdr("conversation.item.added"), PreviousItemID: prev, Item: w})
	_ = c.send(&itemEvent{header: hdr("conversation.item.done"), PreviousItemID: prev, Item: w})
	if c.sess.transcriptionEnabled() && !idle {
		tr := audioTranscript(speechMs)
		it.content[0].transcript = &tr
		_ = c.send(&transcriptionDeltaEvent{header: hdr("conversation.item.input_audio_transcription.delta"), ItemID: id, Delta: tr, Obfuscation: obfuscation(tr)})
		audioTokens := len(audio) / bpm / 100
		words := len(Words(tr))
		_ = c.send(&transcriptionCompletedEvent{header: hdr("conversation.item.input_audio_transcription.completed"), ItemID: id, Transcript: tr,
			Usage: transcriptionUsage{Type: "tokens", TotalTokens: audioTokens + words, InputTokens: audioTokens,
				InputTokenDetails: transcriptionInput{AudioTokens: audioTokens}, OutputTokens: words}})
	}
	return it
}

func (c *conn) handleCommit() *apiError {
	c.mu.Lock()
	defer c.mu.Unlock()
	in := &c.input
	if in.bpm == 0 {
		in.configure(c.sess)
	}
	ms := float64(len(in.buf)) / float64(in.bpm)
	if ms < minCommitMs {
		return invalidRequest("input_audio_buffer_commit_empty", "",
			"Error committing input audio buffer: buffer too small. Expected at least 100ms of audio, but buffer only has %.2fms of audio.", ms)
	}
	id := in.itemID
	if !in.speaking {
		id = c.newItemID()
	}
	in.speaking = false
	end := in.now()
	c.commitLocked(id, in.bufStart, end, int(ms), false)
	in.idleRef = max(in.idleRef, end)
	return nil
}

func (c *conn) handleClear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	in := &c.input
	if in.bpm == 0 {
		in.configure(c.sess)
	}
	in.bufStart = in.now()
	in.buf = nil
	in.speaking = false
	_ = c.send(&cleared{header: hdr("input_audio_buffer.cleared")})
}

type cleared struct{ header }

// frameRMS is the RMS of a frame, full scale = 1, for PCM16 or G.711.
func frameRMS(frame []byte, bpm int) float64 {
	var sum float64
	n := 0
	if bpm == 8 { // G.711: µ-law and A-law decode to similar magnitudes; use µ-law
		for _, b := range frame {
			v := float64(ulaw(b)) / 32768
			sum += v * v
			n++
		}
	} else {
		for i := 0; i+1 < len(frame); i += 2 {
			v := float64(int16(binary.LittleEndian.Uint16(frame[i:]))) / 32768
			sum += v * v
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return math.Sqrt(sum / float64(n))
}

func ulaw(b byte) int16 {
	b = ^b
	sign := b & 0x80
	exp := (b >> 4) & 0x07
	mant := b & 0x0f
	v := ((int16(mant) << 3) + 0x84) << exp
	v -= 0x84
	if sign != 0 {
		return -v
	}
	return v
}
