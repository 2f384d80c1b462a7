// Package toolschema checks the JSON Schemas that describe tool arguments (a
// tool's parameters in agents.yaml, a scenario's arguments_schema) and
// validates arguments against them (docs/protocol.md R8.4).
//
// It is the one place the program compiles a JSON Schema. It checks the shape
// of every keyword of draft 2020-12 (2019-09, draft-07 and draft-06 when $schema
// says so; draft-04 is refused) with messages that name the keyword's JSON
// pointer, then resolves references with
// github.com/google/jsonschema-go, whose package initialisation is cheap: the
// program starts without compiling any metaschema. It never loads a remote
// reference: loading a schema touches neither the network nor the file system.
package toolschema
