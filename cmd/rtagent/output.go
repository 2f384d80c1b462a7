package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/rtagent/rtagent/internal/redact"
	"github.com/rtagent/rtagent/internal/session"
)

// eventPrinter writes session events for `rtagent run`: JSONL (one event per line with
// a "type" field) or a readable text form.
type eventPrinter struct {
	w      io.Writer
	format string // "jsonl" or "text"
}

// printable lists the events `run` reports (DESIGN.md "run --format jsonl").
func printable(ev session.Event) bool {
	switch e := ev.(type) {
	case session.Transcript:
		return e.Final
	case session.AgentStart, session.AgentEnd, session.ToolStart, session.ToolEnd,
		session.ToolApprovalRequired, session.Handoff, session.GuardrailTripped,
		session.AudioInterrupted, session.UsageEvent, session.Error,
		session.ToolError, session.GuardrailCorrection, session.ConnectionEvent:
		return true
	}
	return false
}

func (p *eventPrinter) print(ev session.Event) error {
	if !printable(ev) {
		return nil
	}
	if p.format == "jsonl" {
		line, err := marshalEvent(ev)
		if err != nil {
			return err
		}
		line = redact.Process().Bytes(line) // JSON escapes control characters already
		_, err = p.w.Write(append(line, '\n'))
		return err
	}
	if s := textLine(ev); s != "" {
		_, err := fmt.Fprintln(p.w, s)
		return err
	}
	return nil
}

// marshalEvent encodes ev as one JSON object whose first field is "type". HTML
// escaping is off so tool outputs read as written.
func marshalEvent(ev session.Event) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(ev); err != nil {
		return nil, err
	}
	body := bytes.TrimSpace(buf.Bytes())
	typ, _ := json.Marshal(ev.EventType())
	line := make([]byte, 0, len(body)+len(typ)+10)
	line = append(line, `{"type":`...)
	line = append(line, typ...)
	if len(body) > 2 { // not "{}"
		line = append(line, ',')
		line = append(line, body[1:]...)
	} else {
		line = append(line, '}')
	}
	return line, nil
}

// textLine is ev's line in the text output of run and line-mode chat: untrusted
// text (model text, tool arguments and output, errors) can neither reveal a
// registered secret nor reach the terminal as a control sequence (terminalText).
func textLine(ev session.Event) string { return terminalText(rawTextLine(ev)) }

func rawTextLine(ev session.Event) string {
	switch e := ev.(type) {
	case session.Transcript:
		if e.Role == "user" {
			return "you: " + e.Text
		}
		return e.Agent + ": " + e.Text
	case session.ToolStart:
		return fmt.Sprintf("  → %s %s", e.Tool, e.Arguments)
	case session.ToolEnd:
		if e.Error != "" {
			return fmt.Sprintf("  ✗ %s: %s (%s)", e.Tool, oneLine(e.Output), e.Duration.Round(time.Millisecond))
		}
		return fmt.Sprintf("  ← %s: %s (%s)", e.Tool, oneLine(e.Output), e.Duration.Round(time.Millisecond))
	case session.ToolApprovalRequired:
		return fmt.Sprintf("  ? %s needs approval %s", e.Tool, e.Arguments)
	case session.Handoff:
		return fmt.Sprintf("  ⇄ %s → %s", e.FromAgent, e.ToAgent)
	case session.GuardrailTripped:
		return fmt.Sprintf("  ⛔ guardrail %s tripped", strings.Join(e.Guardrails, ", "))
	case session.AudioInterrupted:
		return fmt.Sprintf("  ✂ interrupted after %d ms", e.PlayedMS)
	case session.ToolError:
		return fmt.Sprintf("  ✗ %s not run: %s", e.Tool, oneLine(e.Error))
	case session.GuardrailCorrection:
		return "  ⛔ " + oneLine(e.Notice)
	case session.ConnectionEvent:
		return connectionLine(e)
	case session.Error:
		return "  error: " + e.Message
	}
	return ""
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200]) + "…"
	}
	return s
}

// connectionLine says what happened to the connection, or "" for the ordinary
// first connect.
func connectionLine(e session.ConnectionEvent) string {
	why := e.Reason
	if e.CloseCode != 0 {
		why = fmt.Sprintf("close %d: %s", e.CloseCode, e.Reason)
	}
	switch e.State {
	case session.ConnReconnecting:
		if e.Planned {
			return "  — renewing the connection before the session's time limit —"
		}
		return fmt.Sprintf("  — connection lost (%s), reconnecting (attempt %d) —", oneLine(why), e.Attempt)
	case session.ConnReconnected:
		return fmt.Sprintf("  — reconnected after %.1f s; %d items replayed —", float64(e.DownMS)/1000, e.Replayed)
	case session.ConnLost:
		return fmt.Sprintf("  — connection lost for good (%s) —", oneLine(why))
	}
	return ""
}
