package agent

import (
	"encoding/json"
	"regexp"

	"github.com/rtagent/rtagent/internal/toolschema"
)

// validToolName is the tool name rule of docs/protocol.md R8.1:
// ^[a-zA-Z0-9_-]{1,64}$ (by hand: no regexp to compile at start-up).
func validToolName(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isAlnum(c) && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// Tool kinds, as returned by (*Tool).Kind.
const (
	KindBuiltin = "builtin"
	KindCommand = "command"
	KindHTTP    = "http"
)

// Tool is a function tool. Exactly one of Builtin, Command and HTTP is set.
type Tool struct {
	Name           string            `yaml:"name" jsonschema:"required,pattern=^[a-zA-Z0-9_-]{1\\,64}$" jsonschema_description:"Function name shown to the model."`
	Description    string            `yaml:"description,omitempty" jsonschema_description:"What the tool does, for the model."`
	Parameters     map[string]any    `yaml:"parameters,omitempty" jsonschema_description:"JSON Schema (draft 2020-12) of the arguments; must have type object. Default: {type: object, properties: {}}."`
	Builtin        string            `yaml:"builtin,omitempty" jsonschema:"enum=clock,enum=calculator,enum=echo" jsonschema_description:"A built-in tool: clock, calculator or echo."`
	Command        []string          `yaml:"command,omitempty" jsonschema:"minItems=1" jsonschema_description:"External program and arguments. JSON arguments arrive on stdin; stdout is the result. A relative program path is relative to this YAML file, a bare name is looked up in PATH."`
	HTTP           *HTTPTool         `yaml:"http,omitempty" jsonschema_description:"An HTTP endpoint called with the JSON arguments as the body."`
	Timeout        Duration          `yaml:"timeout,omitempty" jsonschema_description:"Go duration, e.g. 5s. Default: 30s."`
	MaxOutputBytes int               `yaml:"max_output_bytes,omitempty" jsonschema:"minimum=1" jsonschema_description:"Output longer than this is cut with a marker. Default: 32768."`
	NeedsApproval  bool              `yaml:"needs_approval,omitempty" jsonschema_description:"Ask the user before every call."`
	Silent         bool              `yaml:"silent,omitempty" jsonschema_description:"Send the output without asking the model to respond to it."`
	Dir            string            `yaml:"dir,omitempty" jsonschema_description:"Command tools: working directory, relative to this YAML file. Default: the YAML file's directory."`
	Env            map[string]string `yaml:"env,omitempty" jsonschema_description:"Command tools: extra environment. Values may use ${NAME}, expanded at call time."`

	// Argv is the command with its program resolved to an absolute path (command tools).
	Argv []string `yaml:"-"`

	params   json.RawMessage
	compiled *toolschema.Schema
}

// HTTPTool calls an HTTP endpoint.
type HTTPTool struct {
	Method  string            `yaml:"method,omitempty" jsonschema:"enum=GET,enum=POST,enum=PUT,enum=PATCH,enum=DELETE" jsonschema_description:"Default: POST."`
	URL     string            `yaml:"url" jsonschema:"required,minLength=1" jsonschema_description:"Absolute http or https URL."`
	Headers map[string]string `yaml:"headers,omitempty" jsonschema_description:"Request headers. Values may use ${NAME}; expanded at call time and never logged."`
}

// Kind returns KindBuiltin, KindCommand or KindHTTP.
func (t *Tool) Kind() string {
	switch {
	case t.Builtin != "":
		return KindBuiltin
	case len(t.Command) > 0:
		return KindCommand
	default:
		return KindHTTP
	}
}

// ParametersJSON returns the parameters schema as JSON.
func (t *Tool) ParametersJSON() json.RawMessage { return t.params }

// ParametersSchema returns the compiled parameters schema, for validating
// call arguments (docs/protocol.md R8.4).
func (t *Tool) ParametersSchema() *toolschema.Schema { return t.compiled }

// Guardrail checks text. Exactly one of DenyRegex, DenyWords and Command is set.
//
// A command guardrail receives the text on stdin. Exit status 0 means pass;
// exit status 1 means tripped, with stdout as the message; any other status or
// a timeout is a guardrail error (logged, counted as not tripped, R10.3).
type Guardrail struct {
	Name      string   `yaml:"name" jsonschema:"required,minLength=1" jsonschema_description:"Guardrail name, reported when it trips."`
	DenyRegex string   `yaml:"deny_regex,omitempty" jsonschema_description:"Trip when this RE2 regular expression matches."`
	DenyWords []string `yaml:"deny_words,omitempty" jsonschema:"minItems=1" jsonschema_description:"Trip when one of these words appears (case-insensitive, whole words)."`
	Command   []string `yaml:"command,omitempty" jsonschema:"minItems=1" jsonschema_description:"Program and arguments; text on stdin; exit 0 passes, exit 1 trips with stdout as the message."`
	Timeout   Duration `yaml:"timeout,omitempty" jsonschema_description:"Go duration for command guardrails. Default: 5s."`

	// Argv is the command with its program resolved to an absolute path.
	Argv []string `yaml:"-"`

	re *regexp.Regexp
}

// Regexp returns the compiled DenyRegex, or nil.
func (g *Guardrail) Regexp() *regexp.Regexp { return g.re }
