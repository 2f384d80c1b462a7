package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/rtagent/rtagent/internal/app"
)

func newDevicesCmd(f *factory) *cobra.Command {
	return &cobra.Command{
		Use:   "devices",
		Short: "List audio devices (defaults marked)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			devs, err := app.Devices(cmd.Context(), f.Logger)
			if err != nil {
				return err
			}
			if len(devs) == 0 {
				fmt.Fprintln(f.IO.Out, "no audio devices found; rtagent chat will run in text mode")
				return nil
			}
			tw := tabwriter.NewWriter(f.IO.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "INDEX\tNAME\tHOST API\tIN\tOUT\tRATE\tDEFAULT")
			for _, d := range devs {
				def := ""
				switch {
				case d.IsDefaultInput && d.IsDefaultOutput:
					def = "input, output"
				case d.IsDefaultInput:
					def = "input"
				case d.IsDefaultOutput:
					def = "output"
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%d\t%.0f\t%s\n", d.Index, d.Name, d.HostAPI, d.MaxInputChannels, d.MaxOutputChannels, d.DefaultSampleRate, def)
			}
			return tw.Flush()
		},
	}
}
