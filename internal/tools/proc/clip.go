package proc

import (
	"strconv"
	"unicode/utf8"
)

// Marker is the visible note that replaces clipped text: "…[truncated: N bytes omitted]".
func Marker(omitted int64) string {
	return "…[truncated: " + strconv.FormatInt(omitted, 10) + " bytes omitted]"
}

// Clip returns s unchanged when it is at most limit bytes long. Otherwise it cuts s at a
// UTF-8 boundary and appends Marker, so that the result is at most limit bytes (unless
// limit is smaller than the marker itself, when the result is just the marker).
func Clip(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	return ClipHead([]byte(s[:limit]), int64(len(s)), limit)
}

// ClipHead is Clip for text of which only the first bytes (head) were kept and total
// is the full length, as a CapBuffer holds it.
func ClipHead(head []byte, total int64, limit int) string {
	if int64(len(head)) == total && len(head) <= limit {
		return string(head)
	}
	// The marker for the whole length is at least as long as the final one.
	keep := limit - len(Marker(total))
	keep = max(0, min(keep, len(head)))
	cut := head[:keep]
	// Drop a rune cut in half.
	for i := len(cut) - 1; i >= 0 && i >= len(cut)-utf8.UTFMax; i-- {
		if utf8.RuneStart(cut[i]) {
			if !utf8.FullRune(cut[i:]) {
				cut = cut[:i]
			}
			break
		}
	}
	return string(cut) + Marker(total-int64(len(cut)))
}

// CapBuffer is an io.Writer that keeps the first Max bytes written to it and counts
// the rest, so a producer can be drained completely in bounded memory. Writes never
// fail. The zero Max keeps nothing.
type CapBuffer struct {
	Max   int
	buf   []byte
	total int64
}

func (b *CapBuffer) Write(p []byte) (int, error) {
	b.total += int64(len(p))
	if room := b.Max - len(b.buf); room > 0 {
		b.buf = append(b.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

// Bytes returns the kept bytes.
func (b *CapBuffer) Bytes() []byte { return b.buf }

// Total returns how many bytes were written.
func (b *CapBuffer) Total() int64 { return b.total }

// Text returns the whole text when it was all kept, else the kept part clipped with
// Marker to at most limit bytes.
func (b *CapBuffer) Text(limit int) string { return ClipHead(b.buf, b.total, limit) }
