package openai

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/rtagent/rtagent/internal/realtime"
)

// The Frames tap gets every frame, both directions, in order, typed, with audio
// elided (also when the JSONL trace keeps audio) and the key scrubbed.
func TestFramesTap(t *testing.T) {
	for _, traceAudio := range []bool{false, true} {
		t.Run(map[bool]string{false: "trace-elided", true: "trace-audio"}[traceAudio], func(t *testing.T) {
			frames := make(chan realtime.Frame, 64)
			var trace bytes.Buffer
			fs := newFakeServer(t, nil)
			m, p, ev := connect(t, fs, Config{Trace: &trace, TraceAudio: traceAudio, Frames: func(f realtime.Frame) { frames <- f }}, defaultSettings())
			p.handshake(t)
			send(t, m, realtime.AppendAudio{Audio: make([]byte, 300)})
			p.expect(t, "input_audio_buffer.append")
			p.send(t, `{"type":"response.output_audio.delta","event_id":"e9","response_id":"r","item_id":"i","output_index":0,"content_index":0,"delta":"QUFBQUFB"}`,
				`{"type":"error","event_id":"e10","error":{"type":"invalid_request_error","code":"x","message":"bad key sk-test-key","param":null,"event_id":null}}`)
			ev.until(isType[realtime.Error])
			_ = m.Close()

			want := []struct{ dir, typ, has string }{
				{"out", "session.update", `"type":"session.update"`},
				{"out", "input_audio_buffer.append", `"audio":"<300 bytes>"`},
				{"in", "session.created", ""},
				{"in", "session.updated", ""},
				{"in", "response.output_audio.delta", `"delta":"<6 bytes>"`},
				{"in", "error", `bad key <redacted>`},
			}
			var got []realtime.Frame
			deadline := time.After(wait)
			for len(got) < len(want) {
				select {
				case f := <-frames:
					got = append(got, f)
				case <-deadline:
					t.Fatalf("got %d frames, want %d: %+v", len(got), len(want), got)
				}
			}
			// Each direction in order (client and server frames interleave freely).
			var in, out []realtime.Frame
			for _, f := range got {
				if f.Direction == "in" {
					in = append(in, f)
				} else {
					out = append(out, f)
				}
			}
			got = append(out, in...)
			for i, w := range want {
				f := got[i]
				if f.Direction != w.dir || f.Type != w.typ || !strings.Contains(string(f.Data), w.has) || f.Time.IsZero() {
					t.Errorf("frame %d = %s %s %s, want %s %s containing %s", i, f.Direction, f.Type, f.Data, w.dir, w.typ, w.has)
				}
				if strings.Contains(string(f.Data), "QUFB") || strings.Contains(string(f.Data), "sk-test-key") {
					t.Errorf("frame %d leaks audio or the key: %s", i, f.Data)
				}
			}
			if traceAudio && !strings.Contains(trace.String(), "QUFBQUFB") {
				t.Error("the JSONL trace lost its audio")
			}
		})
	}
}
