// Package envref is the one implementation of the ${NAME} references that
// agents.yaml values may hold (HTTP tool and MCP server headers, endpoint headers,
// command tool and MCP server env): how they are written, checked and expanded.
// "$${" is a literal "${". Every reader of a template (validation, the HTTP tool at
// call time, MCP at connect time, secrets registration) goes through Expand, so what
// validation accepts is what is sent. It never logs and never puts a value in an error.
package envref

import (
	"fmt"
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"
)

// Expand replaces every ${NAME} in s with the value lookup (nil: os.LookupEnv)
// returns for NAME.
// "$${" is a literal "${"; a "$" not followed by "{" is kept as is. lookup is
// called once per reference, in order, and only for real references (never for a
// "$${" literal), so a caller can collect the names or the values it hands out. A
// reference lookup reports unset (false), or a malformed one, is an error that
// names the variable and never includes a value.
func Expand(s string, lookup func(name string) (string, bool)) (string, error) {
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
			if !ValidName(name) {
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

// Check validates the references of s without reading the environment.
func Check(s string) error {
	_, err := Expand(s, func(string) (string, bool) { return "", true })
	return err
}

// ValidName reports whether name is a variable name ${...} accepts:
// [A-Za-z_][A-Za-z0-9_]*.
func ValidName(name string) bool {
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

// Header expands the values of a header template map with Expand (lookup nil:
// os.LookupEnv), in key order so the first fault reported is deterministic. It also
// returns the secrets the expansion put in: each value a reference was replaced by,
// and each whole header value that holds one ("Bearer <token>"). A value without a
// reference, "$${" literals included, is not a secret. Errors name the header and
// the variable, never a value.
func Header(tmpl map[string]string, lookup func(name string) (string, bool)) (http.Header, []string, error) {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	out := make(http.Header, len(tmpl))
	var secrets []string
	for _, k := range slices.Sorted(maps.Keys(tmpl)) {
		refs := len(secrets)
		v, err := Expand(tmpl[k], func(name string) (string, bool) {
			v, ok := lookup(name)
			secrets = append(secrets, v)
			return v, ok
		})
		if err != nil {
			return nil, nil, fmt.Errorf("header %s: %w", k, err)
		}
		if len(secrets) > refs {
			secrets = append(secrets, v)
		}
		out.Set(k, v)
	}
	return out, secrets, nil
}
