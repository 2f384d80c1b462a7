package openai

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/rtagent/rtagent/internal/fifo"
	"github.com/rtagent/rtagent/internal/realtime"
	"github.com/rtagent/rtagent/internal/redact"
)

// tracer writes every frame as one JSONL line:
//
//	{"t_ms":123,"dir":"client"|"server","event":{…}}
//
// Base64 audio (append "audio", output_audio.delta "delta", "audio" inside the
// content of created and retrieved items) becomes "<N bytes>" unless audio tracing is
// on; the elision works on the bytes (elideAudio), keeping the frame's key order.
// Headers never reach it, and every configured secret is scrubbed from every line
// (internal/redact). Frames are queued (unbounded) and written by the tracer's own
// goroutine, a burst at a time through one buffer, so a slow trace file never stalls
// the reader or the writer.
type tracer struct {
	w     io.Writer            // nil: no JSONL trace, only the tap
	tap   func(realtime.Frame) // nil: no typed frame tap (tap.go)
	audio bool
	scrub *redact.Scrubber
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

func newTracer(w io.Writer, tap func(realtime.Frame), audio bool, scrub *redact.Scrubber, start time.Time, log *slog.Logger) *tracer {
	t := &tracer{w: w, tap: tap, audio: audio, scrub: scrub, start: start, log: log, q: fifo.New[traceRec]()}
	t.wg.Add(1)
	go t.run()
	return t
}

// add queues one frame and reports whether the trace keeps frame itself: then
// the caller must not modify it afterwards. Audio is elided here, on the caller's
// goroutine, so the trace keeps a small copy of an audio frame and the reader can
// reuse the frame's buffer at once (the elision costs the same on either goroutine).
func (t *tracer) add(dir string, frame []byte) (kept bool) {
	if t == nil {
		return false
	}
	kept = true
	if !t.audio && len(frame) > 0 {
		e := elideAudio(frame)
		kept = len(e) > 0 && &e[0] == &frame[0] // elideAudio returns frame itself or a new slice
		frame = e
	}
	t.q.Push(traceRec{at: time.Now(), dir: dir, frame: frame})
	return kept
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
	var bw *bufio.Writer
	if t.w != nil {
		bw = bufio.NewWriterSize(t.w, 64<<10)
	}
	var line bytes.Buffer
	var batch []traceRec
	failed := t.w == nil
	for {
		var ok bool
		batch, ok = t.q.PopAll(batch[:0])
		if !ok {
			return
		}
		if failed && t.tap == nil {
			continue
		}
		for _, r := range batch {
			line.Reset()
			t.format(&line, r)
			if t.tap != nil {
				t.tap(t.tapFrame(r, line.Bytes()))
			}
			if !failed {
				_, _ = bw.Write(line.Bytes()) // the error sticks; Flush reports it
			}
		}
		clear(batch) // do not keep frames alive
		if failed {
			continue
		}
		if err := bw.Flush(); err != nil {
			t.log.Warn("trace write failed; tracing stopped", "err", t.scrub.Error(err))
			failed = true
		}
	}
}

func (t *tracer) format(line *bytes.Buffer, r traceRec) {
	line.WriteString(`{"t_ms":`)
	line.WriteString(strconv.FormatInt(r.at.Sub(t.start).Milliseconds(), 10))
	line.WriteString(`,"dir":"`)
	line.WriteString(r.dir)
	frame := r.frame // audio already elided by add unless audio tracing is on
	n := line.Len()
	line.WriteString(`","event":`)
	if isPlainFlat(frame) { // the elided audio frames: valid, one line, nothing to compact
		line.Write(frame)
	} else if err := json.Compact(line, frame); err != nil {
		line.Truncate(n)
		line.WriteString(`","invalid":`)
		s, _ := json.Marshal(string(frame))
		line.Write(s)
	}
	line.WriteString("}\n")
	if b := t.scrub.Bytes(line.Bytes()); len(b) != line.Len() || &b[0] != &line.Bytes()[0] {
		line.Reset()
		line.Write(b)
	}
}

// elideAudio returns frame with its base64 audio replaced by "<N bytes>" (N decoded
// bytes): the top-level "audio" of input_audio_buffer.append, the top-level "delta"
// of response.output_audio.delta, and every "audio" string inside created, added,
// done and retrieved items. It edits bytes in place of re-encoding, so key order and
// everything else stay as they were, and returns frame itself when there is nothing
// to elide. It is the one audio-elision function of the package: a typed frame tap
// should use it too.
func elideAudio(frame []byte) []byte {
	typ, err := peekType(frame)
	if err != nil {
		return frame
	}
	if ga, ok := betaNames[typ]; ok {
		typ = ga
	}
	switch typ {
	case "input_audio_buffer.append":
		return elideStrings(frame, "audio", true)
	case "response.output_audio.delta":
		return elideStrings(frame, "delta", true)
	case "conversation.item.retrieved", "conversation.item.create", "conversation.item.added", "conversation.item.done":
		if bytes.Contains(frame, []byte(`"audio"`)) {
			frame = elideStrings(frame, "audio", false)
		}
		if bytes.Contains(frame, []byte(`"image_url":"data:`)) {
			frame = elideImages(frame)
		}
	}
	return frame
}

// imageDataURL is an input_image's data URL: its base64 payload is elided like
// audio (an image of 20 MB would otherwise put 27 MB into every trace line and the
// event log).
var imageDataURL = regexp.MustCompile(`"image_url":"data:([a-zA-Z0-9.+/-]+);base64,([A-Za-z0-9+/=]+)"`)

// elideImages replaces the payload of every image data URL by "<N bytes>".
func elideImages(frame []byte) []byte {
	return imageDataURL.ReplaceAllFunc(frame, func(m []byte) []byte {
		sub := imageDataURL.FindSubmatch(m)
		b64 := sub[2]
		n := len(b64) / 4 * 3
		for i := len(b64) - 1; i >= 0 && i >= len(b64)-2 && b64[i] == '='; i-- {
			n--
		}
		return []byte(`"image_url":"data:` + string(sub[1]) + `;base64,<` + strconv.Itoa(n) + ` bytes>"`)
	})
}

// elideStrings replaces the string values of key (at the top level only, or at any
// depth) by their audio placeholder. Input it cannot follow is returned unchanged.
func elideStrings(frame []byte, key string, topOnly bool) []byte {
	var out []byte
	last := 0
	var stack [64]bool // true: inside an object
	depth := 0
	expectKey := false
	var lastKey []byte
	for i := 0; i < len(frame); i++ {
		switch c := frame[i]; c {
		case '{', '[':
			if depth == len(stack) {
				return frame
			}
			stack[depth] = c == '{'
			depth++
			expectKey = c == '{'
		case '}', ']':
			if depth == 0 {
				return frame
			}
			depth--
			expectKey = false
		case ',':
			expectKey = depth > 0 && stack[depth-1]
		case ':':
			expectKey = false
		case '"':
			end, escaped, ok := skipString(frame, i)
			if !ok {
				return frame
			}
			switch {
			case expectKey:
				lastKey = frame[i+1 : end-1]
				expectKey = false
			case depth > 0 && stack[depth-1] && string(lastKey) == key && (!topOnly || depth == 1):
				out = append(out, frame[last:i]...)
				out = appendAudioPlaceholder(out, frame[i:end], escaped)
				last = end
			}
			i = end - 1
		}
	}
	if out == nil {
		return frame
	}
	return append(out, frame[last:]...)
}

// skipString finds the end of the JSON string at b[i] == '"' with a byte search (the
// base64 of a delta is long): the index after the closing quote, and whether the
// string holds escapes.
func skipString(b []byte, i int) (end int, escaped, ok bool) {
	j := i + 1
	for {
		k := bytes.IndexByte(b[j:], '"')
		if k < 0 {
			return 0, false, false
		}
		q := j + k
		bs := 0
		for p := q - 1; p > i && b[p] == '\\'; p-- {
			bs++
		}
		if bs > 0 || bytes.IndexByte(b[j:q], '\\') >= 0 {
			escaped = true
		}
		if bs%2 == 0 {
			return q + 1, escaped, true
		}
		j = q + 1
	}
}

// appendAudioPlaceholder appends "<N bytes>" for the quoted base64 string s.
func appendAudioPlaceholder(out, s []byte, escaped bool) []byte {
	b64 := s[1 : len(s)-1]
	if escaped {
		var str string
		if json.Unmarshal(s, &str) != nil {
			return append(out, s...)
		}
		b64 = []byte(str)
	}
	n := len(b64) / 4 * 3
	if len(b64)%4 != 0 {
		n += len(b64) % 4 * 3 / 4
	}
	for i := len(b64) - 1; i >= 0 && i >= len(b64)-2 && b64[i] == '='; i-- {
		n--
	}
	out = append(out, `"<`...)
	out = strconv.AppendInt(out, int64(n), 10)
	return append(out, ` bytes>"`...)
}
