package main

import (
	"errors"
	"strings"

	"github.com/spf13/cobra"
)

func newRootCmd(f *factory) *cobra.Command {
	var logOpts logOptions
	cmd := &cobra.Command{
		Use:   "rtagent",
		Short: "Talk to realtime voice agents from the terminal",
		Long: "rtagent runs the agents described in agents.yaml on a realtime speech-to-speech\n" +
			"model (the OpenAI Realtime API, or the built-in offline simulator with --sim).",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return setupLogging(f, &logOpts)
		},
	}
	cmd.SetOut(f.IO.Out)
	cmd.SetErr(f.IO.ErrOut)
	cmd.SetIn(f.IO.In)
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &usageError{err}
	})
	cmd.PersistentFlags().BoolVar(&logOpts.Debug, "debug", false, "log at debug level")
	cmd.PersistentFlags().StringVar(&logOpts.File, "log-file", "", "log file (default: $XDG_STATE_HOME/rtagent/rtagent.log)")

	cmd.AddCommand(
		newVersionCmd(f),
	)
	for _, add := range extraCommands {
		cmd.AddCommand(add(f))
	}
	// Unknown subcommands are usage errors too.
	cmd.Args = func(c *cobra.Command, args []string) error {
		if len(args) > 0 {
			return &usageError{errors.New("unknown command " + strings.Join(args, " ") + "; see rtagent --help")}
		}
		return nil
	}
	cmd.RunE = func(c *cobra.Command, _ []string) error { return c.Help() }
	return cmd
}

// extraCommands lets each command file register its constructor.
var extraCommands []func(*factory) *cobra.Command
