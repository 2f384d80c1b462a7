package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/rtagent/rtagent/internal/app"
	"github.com/rtagent/rtagent/internal/session"
	"github.com/rtagent/rtagent/internal/transcript"
	"github.com/rtagent/rtagent/internal/tui"
)

type chatOptions struct {
	conn         connectOptions
	voice        app.VoiceOptions
	Text         bool
	PushToTalk   bool
	Record       string
	TranscriptTo string
	Plain        bool
	NoMouse      bool
	Watch        bool
}

func newChatCmd(f *factory) *cobra.Command {
	opts := &chatOptions{}
	cmd := &cobra.Command{
		Use:   "chat",
		Short: "Talk to your agents by voice and text in a terminal UI",
		Example: `  rtagent chat --sim
  rtagent chat --text --transcript session.md
  rtagent chat --push-to-talk --record session.wav
  rtagent chat --sim --watch`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.conn.validate(); err != nil {
				return err
			}
			if err := opts.conn.resolveAgents(f, cmd.Flags()); err != nil {
				return err
			}
			return runChat(cmd.Context(), f, opts)
		},
	}
	fl := cmd.Flags()
	opts.conn.bind(fl)
	bindVoice(fl, &opts.voice)
	fl.BoolVar(&opts.Text, "text", false, "text only: no microphone or speaker")
	fl.BoolVar(&opts.PushToTalk, "push-to-talk", false, "manual turns: hold (or toggle) the talk key instead of voice activity detection")
	fl.StringVar(&opts.Record, "record", "", "record both sides to this stereo WAV `FILE` (left: microphone, right: model)")
	fl.StringVar(&opts.TranscriptTo, "transcript", "", "write a Markdown transcript to this `FILE` (kept up to date as you talk)")
	fl.BoolVar(&opts.Plain, "plain", false, "a plain line-mode interface instead of the full-screen UI")
	fl.BoolVar(&opts.Watch, "watch", false, "reload the agents file when it changes (validated first; ctrl+r reloads by hand)")
	fl.BoolVar(&opts.NoMouse, "no-mouse", false, "start without mouse capture, so the terminal selects text to copy (f7 toggles; the wheel scrolls only with capture)")
	registerCompletions(cmd, f)
	return cmd
}

func runChat(ctx context.Context, f *factory, opts *chatOptions) (err error) {
	var voice *app.Voice
	var notices []string
	useTUI := !opts.Plain && f.IO.IsStdinTTY() && f.IO.IsStdoutTTY()
	if opts.PushToTalk && !useTUI && !opts.Text {
		return usageErrorf("--push-to-talk needs the full-screen UI (a terminal, without --plain): line mode has no talk key")
	}
	if opts.Watch && !useTUI {
		return usageErrorf("--watch needs the full-screen UI (a terminal, without --plain)")
	}
	if !opts.Text {
		vo := opts.voice
		vo.Record, vo.Logger = opts.Record, f.Logger
		v, err := app.OpenVoice(vo)
		switch {
		case err == nil:
			voice = v
			defer func() { err = closeInto(err, fileErr("--record", opts.Record, voice.Close())) }()
		case errors.Is(err, app.ErrNoAudio):
			note := fmt.Sprintf("%v — continuing in text mode (rtagent devices lists what was found; --text skips audio)", err)
			if useTUI {
				notices = append(notices, note)
			} else {
				fmt.Fprintf(f.IO.ErrOut, "rtagent: %s\n", terminalText(note))
			}
			opts.Text = true
		default:
			return err
		}
	}
	tap := app.NewTraceTap()
	aopts := opts.conn.appOptions(f)
	aopts.PushToTalk = opts.PushToTalk
	var sink *app.SwitchSink // the UI may open, close and swap the speaker
	if useTUI {
		aopts.Tap = tap.Add
		sink = app.NewSwitchSink(nil)
		aopts.Audio = sink
	}
	if opts.Text {
		aopts.Modality = "text"
	} else if sink != nil {
		sink.Set(voice.Sink())
	} else {
		aopts.Audio = voice.Sink()
	}
	rt, err := app.Open(ctx, aopts)
	if err != nil {
		return err
	}
	defer func() { err = closeInto(err, rt.Close()) }()
	tw, err := rt.OpenTranscript(opts.TranscriptTo)
	if err != nil {
		return err
	}
	defer func() { err = closeInto(err, fileErr("--transcript", opts.TranscriptTo, tw.Close())) }()
	if err := rt.Session.Start(ctx); err != nil {
		return err
	}
	if _, err := voice.StartLocalVAD(rt.Config.Model.LocalVAD, rt.Session); errors.Is(err, app.ErrNoLocalVAD) {
		note := fmt.Sprintf("%v — continuing without local barge-in", err)
		if useTUI {
			notices = append(notices, note)
		} else {
			fmt.Fprintf(f.IO.ErrOut, "rtagent: %s\n", terminalText(note))
		}
	} else if err != nil {
		return err
	}
	if useTUI {
		return chatTUI(ctx, f, rt, voice, sink, tw, opts, notices, tap)
	}
	return chatLines(ctx, f, rt, voice, tw, opts)
}

// chatTUI runs the full-screen UI. Session events go to the transcript and the UI;
// audio never reaches the UI (the player has it already).
func chatTUI(ctx context.Context, f *factory, rt *app.Runtime, voice *app.Voice, sink *app.SwitchSink, tw *transcript.Writer, opts *chatOptions, notices []string, tap *app.TraceTap) error {
	vo := opts.voice
	vo.Logger = f.Logger
	console := app.NewConsole(ctx, rt, voice, sink, app.ConsoleOptions{Voice: vo, PushToTalk: opts.PushToTalk, Text: opts.Text})
	defer func() { _ = console.Close() }()
	topts := tuiOptions(rt, opts)
	topts.Backend = app.ConsoleBackend{Session: rt.Session, Console: console}
	topts.Notices = notices
	topts.Audio, topts.Text, topts.Controls = console, opts.Text, chatControls{console}
	topts.LocalVAD = voice.LocalVADStatus()
	p := tea.NewProgram(tui.New(topts), tea.WithContext(ctx), tea.WithInput(f.IO.In), tea.WithOutput(f.IO.Out))
	console.OnFault = func(err error) {
		ev := session.Error{Source: "audio", Message: err.Error()}
		tw.Add(ev)
		p.Send(tui.EventMsg{Event: ev})
	}
	console.Start()
	if opts.Watch {
		stopWatch, watchDone := make(chan struct{}), make(chan struct{})
		go watchAgents(ctx, opts.conn.AgentsFile, p, stopWatch, watchDone)
		defer func() { close(stopWatch); <-watchDone }()
	}
	// Wire frames reach the UI from their own goroutine: p.Send blocks until the
	// program runs, and the model's trace goroutine must never wait for the UI.
	stopTap := make(chan struct{})
	tapDone := make(chan struct{})
	go func() {
		defer close(tapDone)
		for {
			select {
			case f := <-tap.Frames():
				p.Send(tui.FrameMsg{Frame: f})
			case <-stopTap:
				return
			}
		}
	}()
	defer func() { close(stopTap); <-tapDone }()
	var fatal error
	stats := newSessionStats(time.Now())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range rt.Session.Events() {
			tw.Add(ev)
			stats.observe(ev, time.Now())
			if c, ok := ev.(session.Closed); ok && c.Err != nil {
				fatal = c.Err
			}
			p.Send(tui.EventMsg{Event: ev})
		}
	}()
	_, err := p.Run()
	_ = rt.Session.Close()
	<-done
	if stats.turns > 0 {
		info := summaryInfo{Simulated: rt.Simulated, Transcript: opts.TranscriptTo}
		if voice != nil {
			info.Recording = opts.Record
		}
		stats.writeSummary(f.IO.Out, time.Now(), info)
	}
	if err != nil && !errors.Is(err, tea.ErrProgramKilled) && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("terminal UI: %w", err)
	}
	if fatal != nil {
		return fatal
	}
	if ctx.Err() != nil {
		return errInterrupted
	}
	return nil
}

// tuiOptions describes the session to the UI: endpoint, agents, examples.
func tuiOptions(rt *app.Runtime, opts *chatOptions) tui.Options {
	o := tui.Options{
		ActiveAgent: rt.StartAgent, Model: rt.Settings.Model, Voice: rt.Settings.Voice,
		PushToTalk: opts.PushToTalk, NoMouse: opts.NoMouse,
		Title:     "rtagent · " + opts.conn.AgentsFile,
		Endpoint:  rt.Endpoint,
		Simulated: rt.Simulated,
	}
	if rt.Simulated {
		o.Endpoint = "the built-in simulator"
	}
	o.Agents, o.AgentInfo = agentInfo(rt.Config)
	for _, a := range rt.Config.Agents {
		if a.Name == rt.StartAgent {
			o.Examples = a.Examples
		}
	}
	return o
}

// chatLines is the plain line-mode interface: one message per line; /commands.
// From a pipe, each line waits for the answer to the previous one (as run --stdin),
// so every message is answered in turn; at a terminal the user may type ahead.
func chatLines(ctx context.Context, f *factory, rt *app.Runtime, voice *app.Voice, tw *transcript.Writer, opts *chatOptions) (err error) {
	printer := newEventPrinter(f.IO.Out, "text", time.Now)
	printer.configure(rt.Config, opts.conn.Approve)
	if voice != nil {
		voice.OnFault = func(err error) { fmt.Fprintf(f.IO.ErrOut, "rtagent: %s\n", terminalText(err.Error())) }
		voice.Start(ctx, rt.Session, true)
	}
	approvals := &lineApprovals{added: make(chan struct{}, 1)}
	drv := app.NewDriver(rt.Session, func(ev session.Event) error {
		tw.Add(ev)
		if a, ok := ev.(session.ToolApprovalRequired); ok {
			printer.observe(ev)
			if approvals.add(a) {
				fmt.Fprintf(f.IO.Out, "  ? %s %s needs approval — allow? [y]es, [n]o, [a]lways, ne[v]er\n", a.Tool, terminalText(a.Arguments))
			} else {
				printer.decided(a, false, false, "end_of_input")
				rt.Session.Reject(a.CallID, false, endOfInputRefusal(a.Tool))
			}
			return nil
		}
		return printer.print(ev)
	})
	defer func() {
		info := summaryInfo{Simulated: rt.Simulated, Transcript: opts.TranscriptTo}
		if voice != nil {
			info.Recording = opts.Record
		}
		err = closeInto(err, printer.sessionEnd(err, f.IO.Out, info))
	}()
	go drv.Consume()
	defer drv.Stop()
	if err := drv.WaitReady(ctx); err != nil {
		return finishErr(ctx, err)
	}
	fmt.Fprintf(f.IO.Out, "connected: %s on %s — type a message, /help for commands\n", rt.StartAgent, rt.Settings.Model)
	lines, _ := readLines(ctx, f.IO.In)
	piped := !f.IO.IsStdinTTY()
	for {
		select {
		case <-ctx.Done():
			return errInterrupted
		case <-drv.Done():
			return drv.Fatal()
		case line, ok := <-lines:
			if !ok {
				// End of input: nobody is left to answer approvals; let the last
				// answers finish, then leave.
				for _, a := range approvals.close() {
					printer.decided(a, false, false, "end_of_input")
					rt.Session.Reject(a.CallID, false, endOfInputRefusal(a.Tool))
				}
				if err := drv.WaitAnswered(ctx); err != nil {
					return finishErr(ctx, err)
				}
				return drv.CloseAndDrain()
			}
			if quit := lineCommand(f, drv, voice, approvals, printer, strings.TrimSpace(line)); quit {
				return drv.CloseAndDrain()
			}
			if piped {
				if err := waitAnsweredOrAsked(ctx, drv, approvals); err != nil {
					return finishErr(ctx, err)
				}
			}
		}
	}
}

// waitAnsweredOrAsked waits until everything sent has been answered, or until an
// approval waits for the next line of input (which answers it).
func waitAnsweredOrAsked(ctx context.Context, drv *app.Driver, approvals *lineApprovals) error {
	select { // forget a signal for an approval already answered
	case <-approvals.added:
	default:
	}
	if _, ok := approvals.first(); ok {
		return nil
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop, done := make(chan struct{}), make(chan struct{})
	defer func() { close(stop); <-done }()
	go func() {
		defer close(done)
		select {
		case <-approvals.added:
			cancel()
		case <-stop:
		}
	}()
	err := drv.WaitAnswered(wctx)
	if err != nil && ctx.Err() == nil && errors.Is(err, context.Canceled) {
		return nil // an approval is waiting for input
	}
	return err
}

func lineCommand(f *factory, drv *app.Driver, voice *app.Voice, approvals *lineApprovals, printer *eventPrinter, line string) (quit bool) {
	s := drv.Session()
	if a, ok := approvals.first(); ok && line != "/quit" && line != "/exit" {
		// The same four answers as everywhere else: y, n, a, v.
		var approve, always bool
		switch strings.ToLower(line) {
		case "y", "yes":
			approve = true
		case "a", "always":
			approve, always = true, true
		case "n", "no":
		case "v", "never":
			always = true
		default:
			fmt.Fprintf(f.IO.Out, "  ? first answer for %s: y, n, a or v (that line was not sent)\n", a.Tool)
			return false
		}
		approvals.pop()
		printer.decided(a, approve, always, "user")
		if approve {
			s.Approve(a.CallID, always)
		} else {
			s.Reject(a.CallID, always, "")
		}
		return false
	}
	switch {
	case line == "":
	case line == "/quit" || line == "/exit":
		return true
	case line == "/help":
		fmt.Fprintln(f.IO.Out, "/agent NAME  switch agent · /image FILE  send an image · /interrupt  stop the answer · /mute  toggle the microphone · /quit")
	case strings.HasPrefix(line, "/agent "):
		if err := s.SwitchAgent(strings.TrimSpace(strings.TrimPrefix(line, "/agent "))); err != nil {
			fmt.Fprintf(f.IO.Out, "  error: %s\n", terminalText(err.Error()))
		}
	case strings.HasPrefix(line, "/image "):
		printer.sent()
		if err := sendImageLine(drv, strings.TrimSpace(strings.TrimPrefix(line, "/image "))); err != nil {
			fmt.Fprintf(f.IO.Out, "  error: %v\n", err)
		}
	case line == "/interrupt":
		s.Interrupt(session.ReasonManual)
	case line == "/mute":
		if voice == nil {
			fmt.Fprintln(f.IO.Out, "  (text mode: no microphone)")
		} else {
			voice.SetMuted(!voice.Muted())
			fmt.Fprintf(f.IO.Out, "  microphone muted: %v\n", voice.Muted())
		}
	default:
		printer.sent()
		if err := drv.Send(line); err != nil {
			fmt.Fprintf(f.IO.Out, "  error: %s\n", terminalText(err.Error()))
		}
	}
	return false
}

// lineApprovals are the approvals line mode waits on, answered in order.
type lineApprovals struct {
	added   chan struct{} // signalled (buffer 1, lossy) when an approval is queued
	mu      sync.Mutex
	pending []session.ToolApprovalRequired
	closed  bool
}

// add queues a; it reports false once input has ended (nobody can answer).
func (l *lineApprovals) add(a session.ToolApprovalRequired) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return false
	}
	l.pending = append(l.pending, a)
	select {
	case l.added <- struct{}{}:
	default:
	}
	return true
}

func (l *lineApprovals) first() (session.ToolApprovalRequired, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.pending) == 0 {
		return session.ToolApprovalRequired{}, false
	}
	return l.pending[0], true
}

func (l *lineApprovals) pop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.pending) > 0 {
		l.pending = l.pending[1:]
	}
}

// close ends input and returns the approvals nobody answered.
func (l *lineApprovals) close() []session.ToolApprovalRequired {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	p := l.pending
	l.pending = nil
	return p
}

func endOfInputRefusal(tool string) string {
	return fmt.Sprintf("Tool %s needs approval, but the input ended before the user answered.", tool)
}

func bindVoice(fl *pflag.FlagSet, o *app.VoiceOptions) {
	fl.StringVar(&o.InputDevice, "input-device", "", "microphone: device index or part of its name (see rtagent devices)")
	fl.StringVar(&o.OutputDevice, "output-device", "", "speaker: device index or part of its name")
	fl.BoolVar(&o.NoAEC, "no-aec", false, "turn off acoustic echo cancellation (an energy gate keeps the agent from interrupting itself)")
	fl.BoolVar(&o.HalfDuplex, "half-duplex", false, "send no microphone audio while the agent speaks (barge-in by key only)")
	fl.DurationVar(&o.Prebuffer, "prebuffer", 0, "playback jitter buffer (default 120ms)")
}
