package openai

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/rtagent/rtagent/internal/realtime"
)

// sameDelta compares two decoded deltas; nil and empty audio are the same.
func sameDelta(a, b realtime.AudioDelta) bool {
	return a.ResponseID == b.ResponseID && a.ItemID == b.ItemID && a.ContentIndex == b.ContentIndex &&
		bytes.Equal(a.Data, b.Data)
}

// checkFastPath fails when the fast path accepts a frame and disagrees with
// encoding/json, or accepts one encoding/json rejects.
func checkFastPath(t *testing.T, frame []byte) {
	t.Helper()
	fast, ok := decodeAudioDeltaFast(frame)
	full, err := decodeAudioDeltaFull(frame)
	if !ok {
		return // the caller falls back to the full decoder
	}
	if err != nil {
		t.Fatalf("fast path accepted %q; encoding/json: %v", frame, err)
	}
	if !sameDelta(fast, full) {
		t.Fatalf("fast path %+v, encoding/json %+v for %q", fast, full, frame)
	}
	if len(fast.Data) != cap(fast.Data) {
		t.Fatalf("audio buffer len %d cap %d, want exact size", len(fast.Data), cap(fast.Data))
	}
}

var fastPathSeeds = []string{
	string(audioDeltaFrame()),
	`{"type":"response.output_audio.delta","response_id":"r","item_id":"i","content_index":2,"delta":"AAE="}`,
	`{"delta":"AAECAw==","type":"response.output_audio.delta","content_index":0}`,
	` { "type" : "response.output_audio.delta" , "delta" : "AA==" } `,
	`{"type":"response.output_audio.delta","delta":""}`,
	`{"type":"response.output_audio.delta","delta":null}`,
	`{"type":"response.output_audio.delta","delta":"AA=A"}`,
	`{"type":"response.output_audio.delta","delta":"AAA"}`,
	`{"type":"response.output_audio.delta","delta":"A\/8="}`,
	`{"type":"response.output_audio.delta","Delta":"AAAA"}`,
	`{"type":"response.output_audio.delta","DELTA":"AAAA","delta":"AQID"}`,
	`{"type":"response.output_audio.delta","content_index":-0}`,
	`{"type":"response.output_audio.delta","content_index":01}`,
	`{"type":"response.output_audio.delta","content_index":1.5}`,
	`{"type":"response.output_audio.delta","content_index":99999999999999999999}`,
	`{"type":"response.output_audio.delta","content_index":"1"}`,
	`{"type":"response.output_audio.delta","response_id":7}`,
	`{"type":"response.output_audio.delta","response_id":"r\u00e9"}`,
	"{\"type\":\"response.output_audio.delta\",\"item_id\":\"\xff\"}",
	"{\"type\":\"response.output_audio.delta\",\"item_id\":\"a\x01\"}",
	`{"type":"response.output_audio.delta","extra":{"a":[1,2]},"delta":"AAAA"}`,
	`{"type":"response.output_audio.delta","delta":"AAAA","delta":"AQID"}`,
	`{"type":"response.output_audio.delta","delta":"AAAA"}x`,
	`{"type":"response.output_audio.delta","delta":"AAAA",}`,
	`{"type":"response.output_audio.delta","reſponse_id":"r"}`,
	`{}`, `[]`, `"x"`, ``, `{"a"}`, `{"a":}`,
}

func TestAudioDeltaFastPathAgreesWithEncodingJSON(t *testing.T) {
	for _, s := range fastPathSeeds {
		checkFastPath(t, []byte(s))
	}
	// The frame the service sends takes the fast path.
	if _, ok := decodeAudioDeltaFast(audioDeltaFrame()); !ok {
		t.Fatal("a service-shaped audio delta missed the fast path")
	}
	// Recorded streams: every audio delta takes the fast path and agrees.
	files, _ := filepath.Glob("../../../testdata/realtime/*/*.jsonl")
	files2, _ := filepath.Glob("../../../testdata/realtime/*.jsonl")
	n := 0
	for _, f := range append(files, files2...) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range bytes.Split(data, []byte("\n")) {
			frame := streamFrame(line)
			if typ, err := peekType(frame); err != nil || (typ != "response.output_audio.delta" && typ != "response.audio.delta") {
				continue
			}
			n++
			checkFastPath(t, frame)
			if _, ok := decodeAudioDeltaFast(frame); !ok {
				t.Errorf("%s: a recorded audio delta missed the fast path: %.120s", f, frame)
			}
		}
	}
	t.Logf("%d recorded audio deltas", n)
}

// streamFrame returns the event of a recorded line: either the frame itself or the
// "event" of a trace line.
func streamFrame(line []byte) []byte {
	var tl struct {
		Event json.RawMessage `json:"event"`
	}
	if json.Unmarshal(line, &tl) == nil && len(tl.Event) > 0 {
		return tl.Event
	}
	return line
}

// The fast path and encoding/json give the same result on every input.
func FuzzAudioDeltaFastPath(f *testing.F) {
	for _, s := range fastPathSeeds {
		f.Add([]byte(s))
	}
	files, _ := filepath.Glob("../../../testdata/realtime/streams/*.jsonl")
	for _, file := range files { // recorded frames of every type
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		for _, line := range bytes.Split(data, []byte("\n")) {
			f.Add(streamFrame(line))
		}
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		checkFastPath(t, frame)
		// decodeAudioDelta never errs where encoding/json succeeds, and agrees.
		got, err := decodeAudioDelta(frame)
		want, werr := decodeAudioDeltaFull(frame)
		if (err == nil) != (werr == nil) || (err == nil && !sameDelta(got, want)) {
			t.Fatalf("decodeAudioDelta %+v, %v; encoding/json %+v, %v", got, err, want, werr)
		}
	})
}

func TestPeekTypeWithoutFullDecode(t *testing.T) {
	for _, c := range []struct {
		frame, want string
		scan        bool // found by the scan (no full decode)
	}{
		{`{"type":"response.output_audio.delta","delta":"AA=="}`, "response.output_audio.delta", true},
		{`{"event_id":"e1","item":{"type":"message","content":[{"type":"x"}]},"type":"conversation.item.added"}`, "conversation.item.added", true},
		{` {"a":"q\"}","b":[1,{"c":"]"}],"n":-1.5e3,"t":true,"type":"error"}`, "error", true},
		{`{"a":1,"type":"x\u0041"}`, "xA", false},
		{`{"a":1,"TYPE":"y"}`, "y", false},
	} {
		got, ok := peekTypeScan([]byte(c.frame))
		if ok != c.scan || (ok && got != c.want) {
			t.Errorf("peekTypeScan(%s) = %q, %v; want %q, %v", c.frame, got, ok, c.want, c.scan)
		}
		if typ, err := peekType([]byte(c.frame)); err != nil || typ != c.want {
			t.Errorf("peekType(%s) = %q, %v; want %q", c.frame, typ, err, c.want)
		}
	}
	for _, bad := range []string{`{"a":1}`, `{"type":""}`, `not json`, `{"type":5}`} {
		if typ, err := peekType([]byte(bad)); err == nil {
			t.Errorf("peekType(%s) = %q, want an error", bad, typ)
		}
	}
}

// A service-shaped delta decodes with one allocation per string and one for the
// audio: no encoding/json.
func TestAudioDeltaFastPathAllocations(t *testing.T) {
	frame := audioDeltaFrame()
	allocs := testing.AllocsPerRun(100, func() {
		if _, _, err := decodeEvent(frame); err != nil {
			t.Fatal(err)
		}
	})
	// response_id, item_id, the audio buffer, and the event boxed in an interface.
	if allocs > 4 {
		t.Errorf("decodeEvent of an audio delta: %.0f allocations, want <= 4", allocs)
	}
}

func TestAppendFrameMatchesEncodingJSON(t *testing.T) {
	for _, pcm := range [][]byte{{0}, {1, 2}, {1, 2, 3}, bytes.Repeat([]byte{0xff, 0x7f}, 960)} {
		want, err := marshal(appendEvent{Type: "input_audio_buffer.append", Audio: pcm})
		if err != nil {
			t.Fatal(err)
		}
		if got := appendFrame(pcm); !bytes.Equal(got, want) {
			t.Errorf("appendFrame(%d bytes) = %.80s, want %.80s", len(pcm), got, want)
		}
	}
}
