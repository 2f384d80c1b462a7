// Package rtagent holds what the repository publishes at its root for every
// command to print: the JSON Schemas of agents.yaml, of scenario files and of
// `run --format jsonl` lines. They are generated from the Go types at development
// time (internal/schemagen and cmd/rtagent's tests fail when one is stale) and
// embedded here, so no schema reflection runs or links into rtagent.
package rtagent

import _ "embed"

//go:generate env RTAGENT_WRITE_SCHEMAS=1 go test -count=1 -run Schema ./internal/schemagen ./cmd/rtagent

// AgentsSchema is agents.schema.json: the JSON Schema of agents.yaml.
//
//go:embed agents.schema.json
var AgentsSchema string

// ScenarioSchema is scenario.schema.json: the JSON Schema of *.test.yaml files.
//
//go:embed scenario.schema.json
var ScenarioSchema string

// EventsSchema is events.schema.json: the JSON Schema of one line of
// `rtagent run --format jsonl`.
//
//go:embed events.schema.json
var EventsSchema string
