package tui

import (
	"os"

	"charm.land/lipgloss/v2"
)

// styles is every style the UI uses. With NoColor (or NO_COLOR) every field is
// the empty style, so the frame carries no escape sequences at all.
type styles struct {
	User, Assistant, Partial, Muted   lipgloss.Style
	ToolBorder, ToolError, ToolOK     lipgloss.Style
	ToolName, Handoff, Guardrail, Err lipgloss.Style
	StatusBar, StatusKey, Meter       lipgloss.Style
	Dialog, DialogTitle, Selected     lipgloss.Style
	Notice, Rule, HelpKey, LogIn      lipgloss.Style
	LogOut, DialogIdle                lipgloss.Style
	plain                             bool
}

// noColor reports whether colour is off: by option or by the NO_COLOR
// convention (https://no-color.org: set and not empty).
func noColor(opt bool) bool {
	return opt || os.Getenv("NO_COLOR") != ""
}

func newStyles(plain bool) styles {
	if plain {
		return styles{plain: true}
	}
	c := lipgloss.Color
	return styles{
		User:        lipgloss.NewStyle().Foreground(c("12")).Bold(true),
		Assistant:   lipgloss.NewStyle().Foreground(c("10")).Bold(true),
		Partial:     lipgloss.NewStyle().Faint(true),
		Muted:       lipgloss.NewStyle().Foreground(c("8")),
		ToolBorder:  lipgloss.NewStyle().Foreground(c("8")),
		ToolError:   lipgloss.NewStyle().Foreground(c("9")),
		ToolOK:      lipgloss.NewStyle().Foreground(c("10")),
		ToolName:    lipgloss.NewStyle().Foreground(c("11")).Bold(true),
		Handoff:     lipgloss.NewStyle().Foreground(c("13")),
		Guardrail:   lipgloss.NewStyle().Foreground(c("214")),
		Err:         lipgloss.NewStyle().Foreground(c("9")),
		StatusBar:   lipgloss.NewStyle().Foreground(c("7")),
		StatusKey:   lipgloss.NewStyle().Foreground(c("14")).Bold(true),
		Meter:       lipgloss.NewStyle().Foreground(c("10")),
		Dialog:      lipgloss.NewStyle().Foreground(c("11")),
		DialogIdle:  lipgloss.NewStyle().Foreground(c("8")),
		DialogTitle: lipgloss.NewStyle().Foreground(c("11")).Bold(true),
		Selected:    lipgloss.NewStyle().Reverse(true),
		Notice:      lipgloss.NewStyle().Foreground(c("11")),
		Rule:        lipgloss.NewStyle().Foreground(c("8")),
		HelpKey:     lipgloss.NewStyle().Foreground(c("14")).Bold(true),
		LogIn:       lipgloss.NewStyle().Foreground(c("12")),
		LogOut:      lipgloss.NewStyle().Foreground(c("13")),
	}
}

// render applies st unless the styles are plain (skips lipgloss entirely then,
// which also keeps the no-colour path cheap).
func (s styles) render(st lipgloss.Style, text string) string {
	if s.plain || text == "" {
		return text
	}
	return st.Render(text)
}
