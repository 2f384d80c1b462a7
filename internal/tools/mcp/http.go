package mcp

import (
	"net/http"

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

// redact replaces every secret in s the way every other output does
// (internal/redact: whole values, a short one only as a whole token, "<redacted>").
func redact(s string, secrets []string) string { return registry.New(secrets...).String(s) }
