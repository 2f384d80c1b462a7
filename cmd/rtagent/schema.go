package main

import (
	"github.com/spf13/cobra"

	"github.com/rtagent/rtagent/internal/agent"
)

func newSchemaCmd(f *factory) *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of agents.yaml (for editors)",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			data, err := agent.Schema()
			if err != nil {
				return err
			}
			_, err = f.IO.Out.Write(append(data, '\n'))
			return err
		},
	}
}
