package scenario

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/rtagent/rtagent/internal/agent"
)

// Suffix is the file name ending that marks a scenario file.
const Suffix = ".test.yaml"

// maxFileSize bounds a scenario file read.
const maxFileSize = 4 << 20

// DefaultStepTimeout bounds each step's wait for the session to settle.
const DefaultStepTimeout = 30 * time.Second

// Endpoints a scenario can name besides a ws:// or wss:// URL.
const (
	EndpointSim    = "sim"
	EndpointOpenAI = "openai"
)

// File is one scenario file.
type File struct {
	Name     string            `yaml:"name" jsonschema:"required" jsonschema_description:"What the scenario checks, shown in reports."`
	Agents   string            `yaml:"agents,omitempty" jsonschema_description:"The agents file, relative to this file. Default: the nearest agents.yaml in this directory or a parent."`
	Agent    string            `yaml:"agent,omitempty" jsonschema_description:"The starting agent. Default: the file's default agent."`
	Vars     map[string]string `yaml:"vars,omitempty" jsonschema_description:"Template variables, as --var name=value."`
	Endpoint string            `yaml:"endpoint,omitempty" jsonschema_description:"sim (default: the built-in simulator), openai (needs OPENAI_API_KEY), or a ws:// / wss:// URL."`
	Replay   string            `yaml:"replay,omitempty" jsonschema_description:"A trace recorded with --trace to serve as the server (rtagent replay), relative to this file. Excludes endpoint."`
	Timeout  agent.Duration    `yaml:"timeout,omitempty" jsonschema_description:"Longest wait for one step to settle. Default: 30s."`
	Budget   Budget            `yaml:"budget,omitempty" jsonschema_description:"Limits for the whole scenario."`
	Steps    []Step            `yaml:"steps" jsonschema:"required,minItems=1" jsonschema_description:"What happens, in order. Each step does at most one thing and may state expectations about what happened during it."`

	Path string `yaml:"-"` // the file read
	Dir  string `yaml:"-"` // its directory, the base of relative paths
}

// Budget bounds a whole scenario.
type Budget struct {
	Cost       *float64       `yaml:"cost,omitempty" jsonschema:"minimum=0" jsonschema_description:"Most estimated cost in USD."`
	P95Latency agent.Duration `yaml:"p95_latency,omitempty" jsonschema_description:"Most 95th-percentile turn latency (user turn sent to the first answer)."`
	Wall       agent.Duration `yaml:"wall,omitempty" jsonschema_description:"Most wall time for the scenario."`
}

// Step is one action and what must have happened by the time it settles.
type Step struct {
	Say       string         `yaml:"say,omitempty" jsonschema_description:"Send a user text message and wait for the complete answer."`
	Audio     string         `yaml:"audio,omitempty" jsonschema_description:"Speak a WAV file (relative to this file) and wait for the answer."`
	Wait      agent.Duration `yaml:"wait,omitempty" jsonschema_description:"Let the session run for this long."`
	Interrupt bool           `yaml:"interrupt,omitempty" jsonschema_description:"Interrupt the agent (as barge-in would)."`
	Approve   string         `yaml:"approve,omitempty" jsonschema:"enum=yes,enum=no,enum=always,enum=never" jsonschema_description:"Answer the pending (or next) tool approval: yes, no, always or never."`
	Expect    *Expect        `yaml:"expect,omitempty" jsonschema_description:"What must have happened during this step (since the previous one)."`
}

// Expect is what must have happened during a step. Every field set must hold.
type Expect struct {
	ToolCalled       *ToolCall      `yaml:"tool_called,omitempty" jsonschema_description:"A tool was called (by name; arguments by subset, or by JSON Schema)."`
	ToolNotCalled    string         `yaml:"tool_not_called,omitempty" jsonschema_description:"This tool was not called (* for: no tool at all)."`
	ToolOutput       *ToolOutput    `yaml:"tool_output,omitempty" jsonschema_description:"A tool's output matched."`
	Handoff          string         `yaml:"handoff,omitempty" jsonschema_description:"A handoff to this agent happened."`
	Agent            string         `yaml:"agent,omitempty" jsonschema_description:"The active agent at the end of the step."`
	Transcript       *Text          `yaml:"transcript,omitempty" jsonschema_description:"The assistant's final transcripts of this step, joined with spaces, matched."`
	GuardrailTripped string         `yaml:"guardrail_tripped,omitempty" jsonschema_description:"This guardrail tripped (* for any)."`
	NoGuardrail      bool           `yaml:"no_guardrail,omitempty" jsonschema_description:"No guardrail tripped."`
	NoError          bool           `yaml:"no_error,omitempty" jsonschema_description:"No error event."`
	MaxCost          *float64       `yaml:"max_cost,omitempty" jsonschema:"minimum=0" jsonschema_description:"Estimated cost so far at most this many USD."`
	MaxTokens        int            `yaml:"max_tokens,omitempty" jsonschema:"minimum=1" jsonschema_description:"Total tokens so far at most this many."`
	MaxLatency       agent.Duration `yaml:"max_latency,omitempty" jsonschema_description:"Each turn of this step answered within this time (first assistant text or audio)."`
	Judge            string         `yaml:"judge,omitempty" jsonschema_description:"A plain-language statement about the conversation so far, judged by a text model (real endpoints only; skipped on the simulator)."`
}

// ToolCall matches one tool call.
type ToolCall struct {
	Name            string         `yaml:"name" jsonschema:"required"`
	Arguments       map[string]any `yaml:"arguments,omitempty" jsonschema_description:"Each key given must be present with an equal value (a subset match)."`
	ArgumentsSchema map[string]any `yaml:"arguments_schema,omitempty" jsonschema_description:"A JSON Schema the arguments must validate against."`
}

// ToolOutput matches a tool's output.
type ToolOutput struct {
	Name     string `yaml:"name,omitempty" jsonschema_description:"The tool. Default: any tool."`
	Contains string `yaml:"contains,omitempty"`
	Matches  string `yaml:"matches,omitempty" jsonschema_description:"A regular expression (RE2)."`
}

// Text matches text.
type Text struct {
	Contains    string `yaml:"contains,omitempty"`
	NotContains string `yaml:"not_contains,omitempty"`
	Matches     string `yaml:"matches,omitempty" jsonschema_description:"A regular expression (RE2)."`
}

// Scenario is a loaded, validated scenario file, ready to run.
type Scenario struct {
	File
	AgentsPath string // resolved agents file
	ReplayPath string // resolved trace, or ""
	regexps    map[string]*regexp.Regexp
}

// Load reads and validates one scenario file. Problems are agent.Errors with
// file:line:column.
func Load(path string) (*Scenario, error) {
	data, err := readBounded(path)
	if err != nil {
		return nil, err
	}
	return Parse(data, path)
}

func readBounded(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("scenario %s: not a regular file", path)
	}
	if fi.Size() > maxFileSize {
		return nil, fmt.Errorf("scenario %s: %d bytes is larger than the %d MiB limit", path, fi.Size(), maxFileSize>>20)
	}
	return os.ReadFile(path)
}

// Parse validates the contents of a scenario file; path names it in errors and
// its directory is the base of relative paths.
func Parse(data []byte, path string) (*Scenario, error) {
	sc := &Scenario{regexps: map[string]*regexp.Regexp{}}
	doc, err := agent.DecodeStrict(data, path, &sc.File)
	if doc == nil { // a YAML syntax error: nothing to validate
		return nil, err
	}
	sc.Path = path
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return nil, err
	}
	sc.Dir = dir
	sc.validate(doc)
	if err := doc.Err(); err != nil {
		return nil, err
	}
	return sc, nil
}

func (sc *Scenario) validate(doc *agent.Document) {
	if strings.TrimSpace(sc.Name) == "" {
		doc.Errorf("name", "a scenario needs a name")
	}
	if len(sc.Steps) == 0 {
		doc.Errorf("steps", "a scenario needs at least one step")
	}
	switch {
	case sc.Replay != "" && sc.Endpoint != "":
		doc.Errorf("replay", "replay and endpoint exclude each other")
	case sc.Endpoint == "", sc.Endpoint == EndpointSim, sc.Endpoint == EndpointOpenAI:
	case strings.HasPrefix(sc.Endpoint, "ws://"), strings.HasPrefix(sc.Endpoint, "wss://"):
	default:
		doc.Errorf("endpoint", "want sim, openai or a ws:// or wss:// URL, got %q", sc.Endpoint)
	}
	if sc.Replay != "" {
		sc.ReplayPath = sc.rel(sc.Replay)
		if _, err := os.Stat(sc.ReplayPath); err != nil {
			doc.Errorf("replay", "cannot read the trace: %v", errors.Unwrap(err))
		}
	}
	if sc.Agents != "" {
		sc.AgentsPath = sc.rel(sc.Agents)
		if _, err := os.Stat(sc.AgentsPath); err != nil {
			doc.Errorf("agents", "cannot read the agents file: %v", errors.Unwrap(err))
		}
	} else if p := findUp(sc.Dir, "agents.yaml"); p != "" {
		sc.AgentsPath = p
		if !filepath.IsAbs(sc.Path) { // name it as relative as the scenario
			if wd, err := os.Getwd(); err == nil {
				if r, err := filepath.Rel(wd, p); err == nil {
					sc.AgentsPath = r
				}
			}
		}
	} else {
		doc.Errorf("name", "no agents file: set agents: to its path (no agents.yaml found in %s or a parent)", sc.Dir)
	}
	if sc.Timeout == 0 {
		sc.Timeout = agent.Duration(DefaultStepTimeout)
	}
	for i := range sc.Steps {
		sc.validateStep(doc, fmt.Sprintf("steps[%d]", i), &sc.Steps[i])
	}
}

func (sc *Scenario) validateStep(doc *agent.Document, path string, st *Step) {
	actions := 0
	for _, set := range []bool{st.Say != "", st.Audio != "", st.Wait != 0, st.Interrupt, st.Approve != ""} {
		if set {
			actions++
		}
	}
	if actions > 1 {
		doc.Errorf(path, "a step does one thing: say, audio, wait, interrupt or approve")
	}
	if actions == 0 && st.Expect == nil {
		doc.Errorf(path, "an empty step: give say, audio, wait, interrupt, approve or expect")
	}
	if st.Audio != "" {
		if _, err := os.Stat(sc.rel(st.Audio)); err != nil {
			doc.Errorf(path+".audio", "cannot read the WAV file: %v", errors.Unwrap(err))
		}
	}
	if st.Approve != "" {
		switch st.Approve {
		case "yes", "no", "always", "never":
		default:
			doc.Errorf(path+".approve", "want yes, no, always or never, got %q", st.Approve)
		}
	}
	e := st.Expect
	if e == nil {
		return
	}
	ep := path + ".expect"
	if e.ToolOutput != nil {
		sc.compile(doc, ep+".tool_output.matches", e.ToolOutput.Matches)
	}
	if e.Transcript != nil {
		sc.compile(doc, ep+".transcript.matches", e.Transcript.Matches)
	}
	if e.ToolCalled != nil && e.ToolCalled.ArgumentsSchema != nil {
		if _, err := compileSchema(e.ToolCalled.ArgumentsSchema); err != nil {
			doc.Errorf(ep+".tool_called.arguments_schema", "not a valid JSON Schema: %v", err)
		}
	}
}

func (sc *Scenario) compile(doc *agent.Document, path, expr string) {
	if expr == "" {
		return
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		doc.Errorf(path, "not a valid regular expression: %v", err)
		return
	}
	sc.regexps[expr] = re
}

// rel resolves p against the scenario file's directory; it stays relative when
// the scenario's path is, so messages name files as the user named them.
func (sc *Scenario) rel(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	if !filepath.IsAbs(sc.Path) {
		return filepath.Join(filepath.Dir(sc.Path), p)
	}
	return filepath.Join(sc.Dir, p)
}

// findUp looks for name in dir and its parents.
func findUp(dir, name string) string {
	for {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}
