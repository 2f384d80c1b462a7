package main

import (
	"github.com/spf13/cobra"

	"github.com/rtagent/rtagent/internal/agent"
	"github.com/rtagent/rtagent/internal/scenario"
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
			gen := agent.Schema
			switch {
			case events:
				gen = eventsSchema
			case tests:
				gen = scenario.Schema
			}
			data, err := gen()
			if err != nil {
				return err
			}
			_, err = f.IO.Out.Write(append(data, '\n'))
			return err
		},
	}
	cmd.Flags().BoolVar(&events, "events", false, "the schema of one line of rtagent run --format jsonl (docs/events.md)")
	cmd.Flags().BoolVar(&tests, "tests", false, "the schema of scenario files (*.test.yaml) for rtagent test")
	return cmd
}
