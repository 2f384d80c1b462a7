package tui

import (
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// maxPickerRows bounds the agents listed at once.
const maxPickerRows = 8

// maxArgLines bounds the arguments shown in the approval dialog.
const maxArgLines = 6

// dialogLines renders the approval dialog (which wins) or the agent picker, as
// a box between the main pane and the input.
func (m *Model) dialogLines(w int) []string {
	switch {
	case len(m.approvals) > 0:
		return m.approvalLines(w)
	case m.picker.open:
		return m.pickerLines(w)
	case m.devices.open:
		return m.deviceLines(w)
	}
	return nil
}

func (m *Model) approvalLines(w int) []string {
	st := m.st
	a := m.approvals[0]
	title := "approve tool call?"
	if n := len(m.approvals); n > 1 {
		title += " (1 of " + itoa(n) + ")"
	}
	rows := []string{
		st.render(st.DialogTitle, title),
		"tool  " + st.render(st.ToolName, safe(a.Tool)) + st.render(st.Muted, "  agent "+safe(a.Agent)),
	}
	args := safe(prettyArgs(a.Arguments))
	wrapped := strings.Split(ansi.Wrap(args, max(1, w-4-6), ""), "\n")
	if len(wrapped) > maxArgLines {
		wrapped = append(wrapped[:maxArgLines-1], "…")
	}
	for i, l := range wrapped {
		p := "      "
		if i == 0 {
			p = "args  "
		}
		rows = append(rows, p+l)
	}
	k := func(s string) string { return st.render(st.HelpKey, s) }
	border := st.DialogIdle
	switch {
	case !m.approval.focused:
		rows[0] += st.render(st.Muted, "  · waiting")
		rows = append(rows, k("tab")+" to answer"+st.render(st.Muted, " · until then your keys go to the message line"))
	case m.approval.confirm != "":
		border = st.Dialog
		rows[0] += st.render(st.Notice, "  ▸ answering")
		rows = append(rows, st.render(st.Notice, m.approval.confirm+" every "+safe(a.Tool)+" call this session?"),
			k("enter")+" confirms · any other key cancels")
	default:
		border = st.Dialog
		rows[0] += st.render(st.Notice, "  ▸ answering") + st.render(st.Muted, " · tab back to message")
		rows = append(rows, k("y")+" approve  "+k("n")+" reject  "+k("a")+" always approve…  "+k("v")+" always reject…")
	}
	return box(st, border, rows, w)
}

func (m *Model) pickerLines(w int) []string {
	st := m.st
	rows := []string{st.render(st.DialogTitle, "switch agent") + st.render(st.Muted, "  ↑/↓ enter · esc cancels")}
	// Show at most maxPickerRows agents, in a window that follows the selection.
	lo := max(0, min(m.picker.index-maxPickerRows/2, len(m.picker.agents)-maxPickerRows))
	hi := min(len(m.picker.agents), lo+maxPickerRows)
	for i := lo; i < hi; i++ {
		a := m.picker.agents[i]
		label := "  " + a
		if a == m.status.agent {
			label += st.render(st.Muted, " (active)")
		}
		if i == m.picker.index {
			label = st.render(st.Selected, "▸ "+a)
			if a == m.status.agent {
				label += st.render(st.Muted, " (active)")
			}
		}
		if d := m.agentInfo[a].Description; d != "" {
			label += st.render(st.Muted, " — "+strings.Join(strings.Fields(d), " "))
		}
		rows = append(rows, label)
	}
	if len(m.picker.agents) == 0 {
		rows = append(rows, st.render(st.Muted, "  no agents configured"))
	}
	return box(st, st.Dialog, rows, w)
}

// box draws rows inside a rounded border of the full width.
func box(st styles, border lipgloss.Style, rows []string, w int) []string {
	if w < 6 {
		return rows
	}
	inner := w - 4
	out := make([]string, 0, len(rows)+2)
	out = append(out, st.render(border, "╭"+strings.Repeat("─", w-2)+"╮"))
	side := st.render(border, "│")
	for _, r := range rows {
		r = ansi.Truncate(r, inner, "…")
		out = append(out, side+" "+r+strings.Repeat(" ", inner-ansi.StringWidth(r))+" "+side)
	}
	return append(out, st.render(border, "╰"+strings.Repeat("─", w-2)+"╯"))
}

// prettyArgs shows JSON arguments compactly with a space after separators, so
// they wrap at sensible places.
func prettyArgs(s string) string {
	s = compactJSON([]byte(s))
	if s == "" {
		return "{}"
	}
	var b strings.Builder
	inStr, esc := false, false
	for _, r := range s {
		b.WriteRune(r)
		switch {
		case esc:
			esc = false
		case r == '\\' && inStr:
			esc = true
		case r == '"':
			inStr = !inStr
		case !inStr && (r == ',' || r == ':'):
			b.WriteByte(' ')
		}
	}
	return b.String()
}

func itoa(n int) string { return strconv.Itoa(n) }

// deviceLines renders the audio device picker: microphones, then speakers, the
// ones in use marked.
func (m *Model) deviceLines(w int) []string {
	st := m.st
	p := &m.devices
	rows := []string{st.render(st.DialogTitle, "audio devices") + st.render(st.Muted, "  ↑/↓ enter uses it · esc cancels")}
	n := p.len()
	lo := max(0, min(p.index-maxPickerRows/2, n-maxPickerRows))
	hi := min(n, lo+maxPickerRows)
	for i := lo; i < hi; i++ {
		kind, name, inUse := "speaker    ", "", false
		if i < len(p.inputs) {
			kind, name = "microphone ", p.inputs[i]
			inUse = name == m.status.inputDevice
		} else {
			name = p.outputs[i-len(p.inputs)]
			inUse = name == m.status.outputDevice
		}
		label := "  " + st.render(st.Muted, kind) + name
		if i == p.index {
			label = st.render(st.Selected, "▸ "+kind+name)
		}
		if inUse {
			label += st.render(st.Muted, " (in use)")
		}
		rows = append(rows, label)
	}
	return box(st, st.Dialog, rows, w)
}
