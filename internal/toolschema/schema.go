package toolschema

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/google/jsonschema-go/jsonschema"
)

// The $schema values this package validates; without $schema a schema is draft 2020-12.
// Draft 2019-09 is validated as 2020-12 and draft-06 as draft-07: the keywords they
// share mean the same, and the checker refuses the few that differ.
const (
	draft2020 = "https://json-schema.org/draft/2020-12/schema"
	draft2019 = "https://json-schema.org/draft/2019-09/schema"
	draft07   = "http://json-schema.org/draft-07/schema#"
	draft06   = "http://json-schema.org/draft-06/schema#"
)

// dialect returns how a $schema value is validated: as draft-07 or not, and
// whether this package knows it at all. http and https, with or without the
// empty fragment, name the same dialect.
func dialect(v any) (draft7, ok bool) {
	s, _ := v.(string)
	s = strings.TrimSuffix(strings.Replace(s, "https://", "http://", 1), "#")
	switch s + "#" {
	case strings.Replace(draft2020, "https://", "http://", 1) + "#", strings.Replace(draft2019, "https://", "http://", 1) + "#":
		return false, true
	case draft07, draft06:
		return true, true
	}
	return false, false
}

// Schema is a checked JSON Schema, ready to validate arguments. It is safe
// for concurrent use.
type Schema struct {
	doc    []byte
	draft7 bool

	once sync.Once // resolves doc on first use
	r    *jsonschema.Resolved
	err  error
}

// cache maps a schema document (its exact text) to the outcome of compiling it, so
// a schema compiles once per process however many tools, calls and checks use it
// (agents.yaml is checked at load, then the same text reaches the tool
// constructors). Keys come from configuration, so the cache is bounded by it.
var cache struct {
	sync.Mutex
	m map[string]compiled
}

type compiled struct {
	s   *Schema
	err error
}

// Compile checks doc, the JSON text of a schema (an object or a boolean), and
// prepares it for validation. A problem in the schema is an *Error naming
// the JSON pointer of the offending keyword.
//
// Every keyword's shape is checked at once. The library's resolution (which
// decodes the schema into its types by reflection, the costly part) runs at once
// only when the schema uses references or identifiers, the one thing it checks
// beyond the shapes; otherwise it waits for the first Validate.
func Compile(doc []byte) (*Schema, error) {
	cache.Lock()
	c, ok := cache.m[string(doc)]
	cache.Unlock()
	if ok {
		return c.s, c.err
	}
	c.s, c.err = compile(doc)
	cache.Lock()
	if cache.m == nil {
		cache.m = make(map[string]compiled)
	}
	cache.m[string(doc)] = c
	cache.Unlock()
	return c.s, c.err
}

func compile(doc []byte) (*Schema, error) {
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		return nil, fmt.Errorf("not valid JSON: %w", err)
	}
	c := checker{}
	if m, ok := v.(map[string]any); ok {
		if d, ok := m["$schema"]; ok {
			draft7, known := dialect(d)
			if !known {
				return nil, &Error{"/$schema", fmt.Sprintf("unsupported dialect %s (want %s, %s, %s or %s)", jsonText(d), draft2020, draft2019, draft07, draft06)}
			}
			c.draft7 = draft7
		}
	}
	if err := c.schema(v, ""); err != nil {
		return nil, err
	}
	s := &Schema{doc: slices.Clone(doc), draft7: c.draft7}
	if c.refs {
		if err := s.resolve(); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// resolve decodes and resolves the schema once.
func (s *Schema) resolve() error {
	s.once.Do(func() {
		var js jsonschema.Schema
		if err := json.Unmarshal(s.doc, &js); err != nil {
			s.err = &Error{"", err.Error()}
			return
		}
		// The library knows two dialects, by their canonical names only.
		if js.Schema != "" {
			js.Schema = draft2020
			if s.draft7 {
				js.Schema = draft07
			}
		}
		r, err := js.Resolve(&jsonschema.ResolveOptions{Loader: noRemote})
		if err != nil {
			s.err = &Error{"", strings.TrimPrefix(err.Error(), "jsonschema.Schema: ")}
			return
		}
		s.r = r
	})
	return s.err
}

// CompileValue is Compile for a schema already decoded (from YAML, say): it
// returns the schema's JSON text too.
func CompileValue(v any) (*Schema, []byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot encode as JSON: %w", err)
	}
	s, err := Compile(raw)
	return s, raw, err
}

// noRemote refuses every reference outside the schema document.
func noRemote(u *url.URL) (*jsonschema.Schema, error) {
	return nil, errors.New("external references are not allowed")
}

// Validate checks instance, a JSON value as encoding/json decodes it into an
// any (map[string]any, []any, float64, string, bool, nil), against s. The
// error says, in one line, where and why: it is shown to the model (R8.4), so
// it never quotes a long argument value in full.
func (s *Schema) Validate(instance any) error {
	if err := s.resolve(); err != nil {
		return fmt.Errorf("the schema is invalid: %w", err)
	}
	if err := s.r.Validate(instance); err != nil {
		return errors.New(reason(err))
	}
	return nil
}

// maxReason caps the reason's length: argument values can be long.
const maxReason = 300

// reason turns the library's error, a chain of "validating <schema path>: …"
// wrappers around one failed keyword, into "at '<where>': <what>". Where is
// the instance's JSON pointer when the schema path is a chain of properties
// (the usual case: "/order_id"), otherwise the schema path.
func reason(err error) string {
	where := ""
	for {
		inner := errors.Unwrap(err)
		if inner == nil {
			break
		}
		outer := strings.TrimSuffix(err.Error(), ": "+inner.Error())
		if loc, ok := strings.CutPrefix(outer, "validating "); ok {
			where = loc
		}
		err = inner
	}
	what := tidy(err.Error())
	if len(what) > maxReason {
		what = what[:maxReason] + "…"
	}
	switch where {
	case "", "root":
		return what
	}
	if ptr, ok := instancePointer(where); ok {
		if ptr == "" {
			return what
		}
		return "at '" + ptr + "': " + what
	}
	return "at schema '" + where + "': " + what
}

// instancePointer maps a schema path made of properties ("/properties/a/properties/b")
// to the instance's pointer ("/a/b").
func instancePointer(schemaPath string) (string, bool) {
	var b strings.Builder
	rest := schemaPath
	for rest != "" {
		after, ok := strings.CutPrefix(rest, "/properties/")
		if !ok {
			return "", false
		}
		name, next, _ := strings.Cut(after, "/")
		b.WriteString("/" + name)
		if next == "" {
			break
		}
		rest = "/" + next
	}
	return b.String(), true
}

// tidy rewrites the library's most common messages in the words of the
// protocol's error text: "type: 42 has type "integer", want "string"" becomes
// "got number, want string", "required: missing properties: ["a"]" becomes
// "missing property 'a'", "unexpected additional properties ["x"]" becomes
// "additional properties 'x' not allowed", and fractions and %f-formatted bounds lose their trailing zeros.
func tidy(msg string) string {
	if rest, ok := strings.CutPrefix(msg, "type: "); ok {
		if i := strings.LastIndex(rest, " has type "); i >= 0 {
			got, want, ok := strings.Cut(rest[i+len(" has type "):], ", want ")
			if ok {
				g, _ := strconv.Unquote(got)
				if g == "integer" {
					g = "number" // 42 is a number to whoever reads this
				}
				want = strings.TrimPrefix(want, "one of ")
				if w, err := strconv.Unquote(want); err == nil {
					want = strings.ReplaceAll(w, ", ", " or ")
				}
				return "got " + g + ", want " + want
			}
		}
	}
	if rest, ok := strings.CutPrefix(msg, "required: missing properties: "); ok {
		if names := unquoteList(rest); len(names) > 0 {
			if len(names) == 1 {
				return "missing property '" + names[0] + "'"
			}
			return "missing properties '" + strings.Join(names, "', '") + "'"
		}
	}
	if rest, ok := strings.CutPrefix(msg, "unexpected additional properties "); ok {
		if names := unquoteList(rest); len(names) > 0 {
			return "additional properties '" + strings.Join(names, "', '") + "' not allowed"
		}
	}
	for _, k := range []string{"minimum: ", "maximum: ", "exclusiveMinimum: ", "exclusiveMaximum: ", "multipleOf: "} {
		if rest, ok := strings.CutPrefix(msg, k); ok {
			// The library prints the number as a fraction: "minimum: 0/1 is less than 1.000000".
			n, tail, _ := strings.Cut(rest, " ")
			if r, ok := new(big.Rat).SetString(n); ok {
				f, _ := r.Float64()
				msg = k + strconv.FormatFloat(f, 'g', -1, 64) + " " + tail
			}
			break
		}
	}
	return trimFloatZeros(msg)
}

// unquoteList parses a Go-quoted string list, `["a" "b"]`.
func unquoteList(s string) []string {
	s, ok := strings.CutPrefix(s, "[")
	if !ok {
		return nil
	}
	var out []string
	for {
		s = strings.TrimLeft(s, " ")
		if s == "]" {
			return out
		}
		q, err := strconv.QuotedPrefix(s)
		if err != nil {
			return nil
		}
		u, _ := strconv.Unquote(q)
		out = append(out, u)
		s = s[len(q):]
	}
}

// trimFloatZeros shortens numbers printed with %f: "1.000000" → "1", "2.500000" → "2.5".
func trimFloatZeros(s string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, ".")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		j := i + 1
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		frac := s[i+1 : j]
		if i > 0 && s[i-1] >= '0' && s[i-1] <= '9' && len(frac) == 6 {
			frac = strings.TrimRight(frac, "0")
			b.WriteString(s[:i])
			if frac != "" {
				b.WriteString("." + frac)
			}
		} else {
			b.WriteString(s[:j])
		}
		s = s[j:]
	}
}

func jsonText(x any) string {
	b, err := json.Marshal(x)
	if err != nil {
		return fmt.Sprint(x)
	}
	return string(b)
}
