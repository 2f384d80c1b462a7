package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
)

type initOptions struct {
	Dir string
}

func newInitCmd(f *factory) *cobra.Command {
	opts := &initOptions{}
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Write a starter agents.yaml and an example tool script (never overwrites)",
		Long: "Writes a commented agents.yaml (with a schema comment for editors) and\n" +
			"tools/lookup_order.sh, an example command tool, into the directory. Nothing is\n" +
			"written if either file exists.",
		Example: `  rtagent init && rtagent chat --sim
  rtagent init --dir ~/.config/rtagent   # found from any directory`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error { return runInit(f, opts) },
	}
	cmd.Flags().StringVar(&opts.Dir, "dir", ".", "the directory to write into (created if missing)")
	return cmd
}

// starterFile is one file init writes.
type starterFile struct {
	Path string // relative to the directory
	Mode fs.FileMode
	Body string
}

func starterFiles() []starterFile {
	return []starterFile{
		{"agents.yaml", 0o644, starterAgents},
		{filepath.Join("tools", "lookup_order.sh"), 0o755, starterTool},
	}
}

func runInit(f *factory, opts *initOptions) error {
	files := starterFiles()
	// Refuse before writing anything: a half-written starter helps nobody.
	for _, sf := range files {
		p := filepath.Join(opts.Dir, sf.Path)
		if _, err := os.Lstat(p); err == nil {
			return usageErrorf("%s exists; rtagent init never overwrites (move it away, or use --dir for another directory)", p)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("init: %w", err)
		}
	}
	for _, sf := range files {
		p := filepath.Join(opts.Dir, sf.Path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("init: %w", err)
		}
		// O_EXCL: never replace a file that appeared meanwhile.
		w, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, sf.Mode)
		if err != nil {
			return fmt.Errorf("init: %w", err)
		}
		_, err = w.WriteString(sf.Body)
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("init: writing %s: %w", p, err)
		}
		fmt.Fprintf(f.IO.Out, "wrote %s\n", p)
	}
	flag := ""
	if opts.Dir != "." {
		flag = " --agents " + filepath.Join(opts.Dir, "agents.yaml")
	}
	fmt.Fprintf(f.IO.Out, "next: rtagent agents validate%s, then rtagent chat --sim%s (offline; without --sim it needs OPENAI_API_KEY)\n", flag, flag)
	return nil
}

const starterAgents = `# yaml-language-server: $schema=https://raw.githubusercontent.com/rtagent/rtagent/main/agents.schema.json
# (or write the schema next to this file with "rtagent schema > agents.schema.json"
# and point the comment above at ./agents.schema.json)
#
# A starter agents file for rtagent. Try it offline on the built-in simulator:
#   rtagent agents validate
#   rtagent chat --sim            # then type one of the examples below
# and on the OpenAI Realtime API with OPENAI_API_KEY set:
#   rtagent chat
# "rtagent schema" prints every field this file can have.

# The agent a session starts with (default: the first one).
default_agent: assistant

# Session-wide model settings, the same for every agent.
model:
  name: gpt-realtime-2.1
  voice: marin
  turn_detection: { type: semantic_vad }

agents:
  - name: assistant
    handoff_description: General questions and order status
    # Instructions are a Go template: .Date, .Time, .Weekday, .Agent and
    # .Vars.name (from --var name=value).
    instructions: |
      You are a helpful assistant. Today is {{ .Weekday }}, {{ .Date }}.
      Keep answers short. Use your tools to look things up, and hand the caller
      to billing for invoices and refunds.
    # Prompts the chat UI suggests on its first screen.
    examples:
      - what time is it? get_time
      - lookup_order order_id=A-1234
      - transfer to billing
    handoffs: [billing]
    tools:
      # A builtin tool: clock, calculator or echo.
      - name: get_time
        builtin: clock
      # An external program: JSON arguments on stdin, the result on stdout.
      - name: lookup_order
        description: Look up an order by its id
        parameters:
          type: object
          properties:
            order_id: { type: string, description: "The order id, e.g. A-1234" }
          required: [order_id]
        command: [./tools/lookup_order.sh]
        timeout: 5s

  - name: billing
    handoff_description: Invoices and refunds
    instructions: |
      You handle billing questions. Hand the caller back to assistant for anything else.
    handoffs: [assistant]
    tools:
      # needs_approval: the user is asked before the tool runs. The builtin echo
      # stands in for a real refund service (a command, or an http: tool).
      - name: issue_refund
        description: Refund an order
        parameters:
          type: object
          properties:
            text: { type: string, description: "The order to refund, e.g. A-1234" }
          required: [text]
        builtin: echo
        needs_approval: true
    examples:
      - issue_refund text=A-1234
      - transfer to assistant
    # Output guardrails stop an answer that matches.
    output_guardrails:
      - name: no_card_numbers
        deny_regex: '\b(?:\d[ -]?){13,16}\b'
`

const starterTool = `#!/bin/sh
# An example command tool for rtagent: the call's JSON arguments arrive on
# standard input; whatever is printed on standard output goes back to the model.
# A non-zero exit status is a failed call (standard error says why).
input=$(cat)
id=$(printf '%s' "$input" | sed -n 's/.*"order_id"[[:space:]]*:[[:space:]]*"\([A-Za-z0-9-]*\)".*/\1/p')
if [ -z "$id" ]; then
  echo "missing order_id" >&2
  exit 2
fi
printf '{"order_id":"%s","status":"shipped","eta":"in two days"}\n' "$id"
`
