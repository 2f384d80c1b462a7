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
	cmd.Version = versionString()
	cmd.SetVersionTemplate(versionLine() + "\n")
	cmd.SetOut(f.IO.Out)
	cmd.SetErr(f.IO.ErrOut)
	cmd.SetIn(f.IO.In)
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &usageError{Err: flagError(c, err)}
	})
	cmd.PersistentFlags().BoolVar(&logOpts.Debug, "debug", false, "log at debug level")
	cmd.PersistentFlags().StringVar(&logOpts.File, "log-file", "", "log file (default: $XDG_STATE_HOME/rtagent/rtagent.log)")

	cmd.AddCommand(
		newInitCmd(f),
		newChatCmd(f),
		newRunCmd(f),
		newTestCmd(f),
		newReplayCmd(f),
		newAgentsCmd(f),
		newSchemaCmd(f),
		newDevicesCmd(f),
		newSimCmd(f),
		newVersionCmd(f),
	)
	// Unknown subcommands are usage errors too.
	cmd.Args = func(c *cobra.Command, args []string) error {
		if len(args) > 0 {
			return unknownCommand(c, args[0])
		}
		return nil
	}
	cmd.RunE = func(c *cobra.Command, _ []string) error { return c.Help() }
	markArgErrorsAsUsage(cmd)
	return cmd
}

// markArgErrorsAsUsage makes wrong positional arguments a usage error (exit 2) in
// every command, and makes a command group reject an unknown subcommand.
func markArgErrorsAsUsage(c *cobra.Command) {
	if c.Args != nil {
		check := c.Args
		c.Args = func(cmd *cobra.Command, args []string) error {
			if err := check(cmd, args); err != nil {
				var ue *usageError
				if errors.As(err, &ue) {
					return err
				}
				if strings.HasPrefix(err.Error(), "unknown command") && len(args) > 0 {
					return usageErrorf("unexpected argument %q for %s (flags start with --; see %s --help)", args[0], cmd.CommandPath(), cmd.CommandPath())
				}
				return usageErrorf("%v (usage: %s; see %s --help)", err, strings.TrimSuffix(cmd.UseLine(), " [flags]"), cmd.CommandPath())
			}
			return nil
		}
	}
	if c.HasSubCommands() && c.RunE == nil && c.Run == nil {
		c.RunE = func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return unknownCommand(cmd, args[0])
			}
			return cmd.Help()
		}
		if c.Args == nil {
			c.Args = cobra.ArbitraryArgs
		}
	}
	for _, sub := range c.Commands() {
		markArgErrorsAsUsage(sub)
	}
}
