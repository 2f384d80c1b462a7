package main

import (
	"encoding/json"

	"github.com/invopop/jsonschema"
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
	return json.MarshalIndent(root, "", "  ")
}
