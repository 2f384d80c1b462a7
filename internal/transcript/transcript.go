// Package transcript writes a Markdown transcript of a session from its events.
//
// It appends as the conversation goes — each final user or assistant turn, tool call,
// handoff, guardrail trip and error is written and flushed when it happens — so a
// transcript survives Ctrl-C and crashes with everything already said. It never
// writes partial (delta) text and never sees audio. It never writes a control
// character other than newline and tab: untrusted text goes through textsafe. It
// never writes a registered secret (internal/redact): a server or a model that
// echoes an API key or a --header value finds it scrubbed.
package transcript

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/rtagent/rtagent/internal/redact"
	"github.com/rtagent/rtagent/internal/session"
	"github.com/rtagent/rtagent/internal/textsafe"
)

// Writer appends a Markdown transcript to an underlying writer.
type Writer struct {
	mu     sync.Mutex
	w      *bufio.Writer
	closer io.Closer
	err    error
	now    func() time.Time
}

// Header describes the session at the top of the transcript.
type Header struct {
	Agents string // the agents file
	Model  string
	Agent  string // starting agent
}

// Create opens (truncating) path and writes the header.
func Create(path string, h Header) (*Writer, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("transcript: %w", err)
	}
	w := New(f, h, time.Now)
	w.closer = f
	return w, w.flush()
}

// New writes the header to w and returns a Writer appending to it.
func New(w io.Writer, h Header, now func() time.Time) *Writer {
	t := &Writer{w: bufio.NewWriter(w), now: now}
	fmt.Fprintf(t.w, "# rtagent transcript\n\n")
	var meta []string
	meta = append(meta, now().UTC().Format("2006-01-02 15:04:05 UTC"))
	if h.Agents != "" {
		meta = append(meta, "agents: `"+h.Agents+"`")
	}
	if h.Model != "" {
		meta = append(meta, "model: `"+h.Model+"`")
	}
	if h.Agent != "" {
		meta = append(meta, "starting agent: **"+h.Agent+"**")
	}
	fmt.Fprintf(t.w, "%s\n\n", textsafe.String(strings.Join(meta, " · ")))
	return t
}

// Add records ev if it belongs in a transcript. Control characters in model
// text, tool output and messages are neutralised (textsafe), so viewing the
// transcript with cat cannot clear the screen, set the title or write the
// clipboard.
func (t *Writer) Add(ev session.Event) {
	scrub := redact.Process()
	line := textsafe.String(scrub.String(render(ev)))
	if line == "" {
		return
	}
	machine := scrub.String(machineLine(ev)) // JSON: control characters are escaped
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.err != nil {
		return
	}
	t.w.WriteString(machine)
	t.w.WriteString(line)
	t.w.WriteString("\n\n")
	t.err = t.w.Flush()
}

func (t *Writer) flush() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.err == nil {
		t.err = t.w.Flush()
	}
	return t.err
}

// Close flushes and closes the file; it reports the first write error.
func (t *Writer) Close() error {
	err := t.flush()
	if t.closer != nil {
		if cerr := t.closer.Close(); err == nil {
			err = cerr
		}
		t.closer = nil
	}
	return err
}

func render(ev session.Event) string {
	switch e := ev.(type) {
	case session.Transcript:
		if !e.Final || strings.TrimSpace(e.Text) == "" {
			return ""
		}
		if e.Role == "user" {
			return "**You:** " + e.Text
		}
		who := e.Agent
		if who == "" {
			who = "assistant"
		}
		return "**" + who + ":** " + e.Text
	case session.ToolEnd:
		status := "→"
		if e.Error != "" {
			status = "✗"
		}
		return fmt.Sprintf("> 🔧 `%s` `%s` %s %s _(%s)_", e.Tool, inline(e.Arguments), status,
			quoteBlock(e.Output), e.Duration.Round(time.Millisecond))
	case session.Handoff:
		if e.Manual {
			return fmt.Sprintf("> ⇄ Switched agent: %s → %s", e.FromAgent, e.ToAgent)
		}
		return fmt.Sprintf("> ⇄ Handoff: %s → %s", e.FromAgent, e.ToAgent)
	case session.GuardrailTripped:
		line := fmt.Sprintf("> ⛔ %s guardrail tripped: %s", e.Kind, strings.Join(e.Guardrails, ", "))
		if e.Reason != "" {
			line += " (" + inline(e.Reason) + ")"
		}
		return line
	case session.GuardrailCorrection:
		return "> ⚙ System: " + inline(e.Notice)
	case session.ToolError:
		return fmt.Sprintf("> 🔧 `%s` `%s` not run: %s", e.Tool, inline(e.Arguments), inline(e.Error))
	case session.AudioInterrupted:
		return fmt.Sprintf("> ✂ Interrupted after %d ms (%s)", e.PlayedMS, e.Reason)
	case session.Error:
		return "> ⚠ Error: " + inline(e.Message)
	case session.ConnectionEvent:
		return connectionLine(e)
	}
	return ""
}

func inline(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.ReplaceAll(s, "`", "'")
}

func quoteBlock(s string) string {
	s = inline(s)
	if r := []rune(s); len(r) > 500 {
		s = string(r[:500]) + "…"
	}
	return "`" + s + "`"
}

// connectionLine records what happened to the connection (R14.3 #3), or "" for the
// first connect and for a planned renewal's start.
func connectionLine(e session.ConnectionEvent) string {
	why := e.Reason
	if e.CloseCode != 0 {
		why = fmt.Sprintf("close %d: %s", e.CloseCode, e.Reason)
	}
	switch e.State {
	case session.ConnReconnecting:
		if e.Planned || e.Attempt > 1 {
			return ""
		}
		return "> — connection lost (" + inline(why) + "), reconnecting —"
	case session.ConnReconnected:
		return fmt.Sprintf("> — reconnected after %.1f s; %d items replayed —", float64(e.DownMS)/1000, e.Replayed)
	case session.ConnLost:
		return "> — connection lost for good (" + inline(why) + ") —"
	}
	return ""
}
