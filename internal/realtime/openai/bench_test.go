package openai

import (
	"encoding/base64"
	"testing"
	"time"

	"github.com/rtagent/rtagent/internal/realtime"
)

// audioDeltaFrame is a response.output_audio.delta as the service sends it, with
// 40 ms of 24 kHz PCM16 (1,920 bytes).
func audioDeltaFrame() []byte {
	pcm := make([]byte, 1920)
	for i := range pcm {
		pcm[i] = byte(i * 7)
	}
	return []byte(`{"type":"response.output_audio.delta","event_id":"event_Ct1OkERqGuVLIDkWkL23S","response_id":"resp_Ct1OkhbgNQBuFX2HeE0P9","item_id":"item_Ct1OkNEvGW5s0xZERnV95","output_index":0,"content_index":0,"delta":"` +
		base64.StdEncoding.EncodeToString(pcm) + `"}`)
}

// BenchmarkDecodeAudioDelta measures decode and dispatch of one 40 ms audio delta
// through the reader's path (handleFrame: type peek, typed decode, base64 into an
// exact-size buffer, push onto the event queue). x_realtime = 40 ms / time per op.
func BenchmarkDecodeAudioDelta(b *testing.B) {
	frame := audioDeltaFrame()
	m := New(Config{})
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	var batch []realtime.Event
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.handleFrame(frame)
		batch, _ = m.evq.Drain(batch[:0])
		if len(batch) != 1 {
			b.Fatalf("got %d events, want 1", len(batch))
		}
		if d, ok := batch[0].(realtime.AudioDelta); !ok || len(d.Data) != 1920 {
			b.Fatalf("got %T", batch[0])
		}
	}
	b.StopTimer()
	nsPerOp := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(float64(40*time.Millisecond)/nsPerOp, "x_realtime")
}

func TestAudioDeltaFasterThanRealTime(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("timing check: not under -race or -short")
	}
	r := testing.Benchmark(BenchmarkDecodeAudioDelta)
	x := float64(40*time.Millisecond) / float64(r.NsPerOp())
	t.Logf("%v, %.0fx real time", r, x)
	if x < 500 {
		t.Errorf("audio delta decode %.0fx real time, want >= 500x", x)
	}
}
