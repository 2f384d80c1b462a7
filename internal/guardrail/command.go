package guardrail

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rtagent/rtagent/internal/tools/proc"
)

// DefaultCommandTimeout bounds a command guardrail created with timeout 0.
const DefaultCommandTimeout = 5 * time.Second

// maxReasonBytes caps the reason a command guardrail reports.
const maxReasonBytes = 1 << 10

// commandGuardrail asks an external program.
type commandGuardrail struct {
	name    string
	argv    []string
	timeout time.Duration
}

// NewCommand returns a guardrail that runs argv (directly, never through a shell,
// with the minimal environment of proc.MinimalEnv) for each check, with the text on
// stdin. Exit status 0 passes; 1 trips, and stdout is the reason; any other status,
// or running past timeout (0: DefaultCommandTimeout), is an error, and the program's
// whole process group is killed.
func NewCommand(name string, argv []string, timeout time.Duration) (Guardrail, error) {
	if name == "" {
		return nil, errors.New("guardrail has no name")
	}
	if len(argv) == 0 || argv[0] == "" {
		return nil, fmt.Errorf("guardrail %s: command has no program", name)
	}
	if timeout <= 0 {
		timeout = DefaultCommandTimeout
	}
	return &commandGuardrail{name: name, argv: slices.Clone(argv), timeout: timeout}, nil
}

func (g *commandGuardrail) Name() string { return g.name }

func (g *commandGuardrail) Check(ctx context.Context, text string) (bool, string, error) {
	ctx, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()
	res, err := proc.Run(ctx, proc.Spec{
		Argv:      g.argv,
		Stdin:     []byte(text),
		MaxStdout: maxReasonBytes,
	})
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return false, "", fmt.Errorf("guardrail %s: timed out after %s", g.name, g.timeout)
		}
		return false, "", fmt.Errorf("guardrail %s: %w", g.name, err)
	}
	switch res.ExitCode {
	case 0:
		return false, "", nil
	case 1:
		reason := strings.TrimSpace(res.Output(maxReasonBytes))
		if reason == "" {
			reason = "rejected by " + g.name
		}
		return true, reason, nil
	default:
		msg := res.Status
		if res.LastStderr != "" {
			msg += ": " + res.LastStderr
		}
		return false, "", fmt.Errorf("guardrail %s: %s", g.name, msg)
	}
}
