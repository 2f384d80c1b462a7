package main

import (
	"github.com/spf13/cobra"

	"github.com/rtagent/rtagent/internal/agent"
	"github.com/rtagent/rtagent/internal/scenario"
)

func newSchemaCmd(f *factory) *cobra.Command {
	var tests bool
	cmd := &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of agents.yaml, or of scenario files with --tests (for editors)",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			schema := agent.Schema
			if tests {
				schema = scenario.Schema
			}
			data, err := schema()
			if err != nil {
				return err
			}
			_, err = f.IO.Out.Write(append(data, '\n'))
			return err
		},
	}
	cmd.Flags().BoolVar(&tests, "tests", false, "the schema of scenario files (*.test.yaml) for rtagent test")
	return cmd
}
