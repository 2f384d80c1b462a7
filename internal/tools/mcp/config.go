package mcp

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/rtagent/rtagent/internal/tools/proc"
)

// Defaults of ServerConfig and Options.
const (
	DefaultStartTimeout = 10 * time.Second
	// DefaultMaxAttempts is how many consecutive failed starts end the restarts.
	DefaultMaxAttempts = 5
	// PingTimeout bounds the liveness ping sent after a call timed out.
	PingTimeout = 5 * time.Second
	// StopGrace is how long a stdio server has to exit after its stdin is closed,
	// before its process group is killed.
	StopGrace = 2 * time.Second
	// stableAfter is how long a server must have run for its restart count to reset.
	stableAfter = 30 * time.Second
)

// ServerConfig describes one MCP server. Exactly one of Command and URL is set.
type ServerConfig struct {
	Name string
	// Command is the stdio server's argv (no shell); Dir its working directory and
	// Env its extra environment (KEY=value, already expanded), added to
	// Options.BaseEnv.
	Command []string
	Dir     string
	Env     []string
	// URL is the streamable HTTP endpoint; Headers are sent with every request.
	// ${NAME} in a value is read from the environment at connect time and is a
	// secret: it never appears in an error or a log line.
	URL     string
	Headers map[string]string
	// Prefix is prepended to every tool name of this server.
	Prefix string
	// Timeout bounds one call (0: tools.DefaultTimeout).
	Timeout time.Duration
	// StartTimeout bounds starting, initialize and the first tools/list
	// (0: DefaultStartTimeout).
	StartTimeout time.Duration
	// MaxOutputBytes caps one call's output (0: tools.MaxOutputBytes).
	MaxOutputBytes int
}

func (c ServerConfig) kind() string {
	if len(c.Command) > 0 {
		return "stdio"
	}
	return "http"
}

// Options configure a Manager.
type Options struct {
	// Logger receives server stderr lines, starts, failures and restarts. nil: discard.
	Logger *slog.Logger
	// BaseEnv is what every stdio server gets besides its own Env (nil: proc.MinimalEnv()).
	BaseEnv []string
	// Backoff is the wait before restart attempt n (1, 2, ...). nil: DefaultBackoff.
	Backoff func(n int) time.Duration
	// MaxAttempts is how many consecutive failures end the restarts (0: DefaultMaxAttempts).
	MaxAttempts int
	// Notify, when set, is called on every state change of a server (ready,
	// restarting, failed, stopped), with the reason when it is down: the way to show
	// the user which server failed and why. It is called from the server's
	// supervisor and must not block.
	Notify func(server string, state State, err error)
}

// DefaultBackoff waits 500 ms before the first restart and doubles up to 30 s.
func DefaultBackoff(n int) time.Duration {
	d := 500 * time.Millisecond
	for i := 1; i < n && d < 30*time.Second; i++ {
		d *= 2
	}
	return min(d, 30*time.Second)
}

func (o *Options) defaults() {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.BaseEnv == nil {
		o.BaseEnv = proc.MinimalEnv()
	}
	if o.Backoff == nil {
		o.Backoff = DefaultBackoff
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
}

func checkConfigs(servers []ServerConfig) error {
	seen := map[string]bool{}
	var errs []error
	for i, s := range servers {
		switch {
		case s.Name == "":
			errs = append(errs, fmt.Errorf("mcp server %d has no name", i))
		case seen[s.Name]:
			errs = append(errs, fmt.Errorf("mcp server %q is configured twice", s.Name))
		}
		seen[s.Name] = true
		if (len(s.Command) > 0) == (s.URL != "") {
			errs = append(errs, fmt.Errorf("mcp server %q: exactly one of command and url must be set", s.Name))
		}
	}
	return errors.Join(errs...)
}
