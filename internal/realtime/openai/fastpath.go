package openai

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"

	"github.com/rtagent/rtagent/internal/realtime"
)

// The audio fast paths (issue 13): response.output_audio.delta arrives 25 times a
// second and is almost all base64. encoding/json validates the whole frame, scans
// the base64 string again and then decodes it; the scanner here looks at each byte
// once and decodes the base64 straight into an exact-size buffer. It accepts only the
// shape the service sends — one flat object of plain strings and small integers —
// and reports false on anything else, so the caller falls back to encoding/json and
// gets exactly its result (FuzzAudioDeltaFastPath holds the two together).

// jsonSpace reports JSON insignificant whitespace.
func jsonSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(b []byte, i int) int {
	for i < len(b) && jsonSpace(b[i]) {
		i++
	}
	return i
}

// scanString scans the JSON string starting at b[i] == '"'. It returns the index
// after the closing quote, whether the string holds an escape, and false for a string
// that is unterminated or holds a control character (invalid JSON).
func scanString(b []byte, i int) (end int, escaped, ok bool) {
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			return j + 1, escaped, true
		case c == '\\':
			escaped = true
			j++ // the escaped byte cannot end the string
		case c < 0x20:
			return 0, false, false
		}
	}
	return 0, false, false
}

// scanInt scans -?(0|[1-9][0-9]*) of at most 18 digits (no overflow possible).
func scanInt(b []byte, i int) (n, end int, ok bool) {
	neg := false
	if i < len(b) && b[i] == '-' {
		neg = true
		i++
	}
	start := i
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		n = n*10 + int(b[i]-'0')
		i++
	}
	digits := i - start
	if digits == 0 || digits > 18 || (digits > 1 && b[start] == '0') {
		return 0, 0, false
	}
	if neg {
		n = -n
	}
	return n, i, true
}

// Fields of an audio delta the fast path fills.
const (
	fieldOther = iota
	fieldResponseID
	fieldItemID
	fieldContentIndex
	fieldDelta
	fieldUnsure // a key encoding/json might match case-insensitively: fall back
)

func deltaField(key []byte) int {
	switch string(key) { // no allocation: the compiler compares in place
	case "response_id":
		return fieldResponseID
	case "item_id":
		return fieldItemID
	case "content_index":
		return fieldContentIndex
	case "delta":
		return fieldDelta
	}
	for _, c := range key {
		if c >= 0x80 { // Unicode case folding (ſ, K) could match a field
			return fieldUnsure
		}
	}
	for _, f := range [...]string{"response_id", "item_id", "content_index", "delta"} {
		if len(key) == len(f) && strings.EqualFold(string(key), f) {
			return fieldUnsure
		}
	}
	return fieldOther
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// decodeAudioDeltaFast decodes a response.output_audio.delta frame. ok is false when
// the frame is not of the plain shape the service sends; the caller then uses
// encoding/json, whose result (value or error) is authoritative.
func decodeAudioDeltaFast(frame []byte) (d realtime.AudioDelta, ok bool) {
	var b64 []byte
	hasDelta := false
	i := skipSpace(frame, 0)
	if i >= len(frame) || frame[i] != '{' {
		return d, false
	}
	i = skipSpace(frame, i+1)
	for {
		if i >= len(frame) || frame[i] != '"' {
			return d, false
		}
		kEnd, esc, ok := scanString(frame, i)
		if !ok || esc {
			return d, false
		}
		field := deltaField(frame[i+1 : kEnd-1])
		if field == fieldUnsure {
			return d, false
		}
		i = skipSpace(frame, kEnd)
		if i >= len(frame) || frame[i] != ':' {
			return d, false
		}
		i = skipSpace(frame, i+1)
		if i >= len(frame) {
			return d, false
		}
		switch c := frame[i]; {
		case c == '"':
			vEnd, esc, ok := scanString(frame, i)
			if !ok || esc {
				return d, false
			}
			v := frame[i+1 : vEnd-1]
			switch field {
			case fieldResponseID, fieldItemID:
				if !isASCII(v) { // encoding/json replaces invalid UTF-8; leave that to it
					return d, false
				}
				if field == fieldResponseID {
					d.ResponseID = string(v)
				} else {
					d.ItemID = string(v)
				}
			case fieldContentIndex:
				return d, false // a string into an int: encoding/json's error
			case fieldDelta:
				b64, hasDelta = v, true
			}
			i = vEnd
		case c == '-' || (c >= '0' && c <= '9'):
			n, end, ok := scanInt(frame, i)
			if !ok {
				return d, false
			}
			switch field {
			case fieldContentIndex:
				d.ContentIndex = n
			case fieldOther:
			default:
				return d, false // a number into a string or []byte: encoding/json's error
			}
			i = end
		default: // null, true, false, objects, arrays: not the plain shape
			return d, false
		}
		i = skipSpace(frame, i)
		if i >= len(frame) {
			return d, false
		}
		if frame[i] == ',' {
			i = skipSpace(frame, i+1)
			continue
		}
		if frame[i] != '}' || skipSpace(frame, i+1) != len(frame) {
			return d, false
		}
		break
	}
	if hasDelta {
		data, ok := decodeBase64Exact(b64)
		if !ok {
			return d, false
		}
		d.Data = data
	}
	return d, true
}

// decodeBase64Exact decodes padded standard base64 (R3.4) into a buffer of exactly
// the decoded size. It reports false for anything Decode would reject.
func decodeBase64Exact(s []byte) ([]byte, bool) {
	if len(s)%4 != 0 {
		return nil, false
	}
	n := len(s) / 4 * 3
	if len(s) > 0 && s[len(s)-1] == '=' {
		n--
		if s[len(s)-2] == '=' {
			n--
		}
	}
	out := make([]byte, n)
	m, err := base64.StdEncoding.Decode(out, s)
	if err != nil || m != n {
		return nil, false
	}
	return out, true
}

// decodeAudioDelta decodes response.output_audio.delta: the fast path, else
// encoding/json.
func decodeAudioDelta(frame []byte) (realtime.AudioDelta, error) {
	if d, ok := decodeAudioDeltaFast(frame); ok {
		return d, nil
	}
	return decodeAudioDeltaFull(frame)
}

// decodeAudioDeltaFull is the reference decoder of the fast path.
func decodeAudioDeltaFull(frame []byte) (realtime.AudioDelta, error) {
	var w srvAudioDelta
	if err := json.Unmarshal(frame, &w); err != nil {
		return realtime.AudioDelta{}, err
	}
	return realtime.AudioDelta{ResponseID: w.ResponseID, ItemID: w.ItemID, ContentIndex: w.ContentIndex, Data: w.Delta}, nil
}

// skipValue skips the JSON value at b[i] (after whitespace) without validating
// more than it needs: strings honour escapes, objects and arrays nest. It returns
// the index after the value, or false on input it cannot follow.
func skipValue(b []byte, i int) (int, bool) {
	i = skipSpace(b, i)
	if i >= len(b) {
		return 0, false
	}
	switch b[i] {
	case '"':
		end, _, ok := scanString(b, i)
		return end, ok
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				end, _, ok := scanString(b, j)
				if !ok {
					return 0, false
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, true
				}
			}
		}
		return 0, false
	}
	j := i // number or literal
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && !jsonSpace(b[j]) {
		j++
	}
	if j == i {
		return 0, false
	}
	return j, true
}

// peekTypeScan finds the top-level "type" string by skipping the values before it,
// never decoding the frame. false: not found the plain way (escapes, a key that
// differs only in case, malformed input); the caller decodes in full.
func peekTypeScan(frame []byte) (string, bool) {
	i := skipSpace(frame, 0)
	if i >= len(frame) || frame[i] != '{' {
		return "", false
	}
	i = skipSpace(frame, i+1)
	for i < len(frame) && frame[i] == '"' {
		kEnd, esc, ok := scanString(frame, i)
		if !ok || esc {
			return "", false
		}
		key := frame[i+1 : kEnd-1]
		i = skipSpace(frame, kEnd)
		if i >= len(frame) || frame[i] != ':' {
			return "", false
		}
		i = skipSpace(frame, i+1)
		switch {
		case string(key) == "type":
			if i >= len(frame) || frame[i] != '"' {
				return "", false
			}
			vEnd, esc, ok := scanString(frame, i)
			if !ok || esc || vEnd-i == 2 {
				return "", false
			}
			return internType(frame[i+1 : vEnd-1]), true
		case len(key) == 4 && strings.EqualFold(string(key), "type"), !isASCII(key):
			return "", false
		}
		end, ok := skipValue(frame, i)
		if !ok {
			return "", false
		}
		i = skipSpace(frame, end)
		if i >= len(frame) || frame[i] != ',' {
			return "", false
		}
		i = skipSpace(frame, i+1)
	}
	return "", false
}

// internType returns the event type as a string, without an allocation for the
// types the service sends.
func internType(b []byte) string {
	if s, ok := knownTypeNames[string(b)]; ok {
		return s
	}
	return string(b)
}

var knownTypeNames = func() map[string]string {
	m := map[string]string{}
	for _, s := range []string{
		"response.output_audio.delta", "response.output_audio_transcript.delta", "response.output_text.delta",
		"response.function_call_arguments.delta", "conversation.item.input_audio_transcription.delta",
		"input_audio_buffer.append", "error",
	} {
		m[s] = s
	}
	for k := range flatTypes {
		m[k] = k
	}
	for k := range knownRawTypes {
		m[k] = k
	}
	return m
}()

var errNoType = errors.New("event without a type")

// isPlainFlat reports a frame that is one JSON object of plain strings (no escapes,
// no control characters) and small integers on one line — valid and already fit for
// a JSONL line, so the tracer need not re-validate it (the elided audio frames).
func isPlainFlat(frame []byte) bool {
	if bytes.IndexByte(frame, '\n') >= 0 || bytes.IndexByte(frame, '\r') >= 0 {
		return false
	}
	i := skipSpace(frame, 0)
	if i >= len(frame) || frame[i] != '{' {
		return false
	}
	i = skipSpace(frame, i+1)
	for {
		if i >= len(frame) || frame[i] != '"' {
			return false
		}
		end, esc, ok := scanString(frame, i)
		if !ok || esc {
			return false
		}
		i = skipSpace(frame, end)
		if i >= len(frame) || frame[i] != ':' {
			return false
		}
		i = skipSpace(frame, i+1)
		if i >= len(frame) {
			return false
		}
		if frame[i] == '"' {
			end, esc, ok = scanString(frame, i)
			if !ok || esc {
				return false
			}
		} else if _, end, ok = scanInt(frame, i); !ok {
			return false
		}
		i = skipSpace(frame, end)
		if i >= len(frame) {
			return false
		}
		if frame[i] == ',' {
			i = skipSpace(frame, i+1)
			continue
		}
		return frame[i] == '}' && skipSpace(frame, i+1) == len(frame)
	}
}
