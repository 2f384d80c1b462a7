package schemagen

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/invopop/jsonschema"

	"github.com/rtagent/rtagent"
	"github.com/rtagent/rtagent/internal/agent"
	"github.com/rtagent/rtagent/internal/audio/vadconfig"
	"github.com/rtagent/rtagent/internal/scenario"
)

// The $ids of the published schemas.
const (
	agentsID   = "https://github.com/rtagent/rtagent/agents.schema.json"
	scenarioID = "https://github.com/rtagent/rtagent/scenario.schema.json"
)

// custom are the schemas of the types whose YAML form is not their Go shape
// (their decodeYAML methods). Each becomes a definition, referenced by name.
var custom = map[reflect.Type]*jsonschema.Schema{
	// Duration: a Go duration string.
	reflect.TypeFor[agent.Duration](): {
		Type:     "string",
		Pattern:  `^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`,
		Examples: []any{"5s", "1m30s"},
	},
	// TokenLimit: 1..4096 or "inf".
	reflect.TypeFor[agent.TokenLimit](): {OneOf: []*jsonschema.Schema{
		{Type: "integer", Minimum: "1", Maximum: "4096"},
		{Type: "string", Const: "inf"},
	}},
	// MCPApproval: a boolean or a list of tool names.
	reflect.TypeFor[agent.MCPApproval](): {OneOf: []*jsonschema.Schema{
		{Type: "boolean"},
		{Type: "array", Items: &jsonschema.Schema{Type: "string", MinLength: ptr(uint64(1))}},
	}},
}

// extend adds to a reflected definition what the struct tags cannot say, by
// definition name.
var extend = map[string]func(s *jsonschema.Schema){
	// Handoff: "name or object".
	"Handoff": func(s *jsonschema.Schema) { nameOr(s, "Target agent name.") },
	// MCPUse: "name or object".
	"MCPUse": func(s *jsonschema.Schema) { nameOr(s, "Name of an mcp_servers entry.") },
	// Tool: exactly one of builtin, command, http.
	"Tool": func(s *jsonschema.Schema) { s.OneOf = requiredOneOf("builtin", "command", "http") },
	// Guardrail: exactly one of deny_regex, deny_words, command.
	"Guardrail": func(s *jsonschema.Schema) { s.OneOf = requiredOneOf("deny_regex", "deny_words", "command") },
	// MCPServer: exactly one of command, url.
	"MCPServer": func(s *jsonschema.Schema) { s.OneOf = requiredOneOf("command", "url") },
	// Agent: not both instructions and instructions_file.
	"Agent": func(s *jsonschema.Schema) {
		s.Not = &jsonschema.Schema{Required: []string{"instructions", "instructions_file"}}
	},
	// Model: output_modalities is audio or text.
	"Model": func(s *jsonschema.Schema) {
		if p, ok := s.Properties.Get("output_modalities"); ok && p.Items != nil {
			p.Items.Enum = []any{agent.ModalityAudio, agent.ModalityText}
		}
	},
}

func nameOr(s *jsonschema.Schema, nameDoc string) {
	obj := *s
	*s = jsonschema.Schema{
		Description: obj.Description,
		OneOf:       []*jsonschema.Schema{{Type: "string", MinLength: ptr(uint64(1)), Description: nameDoc}, &obj},
	}
}

func requiredOneOf(fields ...string) []*jsonschema.Schema {
	out := make([]*jsonschema.Schema, len(fields))
	for i, f := range fields {
		out[i] = &jsonschema.Schema{Required: []string{f}}
	}
	return out
}

func ptr[T any](v T) *T { return &v }

// name is the definition name of a type: its Go name, or the name agents.yaml
// knows a type from another package by.
func name(t reflect.Type) string {
	if t == reflect.TypeFor[vadconfig.Options]() {
		return "LocalVAD"
	}
	return t.Name()
}

// reflectSchema reflects v (a pointer to the file's root type) with the yaml field
// names, custom and extend applied.
func reflectSchema(v any) *jsonschema.Schema {
	used := map[string]*jsonschema.Schema{}
	r := &jsonschema.Reflector{
		FieldNameTag:               "yaml",
		RequiredFromJSONSchemaTags: true,
		ExpandedStruct:             true,
		Namer:                      name,
		Mapper: func(t reflect.Type) *jsonschema.Schema {
			s, ok := custom[t]
			if !ok {
				return nil
			}
			used[name(t)] = s
			return &jsonschema.Schema{Ref: "#/$defs/" + name(t)}
		},
	}
	s := r.Reflect(v)
	if s.Definitions == nil {
		s.Definitions = jsonschema.Definitions{}
	}
	for n, c := range used {
		copy := *c
		s.Definitions[n] = &copy
	}
	for n, f := range extend {
		if d, ok := s.Definitions[n]; ok {
			f(d)
		}
	}
	return s
}

// Agents generates agents.schema.json (draft 2020-12). It checks shape only;
// cross-references (handoff targets, duplicate names, programs on disk) are
// agent.Load's job.
func Agents() ([]byte, error) {
	s := reflectSchema(&agent.Config{})
	s.ID = agentsID
	s.Title = "rtagent agents.yaml"
	s.Description = "Agents, tools, handoffs and guardrails for rtagent, a terminal client for realtime voice agents."
	b, err := json.MarshalIndent(s, "", "  ")
	return append(b, '\n'), err
}

// Scenario generates scenario.schema.json.
func Scenario() ([]byte, error) {
	s := reflectSchema(&scenario.File{})
	s.ID = scenarioID
	s.Title = "rtagent scenario file (*.test.yaml)"
	s.Description = "A scripted conversation with expectations, run by rtagent test."
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(s); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// checkCommitted fails when the committed (and embedded) file differs from what
// the Go types generate, or rewrites it with RTAGENT_WRITE_SCHEMAS=1.
func checkCommitted(t *testing.T, file, embedded string, gen func() ([]byte, error)) {
	t.Helper()
	want, err := gen()
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("RTAGENT_WRITE_SCHEMAS") == "1" {
		if err := os.WriteFile("../../"+file, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if embedded != string(want) {
		t.Errorf("%s is stale: it differs from what the Go types generate; regenerate with "+
			"`go generate .` at the repository root and commit it", file)
	}
}

func TestAgentsSchemaCommitted(t *testing.T) {
	checkCommitted(t, "agents.schema.json", rtagent.AgentsSchema, Agents)
}

func TestScenarioSchemaCommitted(t *testing.T) {
	checkCommitted(t, "scenario.schema.json", rtagent.ScenarioSchema, Scenario)
}

// The reflection library is test code only: rtagent prints the embedded files and
// never links it (issue 13: every MB of the binary counts in RSS).
func TestReflectorNotInBinary(t *testing.T) {
	out, err := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "list", "-deps", "github.com/rtagent/rtagent/cmd/rtagent").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := strings.Fields(string(out))
	for _, p := range []string{"github.com/invopop/jsonschema", "github.com/rtagent/rtagent/internal/schemagen"} {
		if slices.Contains(deps, p) {
			t.Errorf("rtagent links %s", p)
		}
	}
}
