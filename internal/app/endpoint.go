package app

import (
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/rtagent/rtagent/internal/agent"
)

// ErrNoAPIKey is the one line a user sees without a key and without --sim.
var ErrNoAPIKey = usageErrorf("OPENAI_API_KEY is not set: export it, or use --sim to run on the offline simulator")

// endpoint is where and how to connect.
type endpoint struct {
	URL     string
	APIKey  string
	Azure   bool
	Headers http.Header
}

// resolveEndpoint decides the endpoint from the options, the agents file and the
// environment. It never returns a key in an error.
func resolveEndpoint(o *Options, getenv func(string) string, fileEndpoint *agent.Endpoint) (endpoint, error) {
	ep := endpoint{URL: o.URL, Azure: o.Azure, Headers: o.Headers}
	if ep.URL == "" && fileEndpoint != nil {
		ep.URL = fileEndpoint.URL
	}
	if ep.Headers == nil && fileEndpoint != nil && len(fileEndpoint.Headers) > 0 {
		h, err := fileEndpoint.Header(func(k string) (string, bool) { v := getenv(k); return v, v != "" })
		if err != nil {
			return ep, usageErrorf("endpoint.headers: %v", err)
		}
		ep.Headers = h
	}
	if ep.Headers != nil {
		return ep, nil // custom headers are sent exactly, with no key added (R1.5)
	}
	if ep.Azure {
		ep.APIKey = getenv("AZURE_OPENAI_API_KEY")
		if ep.APIKey == "" {
			ep.APIKey = getenv("OPENAI_API_KEY")
		}
		if ep.APIKey == "" {
			return ep, usageErrorf("AZURE_OPENAI_API_KEY is not set (nor OPENAI_API_KEY): export it, or use --sim to run on the offline simulator")
		}
		if ep.URL == "" {
			return ep, usageErrorf("--azure needs --url wss://<resource>.openai.azure.com/openai/v1/realtime")
		}
		return ep, nil
	}
	ep.APIKey = getenv("OPENAI_API_KEY")
	switch {
	case ep.APIKey != "":
	case ep.URL == "":
		return ep, ErrNoAPIKey
	case isLoopback(ep.URL):
		// A server on this machine (`rtagent sim`, `rtagent replay`, a local proxy)
		// needs no key; it gets the simulator's placeholder, which is no secret, so a
		// server that insists on a bearer token still accepts the connection.
		ep.APIKey = simKey
	default:
		return ep, usageErrorf("OPENAI_API_KEY is not set: %s needs a key; export it (only a loopback URL such as ws://127.0.0.1:8765/v1/realtime from `rtagent sim` needs none), or use --sim to run on the offline simulator", RedactURL(ep.URL))
	}
	return ep, nil
}

// isLoopback reports whether raw names a host on this machine (localhost or a
// loopback address).
func isLoopback(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// RedactURL drops a URL's query and credentials, which may carry a token.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "…"
	}
	u.User, u.RawQuery = nil, ""
	return u.String()
}
