package agent

import (
	"fmt"
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"
)

// ExpandEnv replaces every ${NAME} in s with the value of the environment
// variable NAME, read with lookup (nil: os.LookupEnv). "$${" is a literal "${";
// a "$" not followed by "{" is kept as is. An unset variable or a malformed
// reference is an error that names the variable and never includes a value.
func ExpandEnv(s string, lookup func(string) (string, bool)) (string, error) {
	if !strings.Contains(s, "$") {
		return s, nil
	}
	if lookup == nil {
		lookup = os.LookupEnv
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], "$${"):
			b.WriteString("${")
			i += 3
		case strings.HasPrefix(s[i:], "${"):
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				return "", fmt.Errorf("unterminated ${ at offset %d", i)
			}
			name := s[i+2 : i+2+end]
			if !validEnvName(name) {
				return "", fmt.Errorf("invalid environment variable name %q in ${...}", name)
			}
			v, ok := lookup(name)
			if !ok {
				return "", fmt.Errorf("environment variable %s is not set", name)
			}
			b.WriteString(v)
			i += 3 + end
		default:
			b.WriteByte(s[i])
			i++
		}
	}
	return b.String(), nil
}

// checkEnvTemplate validates the ${NAME} references of s without reading the
// environment.
func checkEnvTemplate(s string) error {
	_, err := ExpandEnv(s, func(string) (string, bool) { return "", true })
	return err
}

func validEnvName(name string) bool {
	if name == "" {
		return false
	}
	for i, r := range name {
		if !(r == '_' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// expandHeaders expands the values of a header template map.
func expandHeaders(h map[string]string, lookup func(string) (string, bool)) (http.Header, error) {
	out := make(http.Header, len(h))
	for k, v := range h {
		x, err := ExpandEnv(v, lookup)
		if err != nil {
			return nil, fmt.Errorf("header %s: %w", k, err)
		}
		out.Set(k, x)
	}
	return out, nil
}

// Header returns the endpoint headers with ${NAME} expanded (nil lookup: os.LookupEnv).
func (e *Endpoint) Header(lookup func(string) (string, bool)) (http.Header, error) {
	return expandHeaders(e.Headers, lookup)
}

// Header returns the request headers with ${NAME} expanded (nil lookup: os.LookupEnv).
// Call it at call time; the Tool keeps the unexpanded templates.
func (h *HTTPTool) Header(lookup func(string) (string, bool)) (http.Header, error) {
	return expandHeaders(h.Headers, lookup)
}

// Environ returns the command tool's Env as KEY=value pairs with ${NAME}
// expanded (nil lookup: os.LookupEnv), sorted by key.
func (t *Tool) Environ(lookup func(string) (string, bool)) ([]string, error) {
	keys := sortedKeys(t.Env)
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		v, err := ExpandEnv(t.Env[k], lookup)
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
			_, _ = ExpandEnv(h[k], func(name string) (string, bool) {
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
