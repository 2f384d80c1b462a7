// Package app is rtagent's composition root: it turns validated options into a
// running runtime — the endpoint, the model (OpenAI or the built-in simulator), the
// tools, guardrails and agents, the session, the audio I/O and the trace — and tears
// it down in order. It also holds the scripted-run driver. `rtagent run`, `chat` and
// the tests reuse it.
//
// It never prints to the terminal: it returns errors, emits session events and
// writes only to the io.Writers and files it is given.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/rtagent/rtagent/internal/agent"
	"github.com/rtagent/rtagent/internal/audio"
	"github.com/rtagent/rtagent/internal/realtime"
	"github.com/rtagent/rtagent/internal/realtime/openai"
	"github.com/rtagent/rtagent/internal/realtime/sim"
	"github.com/rtagent/rtagent/internal/session"
	"github.com/rtagent/rtagent/internal/transcript"
)

// Options are everything Open needs, already validated by the caller (the command
// line). Zero values mean the file's or the library's defaults.
type Options struct {
	AgentsFile string
	Agent      string            // start with this agent ("" = the file's default_agent)
	Vars       map[string]string // template variables for instructions

	Sim     bool        // run on the built-in simulator
	Fast    bool        // no real-time pacing (simulator, AudioOut)
	URL     string      // endpoint URL ("" = the file's, else OpenAI's)
	Azure   bool        // Azure OpenAI authentication
	Headers http.Header // extra headers; they replace the default authentication (R1.5)
	Model   string      // model name override
	Voice   string      // voice override

	Trace      string               // write every WebSocket frame to this JSONL file
	TraceAudio bool                 // keep base64 audio in the trace
	Tap        func(realtime.Frame) // receives every frame, typed, audio elided (the UI's event log)

	Modality   string // "text", "audio", or "" for the file's output_modalities
	PushToTalk bool
	Approval   string // "ask", "always" or "never"

	// Audio is the session's audio output (a speaker); nil with AudioOut empty means
	// no device (the session's wall-clock estimator).
	Audio realtime.AudioSink
	// AudioOut writes the model's audio to this WAV file (run --audio-out); it takes
	// the place of Audio.
	AudioOut string

	// SimFaults injects faults into the built-in simulator (a sim.ApplyFaultSpec
	// spec, e.g. "drop=40,conns=1"), for rehearsing network trouble.
	SimFaults string
	// NoReconnect ends the session on a lost connection instead of reconnecting
	// with the conversation replayed (R14.3).
	NoReconnect bool
	// StallTimeout: a connection that receives nothing this long while an answer
	// is due is replaced (0: 15 s; negative: off).
	StallTimeout time.Duration
	// RecycleAfter renews the connection at a safe point before the service's
	// session cap (0: 50 min or expires_at − 5 min; negative: never).
	RecycleAfter time.Duration
	// ReconnectBackoff overrides the waits before reconnection attempts (tests).
	ReconnectBackoff []time.Duration
	// Resume seeds the session with the conversation of a transcript rtagent
	// wrote (R14.5); the agent active at its end starts unless Agent is set.
	Resume string

	Getenv    func(string) string // the environment (nil: os.Getenv)
	Logger    *slog.Logger        // nil: discard
	UserAgent string              // e.g. "rtagent/1.2.3"
}

// Runtime is a session with everything it owns: the simulator it may run, the trace
// file, audio resources. Close releases them in reverse order.
type Runtime struct {
	Session    *session.Session
	Config     *agent.Config
	Settings   realtime.Settings
	StartAgent string
	// Endpoint is where the session connects, without query or credentials
	// (RedactURL): safe to show and log.
	Endpoint string
	// Simulated is true on the built-in simulator (Options.Sim): costs are not real.
	Simulated bool

	opts    *Options
	log     *slog.Logger
	closers []func() error
	mcp     *mcpRuntime    // nil when no agent uses an MCP server
	sink    *audio.WAVSink // AudioOut
}

func (rt *Runtime) addCloser(fn func() error) { rt.closers = append(rt.closers, fn) }

// Close releases everything; it is safe to call more than once. Its error is about
// the files rtagent wrote (trace, --audio-out): a failed write must not pass as a
// success. The connection's own close is best effort and only logged.
func (rt *Runtime) Close() error {
	var errs []error
	if rt.Session != nil {
		if err := rt.Session.Close(); err != nil {
			rt.log.Debug("session close", "err", err)
		}
	}
	for i := len(rt.closers) - 1; i >= 0; i-- {
		errs = append(errs, rt.closers[i]())
	}
	rt.closers = nil
	return errors.Join(errs...)
}

// OpenTranscript starts the Markdown transcript; an empty path gives a writer that
// discards.
func (rt *Runtime) OpenTranscript(path string) (*transcript.Writer, error) {
	h := transcript.Header{Agents: rt.opts.AgentsFile, Model: rt.Settings.Model, Agent: rt.StartAgent}
	if path == "" {
		return transcript.New(io.Discard, h, time.Now), nil
	}
	w, err := transcript.Create(path, h)
	if err != nil {
		return nil, usageErrorf("--transcript: %v", err)
	}
	return w, nil
}

// LoadAgents reads and validates an agents file; its errors are *ConfigError.
func LoadAgents(path string, vars map[string]string) (*agent.Config, error) {
	cfg, err := agent.Load(path, agent.LoadOptions{Vars: vars, Now: time.Now()})
	if err != nil {
		return nil, &ConfigError{Err: err}
	}
	return cfg, nil
}

// Open loads the agents file, resolves the endpoint (starting the simulator with
// Sim), and builds the model, the agents and the session. The session is not
// started: the caller subscribes to its events first, then calls Session.Start.
func Open(ctx context.Context, o Options) (_ *Runtime, err error) {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	getenv := o.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	cfg, err := LoadAgents(o.AgentsFile, o.Vars)
	if err != nil {
		return nil, err
	}
	var seed *transcript.Conversation
	if o.Resume != "" {
		if seed, err = transcript.ReadConversation(o.Resume); err != nil {
			return nil, usageErrorf("--resume: %v", err)
		}
		if o.Agent == "" && seed.Agent != "" {
			if _, err := cfg.StartAgent(seed.Agent); err == nil {
				o.Agent = seed.Agent // the agent active at the end of the transcript
			}
		}
	}
	start, err := cfg.StartAgent(o.Agent)
	if err != nil {
		return nil, usageErrorf("--agent: %v", err)
	}
	rt := &Runtime{Config: cfg, StartAgent: start.Name, opts: &o, log: log}
	defer func() {
		if err != nil {
			_ = rt.Close()
		}
	}()

	audioSink := o.Audio
	if o.AudioOut != "" {
		s, err := audio.CreateWAVSink(audio.WAVSinkConfig{Path: o.AudioOut, Fast: o.Fast})
		if err != nil {
			return nil, usageErrorf("--audio-out: %v", err)
		}
		rt.sink = s
		rt.addCloser(func() error { return FileErr("--audio-out", o.AudioOut, s.Close()) })
		audioSink = s
	}

	var ep endpoint
	if o.Sim {
		so := SimOptions(o.Fast, log)
		if err := so.ApplyFaultSpec(o.SimFaults); err != nil {
			return nil, usageErrorf("--sim-faults: %v", err)
		}
		srv := sim.New(so)
		url, err := srv.Start("127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("starting the simulator: %w", err)
		}
		rt.addCloser(srv.Close)
		ep = endpoint{URL: url, APIKey: simKey}
	} else {
		if ep, err = resolveEndpoint(&o, getenv, cfg.Endpoint); err != nil {
			return nil, err
		}
	}
	registerSecrets(ep, cfg, getenv)

	rt.Simulated = o.Sim
	if ep.URL == "" {
		rt.Endpoint = RedactURL(openai.DefaultURL)
	} else {
		rt.Endpoint = RedactURL(ep.URL)
	}

	mcfg := openai.Config{
		URL: ep.URL, APIKey: ep.APIKey, Azure: ep.Azure, Headers: ep.Headers,
		UserAgent: o.UserAgent, Logger: log, TraceAudio: o.TraceAudio,
		Reconnect:    openai.ReconnectPolicy{Enabled: !o.NoReconnect, Backoff: o.ReconnectBackoff},
		StallTimeout: o.StallTimeout,
	}
	if o.Trace != "" {
		tf, err := createTraceFile(o.Trace)
		if err != nil {
			return nil, err
		}
		rt.addCloser(tf.Close)
		mcfg.Trace = tf
	}
	mcfg.Frames = o.Tap
	model := openai.New(mcfg)

	// MCP servers start now (not lazily), once per session: a server that fails
	// to start is reported and restarted in the background; the session goes on.
	mcpRT, err := openMCP(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	if mcpRT != nil {
		rt.addCloser(mcpRT.close) // after the session (Close closes it first)
	}
	agents, conflicts, err := buildAgents(cfg, log, mcpRT)
	if err != nil {
		return nil, &ConfigError{Err: err}
	}
	rt.Settings = baseSettings(cfg, start, &o)
	scfg := session.Config{
		Model:              model,
		Base:               rt.Settings,
		Agents:             agents,
		StartAgent:         start.Name,
		Audio:              audioSink,
		Approval:           session.ApprovalPolicy(o.Approval),
		DebounceTextLength: cfg.Guardrails.DebounceTextLength,
		InputGuardrailMode: cfg.Guardrails.InputMode,
		Prices:             prices(cfg, rt.Settings.Model),
		Logger:             log,
		RecycleAfter:       o.RecycleAfter,
	}
	if seed != nil {
		scfg.Seed = seed.Items
	}
	sess, err := session.New(scfg)
	if err != nil {
		return nil, &ConfigError{Err: err}
	}
	rt.Session = sess
	if mcpRT != nil {
		rt.mcp = mcpRT
		mcpRT.attach(sess, conflicts)
	}
	return rt, nil
}

// baseSettings merges the file's model block with the options (R2.3 base settings).
func baseSettings(cfg *agent.Config, start *agent.Agent, o *Options) realtime.Settings {
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
	case o.Modality != "":
		s.OutputModalities = []string{o.Modality}
	case len(s.OutputModalities) == 0:
		s.OutputModalities = []string{realtime.ModalityAudio}
	}
	if t := m.Transcription; t != nil {
		s.Transcription = &realtime.Transcription{Model: t.Model, Language: t.Language, Prompt: t.Prompt}
	}
	if td := m.TurnDetection; !td.Manual() && !o.PushToTalk {
		s.TurnDetection = turnDetection(td)
	}
	return s
}

// turnDetection is the agents file's voice activity detection on the wire's terms.
func turnDetection(td *agent.TurnDetection) *realtime.TurnDetection {
	return &realtime.TurnDetection{
		Type: td.Type, Threshold: td.Threshold, PrefixPaddingMS: td.PrefixPaddingMS,
		SilenceDurationMS: td.SilenceDurationMS, IdleTimeoutMS: td.IdleTimeoutMS,
		Eagerness: td.Eagerness, CreateResponse: td.CreateResponse, InterruptResponse: td.InterruptResponse,
	}
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

// SimOptions are the built-in simulator's options for rtagent: paced in real time
// unless fast, logging to log.
func SimOptions(fast bool, log *slog.Logger) sim.Options {
	o := sim.NewOptions()
	o.Logger = log
	if fast {
		o.Pace = 0
	}
	return o
}

// simKey authenticates to the built-in simulator. It is not a secret, but the trace
// redacts the key wherever it appears, so it must not occur in ids or text.
const simKey = "rtagent-offline-simulator-key"
