package mcp

import (
	"net/http"

	"github.com/rtagent/rtagent/internal/agent"
	registry "github.com/rtagent/rtagent/internal/redact"
)

// headerTransport adds the configured headers to every request of an HTTP server.
type headerTransport struct {
	base   http.RoundTripper
	header http.Header
}

func (t *headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	for k, v := range t.header {
		r.Header[k] = v
	}
	return t.base.RoundTrip(r)
}

// expandHeaders expands ${NAME} in the header values. It returns the expanded
// values (secrets, to keep out of every message). Errors name the header and the
// variable, never a value.
func expandHeaders(h map[string]string) (http.Header, []string, error) {
	out := make(http.Header, len(h))
	var secrets []string
	for k, v := range h {
		x, err := agent.ExpandEnv(v, nil)
		if err != nil {
			return nil, nil, &headerError{name: k, err: err}
		}
		if x != v {
			secrets = append(secrets, x)
		}
		out.Set(k, x)
	}
	return out, secrets, nil
}

type headerError struct {
	name string
	err  error
}

func (e *headerError) Error() string { return "header " + e.name + ": " + e.err.Error() }

// redact replaces every secret in s the way every other output does
// (internal/redact: whole values, a short one only as a whole token, "<redacted>").
func redact(s string, secrets []string) string { return registry.New(secrets...).String(s) }
