package tui

import (
	"github.com/rtagent/rtagent/internal/redact"
	"github.com/rtagent/rtagent/internal/textsafe"
)

// safe makes untrusted text (model text, tool arguments and output, server error
// messages, raw frames) fit to style and draw: every registered secret scrubbed
// (internal/redact), then every control character other than newline and tab in
// caret form (internal/textsafe), so nothing the model, a tool or a server sends
// can clear the screen, set the title, write the clipboard (OSC 52) or reveal a
// configured secret. Apply it to the plain text before styling, never to styled
// text (the styles' own escape sequences would show as carets).
func safe(s string) string { return textsafe.String(redact.Process().String(s)) }
