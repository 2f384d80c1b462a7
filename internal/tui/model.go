package tui

import (
	"time"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/rtagent/rtagent/internal/session"
)

const (
	tickInterval  = 100 * time.Millisecond // meters, spinner, clock, coalesced frames
	quitArmWindow = 3 * time.Second        // a second Ctrl+C within this quits
	// approvalFocusDelay: the approval dialog takes the keys only after the
	// input has been empty, and no key typed, for this long while it is shown.
	approvalFocusDelay = time.Second
	noticeLifetime     = 4 * time.Second
	defaultWidth       = 80
	defaultHeight      = 24
)

// Model is the root Bubble Tea model. Run it with tea.NewProgram(tui.New(opts))
// and forward session events with program.Send(tui.EventMsg{Event: ev}). After
// Run returns, the final model's Record holds what it showed.
type Model struct {
	backend  Backend
	audio    AudioControl
	controls Controls
	ctlBusy  bool // a Controls change is being applied
	now      func() time.Time
	keys     keyMap
	st       styles

	width, height int

	record *Record
	conv   conversation
	input  textinput.Model

	// Panes and dialogs; at most one of help/log is shown in the main area.
	helpOpen   bool
	logOpen    bool
	log        eventLog
	logFilter  textinput.Model
	logScroll  scroller
	logSel     int // selected line of the filtered log; -1: none (follow the end)
	inspect    inspector
	approvals  []session.ToolApprovalRequired // queue; the first is shown
	approval   approvalState
	sticky     map[string]bool // tool → always approved (true) or rejected (false), as the session keeps it (R8.8)
	picker     picker
	devices    devicePicker
	helpScroll scroller
	agentInfo  map[string]AgentInfo

	status status

	// Keys.
	releaseKeys bool      // the terminal reports key releases (kitty protocol)
	mouse       bool      // mouse capture on (wheel scrolls; the terminal cannot select text)
	pttTalking  bool      // push-to-talk key is held (or toggled on)
	quitArmed   time.Time // first Ctrl+C; zero when not armed
	lastTyped   time.Time // last key or paste that went to the input (or was typed while a dialog had no focus)
	notice      string
	noticeAt    time.Time
	noticeTTL   time.Duration // how long the notice shows (noticeLifetime, or the Ctrl+C window)
	playing     bool          // assistant audio arrived and has not ended or been cut

	// Frame composition (see refresh).
	tick      int
	convDirty bool // record changed; conversation lines need a rebuild
	dirty     bool // frame needs recomposing (coalesced to the tick)
	frame     string
	cursor    *tea.Cursor
}

// approvalState is the approval dialog's focus. The dialog opens without the
// keys: they keep going to the message line until the user presses tab, or
// until the input has been empty and untouched for approvalFocusDelay while the
// dialog is shown. So a key typed for the next message is never an answer.
type approvalState struct {
	focused bool
	shownAt time.Time // when the head of the queue appeared
	// confirm is the sticky choice ("always approve", "always reject") waiting
	// for enter; any other key cancels it.
	confirm string
}

// picker is the agent switcher.
type picker struct {
	open   bool
	agents []string
	index  int
}

// status is the status line's state.
type status struct {
	agent, model, voice string
	conn                string // connecting, connected, reconnecting, disconnected, closed
	sessionID           string
	pushToTalk          bool
	textMode            bool
	inputDevice         string // microphone in use, when Controls say
	outputDevice        string // speaker in use
	localVAD            string // e.g. "local VAD medium ≥60ms"; "" when not shown
	muted               bool
	speaking            bool // between speech_started and speech_stopped
	levelIn, levelOut   float64

	latency      time.Duration
	hasLatency   bool
	spoken       bool      // answers are spoken (audio in the output modalities)
	pendingSince time.Time // end of user speech or text sent; zero when none

	costUSD   float64
	simulated bool // the cost is the simulator's
	tokens    int

	started time.Time
	now     time.Time
}

// New returns the root model.
func New(opts Options) *Model {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	title := opts.Title
	if title == "" {
		title = "rtagent session"
	}
	t0 := now()
	st := newStyles(noColor(opts.NoColor))

	in := textinput.New()
	in.Prompt = "> "
	in.Placeholder = inputHint(opts.PushToTalk && opts.Audio != nil && !opts.Text, false)
	in.SetVirtualCursor(false)
	in.SetStyles(inputStyles(st))
	in.Focus()

	filter := textinput.New()
	filter.Prompt = "filter: "
	filter.Placeholder = "substring of type or payload"
	filter.SetVirtualCursor(false)
	filter.SetStyles(inputStyles(st))
	filter.Focus()

	m := &Model{
		backend:   opts.Backend,
		controls:  opts.Controls,
		audio:     opts.Audio,
		now:       now,
		keys:      defaultKeyMap(),
		st:        st,
		width:     defaultWidth,
		height:    defaultHeight,
		record:    newRecord(title, t0),
		conv:      newConversation(),
		input:     in,
		log:       newEventLog(opts.LogSize),
		logFilter: filter,
		logScroll: scroller{follow: true},
		logSel:    -1,
		picker:    picker{agents: append([]string(nil), opts.Agents...)},
		agentInfo: opts.AgentInfo,
		status: status{
			agent:      opts.ActiveAgent,
			model:      opts.Model,
			voice:      opts.Voice,
			conn:       "connecting",
			pushToTalk: opts.PushToTalk,
			simulated:  opts.Simulated,
			textMode:   opts.Audio == nil || opts.Text,
			localVAD:   opts.LocalVAD,
			started:    t0,
			now:        t0,
		},
		sticky:    map[string]bool{},
		mouse:     !opts.NoMouse,
		convDirty: true,
	}
	if opts.Endpoint != "" { // the caller says where: welcome the user
		for _, l := range welcomeLines(opts) {
			m.record.add(&Entry{Kind: EntryNotice, Message: l, At: t0})
		}
	}
	for _, n := range opts.Notices {
		m.record.add(&Entry{Kind: EntryNotice, Message: n, At: t0})
	}
	m.refresh()
	return m
}

// inputHint is the empty input's placeholder: what to do first. With
// push-to-talk it names the key, as hold or toggle depending on whether the
// terminal reports key releases.
func inputHint(ptt, releases bool) string {
	switch {
	case ptt && releases:
		return "hold ctrl+space (or f3) to talk, or type · enter sends · f1 help"
	case ptt:
		return "ctrl+space (or f3) to talk, again to send, or type · f1 help"
	}
	return "type a message, enter to send · f1 help"
}

func inputStyles(st styles) textinput.Styles {
	s := textinput.DefaultDarkStyles()
	if st.plain {
		plain := lipgloss.NewStyle()
		s.Focused = textinput.StyleState{Text: plain, Placeholder: plain, Suggestion: plain, Prompt: plain}
		s.Blurred = s.Focused
		s.Cursor.Color = nil
	}
	s.Cursor.Blink = false
	return s
}

// Record returns what the conversation showed, for tests and tools that inspect it.
func (m *Model) Record() *Record { return m.record }

// Init starts the tick.
func (m *Model) Init() tea.Cmd { return tea.Batch(m.tickCmd(), m.controlStateCmd()) }

// Update routes a message to its handler. Handlers change state and return
// commands; none does IO. Frames are recomposed here, except for
// high-frequency messages, which only mark the frame dirty for the next tick.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	coalesce := false
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = max(1, msg.Width), max(1, msg.Height)
		m.convDirty = true
	case tea.KeyboardEnhancementsMsg:
		m.releaseKeys = msg.SupportsEventTypes()
		m.input.Placeholder = inputHint(m.status.pushToTalk && !m.status.textMode, m.releaseKeys)
	case tea.KeyPressMsg:
		cmd = m.handleKeyPress(msg)
	case tea.KeyReleaseMsg:
		cmd = m.handleKeyRelease(msg)
	case tea.PasteMsg:
		cmd = m.handlePaste(msg)
	case tea.MouseWheelMsg:
		m.handleWheel(msg)
	case EventMsg:
		coalesce = m.handleEvent(msg.Event)
	case FrameMsg:
		coalesce = m.handleFrame(msg.Frame)
	case tickMsg:
		cmd = m.handleTick(msg)
		coalesce = !m.dirty // the tick recomposes only what changed
	case backendDoneMsg:
		m.handleBackendDone(msg)
	case controlStateMsg:
		m.handleControlState(msg)
	case deviceListMsg:
		m.handleDeviceList(msg)
	case reloadDoneMsg:
		m.handleReloadDone(msg)
	case ReloadRequestMsg:
		cmd = m.reload(msg.Reason)
	case configMsg:
		m.handleConfig(msg)
	default:
		return m, nil
	}
	if coalesce {
		return m, cmd
	}
	m.refresh()
	return m, cmd
}

// View returns the frame composed by the last Update. It does no work, so the
// renderer may call it as often as it likes.
func (m *Model) View() tea.View {
	v := tea.NewView(m.frame)
	v.AltScreen = true
	if m.mouse {
		v.MouseMode = tea.MouseModeCellMotion
	}
	v.KeyboardEnhancements.ReportEventTypes = true
	v.WindowTitle = "rtagent · " + safe(m.status.agent)
	v.Cursor = m.cursor
	return v
}
