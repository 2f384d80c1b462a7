package openai

import (
	"net/url"

	"github.com/rtagent/rtagent/internal/redact"
)

// secrets are the values that must never reach an error, a log or the trace: the
// API key, configured header values (and the token of "Bearer <token>"), and URL
// query values other than the model (a token in the query string).
func (c *Config) secrets() []string {
	out := []string{c.APIKey}
	for _, vs := range c.Headers {
		out = append(out, vs...)
	}
	if u, err := url.Parse(c.URL); err == nil {
		for k, vs := range u.Query() {
			if k != "model" {
				out = append(out, vs...)
			}
		}
	}
	return out
}

// scrubber returns the connection's scrubber: its own secrets plus the process-wide
// registry (redact.Register).
func (m *Model) scrubber() *redact.Scrubber { return redact.New(m.cfg.secrets()...) }

// scrub removes every secret from text that may reach an error, a log or the trace.
func (m *Model) scrub(s string) string { return m.scrubber().String(s) }

// scrubErr returns err, or an error with its secrets removed.
func (m *Model) scrubErr(err error) error { return m.scrubber().Error(err) }
