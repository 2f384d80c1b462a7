package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

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
}

func newChatCmd(f *factory) *cobra.Command {
	opts := &chatOptions{}
	cmd := &cobra.Command{
		Use:   "chat",
		Short: "Talk to your agents by voice and text in a terminal UI",
		Example: `  rtagent chat --sim
  rtagent chat --text --transcript session.md
  rtagent chat --push-to-talk --record session.wav`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.conn.validate(); err != nil {
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
	fl.StringVar(&opts.Record, "record", "", "record both sides to this stereo WAV (left: microphone, right: model)")
	fl.StringVar(&opts.TranscriptTo, "transcript", "", "write a Markdown transcript to this file (kept up to date as you talk)")
	fl.BoolVar(&opts.Plain, "plain", false, "a plain line-mode interface instead of the full-screen UI")
	return cmd
}

func runChat(ctx context.Context, f *factory, opts *chatOptions) (err error) {
	var voice *app.Voice
	var notices []string
	useTUI := !opts.Plain && f.IO.IsStdinTTY() && f.IO.IsStdoutTTY()
	if opts.PushToTalk && !useTUI && !opts.Text {
		return usageErrorf("--push-to-talk needs the full-screen UI (a terminal, without --plain): line mode has no talk key")
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
				fmt.Fprintf(f.IO.ErrOut, "rtagent: %s\n", note)
			}
			opts.Text = true
		default:
			return err
		}
	}
	tap := app.NewTraceTap()
	aopts := opts.conn.appOptions(f)
	aopts.PushToTalk = opts.PushToTalk
	if useTUI {
		aopts.Tap = tap.Add
	}
	if opts.Text {
		aopts.Modality = "text"
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
	if _, err := voice.StartLocalVAD(rt.Config.Model.LocalVAD, rt.Session); err != nil {
		return err
	}
	if useTUI {
		return chatTUI(ctx, f, rt, voice, tw, opts, notices, tap)
	}
	return chatLines(ctx, f, rt, voice, tw)
}

// chatTUI runs the full-screen UI. Session events go to the transcript and the UI;
// audio never reaches the UI (the player has it already).
func chatTUI(ctx context.Context, f *factory, rt *app.Runtime, voice *app.Voice, tw *transcript.Writer, opts *chatOptions, notices []string, tap *app.TraceTap) error {
	var names []string
	for _, a := range rt.Config.Agents {
		names = append(names, a.Name)
	}
	topts := tui.Options{
		Backend: app.PushToTalk{Session: rt.Session, Voice: voice}, Agents: names, ActiveAgent: rt.StartAgent,
		Model: rt.Settings.Model, Voice: rt.Settings.Voice, PushToTalk: opts.PushToTalk,
		Title: "rtagent · " + opts.conn.AgentsFile, Notices: notices,
		LocalVAD: voice.LocalVADStatus(),
	}
	if voice != nil {
		topts.Audio = voice
	}
	p := tea.NewProgram(tui.New(topts), tea.WithContext(ctx), tea.WithInput(f.IO.In), tea.WithOutput(f.IO.Out))
	if voice != nil {
		voice.OnFault = func(err error) {
			ev := session.Error{Source: "audio", Message: err.Error()}
			tw.Add(ev)
			p.Send(tui.EventMsg{Event: ev})
		}
		voice.Start(ctx, rt.Session, !opts.PushToTalk)
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
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range rt.Session.Events() {
			tw.Add(ev)
			if c, ok := ev.(session.Closed); ok && c.Err != nil {
				fatal = c.Err
			}
			p.Send(tui.EventMsg{Event: ev})
		}
	}()
	_, err := p.Run()
	_ = rt.Session.Close()
	<-done
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

// chatLines is the plain line-mode interface: one message per line; /commands.
func chatLines(ctx context.Context, f *factory, rt *app.Runtime, voice *app.Voice, tw *transcript.Writer) error {
	printer := &eventPrinter{w: f.IO.Out, format: "text"}
	if voice != nil {
		voice.OnFault = func(err error) { fmt.Fprintf(f.IO.ErrOut, "rtagent: %v\n", err) }
		voice.Start(ctx, rt.Session, true)
	}
	approvals := &lineApprovals{}
	drv := app.NewDriver(rt.Session, func(ev session.Event) error {
		tw.Add(ev)
		if a, ok := ev.(session.ToolApprovalRequired); ok {
			if approvals.add(a) {
				fmt.Fprintf(f.IO.Out, "  ? %s %s needs approval — allow? [y]es, [n]o, [a]lways, ne[v]er\n", a.Tool, a.Arguments)
			} else {
				rt.Session.Reject(a.CallID, false, endOfInputRefusal(a.Tool))
			}
			return nil
		}
		return printer.print(ev)
	})
	go drv.Consume()
	defer drv.Stop()
	if err := drv.WaitReady(ctx); err != nil {
		return finishErr(ctx, err)
	}
	fmt.Fprintf(f.IO.Out, "connected: %s on %s — type a message, /help for commands\n", rt.StartAgent, rt.Settings.Model)
	lines, _ := readLines(ctx, f.IO.In)
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
					rt.Session.Reject(a.CallID, false, endOfInputRefusal(a.Tool))
				}
				if err := drv.WaitAnswered(ctx); err != nil {
					return finishErr(ctx, err)
				}
				return drv.CloseAndDrain()
			}
			if quit := lineCommand(f, drv, voice, approvals, strings.TrimSpace(line)); quit {
				return drv.CloseAndDrain()
			}
		}
	}
}

func lineCommand(f *factory, drv *app.Driver, voice *app.Voice, approvals *lineApprovals, line string) (quit bool) {
	s := drv.Session()
	if a, ok := approvals.first(); ok && line != "/quit" && line != "/exit" {
		switch strings.ToLower(line) {
		case "y", "yes":
			s.Approve(a.CallID, false)
		case "a", "always":
			s.Approve(a.CallID, true)
		case "n", "no":
			s.Reject(a.CallID, false, "")
		case "v", "r", "never":
			s.Reject(a.CallID, true, "")
		default:
			fmt.Fprintf(f.IO.Out, "  ? first answer for %s: y, n, a or v (that line was not sent)\n", a.Tool)
			return false
		}
		approvals.pop()
		return false
	}
	switch {
	case line == "":
	case line == "/quit" || line == "/exit":
		return true
	case line == "/help":
		fmt.Fprintln(f.IO.Out, "/agent NAME  switch agent · /interrupt  stop the answer · /mute  toggle the microphone · /quit")
	case strings.HasPrefix(line, "/agent "):
		if err := s.SwitchAgent(strings.TrimSpace(strings.TrimPrefix(line, "/agent "))); err != nil {
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
		if err := drv.Send(line); err != nil {
			fmt.Fprintf(f.IO.Out, "  error: %v\n", err)
		}
	}
	return false
}

// lineApprovals are the approvals line mode waits on, answered in order.
type lineApprovals struct {
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
