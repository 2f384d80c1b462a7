package main

import (
	"github.com/spf13/cobra"

	"github.com/rtagent/rtagent/internal/agent"
)

func newSchemaCmd(f *factory) *cobra.Command {
	var events bool
	cmd := &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of agents.yaml (for editors), or of run's JSONL events",
		Example: `  rtagent schema > agents.schema.json
  rtagent schema --events > events.schema.json`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			gen := agent.Schema
			if events {
				gen = eventsSchema
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
	return cmd
}
