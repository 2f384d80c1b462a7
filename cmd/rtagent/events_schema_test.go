package main

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/invopop/jsonschema"

	"github.com/rtagent/rtagent"
)

// eventsSchemaID is the $id of the JSONL stream's schema.
const eventsSchemaID = "https://github.com/rtagent/rtagent/events.schema.json"

// eventsSchema returns the JSON Schema (draft 2020-12) of one line of
// `run --format jsonl`, generated from the line types in events.go: one definition
// per event type, told apart by the const "type" field.
func eventsSchema() ([]byte, error) {
	r := &jsonschema.Reflector{
		FieldNameTag:   "json",
		ExpandedStruct: true,
		DoNotReference: true,
	}
	root := &jsonschema.Schema{
		Version:     jsonschema.Version,
		ID:          eventsSchemaID,
		Title:       "rtagent run --format jsonl",
		Description: "One line of the event stream of `rtagent run --format jsonl` (docs/events.md).",
		Definitions: jsonschema.Definitions{},
	}
	for _, l := range eventLines() {
		s := r.Reflect(l.Value)
		s.Version, s.ID = "", ""
		s.Description = l.Doc
		typ := *s.Properties.Value("type")
		typ.Const = l.Type
		typ.Type = ""
		s.Properties.Set("type", &typ)
		root.Definitions[l.Type] = s
		root.OneOf = append(root.OneOf, &jsonschema.Schema{Ref: "#/$defs/" + l.Type})
	}
	b, err := json.MarshalIndent(root, "", "  ")
	return append(b, '\n'), err
}

// eventLine describes one line type of the stream for the schema and the docs.
type eventLine struct {
	Type  string
	Value any // a zero value of the line's Go type
	Doc   string
}

// eventLines lists every type the stream can carry, in the order of docs/events.md.
func eventLines() []eventLine {
	return []eventLine{
		{"session_start", sessionStartLine{}, "the run began: endpoint, model, starting agent, rtagent version"},
		{"connection", connectionLine{}, "the connection changed state: connecting, connected, reconnecting, reconnected, lost, disconnected"},
		{"agent_start", agentStartLine{}, "a response began; agent is the agent answering"},
		{"transcript", transcriptLine{}, "a final transcript of the user or of an agent"},
		{"speech_started", speechStartedLine{}, "voice activity detection heard speech begin (--audio-in)"},
		{"speech_stopped", speechStoppedLine{}, "voice activity detection heard speech end (--audio-in)"},
		{"input_audio_timeout_triggered", inputAudioTimeoutLine{}, "the server's idle timeout fired on silent input (--audio-in)"},
		{"tool_approval_required", toolApprovalRequiredLine{}, "a tool that needs approval was called and the user is asked"},
		{"approval", approvalLine{}, "a decision on a tool that needs approval, whoever took it"},
		{"tool_start", toolStartLine{}, "a tool is about to run"},
		{"tool_end", toolEndLine{}, "a tool call finished: ran, failed, timed out or was refused"},
		{"tool_error", toolErrorLine{}, "a tool call that was not run: malformed arguments or an unknown tool"},
		{"handoff", handoffLine{}, "control passed from one agent to another"},
		{"guardrail_tripped", guardrailTrippedLine{}, "an output or input guardrail matched"},
		{"guardrail_correction", guardrailCorrectionLine{}, "what the session did after a trip: asked the model to answer again, or stopped (a system action)"},
		{"audio_interrupted", audioInterruptedLine{}, "an answer was cut off while it played"},
		{"usage", usageLine{}, "one response's token usage and the running totals"},
		{"agent_end", agentEndLine{}, "a response ended"},
		{"error", errorLine{}, "an error; fatal ones end the session"},
		{"session_end", sessionEndLine{}, "the run ended: why, exit code, totals, cost"},
	}
}

// The committed (and embedded) events.schema.json is what the line types
// generate; RTAGENT_WRITE_SCHEMAS=1 rewrites it.
func TestEventsSchemaCommitted(t *testing.T) {
	want, err := eventsSchema()
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("RTAGENT_WRITE_SCHEMAS") == "1" {
		if err := os.WriteFile("../../events.schema.json", want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if rtagent.EventsSchema != string(want) {
		t.Errorf("events.schema.json is stale: it differs from what the line types in events.go generate; " +
			"regenerate with `go generate .` at the repository root and commit it")
	}
}

// rtagent schema prints, byte for byte, what the generators produce: the events
// schema from the line types here, the others as committed (internal/schemagen
// checks those against the agent and scenario types).
func TestSchemaCommandOutput(t *testing.T) {
	events, err := eventsSchema()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want func() []byte
	}{
		{[]string{"schema", "--events"}, func() []byte { return events }},
		{[]string{"schema"}, func() []byte { return readFile(t, "../../agents.schema.json") }},
		{[]string{"schema", "--tests"}, func() []byte { return readFile(t, "../../scenario.schema.json") }},
	} {
		code, out, errOut := run(t, c.args...)
		if code != 0 || errOut != "" {
			t.Fatalf("%v: exit %d, stderr %q", c.args, code, errOut)
		}
		if out != string(c.want()) {
			t.Errorf("rtagent %v does not print the generated schema", c.args)
		}
	}
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
