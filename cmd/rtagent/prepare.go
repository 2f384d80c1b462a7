package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/rtagent/rtagent/internal/agent"
	"github.com/rtagent/rtagent/internal/realtime"
	"github.com/rtagent/rtagent/internal/realtime/openai"
	"github.com/rtagent/rtagent/internal/realtime/sim"
	"github.com/rtagent/rtagent/internal/session"
	"github.com/rtagent/rtagent/internal/transcript"
)

// prepareOptions are what a command adds to the connection flags.
type prepareOptions struct {
	Modality   string // "text", "audio", or "" for the file's output_modalities
	PushToTalk bool
	Approval   string
	Audio      realtime.AudioSink // nil: no audio output device
	// Tap, if set, also receives the raw-frame trace (the UI's event log).
	Tap io.Writer
}

// sessionRuntime is a session with everything it owns: the simulator it may run,
// the trace file, audio resources. Close releases them in reverse order.
type sessionRuntime struct {
	Session    *session.Session
	Config     *agent.Config
	Settings   realtime.Settings
	StartAgent string

	opts    *connectOptions
	closers []func() error
	audio   *runAudio // run --audio-in/--audio-out
}

func (rt *sessionRuntime) addCloser(fn func() error) { rt.closers = append(rt.closers, fn) }

// Close releases everything; it is safe to call more than once. Its error is about
// the files rtagent wrote (trace, --audio-out): a failed write must not pass as a
// success. The connection's own close is best effort and only logged.
func (rt *sessionRuntime) Close() error {
	var errs []error
	if rt.Session != nil {
		if err := rt.Session.Close(); err != nil {
			logger.Debug("session close", "err", err)
		}
	}
	for i := len(rt.closers) - 1; i >= 0; i-- {
		errs = append(errs, rt.closers[i]())
	}
	rt.closers = nil
	return errors.Join(errs...)
}

// openTranscript starts the Markdown transcript; an empty path gives a writer that
// discards.
func (rt *sessionRuntime) openTranscript(path string) (*transcript.Writer, error) {
	h := transcript.Header{Agents: rt.opts.AgentsFile, Model: rt.Settings.Model, Agent: rt.StartAgent}
	if path == "" {
		return transcript.New(discard{}, h, time.Now), nil
	}
	w, err := transcript.Create(path, h)
	if err != nil {
		return nil, usageErrorf("--transcript: %v", err)
	}
	return w, nil
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

func prepare(ctx context.Context, f *factory, o *connectOptions, p prepareOptions) (_ *sessionRuntime, err error) {
	cfg, err := loadAgents(o.AgentsFile, o.Vars)
	if err != nil {
		return nil, err
	}
	start, err := cfg.StartAgent(o.Agent)
	if err != nil {
		return nil, usageErrorf("--agent: %v", err)
	}
	rt := &sessionRuntime{Config: cfg, StartAgent: start.Name, opts: o}
	defer func() {
		if err != nil {
			_ = rt.Close()
		}
	}()

	var ep endpoint
	if o.Sim {
		srv := sim.New(simOptionsFor(o.Fast))
		url, err := srv.Start("127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("starting the simulator: %w", err)
		}
		rt.addCloser(srv.Close)
		ep = endpoint{URL: url, APIKey: simKey}
	} else {
		if ep, err = resolveEndpoint(o, f.Getenv, cfg.Endpoint); err != nil {
			return nil, err
		}
	}

	mcfg := openai.Config{
		URL: ep.URL, APIKey: ep.APIKey, Azure: ep.Azure, Headers: ep.Headers,
		UserAgent: "rtagent/" + versionString(), Logger: logger, TraceAudio: o.TraceAudio,
	}
	if o.Trace != "" {
		tf, err := os.Create(o.Trace)
		if err != nil {
			return nil, usageErrorf("--trace: %v", err)
		}
		rt.addCloser(func() error {
			if err := tf.Close(); err != nil {
				return fmt.Errorf("--trace %s: %w", o.Trace, err)
			}
			return nil
		})
		mcfg.Trace = tf
	}
	if p.Tap != nil {
		if mcfg.Trace != nil {
			mcfg.Trace = io.MultiWriter(mcfg.Trace, p.Tap)
		} else {
			mcfg.Trace = p.Tap
		}
	}
	model := openai.New(mcfg)

	agents, err := buildAgents(cfg, logger)
	if err != nil {
		return nil, &configError{err}
	}
	rt.Settings = baseSettings(cfg, start, o, p)
	scfg := session.Config{
		Model:              model,
		Base:               rt.Settings,
		Agents:             agents,
		StartAgent:         start.Name,
		Audio:              p.Audio,
		Approval:           session.ApprovalPolicy(p.Approval),
		DebounceTextLength: cfg.Guardrails.DebounceTextLength,
		InputGuardrailMode: cfg.Guardrails.InputMode,
		Prices:             prices(cfg, rt.Settings.Model),
		Logger:             logger,
	}
	sess, err := session.New(scfg)
	if err != nil {
		return nil, &configError{err}
	}
	rt.Session = sess
	_ = ctx
	return rt, nil
}

// baseSettings merges the file's model block with the flags (R2.3 base settings).
func baseSettings(cfg *agent.Config, start *agent.Agent, o *connectOptions, p prepareOptions) realtime.Settings {
	m := cfg.Model
	s := realtime.Settings{
		Model:            m.Name,
		OutputModalities: append([]string(nil), m.OutputModalities...),
		InputFormat:      realtime.PCM24k,
		OutputFormat:     realtime.PCM24k,
		NoiseReduction:   m.NoiseReduction,
		Voice:            m.Voice,
		Speed:            m.Speed,
		MaxOutputTokens:  int(m.MaxOutputTokens),
		ToolChoice:       m.ToolChoice,
	}
	if m.Reasoning != nil {
		s.ReasoningEffort = m.Reasoning.Effort
	}
	s.ParallelToolCalls = m.ParallelToolCalls
	if o.Model != "" {
		s.Model = o.Model
	}
	if start.Voice != "" {
		s.Voice = start.Voice
	}
	if o.Voice != "" {
		s.Voice = o.Voice
	}
	switch {
	case p.Modality != "":
		s.OutputModalities = []string{p.Modality}
	case len(s.OutputModalities) == 0:
		s.OutputModalities = []string{realtime.ModalityAudio}
	}
	if t := m.Transcription; t != nil {
		s.Transcription = &realtime.Transcription{Model: t.Model, Language: t.Language, Prompt: t.Prompt}
	}
	if td := m.TurnDetection; !td.Manual() && !p.PushToTalk {
		s.TurnDetection = &realtime.TurnDetection{
			Type: td.Type, Threshold: td.Threshold, PrefixPaddingMS: td.PrefixPaddingMS,
			SilenceDurationMS: td.SilenceDurationMS, IdleTimeoutMS: td.IdleTimeoutMS,
			Eagerness: td.Eagerness, CreateResponse: td.CreateResponse, InterruptResponse: td.InterruptResponse,
		}
	}
	return s
}

func prices(cfg *agent.Config, model string) *session.Prices {
	p, ok := cfg.Price(model)
	if !ok {
		return nil
	}
	return &session.Prices{
		TextIn: p.TextIn, CachedTextIn: p.CachedTextIn, AudioIn: p.AudioIn, CachedAudioIn: p.CachedAudioIn,
		TextOut: p.TextOut, AudioOut: p.AudioOut, TranscriptionPerMinute: p.PerMinute,
	}
}

// simKey authenticates to the built-in simulator. It is not a secret, but the trace
// redacts the key wherever it appears, so it must not occur in ids or text.
const simKey = "rtagent-offline-simulator-key"
