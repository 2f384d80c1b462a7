package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/rtagent/rtagent/internal/agent"
	"github.com/rtagent/rtagent/internal/audio"
	"github.com/rtagent/rtagent/internal/audio/wallclock"
	"github.com/rtagent/rtagent/internal/realtime"
	"github.com/rtagent/rtagent/internal/realtime/openai"
	"github.com/rtagent/rtagent/internal/session"
)

// Console is a chat's runtime control (issue 12 items 13–16), as `lk agent
// console` and the OpenAI realtime console offer it: text ↔ voice, voice
// activity detection ↔ push-to-talk, the audio devices, reloading the agents
// file and the session configuration sent. The session owns the settings; the
// Console asks it for changes (session/controls.go) and opens, swaps and closes
// the audio devices. Its methods are safe from any goroutine and serialised; the
// audio accessors (SetMuted, Muted, Levels) never wait for a device change.
type Console struct {
	ctx  context.Context
	rt   *Runtime
	sess *session.Session
	sink *SwitchSink
	log  *slog.Logger
	vad  *realtime.TurnDetection // what push-to-talk off switches back to
	// initial is the voice chat opened (and closes, with its recording).
	initial *Voice

	// OnFault is told when an audio device fails mid-session.
	OnFault func(error)

	voice atomic.Pointer[Voice] // the open microphone and speaker; nil: none

	mu      sync.Mutex // serialises the controls
	vo      VoiceOptions
	spoken  bool // the output modality is audio
	ptt     bool
	in, out string            // device names in use
	listed  [2]map[string]int // display name → device index: inputs, outputs (AudioDevices)
}

// ConsoleOptions describe the chat the Console starts from.
type ConsoleOptions struct {
	// Voice are the device options (Record is honoured only by the voice chat
	// opened itself; voices opened later do not record).
	Voice      VoiceOptions
	PushToTalk bool
	Text       bool // answers in text (no voice open, or voice switched off)
}

// ConsoleState is the mode and the devices in use.
type ConsoleState struct {
	Voice, PushToTalk bool
	Input, Output     string
}

// NewConsole controls rt's session; v is the voice chat opened (nil in text
// mode) and sink the session's audio output (Options.Audio).
func NewConsole(ctx context.Context, rt *Runtime, v *Voice, sink *SwitchSink, o ConsoleOptions) *Console {
	c := &Console{ctx: ctx, rt: rt, sess: rt.Session, sink: sink, log: rt.log, initial: v,
		vo: o.Voice, spoken: !o.Text && v != nil, ptt: o.PushToTalk}
	if td := rt.Config.Model.TurnDetection; !td.Manual() {
		c.vad = turnDetection(td)
	} else { // manual in the file: f9 offers rtagent's default (R2.1)
		c.vad = &realtime.TurnDetection{Type: realtime.TurnSemanticVAD, CreateResponse: ptr(true), InterruptResponse: ptr(true)}
	}
	c.vo.Record = ""
	return c
}

func ptr[T any](v T) *T { return &v }

// Start streams the initial voice (if any) into the session.
func (c *Console) Start() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.initial != nil {
		c.startLocked(c.initial)
	}
}

// startLocked makes v the voice in use: its speaker becomes the session's sink
// and its microphone streams when the mode says so.
func (c *Console) startLocked(v *Voice) {
	v.OnFault = c.fault
	c.sink.Set(v.Sink())
	v.Start(c.ctx, c.sess, c.spoken && !c.ptt)
	if v != c.initial && c.rt.Config != nil { // a reopened voice gets its local barge-in back
		// A missing VAD library was reported when chat started.
		if _, err := v.StartLocalVAD(c.rt.Config.Model.LocalVAD, c.sess); err != nil && !errors.Is(err, ErrNoLocalVAD) {
			c.fault(err)
		}
	}
	c.voice.Store(v)
	c.in, c.out = deviceName(c.vo.InputDevice, true), deviceName(c.vo.OutputDevice, false)
}

func (c *Console) fault(err error) {
	if c.OnFault != nil {
		c.OnFault(err)
	}
}

// deviceName is the name of the device spec selects ("" the default); PortAudio
// is initialised while a voice is open.
func deviceName(spec string, input bool) string {
	d, err := audio.FindDevice(spec, input)
	if err != nil {
		return spec
	}
	return d.Name
}

// State is the mode and the devices in use.
func (c *Console) State() ConsoleState {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stateLocked()
}

func (c *Console) stateLocked() ConsoleState {
	st := ConsoleState{Voice: c.spoken, PushToTalk: c.ptt}
	if c.spoken {
		st.Input, st.Output = c.in, c.out
	}
	return st
}

// SetVoice switches the answers to audio, opening the microphone and speaker
// if none is open (on), or to text. Without devices it fails and the chat stays
// in text. The session changes its output modality at its next safe point.
func (c *Console) SetVoice(on bool) (ConsoleState, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if on == c.spoken {
		return c.stateLocked(), nil
	}
	v := c.voice.Load()
	if on && v == nil {
		nv, err := OpenVoice(c.vo)
		if err != nil {
			return c.stateLocked(), fmt.Errorf("%w — staying in text", err)
		}
		v = nv
	}
	modality := realtime.ModalityText
	if on {
		modality = realtime.ModalityAudio
	}
	if err := c.sess.SetOutputModality(modality); err != nil {
		if v != c.voice.Load() {
			_ = v.Close()
		}
		return c.stateLocked(), err
	}
	c.spoken = on
	if v != c.voice.Load() {
		c.startLocked(v)
	}
	if v != nil {
		v.talking.Store(false)
		v.vad.Store(on && !c.ptt) // text: the microphone sends nothing
	}
	return c.stateLocked(), nil
}

// SetPushToTalk switches between push-to-talk (turn_detection null, R2.2) and
// the agents file's voice activity detection, at the session's next safe point.
func (c *Console) SetPushToTalk(on bool) (ConsoleState, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	td := c.vad
	if on {
		td = nil
	}
	if err := c.sess.SetTurnDetection(td); err != nil {
		return c.stateLocked(), err
	}
	c.ptt = on
	if v := c.voice.Load(); v != nil {
		v.talking.Store(false)
		v.vad.Store(c.spoken && !on)
	}
	return c.stateLocked(), nil
}

// AudioDevices lists the microphones and speakers by name (a name that occurs
// twice carries its index). A voice must be open (PortAudio initialised).
func (c *Console) AudioDevices() (inputs, outputs []string, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.voice.Load() == nil {
		return nil, nil, errors.New("no audio open (f8 turns voice on)")
	}
	devs, err := audio.Devices()
	if err != nil {
		return nil, nil, err
	}
	count := map[string]int{}
	for _, d := range devs {
		count[d.Name]++
	}
	c.listed = [2]map[string]int{{}, {}}
	for _, d := range devs {
		name := d.Name
		if count[name] > 1 {
			name += " (" + strconv.Itoa(d.Index) + ")"
		}
		if d.MaxInputChannels > 0 {
			inputs = append(inputs, name)
			c.listed[0][name] = d.Index
		}
		if d.MaxOutputChannels > 0 {
			outputs = append(outputs, name)
			c.listed[1][name] = d.Index
		}
	}
	return inputs, outputs, nil
}

// UseDevices reopens the audio with the named devices ("" keeps one), as
// AudioDevices listed them: the old devices are closed, then the new ones
// opened. If that fails the old ones are reopened; if those fail too the chat
// goes on in text. The error says which happened.
func (c *Console) UseDevices(input, output string) (ConsoleState, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cur := c.voice.Load()
	switch {
	case cur == nil:
		return c.stateLocked(), errors.New("no audio open (f8 turns voice on)")
	case cur == c.initial && cur.rec != nil:
		return c.stateLocked(), errors.New("the recording (--record) keeps the devices it started with; restart to change them")
	}
	next := c.vo
	for i, name := range []string{input, output} {
		if name == "" {
			continue
		}
		idx, ok := c.listed[i][name]
		if !ok {
			return c.stateLocked(), fmt.Errorf("unknown audio device %q (f10 lists them)", name)
		}
		if i == 0 {
			next.InputDevice = strconv.Itoa(idx)
		} else {
			next.OutputDevice = strconv.Itoa(idx)
		}
	}
	muted := cur.Muted()
	c.voice.Store(nil)
	c.sink.Set(nil)
	if err := c.closeVoice(cur); err != nil {
		c.log.Warn("closing the audio devices", "err", err)
	}
	v, err := OpenVoice(next)
	if err == nil {
		c.vo = next
		c.startLocked(v)
		v.SetMuted(muted)
		return c.stateLocked(), nil
	}
	openErr := fmt.Errorf("opening %s: %w", describe(input, output), err)
	v, err = OpenVoice(c.vo)
	if err == nil {
		c.startLocked(v)
		v.SetMuted(muted)
		return c.stateLocked(), fmt.Errorf("%w; back on %s → %s", openErr, c.in, c.out)
	}
	c.log.Warn("reopening the previous audio devices", "err", err)
	if c.spoken {
		c.spoken = false
		_ = c.sess.SetOutputModality(realtime.ModalityText)
	}
	return c.stateLocked(), fmt.Errorf("%w; the previous devices did not reopen either: continuing in text", openErr)
}

func describe(input, output string) string {
	switch {
	case input != "" && output != "":
		return input + " and " + output
	case input != "":
		return input
	}
	return output
}

// closeVoice closes v (the initial voice too: without a recording, chat's own
// Close of it later is a no-op).
func (c *Console) closeVoice(v *Voice) error { return v.Close() }

// Reload reads and validates the agents file again and hands the new agents to
// the session (instructions, tools, handoffs and guardrails; history, active
// agent and sticky approvals kept). On error the session is untouched. pending
// is true when the session applies them at its next safe point.
func (c *Console) Reload() (cfg *agent.Config, pending bool, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	o := c.rt.opts
	cfg, err = LoadAgents(o.AgentsFile, o.Vars)
	if err != nil {
		return nil, false, err
	}
	// MCP servers are not restarted: the running ones serve the new agents (a
	// changed mcp_servers list takes a restart of chat).
	agents, conflicts, err := buildAgents(cfg, c.log, c.rt.mcp)
	if err != nil {
		return nil, false, &ConfigError{Err: err}
	}
	for _, cerr := range conflicts {
		c.log.Warn("tool name conflict after reload", "err", cerr)
	}
	if err := c.sess.ReplaceAgents(agents); err != nil {
		return nil, false, &ConfigError{Err: err}
	}
	view, err := c.sess.Settings()
	if err != nil {
		return cfg, false, err
	}
	return cfg, view.Pending, nil
}

// SessionConfig is the session configuration last sent (R2.3), as the wire
// carries it, with the active agent and whether a change waits for a safe point.
func (c *Console) SessionConfig() (string, error) {
	view, err := c.sess.Settings()
	if err != nil {
		return "", err
	}
	sess, err := openai.SessionJSON(view.Sent)
	if err != nil {
		return "", err
	}
	doc := struct {
		Agent   string          `json:"agent"`
		Pending bool            `json:"change_pending,omitempty"`
		Session json.RawMessage `json:"session"`
	}{view.Agent, view.Pending, sess}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return "", err
	}
	return b.String(), nil
}

// SetMuted mutes the microphone in use.
func (c *Console) SetMuted(m bool) {
	if v := c.voice.Load(); v != nil {
		v.SetMuted(m)
	}
}

// Muted reports whether the microphone in use is muted.
func (c *Console) Muted() bool {
	if v := c.voice.Load(); v != nil {
		return v.Muted()
	}
	return false
}

// Levels are the levels of the devices in use (0 without).
func (c *Console) Levels() (in, out float64) {
	if v := c.voice.Load(); v != nil {
		return v.Levels()
	}
	return 0, 0
}

// Close closes the devices the Console opened (chat closes the initial ones).
func (c *Console) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	v := c.voice.Swap(nil)
	if v == nil || v == c.initial {
		return nil
	}
	return v.Close()
}

// ConsoleBackend is the UI's backend with the Console's push-to-talk: the
// microphone streams only while the key is held, whichever voice is open.
type ConsoleBackend struct {
	*session.Session
	Console *Console
}

func (b ConsoleBackend) StartPushToTalk() error {
	return PushToTalk{Session: b.Session, Voice: b.Console.voice.Load()}.StartPushToTalk()
}

func (b ConsoleBackend) CommitAudio() error {
	return PushToTalk{Session: b.Session, Voice: b.Console.voice.Load()}.CommitAudio()
}

// SwitchSink is the session's audio output when the speaker can change: it
// plays through the current one, and with none it keeps the session's
// wall-clock estimate (R7.3 fallback). Set swaps it.
type SwitchSink struct {
	mu    sync.Mutex
	cur   realtime.AudioSink
	clock *wallclock.Sink
}

// NewSwitchSink starts with out (nil: none).
func NewSwitchSink(out realtime.AudioSink) *SwitchSink {
	return &SwitchSink{cur: out, clock: wallclock.NewSink(realtime.PCM24k.BytesPerMS())}
}

// Set plays through out from now on (nil: none).
func (s *SwitchSink) Set(out realtime.AudioSink) {
	s.mu.Lock()
	s.cur = out
	s.mu.Unlock()
}

func (s *SwitchSink) get() realtime.AudioSink {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur == nil {
		return s.clock
	}
	return s.cur
}

func (s *SwitchSink) Enqueue(responseID, itemID string, contentIndex int, pcm []byte) {
	s.get().Enqueue(responseID, itemID, contentIndex, pcm)
}

func (s *SwitchSink) Interrupt() realtime.PlaybackState { return s.get().Interrupt() }

func (s *SwitchSink) State() realtime.PlaybackState { return s.get().State() }
