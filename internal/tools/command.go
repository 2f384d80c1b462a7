package tools

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"slices"

	"github.com/rtagent/rtagent/internal/tools/proc"
)

// CommandConfig configures a command tool: an external program that gets the JSON
// arguments on stdin and answers on stdout.
type CommandConfig struct {
	// Argv is the program and its arguments, executed directly: never through a shell.
	// A relative program path is resolved against Dir.
	Argv []string
	// Dir is the working directory ("" = rtagent's).
	Dir string
	// Env is the program's whole environment, given explicitly. nil means a minimal
	// one: PATH, HOME and LANG copied from rtagent's environment, nothing else (so API
	// keys never reach a tool unless configured).
	Env []string
	// MaxOutputBytes caps the captured stdout (default 32 KiB). Anything beyond is
	// read and discarded, and the output ends with a truncation marker.
	MaxOutputBytes int
	// Stderr receives the program's stderr, one Write per line; nil discards it.
	Stderr io.Writer
}

// commandTool runs an external program per call.
type commandTool struct {
	def Definition
	cfg CommandConfig
}

// NewCommand returns a tool that runs cfg.Argv for each call. The program runs in its
// own process group; on timeout or cancellation the whole group is killed, and no
// process of the group outlives the call (see package proc). Its stdout, less one
// trailing newline, is the output. A non-zero exit is an error naming the exit status
// and the last stderr line.
func NewCommand(def Definition, cfg CommandConfig) (Tool, error) {
	if err := checkDefinition(def); err != nil {
		return nil, err
	}
	if len(cfg.Argv) == 0 || cfg.Argv[0] == "" {
		return nil, errors.New("tool " + def.Name + ": command has no program")
	}
	if cfg.MaxOutputBytes <= 0 {
		cfg.MaxOutputBytes = MaxOutputBytes
	}
	cfg.Argv = slices.Clone(cfg.Argv)
	if cfg.Env != nil {
		cfg.Env = slices.Clone(cfg.Env)
	}
	return &commandTool{def: def, cfg: cfg}, nil
}

func (t *commandTool) Definition() Definition { return t.def }

func (t *commandTool) Call(ctx context.Context, arguments json.RawMessage) (string, error) {
	res, err := proc.Run(ctx, proc.Spec{
		Argv:      t.cfg.Argv,
		Dir:       t.cfg.Dir,
		Env:       t.cfg.Env,
		Stdin:     arguments,
		MaxStdout: t.cfg.MaxOutputBytes,
		Stderr:    t.cfg.Stderr,
	})
	if err != nil {
		return "", err
	}
	if res.ExitCode != 0 {
		msg := res.Status
		if res.LastStderr != "" {
			msg += ": " + res.LastStderr
		}
		return "", errors.New(msg)
	}
	return res.Output(t.cfg.MaxOutputBytes), nil
}
