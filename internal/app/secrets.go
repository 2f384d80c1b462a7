package app

import (
	"net/url"

	"github.com/rtagent/rtagent/internal/agent"
	"github.com/rtagent/rtagent/internal/envref"
	"github.com/rtagent/rtagent/internal/redact"
)

// registerSecrets adds every secret this run is configured with to the
// process-wide registry (internal/redact) before anything connects, so that no
// trace, log, transcript, printed error or event-log line can show one (issue 11
// item 5): the API key, every header value sent to the realtime endpoint (--header
// or endpoint.headers), token query parameters of the URL, and the ${NAME} values
// an HTTP tool or an MCP HTTP server puts into its headers. The simulator's
// placeholder key is no secret and is left out. Whole values are registered;
// redact never scrubs a short value inside a word.
func registerSecrets(ep endpoint, cfg *agent.Config, getenv func(string) string) {
	if ep.APIKey != simKey {
		redact.Register(ep.APIKey)
	}
	for _, vs := range ep.Headers {
		redact.Register(vs...)
	}
	if u, err := url.Parse(ep.URL); err == nil {
		for k, vs := range u.Query() {
			if k != "model" {
				redact.Register(vs...)
			}
		}
	}
	if cfg == nil {
		return
	}
	headers := func(h map[string]string) {
		for _, v := range h {
			// Each value a reference expands to, even when another one is unset; a
			// "$${" literal is no reference and nothing of it is a secret.
			refs := 0
			x, err := envref.Expand(v, func(k string) (string, bool) {
				s := getenv(k)
				redact.Register(s)
				refs++
				return s, s != ""
			})
			if err == nil && refs > 0 {
				redact.Register(x) // the whole expanded value too ("Bearer ${TOKEN}")
			}
		}
	}
	for _, a := range cfg.Agents {
		for _, t := range a.Tools {
			if t.HTTP != nil {
				headers(t.HTTP.Headers)
			}
		}
	}
	for _, s := range cfg.MCPServers {
		headers(s.Headers)
	}
}
