package tools

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/rtagent/rtagent/internal/toolschema"
)

// compiledSchema is one cache entry: a schema compiles once, successfully or not.
type compiledSchema struct {
	schema *toolschema.Schema
	err    error
}

// schemaCache maps a parameters document (its exact text) to its compiled schema, so
// every tool's schema is compiled once per process however often it is called. Keys
// come from configuration, so the cache is bounded by it.
var schemaCache = struct {
	sync.RWMutex
	m map[string]*compiledSchema
}{m: map[string]*compiledSchema{}}

// compileParameters returns the compiled schema for params (nil when params is empty:
// any object is accepted).
func compileParameters(params json.RawMessage) (*toolschema.Schema, error) {
	if len(bytes.TrimSpace(params)) == 0 {
		return nil, nil
	}
	schemaCache.RLock()
	c, ok := schemaCache.m[string(params)]
	schemaCache.RUnlock()
	if ok {
		return c.schema, c.err
	}
	c = &compiledSchema{}
	c.schema, c.err = compileSchema(params)
	schemaCache.Lock()
	schemaCache.m[string(params)] = c
	schemaCache.Unlock()
	return c.schema, c.err
}

func compileSchema(params json.RawMessage) (*toolschema.Schema, error) {
	var doc any
	if err := json.Unmarshal(params, &doc); err != nil {
		return nil, fmt.Errorf("parameters are not valid JSON: %w", err)
	}
	if _, ok := doc.(map[string]any); !ok {
		return nil, errors.New("parameters must be a JSON Schema object")
	}
	s, err := toolschema.Compile(params)
	if err != nil {
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
