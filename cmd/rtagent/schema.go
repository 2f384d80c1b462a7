package main

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/rtagent/rtagent"
)

func newSchemaCmd(f *factory) *cobra.Command {
	var events, tests bool
	cmd := &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of agents.yaml (for editors), of run's JSONL events, or of scenario files",
		Example: `  rtagent schema > agents.schema.json
  rtagent schema --events > events.schema.json
  rtagent schema --tests > scenario.schema.json`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if events && tests {
				return usageErrorf("--events and --tests exclude each other")
			}
			// Generated from the Go types at development time and embedded
			// (package rtagent): printing one costs nothing at run time.
			schema := rtagent.AgentsSchema
			switch {
			case events:
				schema = rtagent.EventsSchema
			case tests:
				schema = rtagent.ScenarioSchema
			}
			_, err := io.WriteString(f.IO.Out, schema)
			return err
		},
	}
	cmd.Flags().BoolVar(&events, "events", false, "the schema of one line of rtagent run --format jsonl (docs/events.md)")
	cmd.Flags().BoolVar(&tests, "tests", false, "the schema of scenario files (*.test.yaml) for rtagent test")
	return cmd
}
