package tools

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// builtinSpec describes one builtin tool kind.
type builtinSpec struct {
	description string
	parameters  string
	newTool     func(def Definition) Tool
}

var builtins = map[string]builtinSpec{
	"clock": {
		description: "Get the current date, time, weekday and time zone.",
		parameters: `{"type":"object","properties":{"timezone":{"type":"string",` +
			`"description":"IANA time zone name, e.g. Europe/Paris. Default: the local time zone."}},` +
			`"additionalProperties":false}`,
		newTool: func(def Definition) Tool { return &clockTool{def: def} },
	},
	"calculator": {
		description: "Evaluate an arithmetic expression: + - * / % ^, parentheses, unary minus, decimals.",
		parameters: `{"type":"object","properties":{"expression":{"type":"string",` +
			`"description":"The expression, e.g. (2 + 3) * 4.5 / 2"}},` +
			`"required":["expression"],"additionalProperties":false}`,
		newTool: func(def Definition) Tool { return &calculatorTool{def: def} },
	},
	"echo": {
		description: "Return the given text unchanged.",
		parameters: `{"type":"object","properties":{"text":{"type":"string","description":"The text to return."}},` +
			`"required":["text"],"additionalProperties":false}`,
		newTool: func(def Definition) Tool { return &echoTool{def: def} },
	},
}

// BuiltinNames lists the builtin tool kinds, sorted.
func BuiltinNames() []string {
	names := make([]string, 0, len(builtins))
	for n := range builtins {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// BuiltinParameters returns the default parameter schema of builtin kind name (a fresh
// copy), or nil when there is no such builtin.
func BuiltinParameters(name string) json.RawMessage {
	b, ok := builtins[name]
	if !ok {
		return nil
	}
	return json.RawMessage(b.parameters)
}

// NewBuiltin returns the builtin tool kind name ("clock", "calculator" or "echo")
// under the given definition. An empty def.Name becomes name, and empty Description
// and Parameters become the builtin's defaults.
func NewBuiltin(name string, def Definition) (Tool, error) {
	b, ok := builtins[name]
	if !ok {
		return nil, fmt.Errorf("unknown builtin tool %q (known: %s)", name, strings.Join(BuiltinNames(), ", "))
	}
	if def.Name == "" {
		def.Name = name
	}
	if def.Description == "" {
		def.Description = b.description
	}
	if len(def.Parameters) == 0 {
		def.Parameters = BuiltinParameters(name)
	}
	if err := checkDefinition(def); err != nil {
		return nil, err
	}
	return b.newTool(def), nil
}

// decodeArguments decodes a builtin's JSON arguments into v.
func decodeArguments(arguments json.RawMessage, v any) error {
	if err := json.Unmarshal(arguments, v); err != nil {
		return fmt.Errorf("decoding arguments: %w", err)
	}
	return nil
}
