package main

import (
	"os"
	"strings"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"
)

// registerCompletions offers values in shell completion: agent names from the
// agents file for --agent, and the fixed values of --format, --modality and
// --approve, on whichever of them cmd has.
func registerCompletions(cmd *cobra.Command, f *factory) {
	fixed := map[string][]string{
		"format":   {"text", "jsonl"},
		"modality": {"text", "audio"},
		"approve":  {"ask", "always", "never"},
	}
	for name, values := range fixed {
		if cmd.Flags().Lookup(name) != nil {
			_ = cmd.RegisterFlagCompletionFunc(name, cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp))
		}
	}
	if cmd.Flags().Lookup("agent") != nil {
		_ = cmd.RegisterFlagCompletionFunc("agent", func(c *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			return agentNames(f, c, toComplete), cobra.ShellCompDirectiveNoFileComp
		})
	}
}

// agentNames lists the agents of the file the command would read. Completion must
// work while the file is being written (or its templates need --var), so it reads
// only the names and ignores every other problem.
func agentNames(f *factory, c *cobra.Command, prefix string) []string {
	path, _ := c.Flags().GetString("agents")
	path, err := resolveAgentsFile(f.Getenv, path, c.Flags().Changed("agents"))
	if err != nil {
		return nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var doc struct {
		Agents []struct {
			Name               string `yaml:"name"`
			HandoffDescription string `yaml:"handoff_description"`
		} `yaml:"agents"`
	}
	if yaml.Unmarshal(data, &doc) != nil {
		return nil
	}
	var out []string
	for _, a := range doc.Agents {
		if a.Name == "" || !strings.HasPrefix(a.Name, prefix) {
			continue
		}
		if a.HandoffDescription != "" {
			out = append(out, a.Name+"\t"+a.HandoffDescription)
		} else {
			out = append(out, a.Name)
		}
	}
	return out
}
