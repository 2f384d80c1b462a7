package openai

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/rtagent/rtagent/internal/realtime"
)

// The reader reuses its read buffer after audio deltas (issue 13 #1): every event
// must still hold what its own frame said once later frames were read into that
// buffer — audio, and raw events that keep their frame.
func TestReadBufferReuseKeepsEvents(t *testing.T) {
	fs := newFakeServer(t, nil)
	_, p, ev := connect(t, fs, Config{}, defaultSettings())
	p.handshake(t)
	pcm := func(i int) []byte { return bytes.Repeat([]byte{byte(i)}, 1920) }
	audio := func(i int) string {
		return `{"type":"response.output_audio.delta","event_id":"event_a` + strconv.Itoa(i) +
			`","response_id":"resp_1","item_id":"item_1","output_index":0,"content_index":0,"delta":"` +
			base64.StdEncoding.EncodeToString(pcm(i)) + `"}`
	}
	raw := func(i int) string {
		return `{"type":"future.event","event_id":"event_r` + strconv.Itoa(i) + `","n":` + strconv.Itoa(i) + `}`
	}
	var frames []string
	for i := range 6 {
		frames = append(frames, audio(i), audio(i+100), raw(i))
	}
	p.send(t, frames...)
	var got []realtime.Event
	for len(got) < len(frames) {
		e := ev.next()
		switch e.(type) {
		case realtime.AudioDelta, realtime.Raw:
			got = append(got, e)
		}
	}
	for i := range 6 {
		for j, want := range []int{i, i + 100} {
			d, ok := got[3*i+j].(realtime.AudioDelta)
			if !ok || !bytes.Equal(d.Data, pcm(want)) || d.ItemID != "item_1" || d.ResponseID != "resp_1" {
				t.Fatalf("event %d: %T %+v, want the audio of delta %d", 3*i+j, got[3*i+j], d.ItemID, want)
			}
		}
		r, ok := got[3*i+2].(realtime.Raw)
		if !ok || !json.Valid(r.Data) || string(r.Data) != raw(i) {
			t.Fatalf("raw event %d: %T %s, want %s", i, got[3*i+2], r.Data, raw(i))
		}
	}
}

// gatedWriter holds every Write until open is closed, so the tracer formats its
// frames only after the reader has reused its buffer for later ones.
type gatedWriter struct {
	open chan struct{}
	mu   sync.Mutex
	b    bytes.Buffer
}

func (g *gatedWriter) Write(p []byte) (int, error) {
	<-g.open
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.b.Write(p)
}

// With a trace on, the reader still reuses its buffer for audio deltas when the
// trace keeps an elided copy, and never when it keeps the frame whole (--trace-audio):
// every trace line holds its own frame, written after the reader moved on.
func TestReadBufferReuseKeepsTrace(t *testing.T) {
	for _, withAudio := range []bool{false, true} {
		t.Run("trace_audio="+strconv.FormatBool(withAudio), func(t *testing.T) { readBufferTrace(t, withAudio) })
	}
}

func readBufferTrace(t *testing.T, withAudio bool) {
	fs := newFakeServer(t, nil)
	g := &gatedWriter{open: make(chan struct{})}
	m, p, ev := connect(t, fs, Config{Trace: g, TraceAudio: withAudio}, defaultSettings())
	p.handshake(t)
	b64 := func(i int) string { return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{byte(i)}, 1920+2*i)) }
	audio := func(i int, delta string) string {
		return `{"type":"response.output_audio.delta","event_id":"event_a` + strconv.Itoa(i) +
			`","response_id":"resp_1","item_id":"item_1","output_index":0,"content_index":0,"delta":"` + delta + `"}`
	}
	text := func(i int) string {
		return `{"type":"response.output_audio_transcript.delta","event_id":"event_t` + strconv.Itoa(i) +
			`","response_id":"resp_1","item_id":"item_1","output_index":0,"content_index":0,"delta":"word ` + strconv.Itoa(i) + `"}`
	}
	var frames []string
	for i := range 6 {
		frames = append(frames, audio(i, b64(i)), text(i))
	}
	p.send(t, frames...)
	for n := 0; n < len(frames); {
		switch ev.next().(type) {
		case realtime.AudioDelta, realtime.TranscriptDelta:
			n++
		}
	}
	close(g.open)
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	g.mu.Lock()
	trace := g.b.String()
	g.mu.Unlock()
	for i := range 6 {
		delta := "<" + strconv.Itoa(1920+2*i) + " bytes>"
		if withAudio {
			delta = b64(i)
		}
		for _, want := range []string{audio(i, delta), text(i)} {
			if !strings.Contains(trace, `"dir":"server","event":`+want+"}\n") {
				t.Fatalf("trace lacks %.200s…", want)
			}
		}
	}
}
