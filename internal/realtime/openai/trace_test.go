package openai

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rtagent/rtagent/internal/realtime"
	"github.com/rtagent/rtagent/internal/redact"
)

// elideReference is the old map-based elision, the meaning elideAudio must keep.
func elideReference(frame []byte) any {
	var top map[string]any
	if json.Unmarshal(frame, &top) != nil {
		return nil
	}
	ph := func(v any) any {
		s, ok := v.(string)
		if !ok {
			return v
		}
		n := len(s) / 4 * 3
		if len(s)%4 != 0 {
			n += len(s) % 4 * 3 / 4
		}
		for i := len(s) - 1; i >= 0 && i >= len(s)-2 && s[i] == '='; i-- {
			n--
		}
		return "<" + strconv.Itoa(n) + " bytes>"
	}
	typ, _ := peekType(frame) // the decoder's notion of the type (case-insensitive key)
	if ga, ok := betaNames[typ]; ok {
		typ = ga
	}
	switch typ {
	case "input_audio_buffer.append":
		if v, ok := top["audio"]; ok {
			top["audio"] = ph(v)
		}
	case "response.output_audio.delta":
		if v, ok := top["delta"]; ok {
			top["delta"] = ph(v)
		}
	case "conversation.item.retrieved", "conversation.item.create", "conversation.item.added", "conversation.item.done":
		if it, ok := top["item"].(map[string]any); ok {
			if cs, ok := it["content"].([]any); ok {
				for _, c := range cs {
					if cm, ok := c.(map[string]any); ok {
						if a, ok := cm["audio"]; ok {
							cm["audio"] = ph(a)
						}
					}
				}
			}
		}
	}
	return top
}

func decodeAny(b []byte) any {
	var v map[string]any
	if json.Unmarshal(b, &v) != nil {
		return nil
	}
	return v
}

var elideCases = []string{
	string(audioDeltaFrame()),
	`{"type":"input_audio_buffer.append","audio":"AAECAw=="}`,
	`{"audio":"AAE=","type":"input_audio_buffer.append","event_id":"x"}`,
	`{"type":"response.audio.delta","delta":"AAECAw==","response_id":"r"}`,
	`{"type":"conversation.item.retrieved","event_id":"e","item":{"id":"i","content":[{"type":"output_audio","audio":"AAECAw==","transcript":"t"},{"type":"input_audio","audio":"AAE=","transcript":"audio"}]}}`,
	`{"type":"conversation.item.added","item":{"id":"i","content":[{"type":"input_text","text":"\"audio\":\"xyz\""}]}}`,
	`{"type":"conversation.item.create","item":{"content":[{"type":"input_audio","audio":"A\/8="}]}}`,
	`{"type":"response.output_audio.delta","delta":null}`,
	`{"type":"session.updated","session":{"audio":{"output":{"voice":"marin"}}}}`,
	`{"type":"response.output_audio.delta","delta":"AAAA"`,
}

// elideAudio edits bytes, keeps key order, and means what the map-based elision
// meant: the same JSON value for every valid frame.
func TestElideAudioMatchesReference(t *testing.T) {
	frames := elideCases
	files, _ := filepath.Glob("../../../testdata/realtime/streams/*.jsonl")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range bytes.Split(data, []byte("\n")) {
			frames = append(frames, string(streamFrame(l)))
		}
	}
	for _, f := range frames {
		got := elideAudio([]byte(f))
		want := elideReference([]byte(f))
		if want == nil {
			continue // not a JSON object: the tracer writes it as "invalid"
		}
		if !reflect.DeepEqual(decodeAny(got), want) {
			t.Errorf("elideAudio(%.200s)\n = %.200s", f, got)
		}
	}
	// Key order and the bytes around the audio stay as they were.
	got := elideAudio([]byte(`{"type":"response.output_audio.delta", "z":1,"delta":"AAECAw==" ,"a":2}`))
	if string(got) != `{"type":"response.output_audio.delta", "z":1,"delta":"<4 bytes>" ,"a":2}` {
		t.Errorf("got %s", got)
	}
	// Nothing to elide: the frame itself, no copy.
	in := []byte(`{"type":"response.done","response":{}}`)
	if out := elideAudio(in); &out[0] != &in[0] {
		t.Error("a frame without audio was copied")
	}
}

// normCounts replaces "<N bytes>" placeholders by "<bytes>".
func normCounts(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = normCounts(e)
		}
	case []any:
		for i, e := range x {
			x[i] = normCounts(e)
		}
	case string:
		if strings.HasPrefix(x, "<") && strings.HasSuffix(x, " bytes>") {
			if _, err := strconv.Atoi(x[1 : len(x)-7]); err == nil {
				return "<bytes>"
			}
		}
	}
	return v
}

func FuzzElideAudio(f *testing.F) {
	for _, s := range elideCases {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		got := elideAudio(frame)
		want := elideReference(frame)
		if want == nil {
			return // not a JSON object: the tracer writes it as "invalid"
		}
		// Counts of non-base64 garbage may differ (raw bytes against decoded runes).
		if !json.Valid(got) || !reflect.DeepEqual(normCounts(decodeAny(got)), normCounts(want)) {
			t.Fatalf("elideAudio(%q) = %q", frame, got)
		}
	})
}

// A trace line costs a small fraction of an audio delta's decode: tracing adds at
// most 10 % CPU (issue 13). Measured as allocations and time per delta.
func BenchmarkTraceAudioDelta(b *testing.B) {
	frame := audioDeltaFrame()
	tr := &tracer{scrub: redact.New("sk-test-0123456789abcdef", "Bearer sk-test-0123456789abcdef"), start: time.Now()}
	var line bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		line.Reset()
		// What a traced delta costs: the elision (tracer.add, on the reader) and the line.
		tr.format(&line, traceRec{at: time.Now(), dir: "server", frame: elideAudio(frame)})
	}
}

// The time a trace line takes is a benchmark figure (make bench: fast+trace against
// fast); the allocations are checked here, where they do not depend on the machine.
func TestTraceLineAllocations(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("allocation count: not under -race or -short")
	}
	tr := testing.Benchmark(BenchmarkTraceAudioDelta)
	t.Logf("trace line %v", tr)
	if tr.AllocsPerOp() > 2 {
		t.Errorf("a traced audio delta allocates %d times, want <= 2", tr.AllocsPerOp())
	}
}

// issue 11: every configured secret is scrubbed from the trace, whole values only.
func TestTraceScrubsHeaderSecretEchoedByServer(t *testing.T) {
	const hdr = "hdr-secret-4f9a2c"
	var trace syncBuffer
	fs := newFakeServer(t, nil)
	_, p, ev := connect(t, fs, Config{
		Headers: http.Header{"Authorization": {"Bearer " + hdr}, "X-Tenant": {"tenant-7"}},
		Trace:   &trace,
	}, defaultSettings())
	p.expect(t, "session.update")
	p.send(t, `{"type":"error","event_id":"e","error":{"type":"invalid_request_error","code":"bad","message":"token `+hdr+` for tenant tenant-7 is not allowed","param":null,"event_id":null}}`)
	e := ev.until(isType[realtime.Error]).(realtime.Error)
	p.closeWith(t, 1000, "")
	ev.drain()
	p.waitDone(t)
	for name, s := range map[string]string{"trace": trace.String(), "error": e.Error()} {
		if strings.Contains(s, hdr) || strings.Contains(s, "tenant-7") {
			t.Errorf("%s holds a header secret: %s", name, s)
		}
	}
	if !strings.Contains(trace.String(), "token <redacted> for tenant <redacted> is") {
		t.Errorf("trace not scrubbed as expected:\n%s", trace.String())
	}
}

// A one-letter key hides the value, never the letter inside ordinary words.
func TestTraceShortKeyScrubsWholeValuesOnly(t *testing.T) {
	var trace syncBuffer
	fs := newFakeServer(t, nil)
	_, p, ev := connect(t, fs, Config{APIKey: "x", Trace: &trace, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, defaultSettings())
	p.expect(t, "session.update")
	p.send(t, `{"type":"session.created","event_id":"e1","session":{"type":"realtime","id":"s","model":"gpt-realtime","expires_at":1700000000,"instructions":"x"}}`)
	ev.until(isType[realtime.SessionUpdated])
	p.closeWith(t, 1000, "")
	ev.drain()
	p.waitDone(t)
	tr := trace.String()
	if !strings.Contains(tr, `"expires_at":1700000000`) || !strings.Contains(tr, `"instructions":"<redacted>"`) {
		t.Errorf("short key scrubbing corrupted or missed:\n%s", tr)
	}
	if strings.Contains(tr, "e<redacted>") {
		t.Errorf("a letter inside a word was scrubbed:\n%s", tr)
	}
}

// ${ENV} values registered by HTTP tools reach the connection's scrubber.
func TestScrubberIncludesProcessRegistry(t *testing.T) {
	const v = "env-registered-secret-91"
	redact.Register(v)
	m := New(Config{APIKey: "sk-test-key"})
	if got := m.scrub("echo " + v); got != "echo <redacted>" {
		t.Errorf("scrub = %q", got)
	}
}

// Lines the tracer writes without compacting are valid JSON on one line.
func FuzzIsPlainFlat(f *testing.F) {
	for _, s := range append(elideCases, fastPathSeeds...) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		if isPlainFlat(frame) && (!json.Valid(frame) || bytes.ContainsAny(frame, "\r\n")) {
			t.Fatalf("isPlainFlat(%q) but it is not one valid line", frame)
		}
	})
}

// Images are elided like audio: a data URL keeps its media type and says how many
// bytes it carried.
func TestTraceElidesImages(t *testing.T) {
	frame := []byte(`{"type":"conversation.item.create","item":{"type":"message","role":"user","content":[{"type":"input_image","image_url":"data:image/png;base64,AAAAAA=="}]}}`)
	got := string(elideAudio(frame))
	want := `{"type":"conversation.item.create","item":{"type":"message","role":"user","content":[{"type":"input_image","image_url":"data:image/png;base64,<4 bytes>"}]}}`
	if got != want {
		t.Fatalf("elided:\n%s\nwant\n%s", got, want)
	}
}
