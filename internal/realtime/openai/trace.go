package openai

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/rtagent/rtagent/internal/fifo"
	"github.com/rtagent/rtagent/internal/realtime"
)

// tracer writes every frame as one JSONL line:
//
//	{"t_ms":123,"dir":"client"|"server","event":{…}}
//
// Base64 audio (append "audio", output_audio.delta "delta", "audio" inside the
// content of created and retrieved items) becomes "<N bytes>" unless audio tracing is
// on. Headers never reach it, and the API key is scrubbed from every line. Lines are
// queued (unbounded) and written by the tracer's own goroutine, so a slow trace file
// never stalls the reader or the writer.
type tracer struct {
	w     io.Writer            // nil: no JSONL trace, only the tap
	tap   func(realtime.Frame) // nil: no typed frame tap (tap.go)
	audio bool
	key   []byte
	start time.Time
	log   *slog.Logger
	q     *fifo.Queue[traceRec]
	wg    sync.WaitGroup
}

type traceRec struct {
	at    time.Time
	dir   string
	frame []byte
}

func newTracer(w io.Writer, tap func(realtime.Frame), audio bool, key string, start time.Time, log *slog.Logger) *tracer {
	t := &tracer{w: w, tap: tap, audio: audio, start: start, log: log, q: fifo.New[traceRec]()}
	if key != "" {
		t.key = []byte(key)
	}
	t.wg.Add(1)
	go t.run()
	return t
}

// add queues one frame; the frame must not be modified afterwards.
func (t *tracer) add(dir string, frame []byte) {
	if t == nil {
		return
	}
	t.q.Push(traceRec{at: time.Now(), dir: dir, frame: frame})
}

// close writes what is queued and stops the goroutine.
func (t *tracer) close() {
	if t == nil {
		return
	}
	t.q.Close()
	t.wg.Wait()
}

func (t *tracer) run() {
	defer t.wg.Done()
	var line bytes.Buffer
	failed := false
	for {
		r, ok := t.q.Pop()
		if !ok {
			return
		}
		if failed && t.tap == nil {
			continue
		}
		line.Reset()
		t.format(&line, r)
		if t.tap != nil {
			t.tap(t.tapFrame(r, line.Bytes()))
		}
		if t.w == nil || failed {
			continue
		}
		if _, err := t.w.Write(line.Bytes()); err != nil {
			t.log.Warn("trace write failed; tracing stopped", "err", err)
			failed = true
		}
	}
}

func (t *tracer) format(line *bytes.Buffer, r traceRec) {
	line.WriteString(`{"t_ms":`)
	line.WriteString(strconv.FormatInt(r.at.Sub(t.start).Milliseconds(), 10))
	line.WriteString(`,"dir":"`)
	line.WriteString(r.dir)
	frame := r.frame
	if !t.audio {
		frame = redactAudio(frame)
	}
	n := line.Len()
	line.WriteString(`","event":`)
	if err := json.Compact(line, frame); err != nil {
		line.Truncate(n)
		line.WriteString(`","invalid":`)
		s, _ := json.Marshal(string(frame))
		line.Write(s)
	}
	line.WriteString("}\n")
	if len(t.key) > 0 && bytes.Contains(line.Bytes(), t.key) {
		b := bytes.ReplaceAll(line.Bytes(), t.key, []byte("<redacted>"))
		line.Reset()
		line.Write(b)
	}
}

// redactAudio replaces base64 audio in a frame by "<N bytes>". Frames without audio
// are returned as they are. Key order of a rewritten frame is not preserved.
func redactAudio(frame []byte) []byte {
	typ, err := peekType(frame)
	if err != nil {
		return frame
	}
	if ga, ok := betaNames[typ]; ok {
		typ = ga
	}
	var field string
	switch typ {
	case "input_audio_buffer.append":
		field = "audio"
	case "response.output_audio.delta":
		field = "delta"
	case "conversation.item.retrieved", "conversation.item.create", "conversation.item.added", "conversation.item.done":
		if !bytes.Contains(frame, []byte(`"audio"`)) {
			return frame
		}
	default:
		return frame
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(frame, &top) != nil {
		return frame
	}
	if field != "" {
		top[field] = audioPlaceholder(top[field])
	} else if item, ok := top["item"]; ok {
		var it map[string]json.RawMessage
		if json.Unmarshal(item, &it) != nil {
			return frame
		}
		var content []map[string]json.RawMessage
		if json.Unmarshal(it["content"], &content) != nil {
			return frame
		}
		for _, c := range content {
			if a, ok := c["audio"]; ok {
				c["audio"] = audioPlaceholder(a)
			}
		}
		it["content"], _ = json.Marshal(content)
		top["item"], _ = json.Marshal(it)
	}
	out, err := json.Marshal(top)
	if err != nil {
		return frame
	}
	return out
}

// audioPlaceholder turns a base64 JSON string into "<N bytes>" (N decoded bytes).
func audioPlaceholder(v json.RawMessage) json.RawMessage {
	var s string
	if json.Unmarshal(v, &s) != nil {
		return v // null or not a string: leave it
	}
	n := len(s) / 4 * 3
	if len(s)%4 != 0 {
		n += len(s) % 4 * 3 / 4
	}
	for i := len(s) - 1; i >= 0 && i >= len(s)-2 && s[i] == '='; i-- {
		n--
	}
	out, _ := json.Marshal("<" + strconv.Itoa(n) + " bytes>")
	return out
}
