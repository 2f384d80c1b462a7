package agent

import (
	"encoding/json"
	"reflect"

	"github.com/invopop/jsonschema"

	"github.com/rtagent/rtagent/internal/audio/vadconfig"
)

// SchemaID is the $id of the generated schema.
const SchemaID = "https://github.com/rtagent/rtagent/agents.schema.json"

// Schema returns the JSON Schema (draft 2020-12) of agents.yaml, generated
// from the Go types, indented. It checks shape only; cross-references
// (handoff targets, duplicate names, programs on disk) are Load's job.
func Schema() ([]byte, error) {
	r := &jsonschema.Reflector{
		FieldNameTag:               "yaml",
		RequiredFromJSONSchemaTags: true,
		ExpandedStruct:             true,
		// Types from other packages get the name agents.yaml knows them by.
		Namer: func(t reflect.Type) string {
			if t == reflect.TypeFor[vadconfig.Options]() {
				return "LocalVAD"
			}
			return t.Name()
		},
	}
	s := r.Reflect(&Config{})
	s.ID = SchemaID
	s.Title = "rtagent agents.yaml"
	s.Description = "Agents, tools, handoffs and guardrails for rtagent, a terminal client for realtime voice agents."
	return json.MarshalIndent(s, "", "  ")
}
