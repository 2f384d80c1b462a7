package tui

// scroller is the scrollback of a pane: lines already wrapped to the width,
// an offset, and follow mode (stick to the end while new lines arrive).
//
// It replaces bubbles/viewport on purpose: viewport re-measures every line on
// each SetContent (O(total text)), while our lines are pre-wrapped, so showing
// a window is O(height).
type scroller struct {
	lines  []string
	offset int // index of the first visible line
	height int
	follow bool
}

func (s *scroller) maxOffset() int { return max(0, len(s.lines)-s.height) }

func (s *scroller) setLines(lines []string) {
	s.lines = lines
	if s.follow {
		s.offset = s.maxOffset()
	}
	s.offset = min(s.offset, s.maxOffset())
}

func (s *scroller) setHeight(h int) {
	s.height = max(0, h)
	s.setLines(s.lines)
}

func (s *scroller) scroll(n int) {
	s.offset = min(max(0, s.offset+n), s.maxOffset())
	s.follow = s.offset == s.maxOffset()
}

func (s *scroller) pageUp()   { s.scroll(-max(1, s.height-1)) }
func (s *scroller) pageDown() { s.scroll(max(1, s.height-1)) }
func (s *scroller) top()      { s.offset = 0; s.follow = s.maxOffset() == 0 }
func (s *scroller) bottom()   { s.offset = s.maxOffset(); s.follow = true }

// visible returns exactly height lines (padded with empty ones).
func (s *scroller) visible() []string {
	out := make([]string, s.height)
	copy(out, s.lines[min(s.offset, len(s.lines)):min(s.offset+s.height, len(s.lines))])
	return out
}

// above reports how many lines are hidden above and below the window.
func (s *scroller) hidden() (above, below int) {
	return s.offset, max(0, len(s.lines)-s.offset-s.height)
}
