// Package textsafe makes untrusted text (model output, tool output, server
// error messages, file contents) safe to print on a terminal or write into
// a Markdown file: no control character reaches the output, yet each one
// stays visible so nothing is silently hidden.
//
// The rules, applied character by character:
//
//   - newline (U+000A) and tab (U+0009) are kept; "\r\n" becomes "\n";
//   - every other C0 control (U+0000–U+001F) and DEL (U+007F) becomes its
//     caret form, as cat -v prints it: ESC is "^[", BEL "^G", a lone CR "^M",
//     DEL "^?";
//   - C1 controls (U+0080–U+009F, among them the 8-bit CSI U+009B and OSC
//     U+009D) and bytes that are not valid UTF-8 become U+FFFD (�).
//
// Because the introducer of every escape sequence (ESC, or a C1 control)
// is replaced, no sequence can start: clear screen ("\x1b[2J"), set title
// ("\x1b]0;…\x07"), clipboard writes (OSC 52), cursor moves and hyperlinks
// all arrive as harmless visible text such as "^[[2J" or "^[]52;c;…^G".
// Everything else, including all printable Unicode, passes unchanged.
//
// It must never be used on text that rtagent itself styles for the terminal
// (lipgloss output): neutralise the untrusted parts first, then style them.
package textsafe

import (
	"io"
	"strings"
	"unicode/utf8"
)

// Replacement stands for a C1 control or a byte that is not UTF-8.
const Replacement = "\uFFFD"

// String returns s with every control character other than newline and tab
// neutralised (see the package comment). It returns s itself when there is
// nothing to change.
func String(s string) string {
	i := firstUnsafe(s)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	appendSafe(&b, s[i:])
	return b.String()
}

// Safe reports whether String would return s unchanged.
func Safe(s string) bool { return firstUnsafe(s) < 0 }

// firstUnsafe returns the byte offset of the first character String changes,
// or -1.
func firstUnsafe(s string) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\n' && c != '\t' || c == 0x7F {
				return i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r >= 0x80 && r <= 0x9F {
			return i
		}
		i += size
	}
	return -1
}

func appendSafe(b *strings.Builder, s string) {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '\r' && i+1 < len(s) && s[i+1] == '\n':
				// "\r\n" → "\n"
			case c == '\n' || c == '\t':
				b.WriteByte(c)
			case c < 0x20:
				b.WriteByte('^')
				b.WriteByte(c + '@')
			case c == 0x7F:
				b.WriteString("^?")
			default:
				b.WriteByte(c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r >= 0x80 && r <= 0x9F {
			b.WriteString(Replacement)
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
}

// Writer neutralises what is written through it before passing it on. It
// holds back an incomplete UTF-8 sequence or a "\r" at the end of a write
// until the next one completes it, so text streamed in pieces (model
// deltas) comes out as String would print it whole; Flush writes what is
// held back.
type Writer struct {
	w    io.Writer
	tail []byte
}

// NewWriter returns a Writer writing to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Write neutralises p and writes it. It reports len(p) on success.
func (w *Writer) Write(p []byte) (int, error) {
	data := append(w.tail, p...)
	w.tail = nil
	cut := len(data) - heldBack(data)
	if cut < len(data) {
		w.tail = append([]byte(nil), data[cut:]...)
	}
	if cut > 0 {
		if _, err := io.WriteString(w.w, String(string(data[:cut]))); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// Flush writes what Write held back.
func (w *Writer) Flush() error {
	if len(w.tail) == 0 {
		return nil
	}
	s := String(string(w.tail))
	w.tail = nil
	_, err := io.WriteString(w.w, s)
	return err
}

// heldBack returns how many bytes at the end of p may still change meaning
// with what follows: a trailing "\r" or the start of a UTF-8 sequence.
func heldBack(p []byte) int {
	n := len(p)
	if n == 0 {
		return 0
	}
	if p[n-1] == '\r' {
		return 1
	}
	// Look back at most 3 bytes for the start of an incomplete sequence.
	for k := 1; k <= 3 && k <= n; k++ {
		c := p[n-k]
		if c < 0x80 {
			return 0
		}
		if c >= 0xC0 { // a leading byte
			if !utf8.FullRune(p[n-k:]) {
				return k
			}
			return 0
		}
	}
	return 0
}
