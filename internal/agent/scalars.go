package agent

import (
	"fmt"
	"strconv"
	"time"

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
