package agent

import (
	"fmt"
	"strconv"
	"time"

	"github.com/invopop/jsonschema"
	"go.yaml.in/yaml/v3"
)

// Duration is a time.Duration written as a Go duration string ("5s", "1m30s").
type Duration time.Duration

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

func (d Duration) String() string { return time.Duration(d).String() }

func (d *Duration) decodeYAML(dec *decoder, n *yaml.Node, path string) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
		dec.errorf(n, path, "invalid duration %s: want a Go duration string such as \"5s\"", describe(n))
		return
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		dec.errorf(n, path, "invalid duration %q", n.Value)
		return
	}
	if v <= 0 {
		dec.errorf(n, path, "duration must be greater than 0, got %q", n.Value)
		return
	}
	*d = Duration(v)
}

// JSONSchema describes Duration in the generated schema.
func (Duration) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{
		Type:     "string",
		Pattern:  `^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`,
		Examples: []any{"5s", "1m30s"},
	}
}

// TokenLimit is max_output_tokens: 0 not configured, TokenLimitInf for "inf",
// otherwise 1..4096.
type TokenLimit int

// TokenLimitInf is the value of max_output_tokens: inf.
const TokenLimitInf TokenLimit = -1

func (t *TokenLimit) decodeYAML(dec *decoder, n *yaml.Node, path string) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!str" && n.Value == "inf" {
		*t = TokenLimitInf
		return
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!int" {
		v, err := strconv.ParseInt(n.Value, 0, 64)
		if err == nil && v >= 1 && v <= 4096 {
			*t = TokenLimit(v)
			return
		}
	}
	dec.errorf(n, path, "must be an integer from 1 to 4096 or \"inf\", got %s", describe(n))
}

// JSONSchema describes TokenLimit in the generated schema.
func (TokenLimit) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{OneOf: []*jsonschema.Schema{
		{Type: "integer", Minimum: "1", Maximum: "4096"},
		{Type: "string", Const: "inf"},
	}}
}

// decodeYAML accepts a bare agent name or a mapping.
func (h *Handoff) decodeYAML(dec *decoder, n *yaml.Node, path string) {
	if n.Kind == yaml.ScalarNode {
		h.Agent = n.Value
		dec.mark(path+".agent", n)
		return
	}
	if n.Kind != yaml.MappingNode {
		dec.errorf(n, path, "expected an agent name or a mapping with agent, tool_name and description, got %s", describe(n))
		return
	}
	type plain Handoff // no decodeYAML method: decoded as a struct
	dec.decodeStruct(n, (*plain)(h), path)
}

// JSONSchemaExtend turns the reflected object schema into "name or object".
func (Handoff) JSONSchemaExtend(s *jsonschema.Schema) {
	obj := *s
	*s = jsonschema.Schema{
		Description: obj.Description,
		OneOf: []*jsonschema.Schema{
			{Type: "string", MinLength: ptr(uint64(1)), Description: "Target agent name."},
			&obj,
		},
	}
}

// JSONSchemaExtend adds "exactly one of builtin, command, http".
func (Tool) JSONSchemaExtend(s *jsonschema.Schema) {
	s.OneOf = []*jsonschema.Schema{
		{Required: []string{"builtin"}},
		{Required: []string{"command"}},
		{Required: []string{"http"}},
	}
}

// JSONSchemaExtend adds "exactly one of deny_regex, deny_words, command".
func (Guardrail) JSONSchemaExtend(s *jsonschema.Schema) {
	s.OneOf = []*jsonschema.Schema{
		{Required: []string{"deny_regex"}},
		{Required: []string{"deny_words"}},
		{Required: []string{"command"}},
	}
}

// JSONSchemaExtend adds "not both instructions and instructions_file".
func (Agent) JSONSchemaExtend(s *jsonschema.Schema) {
	s.Not = &jsonschema.Schema{Required: []string{"instructions", "instructions_file"}}
}

// JSONSchemaExtend restricts output_modalities to audio or text.
func (Model) JSONSchemaExtend(s *jsonschema.Schema) {
	if p, ok := s.Properties.Get("output_modalities"); ok && p.Items != nil {
		p.Items.Enum = []any{ModalityAudio, ModalityText}
	}
}

func ptr[T any](v T) *T { return &v }

// describe renders a node for an error message without echoing long values.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "null"
		}
		v := n.Value
		if len(v) > 40 {
			v = v[:40] + "..."
		}
		if n.Tag == "!!str" {
			return strconv.Quote(v)
		}
		return v
	case yaml.AliasNode:
		return "an alias"
	}
	return fmt.Sprintf("node kind %d", n.Kind)
}
