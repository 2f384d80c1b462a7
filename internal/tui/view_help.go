package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/charmbracelet/x/ansi"
)

// helpLines renders the help pane from the key map.
func (m *Model) helpLines(w, h int) []string {
	st := m.st
	lines := []string{st.render(st.DialogTitle, "rtagent — keys") + st.render(st.Muted, "  (esc, q or f1 closes · ↑/↓ pgup/pgdn scroll)"), ""}
	kw := 0
	for _, b := range m.keys.helpRows() {
		kw = max(kw, ansi.StringWidth(b.Help().Key))
	}
	for _, b := range m.keys.helpRows() {
		hk := b.Help()
		lines = append(lines, "  "+st.render(st.HelpKey, hk.Key)+strings.Repeat(" ", kw-ansi.StringWidth(hk.Key))+"  "+hk.Desc)
	}
	lines = append(lines, "",
		st.render(st.DialogTitle, "approvals")+"  "+
			st.render(st.HelpKey, "y")+" approve  "+st.render(st.HelpKey, "n")+" reject  "+
			st.render(st.HelpKey, "a")+" always approve  "+st.render(st.HelpKey, "v")+" always reject (never)",
		st.render(st.Muted, "the same keys as run --approve ask. The dialog takes the keys on tab, or"),
		st.render(st.Muted, "once the input is empty and nothing was typed for 1 s; a and v ask for enter."),
		"",
		st.render(st.Muted, "push-to-talk: hold the key where the terminal reports key releases"),
		st.render(st.Muted, "(kitty keyboard protocol); elsewhere press once to talk, again to send."),
		st.render(st.Muted, "line editing: ctrl+a/ctrl+e start/end, ctrl+u/ctrl+k delete, ctrl+w word."),
		st.render(st.Muted, "/image FILE sends a PNG, JPEG, WebP or GIF image (at most 20 MB)."),
	)
	for i := range lines {
		lines[i] = ansi.Truncate(lines[i], w, "…")
	}
	m.helpScroll.setLines(lines)
	m.helpScroll.setHeight(h)
	return m.helpScroll.visible()
}

// scrollHelp scrolls the help pane; it reports whether msg was a scroll key.
func (m *Model) scrollHelp(msg tea.KeyPressMsg) bool {
	s := &m.helpScroll
	switch {
	case msg.String() == "up":
		s.scroll(-1)
	case msg.String() == "down":
		s.scroll(1)
	case key.Matches(msg, m.keys.PageUp):
		s.pageUp()
	case key.Matches(msg, m.keys.PageDown):
		s.pageDown()
	default:
		return false
	}
	return true
}
