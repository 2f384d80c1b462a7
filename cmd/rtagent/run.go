package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/rtagent/rtagent/internal/app"
	"github.com/rtagent/rtagent/internal/session"
)

type runOptions struct {
	conn       connectOptions
	Says       []string
	images     *sayImages // --image, attached to the next --say
	Stdin      bool
	Format     string
	Modality   string
	AudioIn    string
	AudioOut   string
	Timeout    time.Duration
	Transcript string
}

func newRunCmd(f *factory) *cobra.Command {
	opts := &runOptions{}
	opts.images = newSayImages(&opts.Says)
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run a scripted session: send messages, print the session events",
		Example: `  rtagent run --sim --say "hello" --format jsonl
  rtagent run --sim --say "what time is it? get_time" --say "transfer to billing"
  rtagent run --sim --image cat.png --say "what is this?"
  printf 'hello\nbye\n' | rtagent run --sim --stdin`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.validate(); err != nil {
				return err
			}
			if err := opts.conn.resolveAgents(f, cmd.Flags()); err != nil {
				return err
			}
			return runRun(cmd.Context(), f, opts)
		},
	}
	fl := cmd.Flags()
	opts.conn.bind(fl)
	fl.Var(sayValue{opts.images}, "say", "a user message `TEXT` (repeatable; answered in order)")
	fl.Var(imageValue{opts.images}, "image", "a PNG, JPEG, WebP or GIF `FILE` sent with the next --say (repeatable; at most 20 MB each)")
	fl.BoolVar(&opts.Stdin, "stdin", false, "read one user message per line from standard input")
	fl.StringVar(&opts.Format, "format", "text", "output format: text or jsonl")
	fl.StringVar(&opts.Modality, "modality", "", "the model answers in text or audio (default text, audio with --audio-in/--audio-out)")
	fl.StringVar(&opts.AudioIn, "audio-in", "", "a WAV `FILE` used as the microphone")
	fl.StringVar(&opts.AudioOut, "audio-out", "", "write the model's audio to this WAV `FILE`")
	fl.DurationVar(&opts.Timeout, "timeout", 2*time.Minute, "give up after this long (0: no limit)")
	fl.StringVar(&opts.Transcript, "transcript", "", "write a Markdown transcript to this `FILE` on exit")
	registerCompletions(cmd, f)
	return cmd
}

func (o *runOptions) validate() error {
	if o.Format != "text" && o.Format != "jsonl" {
		return usageErrorf("--format must be text or jsonl, not %q", o.Format)
	}
	switch o.Modality {
	case "":
		o.Modality = "text"
		if o.AudioIn != "" || o.AudioOut != "" {
			o.Modality = "audio"
		}
	case "text", "audio":
	default:
		return usageErrorf("--modality must be text or audio, not %q", o.Modality)
	}
	for _, s := range o.Says {
		if strings.TrimSpace(s) == "" {
			return usageErrorf("--say needs a message; it was empty")
		}
	}
	if o.Modality == "text" && o.AudioOut != "" {
		return usageErrorf("--audio-out needs --modality audio (the model answers in text with --modality text)")
	}
	if len(o.Says) == 0 && !o.Stdin && o.AudioIn == "" {
		return usageErrorf("nothing to say: give --say TEXT, --stdin or --audio-in FILE.wav")
	}
	if o.Timeout < 0 {
		return usageErrorf("--timeout must not be negative")
	}
	if o.images != nil {
		if err := o.images.load(); err != nil {
			return err
		}
	}
	return o.conn.validate()
}

func runRun(ctx context.Context, f *factory, opts *runOptions) error {
	if opts.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, opts.Timeout, errRunTimeout)
		defer cancel()
	}
	aopts := opts.conn.appOptions(f)
	aopts.Modality = opts.Modality
	aopts.AudioOut = opts.AudioOut
	rt, err := app.Open(ctx, aopts)
	if err != nil {
		return err
	}
	printer := newEventPrinter(f.IO.Out, opts.Format, time.Now)
	printer.configure(rt.Config, opts.conn.Approve)
	err = printer.sessionStart(sessionStartLine{
		Endpoint: endpointName(rt), Simulated: rt.Simulated, Model: rt.Settings.Model, Agent: rt.StartAgent,
		AgentsFile: rt.Config.File, Modality: opts.Modality, Version: versionString(),
	})
	if err == nil {
		err = runSession(ctx, f, opts, rt, printer)
	}
	err = closeInto(err, rt.Close())
	// The summary goes to standard error in the text form: standard output is the
	// conversation, which scripts read.
	info := summaryInfo{Simulated: rt.Simulated, Transcript: opts.Transcript, AudioOut: opts.AudioOut}
	return closeInto(err, printer.sessionEnd(err, f.IO.ErrOut, info))
}

// endpointName is the endpoint as run's session_start names it: never a secret.
func endpointName(rt *app.Runtime) string {
	if rt.Simulated {
		return "sim"
	}
	return rt.Endpoint
}

// runSession runs the scripted conversation on an opened runtime.
func runSession(ctx context.Context, f *factory, opts *runOptions, rt *app.Runtime, printer *eventPrinter) (err error) {
	tw, err := rt.OpenTranscript(opts.Transcript)
	if err != nil {
		return err
	}
	defer func() { err = closeInto(err, fileErr("--transcript", opts.Transcript, tw.Close())) }()
	drv := app.NewDriver(rt.Session, func(ev session.Event) error {
		tw.Add(ev)
		return printer.print(ev)
	})
	if ask := approvalPrompt(f, opts.conn.Approve); ask != nil {
		drv.Approve = func(e session.ToolApprovalRequired) (bool, bool, string) {
			ok, always, why, by := ask(e)
			printer.decided(e, ok, always, by)
			return ok, always, why
		}
	}
	if err := rt.Session.Start(ctx); err != nil {
		return finishErr(ctx, err)
	}
	go drv.Consume()
	defer drv.Stop()
	if err := drv.WaitReady(ctx); err != nil {
		return finishErr(ctx, err)
	}

	messages := opts.Says
	var lines <-chan string
	var readErr func() error
	if opts.Stdin {
		lines, readErr = readLines(ctx, f.IO.In)
	}
	// next returns the next message; it gives up when ctx ends (Ctrl-C, --timeout),
	// even while standard input has nothing to say.
	next := func() (string, bool) {
		if len(messages) > 0 {
			m := messages[0]
			messages = messages[1:]
			return m, true
		}
		for lines != nil {
			select {
			case <-ctx.Done():
				return "", false
			case l, ok := <-lines:
				if !ok {
					return "", false
				}
				if m := strings.TrimSpace(l); m != "" {
					return m, true
				}
			}
		}
		return "", false
	}
	if opts.AudioIn != "" {
		if err := rt.PlayAudioIn(ctx, opts.AudioIn); err != nil {
			return finishErr(ctx, err)
		}
		if err := drv.WaitHeard(ctx, 3*time.Second); err != nil {
			if errors.Is(err, app.ErrNoSpeech) {
				return fmt.Errorf("--audio-in %s: no speech detected (the model's voice activity detection heard nothing)", opts.AudioIn)
			}
			return finishErr(ctx, err)
		}
		if err := drv.WaitQuiet(ctx); err != nil {
			return finishErr(ctx, err)
		}
	}
	for {
		say := len(opts.Says) - len(messages) // the index of msg, if it is a --say
		fromSay := len(messages) > 0
		msg, ok := next()
		if !ok {
			break
		}
		var images []session.Image
		if fromSay && opts.images != nil {
			images = opts.images.images[say] // the --image flags before this --say
		}
		printer.sent()
		if err := drv.SayWith(ctx, msg, images); err != nil {
			return finishErr(ctx, err)
		}
	}
	if ctx.Err() != nil {
		return finishErr(ctx, ctx.Err())
	}
	if readErr != nil && readErr() != nil {
		return fmt.Errorf("reading standard input: %w", readErr())
	}
	if err := rt.DrainAudio(ctx); err != nil {
		return finishErr(ctx, err)
	}
	if err := drv.CloseAndDrain(); err != nil {
		return err
	}
	return drv.Fatal()
}

var errRunTimeout = errors.New("timed out")

// finishErr turns a context error into the user-facing reason.
func finishErr(ctx context.Context, err error) error {
	if cause := context.Cause(ctx); cause != nil {
		if errors.Is(cause, errRunTimeout) {
			return errTimeout
		}
		if errors.Is(cause, context.Canceled) {
			return errInterrupted
		}
	}
	return err
}

// readLines reads r line by line in its own goroutine, which ends at end of input
// or when ctx ends (a blocked read is abandoned then: the process is exiting).
func readLines(ctx context.Context, r io.Reader) (<-chan string, func() error) {
	ch := make(chan string)
	var err error
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(ch)
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			select {
			case ch <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
		err = sc.Err()
	}()
	return ch, func() error {
		select {
		case <-done:
			return err
		default:
			return nil
		}
	}
}
