// Package agent loads agents.yaml: the strictly validated description of a
// multi-agent realtime system (model settings, agents, tools, handoffs,
// guardrails, endpoint and an optional price table).
//
// It owns decoding (unknown keys are errors), defaults, validation with
// file:line:column and a field path for every problem (all problems are
// collected, not just the first), instruction templates, the handoff tool
// naming rule (docs/protocol.md R9.1) and the JSON Schema of the file.
//
// It must never touch the network or run a tool or guardrail program: command
// tools are only resolved to an absolute path, HTTP tools are only parsed.
// Values that come from the environment (${NAME} in headers and env maps) are
// kept as templates and expanded by the caller at use time with internal/envref
// (the one implementation of the syntax, "$${" a literal); errors name the
// variable, never its value.
package agent
