package tui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/rtagent/rtagent/internal/session"
)

// spinnerFrames animate running tool cards; the frame advances on the tick.
var spinnerFrames = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

// conversation is the transcript pane: the record rendered to lines. Each
// entry caches its lines (keyed by revision, width and spinner frame), and
// since entries are only ever appended, a rebuild keeps every line before the
// first stale entry: a streaming delta re-renders only its own entry.
type conversation struct {
	scroll scroller
	buf    []string
	starts []int // starts[i]: index in buf where entry i (with its gap line) begins
	width  int
}

type renderedEntry struct {
	rev, width, frame int
	lines             []string
}

func newConversation() conversation {
	return conversation{scroll: scroller{follow: true}}
}

// rebuild re-renders stale entries and refills the scroller. Cost: a scan of
// the entries (an int compare each) plus the text of the entries from the
// first stale one on.
func (c *conversation) rebuild(rec *Record, st styles, width, frame int) {
	if width != c.width {
		c.width, c.starts, c.buf = width, c.starts[:0], c.buf[:0]
	}
	first := len(c.starts)
	for i, e := range rec.Entries[:min(first, len(rec.Entries))] {
		if e.cache.rev != e.rev || e.cache.width != width || e.cache.frame != spinFrame(e, frame) {
			first = i
			break
		}
	}
	lines := c.buf
	if first < len(c.starts) {
		lines = lines[:c.starts[first]]
	}
	c.starts = c.starts[:first]
	for i := first; i < len(rec.Entries); i++ {
		e := rec.Entries[i]
		f := spinFrame(e, frame)
		if e.cache.lines == nil || e.cache.rev != e.rev || e.cache.width != width || e.cache.frame != f {
			ls := renderEntry(e, st, width, f)
			for j := range ls {
				ls[j] = fit(ls[j], width)
			}
			e.cache = renderedEntry{rev: e.rev, width: width, frame: f, lines: ls}
		}
		c.starts = append(c.starts, len(lines))
		if i > 0 && gapBefore(e, rec.Entries[i-1]) {
			lines = append(lines, "")
		}
		lines = append(lines, e.cache.lines...)
	}
	c.buf = lines
	c.scroll.setLines(lines)
}

// spinFrame is the spinner frame an entry shows: running cards animate.
func spinFrame(e *Entry, frame int) int {
	if e.Kind == EntryTool && e.State == ToolRunning {
		return frame
	}
	return 0
}

// gapBefore separates turns by a blank line; tool cards and markers follow
// their turn closely.
func gapBefore(e, prev *Entry) bool {
	return e.Kind == EntryUser || e.Kind == EntryAssistant || prev.Kind == EntryUser
}

func renderEntry(e *Entry, st styles, width, frame int) []string {
	switch e.Kind {
	case EntryUser:
		return renderTurn(st, st.User, "you", e, width)
	case EntryAssistant:
		name := e.Agent
		if name == "" {
			name = "assistant"
		}
		return renderTurn(st, st.Assistant, name, e, width)
	case EntryTool:
		return renderToolCard(e, st, width, frame)
	case EntryHandoff:
		s := "⇄ handoff " + e.From + " → " + e.To
		if e.Manual {
			s += " (switched by you)"
		}
		return styledWrap(st, st.Handoff, s, width, "  ")
	case EntryGuardrail:
		s := "! guardrail tripped (" + e.GuardrailKind + ": " + strings.Join(e.Guardrails, ", ") + ")"
		if e.Message != "" {
			s += ": " + e.Message
		}
		return styledWrap(st, st.Guardrail, s, width, "  ")
	case EntryError:
		label := "✗ error"
		if e.Fatal {
			label = "✗ fatal error"
		}
		src := e.Source
		if e.Code != "" {
			src += "/" + e.Code
		}
		if src != "" {
			label += " (" + src + ")"
		}
		return styledWrap(st, st.Err, label+": "+e.Message, width, "  ")
	default:
		return styledWrap(st, st.Muted, "· "+e.Message, width, "  ")
	}
}

func renderTurn(st styles, head lipgloss.Style, name string, e *Entry, width int) []string {
	header := st.render(head, safe(name))
	if !e.Final {
		header += st.render(st.Muted, " …")
	}
	lines := []string{ansi.Truncate(header, width, "…")}
	body := e.Text
	if body == "" && !e.Final {
		body = "…"
	}
	style := st.Partial
	if e.Final {
		style = lipgloss.NewStyle()
	}
	if body != "" {
		lines = append(lines, styledWrap(st, style, body, width, "  ")...)
	}
	if e.Interrupted != "" {
		lines = append(lines, styledWrap(st, st.Muted, "■ interrupted "+interruptReason(e.Interrupted), width, "  ")...)
	}
	if e.Status != "" && e.Status != "completed" {
		lines = append(lines, styledWrap(st, st.Muted, "("+e.Status+")", width, "  ")...)
	}
	return lines
}

// renderToolCard draws a box: name and state, arguments, result or error.
func renderToolCard(e *Entry, st styles, width, frame int) []string {
	const indent = "  "
	bw := width - len(indent) // box width
	if bw < 8 {
		return styledWrap(st, st.ToolName, "ƒ "+e.Tool, width, "") // styledWrap neutralises
	}
	inner := bw - 4
	border := st.ToolBorder
	var state string
	switch e.State {
	case ToolAwaitingApproval:
		state = st.render(st.Notice, "? awaiting approval")
	case ToolRunning:
		state = st.render(st.Notice, spinnerFrames[frame%len(spinnerFrames)]+" running")
	case ToolDone:
		state = st.render(st.ToolOK, "✓ "+formatDuration(e.Duration))
	case ToolFailed:
		state = st.render(st.ToolError, "✗ failed "+formatDuration(e.Duration))
		if e.rejected() {
			state = st.render(st.ToolError, "✗ not run")
		}
		border = st.ToolError
	}
	rows := []string{st.render(st.ToolName, "ƒ "+safe(e.Tool)) + "  " + state}
	switch {
	case autoDecision(e.Decision):
		rows = append(rows, st.render(st.Muted, e.Decision+" (you chose always)"))
	case e.Decision != "":
		rows = append(rows, st.render(st.Muted, e.Decision+" by you"))
	}
	rows = append(rows, "args   "+oneLine(e.Arguments))
	if e.State == ToolDone {
		rows = append(rows, "result "+oneLine(e.Output))
	}
	if e.State == ToolFailed {
		rows = append(rows, st.render(st.ToolError, "error  "+oneLine(e.Error)))
	}
	out := make([]string, 0, len(rows)+2)
	out = append(out, indent+st.render(border, "╭"+strings.Repeat("─", bw-2)+"╮"))
	side := st.render(border, "│")
	for _, r := range rows {
		r = ansi.Truncate(r, inner, "…")
		pad := inner - ansi.StringWidth(r)
		out = append(out, indent+side+" "+r+strings.Repeat(" ", pad)+" "+side)
	}
	out = append(out, indent+st.render(border, "╰"+strings.Repeat("─", bw-2)+"╯"))
	return out
}

// styledWrap wraps plain text to width (minus the indent) and styles each line.
func styledWrap(st styles, style lipgloss.Style, text string, width int, indent string) []string {
	w := max(1, width-ansi.StringWidth(indent))
	wrapped := ansi.Wrap(safe(text), w, "")
	parts := strings.Split(wrapped, "\n")
	for i, p := range parts {
		parts[i] = indent + st.render(style, p)
	}
	return parts
}

// oneLine collapses whitespace so a JSON blob or a multi-line output fits a
// card row; the card truncates it to the width. The text is neutralised (safe):
// the card styles it afterwards.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(safe(s)), " ")
	if s == "" {
		return "—"
	}
	return s
}

// interruptReason says in words why the agent's audio was cut (the session's
// reasons are identifiers).
func interruptReason(r string) string {
	switch r {
	case session.ReasonBargeIn:
		return "(you spoke)"
	case session.ReasonManual:
		return "(by you)"
	case session.ReasonPTT:
		return "(push-to-talk)"
	case session.ReasonLocalGate:
		return "(your voice, heard locally)"
	case session.ReasonLocalVAD:
		return "(you spoke, heard locally)"
	case session.ReasonGuardrail:
		return "(by a guardrail)"
	}
	return "(" + strings.ReplaceAll(r, "_", " ") + ")"
}

// FormatDuration prints a duration for people: "<1ms", "120ms", "1.5s",
// "2m05s", "1h02m". Never "0s".
func FormatDuration(d time.Duration) string { return formatDuration(d) }

func formatDuration(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return "<1ms"
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Hour:
		d = d.Round(time.Second)
		return fmt.Sprintf("%dm%02ds", int(d/time.Minute), int(d%time.Minute/time.Second))
	default:
		d = d.Round(time.Minute)
		return fmt.Sprintf("%dh%02dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
	}
}
