package tui

import (
	"bytes"
	"encoding/json"
	"strings"
)

// RenderTranscript renders a Record as Markdown: the title and start time, each
// turn with its speaker (the agent's name for assistant turns), tool calls
// with their arguments, results, errors, durations and approval decisions,
// handoffs, guardrail trips, errors and notices — everything the conversation
// pane showed, in order. Partial turns (cut by Ctrl-C) are marked.
func RenderTranscript(r *Record) string {
	if r == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString("# " + r.Title + "\n\n")
	if !r.Started.IsZero() {
		b.WriteString("_Started " + r.Started.Format("2006-01-02 15:04:05 MST") + "_\n\n")
	}
	for _, e := range r.Entries {
		writeEntry(&b, e)
	}
	return b.String()
}

func writeEntry(b *strings.Builder, e *Entry) {
	switch e.Kind {
	case EntryUser, EntryAssistant:
		who := "You"
		if e.Kind == EntryAssistant {
			who = e.Agent
			if who == "" {
				who = "assistant"
			}
		}
		b.WriteString("**" + who + ":** " + e.Text)
		if !e.Final {
			b.WriteString(" _(partial)_")
		}
		if e.Interrupted != "" {
			b.WriteString(" _(interrupted " + strings.Trim(interruptReason(e.Interrupted), "()") + ")_")
		}
		if e.Status != "" && e.Status != "completed" {
			b.WriteString(" _(" + e.Status + ")_")
		}
		b.WriteString("\n\n")
	case EntryTool:
		b.WriteString("**Tool call `" + e.Tool + "`**")
		if e.Agent != "" {
			b.WriteString(" (" + e.Agent + ")")
		}
		switch e.State {
		case ToolAwaitingApproval:
			b.WriteString(" — awaiting approval")
		case ToolRunning:
			b.WriteString(" — running")
		case ToolDone:
			b.WriteString(" — done in " + formatDuration(e.Duration))
		case ToolFailed:
			if e.rejected() {
				b.WriteString(" — not run")
			} else {
				b.WriteString(" — failed after " + formatDuration(e.Duration))
			}
		}
		switch {
		case autoDecision(e.Decision):
			b.WriteString(" — " + e.Decision + " (the user chose always)")
		case e.Decision != "":
			b.WriteString(" — " + e.Decision + " by the user")
		}
		b.WriteString("\n\nArguments:\n\n" + fenced("json", indentJSON(e.Arguments)))
		if e.State == ToolDone || e.State == ToolFailed {
			if e.Output != "" {
				b.WriteString("Result:\n\n" + fenced("", e.Output))
			}
			if e.Error != "" {
				b.WriteString("Error: " + e.Error + "\n\n")
			}
		}
	case EntryHandoff:
		b.WriteString("_Handoff: " + e.From + " → " + e.To)
		if e.Manual {
			b.WriteString(" (switched by the user)")
		}
		b.WriteString("_\n\n")
	case EntryGuardrail:
		b.WriteString("**Guardrail tripped** (" + e.GuardrailKind + ": " + strings.Join(e.Guardrails, ", ") + ")")
		if e.Message != "" {
			b.WriteString(": " + e.Message)
		}
		b.WriteString("\n\n")
	case EntryError:
		b.WriteString("**Error**")
		src := e.Source
		if e.Code != "" {
			src += "/" + e.Code
		}
		if src != "" {
			b.WriteString(" (" + src + ")")
		}
		if e.Fatal {
			b.WriteString(" (fatal)")
		}
		b.WriteString(": " + e.Message + "\n\n")
	default:
		b.WriteString("_" + e.Message + "_\n\n")
	}
}

// indentJSON pretty-prints valid JSON and returns anything else unchanged.
func indentJSON(s string) string {
	var b bytes.Buffer
	if err := json.Indent(&b, []byte(s), "", "  "); err != nil {
		return s
	}
	return b.String()
}

// fenced wraps s in a code fence longer than any backtick run inside it.
func fenced(lang, s string) string {
	if s == "" {
		s = "(none)"
	}
	n, run := 3, 0
	for _, r := range s {
		if r == '`' {
			run++
			n = max(n, run+1)
		} else {
			run = 0
		}
	}
	f := strings.Repeat("`", n)
	return f + lang + "\n" + strings.TrimRight(s, "\n") + "\n" + f + "\n\n"
}
