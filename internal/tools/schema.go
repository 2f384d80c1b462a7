package tools

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/rtagent/rtagent/internal/toolschema"
)

// compileParameters returns the compiled schema for params (nil when params is empty:
// any object is accepted). toolschema caches it: every tool's schema compiles once per
// process however often it is called.
func compileParameters(params json.RawMessage) (*toolschema.Schema, error) {
	doc := bytes.TrimSpace(params)
	if len(doc) == 0 {
		return nil, nil
	}
	s, err := toolschema.Compile(params)
	var se *toolschema.Error
	switch {
	case err != nil && !errors.As(err, &se):
		return nil, fmt.Errorf("parameters are %w", err) // not valid JSON: …
	case doc[0] != '{':
		return nil, errors.New("parameters must be a JSON Schema object")
	case err != nil:
		return nil, fmt.Errorf("parameters are not a valid JSON Schema: %w", err)
	}
	return s, nil
}

// checkDefinition is what every constructor runs: a usable name and a schema that
// compiles.
func checkDefinition(def Definition) error {
	if def.Name == "" {
		return errors.New("tool has no name")
	}
	if _, err := compileParameters(def.Parameters); err != nil {
		return fmt.Errorf("tool %s: %w", def.Name, err)
	}
	return nil
}

// parseArguments checks that arguments are one JSON object matching schema (nil: any
// object). The returned error is the model-visible reason.
func parseArguments(arguments []byte, schema *toolschema.Schema) error {
	var inst any
	if err := json.Unmarshal(arguments, &inst); err != nil {
		return fmt.Errorf("not valid JSON: %v", err)
	}
	if _, ok := inst.(map[string]any); !ok {
		return fmt.Errorf("expected a JSON object, got %s", jsonKind(inst))
	}
	if schema == nil {
		return nil
	}
	return schema.Validate(inst)
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case []any:
		return "an array"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case float64:
		return "a number"
	default:
		return fmt.Sprintf("%T", v)
	}
}
