package main

import (
	"io"

	"github.com/rtagent/rtagent/internal/redact"
	"github.com/rtagent/rtagent/internal/textsafe"
)

// terminalText makes text from outside rtagent fit for the terminal: every
// registered secret scrubbed (internal/redact: the API key, --header values, HTTP
// tool header values), then every control character other than newline and tab
// shown in caret form (internal/textsafe), so a server, a model or a tool can
// neither reveal a secret nor clear the screen, set the title or write the
// clipboard (OSC 52).
func terminalText(s string) string {
	return textsafe.String(redact.Process().String(s))
}

// terminalWriter applies terminalText to everything written through it, for
// reports that quote model text or server frames (`rtagent test`'s text report).
// Each Write is scrubbed whole, so a caller writes a line or more at a time;
// Flush writes what the neutraliser held back (an incomplete UTF-8 sequence).
type terminalWriter struct{ safe *textsafe.Writer }

func newTerminalWriter(w io.Writer) *terminalWriter {
	return &terminalWriter{safe: textsafe.NewWriter(w)}
}

func (w *terminalWriter) Write(p []byte) (int, error) {
	if _, err := w.safe.Write(redact.Process().Bytes(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (w *terminalWriter) Flush() error { return w.safe.Flush() }
