package textsafe

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestString(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain text, ünïcödé, 🎧", "plain text, ünïcödé, 🎧"},
		{"lines\nand\ttabs\n", "lines\nand\ttabs\n"},
		{"windows\r\nline", "windows\nline"},
		{"clear\x1b[2J\x1b[Hscreen", "clear^[[2J^[[Hscreen"},
		{"\x1b]0;pwned\x07title", "^[]0;pwned^Gtitle"},
		{"\x1b]52;c;aGVsbG8=\x1b\\clipboard", "^[]52;c;aGVsbG8=^[\\clipboard"},
		{"\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\", "^[]8;;http://evil^[\\link^[]8;;^[\\"},
		{"over\rwrite", "over^Mwrite"},
		{"nul\x00 del\x7f bs\x08", "nul^@ del^? bs^H"},
		{"c1 csi \u009b2J osc \u009d0;x\u009c", "c1 csi \uFFFD2J osc \uFFFD0;x\uFFFD"},
		{"bad \xff\xfe utf8 \xe2\x82", "bad \uFFFD\uFFFD utf8 \uFFFD\uFFFD"},
		{"", ""},
	} {
		if got := String(tc.in); got != tc.want {
			t.Errorf("String(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
		if Safe(tc.in) != (tc.in == tc.want) {
			t.Errorf("Safe(%q) = %v", tc.in, Safe(tc.in))
		}
	}
}

func TestStringDoesNotAllocateForSafeText(t *testing.T) {
	s := strings.Repeat("safe text\n", 100)
	if n := testing.AllocsPerRun(100, func() { _ = String(s) }); n != 0 {
		t.Errorf("%v allocations", n)
	}
}

// Streaming in pieces gives what String gives for the whole, wherever the
// text is cut, also inside a UTF-8 sequence or a "\r\n".
func TestWriterMatchesStringAcrossCuts(t *testing.T) {
	in := "a\r\nb é🎧\x1b[2J\rc\xff\u009b"
	want := String(in)
	for cut := 0; cut <= len(in); cut++ {
		for cut2 := cut; cut2 <= len(in); cut2++ {
			var buf bytes.Buffer
			w := NewWriter(&buf)
			for _, part := range []string{in[:cut], in[cut:cut2], in[cut2:]} {
				if n, err := w.Write([]byte(part)); err != nil || n != len(part) {
					t.Fatalf("Write = %d, %v", n, err)
				}
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			if buf.String() != want {
				t.Fatalf("cuts %d,%d: got %q, want %q", cut, cut2, buf.String(), want)
			}
		}
	}
}

// FuzzString checks the guarantees: the output is valid UTF-8 with no
// control character but newline and tab, String is idempotent, and safe
// text passes unchanged.
func FuzzString(f *testing.F) {
	for _, s := range []string{"hello\n", "\x1b]52;c;aGk=\x07", "\u009b31m", "\xff\r\n\r", "é\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := String(s)
		if !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 out of %q: %q", s, out)
		}
		for _, r := range out {
			if r < 0x20 && r != '\n' && r != '\t' || r >= 0x7F && r <= 0x9F {
				t.Fatalf("control %U left in %q (from %q)", r, out, s)
			}
		}
		if String(out) != out {
			t.Fatalf("not idempotent: %q → %q → %q", s, out, String(out))
		}
		if Safe(s) && out != s {
			t.Fatalf("safe text changed: %q → %q", s, out)
		}
	})
}
