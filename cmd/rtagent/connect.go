package main

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/rtagent/rtagent/internal/app"
)

// connectOptions are the flags shared by chat and run: which agents, which endpoint.
type connectOptions struct {
	AgentsFile string
	Agent      string
	Sim        bool
	Fast       bool
	URL        string
	Azure      bool
	Headers    []string
	Model      string
	Voice      string
	Vars       []string
	Trace      string
	TraceAudio bool
	Approve    string

	SimFaults    string
	NoReconnect  bool
	StallTimeout time.Duration
	RecycleAfter time.Duration
	Resume       string
}

func (o *connectOptions) bind(fl *pflag.FlagSet) {
	fl.StringVar(&o.AgentsFile, "agents", "agents.yaml", "agents `FILE`; without this flag ./agents.yaml, else $XDG_CONFIG_HOME/rtagent/agents.yaml")
	fl.StringVar(&o.Agent, "agent", "", "start with this agent `NAME` (default: the file's default_agent)")
	fl.BoolVar(&o.Sim, "sim", false, "use the built-in offline simulator")
	fl.BoolVar(&o.Fast, "fast", false, "no real-time pacing: the simulator, --audio-in and --audio-out run as fast as possible")
	fl.StringVar(&o.URL, "url", "", "realtime endpoint `URL` (Azure, a local server, a standalone rtagent sim)")
	fl.BoolVar(&o.Azure, "azure", false, "Azure OpenAI: send the key as api-key (from AZURE_OPENAI_API_KEY or OPENAI_API_KEY)")
	fl.StringArrayVar(&o.Headers, "header", nil, "extra request `HEADER` \"Name: value\" (repeatable; replaces the default authentication)")
	fl.StringVar(&o.Model, "model", "", "model name (default: the file's model.name); the deployment name on Azure")
	fl.StringVar(&o.Voice, "voice", "", "voice (default: the starting agent's or the file's)")
	fl.StringArrayVar(&o.Vars, "var", nil, "template variable `key=value` for instructions (repeatable)")
	fl.StringVar(&o.Trace, "trace", "", "write every WebSocket frame to this JSONL `FILE`")
	fl.BoolVar(&o.TraceAudio, "trace-audio", false, "keep base64 audio in the trace")
	fl.StringVar(&o.Approve, "approve", "ask", "tools that need approval: ask, always or never")
	fl.StringVar(&o.SimFaults, "sim-faults", "", "with --sim: inject faults to rehearse network trouble (see rtagent sim --help; also $RTAGENT_SIM_FAULTS)")
	fl.BoolVar(&o.NoReconnect, "no-reconnect", false, "end the session when the connection is lost instead of reconnecting")
	fl.DurationVar(&o.StallTimeout, "stall-timeout", 0, "replace a connection that sends nothing this long while an answer is due (default 15s; negative: off)")
	fl.DurationVar(&o.RecycleAfter, "recycle-after", 0, "renew the connection at a quiet moment after this long (default 50m, before the service's 60-minute cap; negative: never)")
	fl.StringVar(&o.Resume, "resume", "", "start from the conversation of a transcript rtagent wrote (--transcript FILE)")
}

// resolveAgents picks the agents file (see resolveAgentsFile).
func (o *connectOptions) resolveAgents(f *factory, fl *pflag.FlagSet) error {
	path, err := resolveAgentsFile(f.Getenv, o.AgentsFile, fl.Changed("agents"))
	o.AgentsFile = path
	return err
}

func (o *connectOptions) validate() error {
	switch o.Approve {
	case "ask", "always", "never":
	default:
		return usageErrorf("--approve must be ask, always or never, not %q", o.Approve)
	}
	if o.Sim && o.URL != "" {
		return usageErrorf("--sim and --url exclude each other")
	}
	if o.SimFaults != "" && !o.Sim {
		return usageErrorf("--sim-faults needs --sim")
	}
	if o.URL != "" {
		u, err := url.Parse(o.URL)
		if err != nil || (u.Scheme != "ws" && u.Scheme != "wss" && u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return usageErrorf("--url must be a ws://, wss://, http:// or https:// URL with a host, not %q", app.RedactURL(o.URL))
		}
	}
	for _, h := range o.Headers {
		if name, _, ok := strings.Cut(h, ":"); !ok || strings.TrimSpace(name) == "" {
			return usageErrorf("--header must look like \"Name: value\", not %q", redactHeader(h))
		}
	}
	_, err := parseVars(o.Vars)
	return err
}

// parseVars turns --var key=value flags into a map.
func parseVars(vars []string) (map[string]string, error) {
	m := map[string]string{}
	for _, v := range vars {
		k, val, ok := strings.Cut(v, "=")
		if !ok || k == "" {
			return nil, usageErrorf("--var must look like key=value, not %q", v)
		}
		m[k] = val
	}
	return m, nil
}

func (o *connectOptions) headers() http.Header {
	if len(o.Headers) == 0 {
		return nil
	}
	h := http.Header{}
	for _, kv := range o.Headers {
		name, val, _ := strings.Cut(kv, ":")
		h.Add(strings.TrimSpace(name), strings.TrimSpace(val))
	}
	return h
}

// redactHeader keeps a header's name for error messages and drops its value, which
// may be a secret.
func redactHeader(h string) string {
	if name, _, ok := strings.Cut(h, ":"); ok {
		return name + ": …"
	}
	return "…"
}

// appOptions turns the connection flags into the application's options.
func (o *connectOptions) appOptions(f *factory) app.Options {
	vars, _ := parseVars(o.Vars) // validate checked them
	faults := o.SimFaults
	if faults == "" && o.Sim && f.Getenv != nil {
		faults = f.Getenv("RTAGENT_SIM_FAULTS")
	}
	return app.Options{
		AgentsFile: o.AgentsFile, Agent: o.Agent, Vars: vars,
		Sim: o.Sim, Fast: o.Fast, URL: o.URL, Azure: o.Azure, Headers: o.headers(),
		Model: o.Model, Voice: o.Voice, Trace: o.Trace, TraceAudio: o.TraceAudio,
		Approval: o.Approve, Getenv: f.Getenv, Logger: f.Logger, UserAgent: "rtagent/" + versionString(),
		SimFaults: faults, NoReconnect: o.NoReconnect, StallTimeout: o.StallTimeout,
		RecycleAfter: o.RecycleAfter, Resume: o.Resume,
	}
}
