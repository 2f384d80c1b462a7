package app

import (
	"net/http"

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
	if ep.APIKey == "" {
		return ep, ErrNoAPIKey
	}
	return ep, nil
}
