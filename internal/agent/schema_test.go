package agent

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/rtagent/rtagent"
)

// compileSchema compiles the published (embedded) schema with an independent validator.
func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(rtagent.AgentsSchema))
	if err != nil {
		t.Fatalf("schema is not JSON: %v", err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("agents.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("agents.schema.json")
	if err != nil {
		t.Fatalf("schema does not compile: %v", err)
	}
	return s
}

// yamlToJSON converts a YAML document into the values a JSON decoder produces.
func yamlToJSON(t *testing.T, src []byte) any {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		t.Fatal(err)
	}
	d := newDecoder("x.yaml")
	v, ok := d.generic(doc.Content[0], "")
	if !ok {
		t.Fatalf("convert: %v", d.errs)
	}
	// Round trip through JSON so numbers have the validator's types.
	b, _ := json.Marshal(v)
	out, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSchemaShape(t *testing.T) {
	raw := []byte(rtagent.AgentsSchema)
	if !bytes.Contains(raw, []byte("\n  \"$schema\": \"https://json-schema.org/draft/2020-12/schema\"")) {
		t.Errorf("schema is not indented draft 2020-12:\n%.300s", raw)
	}
	for _, want := range []string{`"default_agent"`, `"output_modalities"`, `"instructions_file"`, `"needs_approval"`, `"deny_regex"`, `"debounce_text_length"`, `"additionalProperties": false`} {
		if !bytes.Contains(raw, []byte(want)) {
			t.Errorf("schema lacks %s", want)
		}
	}
	for _, unwanted := range []string{`"DefaultAgent"`, `"Argv"`, `"File"`, `"Vars"`} {
		if bytes.Contains(raw, []byte(unwanted)) {
			t.Errorf("schema has Go field name %s", unwanted)
		}
	}
}

func TestSchemaValidatesExample(t *testing.T) {
	s := compileSchema(t)
	src, err := os.ReadFile("testdata/valid/agents.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(yamlToJSON(t, src)); err != nil {
		t.Fatalf("example does not validate against the schema:\n%v", err)
	}
}

// TestSchemaRejectsShapeErrors: the schema catches what an editor can see.
func TestSchemaRejectsShapeErrors(t *testing.T) {
	s := compileSchema(t)
	base := "agents:\n  - name: a\n    instructions: hi\n"
	for name, src := range map[string]string{
		"unknown key":         base + "    colour: blue\n",
		"no agents":           "model: {name: x}\n",
		"both modalities":     "model: {output_modalities: [audio, text]}\n" + base,
		"tool with two kinds": base + "    tools: [{name: t, builtin: clock, command: [x]}]\n",
		"tool without kind":   base + "    tools: [{name: t}]\n",
		"unknown builtin":     base + "    tools: [{name: t, builtin: clok}]\n",
		"bad tool name":       base + "    tools: [{name: 'a b', builtin: clock}]\n",
		"handoff number":      base + "    handoffs: [3]\n",
		"bad max tokens":      "model: {max_output_tokens: infinite}\n" + base,
		"bad duration":        base + "    tools: [{name: t, builtin: clock, timeout: 5x}]\n",
		"both instructions":   base + "    instructions_file: x.md\n",
		"speed out of range":  "model: {speed: 3}\n" + base,
		"bad eagerness":       "model: {turn_detection: {eagerness: fast}}\n" + base,
	} {
		if err := s.Validate(yamlToJSON(t, []byte(src))); err == nil {
			t.Errorf("%s: schema accepted\n%s", name, src)
		}
	}
	for name, src := range map[string]string{
		"handoff object":     base + "    handoffs: [{agent: b, tool_name: go_b}]\n  - {name: b, instructions: x}\n",
		"transcription null": "model: {transcription: null, turn_detection: null, max_output_tokens: 100}\n" + base,
	} {
		if err := s.Validate(yamlToJSON(t, []byte(src))); err != nil {
			t.Errorf("%s: schema rejected: %v", name, strings.ReplaceAll(err.Error(), "\n", " "))
		}
	}
}
