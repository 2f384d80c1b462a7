package agent

import (
	"fmt"
	"maps"
	"net/http"
	"os"
	"slices"

	"github.com/rtagent/rtagent/internal/envref"
)

// Header returns the endpoint headers with ${NAME} expanded (nil lookup: os.LookupEnv).
func (e *Endpoint) Header(lookup func(string) (string, bool)) (http.Header, error) {
	h, _, err := envref.Header(e.Headers, lookup)
	return h, err
}

// Header returns the request headers with ${NAME} expanded (nil lookup: os.LookupEnv).
// Call it at call time; the Tool keeps the unexpanded templates.
func (h *HTTPTool) Header(lookup func(string) (string, bool)) (http.Header, error) {
	hdr, _, err := envref.Header(h.Headers, lookup)
	return hdr, err
}

// Environ returns the command tool's Env as KEY=value pairs with ${NAME}
// expanded (nil lookup: os.LookupEnv), sorted by key.
func (t *Tool) Environ(lookup func(string) (string, bool)) ([]string, error) {
	keys := sortedKeys(t.Env)
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		v, err := envref.Expand(t.Env[k], lookup)
		if err != nil {
			return nil, fmt.Errorf("env %s: %w", k, err)
		}
		out = append(out, k+"="+v)
	}
	return out, nil
}

// UnsetEnv lists the ${NAME} references of HTTP tool headers and endpoint headers
// whose variable is not set (lookup; nil: os.LookupEnv): the file is valid, but
// those calls would fail. Each entry names the field path and the variable, never
// a value.
func (c *Config) UnsetEnv(lookup func(string) (string, bool)) []string {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	var out []string
	check := func(path string, h map[string]string) {
		for _, k := range slices.Sorted(maps.Keys(h)) {
			_, _ = envref.Expand(h[k], func(name string) (string, bool) {
				if _, ok := lookup(name); !ok {
					out = append(out, fmt.Sprintf("%s.%s uses ${%s}, which is not set", path, k, name))
				}
				return "", true
			})
		}
	}
	if c.Endpoint != nil {
		check("endpoint.headers", c.Endpoint.Headers)
	}
	for i, a := range c.Agents {
		for j, t := range a.Tools {
			if t.HTTP != nil {
				check(fmt.Sprintf("agents[%d].tools[%d].http.headers", i, j), t.HTTP.Headers)
			}
		}
	}
	return out
}
