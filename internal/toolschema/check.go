package toolschema

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Error is a problem in a schema document, at a JSON pointer inside it.
type Error struct {
	Pointer string // JSON pointer of the offending value; "" is the whole schema
	Msg     string
}

func (e *Error) Error() string { return fmt.Sprintf("at '%s': %s", e.Pointer, e.Msg) }

// simpleTypes are the names "type" accepts.
var simpleTypes = []string{"array", "boolean", "integer", "null", "number", "object", "string"}

// keyword kinds: what shape a keyword's value must have. Keywords not listed
// are annotations of unknown vocabularies and are accepted as they are.
const (
	kSchema         = iota // a schema
	kSchemaArray           // a non-empty array of schemas
	kSchemaMap             // an object whose values are schemas
	kString                // a string
	kBool                  // a boolean
	kArray                 // an array
	kNumber                // a number
	kPositive              // a number > 0
	kNonNegativeInt        // an integer ≥ 0
	kStringSet             // an array of unique strings
	kStringSetMap          // an object whose values are arrays of unique strings
	kType                  // a type name or a non-empty array of unique type names
	kPattern               // a regular expression
	kPatternMap            // an object of schemas whose keys are regular expressions
	kAnchor                // an anchor name
	kID                    // a URI reference without a non-empty fragment
	kVocabulary            // an object whose values are booleans
	kItems                 // items: a schema (2020-12) or also an array of schemas (draft-07)
	kDependencies          // draft-07 dependencies: a schema or an array of unique strings per key
)

// keywordKind is the shape of every keyword of the 2020-12 vocabularies (core,
// applicator, unevaluated, validation, meta-data, format, content) and of the
// draft-07 keywords that 2020-12 renamed. A switch, not a map: nothing to
// build when the program starts.
func keywordKind(k string) (int, bool) {
	switch k {
	case "$schema", "$ref", "$dynamicRef", "$comment", "title", "description", "format", "contentEncoding", "contentMediaType":
		return kString, true
	case "$id":
		return kID, true
	case "$anchor", "$dynamicAnchor":
		return kAnchor, true
	case "$vocabulary":
		return kVocabulary, true
	case "$defs", "definitions", "properties", "dependentSchemas":
		return kSchemaMap, true
	case "prefixItems", "allOf", "anyOf", "oneOf":
		return kSchemaArray, true
	case "items":
		return kItems, true
	case "additionalItems", "contains", "additionalProperties", "propertyNames", "if", "then", "else", "not", "unevaluatedItems", "unevaluatedProperties", "contentSchema":
		return kSchema, true
	case "patternProperties":
		return kPatternMap, true
	case "dependencies":
		return kDependencies, true
	case "type":
		return kType, true
	case "enum", "examples":
		return kArray, true
	case "multipleOf":
		return kPositive, true
	case "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum":
		return kNumber, true
	case "maxLength", "minLength", "maxItems", "minItems", "maxContains", "minContains", "maxProperties", "minProperties":
		return kNonNegativeInt, true
	case "pattern":
		return kPattern, true
	case "uniqueItems", "deprecated", "readOnly", "writeOnly":
		return kBool, true
	case "required":
		return kStringSet, true
	case "dependentRequired":
		return kStringSetMap, true
	}
	return 0, false
}

// checker walks a schema document decoded by encoding/json (map[string]any,
// []any, float64, string, bool, nil) and stops at the first problem. Keys are
// visited in sorted order, so the problem reported is always the same one.
type checker struct {
	draft7 bool
	refs   bool // a keyword that only resolution checks: a reference or an identifier
}

// schema checks one schema at pointer p.
func (c *checker) schema(v any, p string) *Error {
	m, ok := v.(map[string]any)
	if !ok {
		if _, ok := v.(bool); ok {
			return nil
		}
		return &Error{p, "must be a schema (an object or a boolean), got " + kindOf(v)}
	}
	if _, defs := m["$defs"]; defs {
		if _, both := m["definitions"]; both {
			c.refs = true // the library refuses both at once
		}
	}
	for _, k := range sortedKeys(m) {
		if k == "$recursiveRef" || k == "$recursiveAnchor" {
			return &Error{p + "/" + k, "draft 2019-09's recursive references are not supported (use $dynamicRef of draft 2020-12)"}
		}
		kind, known := keywordKind(k)
		if !known {
			continue
		}
		switch k {
		case "$ref", "$dynamicRef", "$id", "$anchor", "$dynamicAnchor", "$vocabulary":
			c.refs = true
		}
		if err := c.keyword(kind, m[k], p+"/"+escape(k)); err != nil {
			return err
		}
	}
	return nil
}

func (c *checker) keyword(kind int, v any, p string) *Error {
	want := func(what string) *Error { return &Error{p, "got " + kindOf(v) + ", want " + what} }
	switch kind {
	case kSchema:
		return c.schema(v, p)
	case kSchemaArray:
		a, ok := v.([]any)
		if !ok {
			return want("array of schemas")
		}
		if len(a) == 0 {
			return &Error{p, "must not be empty"}
		}
		for i, s := range a {
			if err := c.schema(s, p+"/"+strconv.Itoa(i)); err != nil {
				return err
			}
		}
	case kSchemaMap, kPatternMap:
		m, ok := v.(map[string]any)
		if !ok {
			return want("object")
		}
		for _, k := range sortedKeys(m) {
			if kind == kPatternMap {
				if _, err := regexp.Compile(k); err != nil {
					return &Error{p, fmt.Sprintf("invalid regular expression %q: %s", k, reError(err))}
				}
			}
			if err := c.schema(m[k], p+"/"+escape(k)); err != nil {
				return err
			}
		}
	case kItems:
		if a, ok := v.([]any); ok && c.draft7 {
			return c.keyword(kSchemaArray, a, p)
		}
		return c.schema(v, p)
	case kDependencies:
		m, ok := v.(map[string]any)
		if !ok {
			return want("object")
		}
		for _, k := range sortedKeys(m) {
			q := p + "/" + escape(k)
			if _, ok := m[k].([]any); ok {
				if err := c.keyword(kStringSet, m[k], q); err != nil {
					return err
				}
			} else if err := c.schema(m[k], q); err != nil {
				return err
			}
		}
	case kString:
		if _, ok := v.(string); !ok {
			return want("string")
		}
	case kBool:
		if _, ok := v.(bool); !ok {
			return want("boolean")
		}
	case kArray:
		if _, ok := v.([]any); !ok {
			return want("array")
		}
	case kNumber, kPositive:
		f, ok := v.(float64)
		if !ok {
			return want("number")
		}
		if kind == kPositive && !(f > 0) {
			return &Error{p, fmt.Sprintf("must be greater than 0, got %s", num(f))}
		}
	case kNonNegativeInt:
		f, ok := v.(float64)
		if !ok || f != math.Trunc(f) {
			return want("integer")
		}
		if f < 0 {
			return &Error{p, fmt.Sprintf("must not be negative, got %s", num(f))}
		}
		if f > math.MaxInt32 {
			return &Error{p, fmt.Sprintf("must be at most %d, got %s", math.MaxInt32, num(f))}
		}
	case kStringSet:
		a, ok := v.([]any)
		if !ok {
			return want("array of strings")
		}
		seen := make(map[string]bool, len(a))
		for i, x := range a {
			s, ok := x.(string)
			if !ok {
				return &Error{p + "/" + strconv.Itoa(i), "got " + kindOf(x) + ", want string"}
			}
			if seen[s] {
				return &Error{p, fmt.Sprintf("items must be unique, %q appears twice", s)}
			}
			seen[s] = true
		}
	case kStringSetMap:
		m, ok := v.(map[string]any)
		if !ok {
			return want("object")
		}
		for _, k := range sortedKeys(m) {
			if err := c.keyword(kStringSet, m[k], p+"/"+escape(k)); err != nil {
				return err
			}
		}
	case kType:
		return typeKeyword(v, p)
	case kPattern:
		s, ok := v.(string)
		if !ok {
			return want("string")
		}
		if _, err := regexp.Compile(s); err != nil {
			return &Error{p, "invalid regular expression: " + reError(err)}
		}
	case kAnchor:
		s, ok := v.(string)
		if !ok {
			return want("string")
		}
		if !validAnchor(s) {
			return &Error{p, fmt.Sprintf("invalid anchor %q: must match ^[A-Za-z_][-A-Za-z0-9._]*$", s)}
		}
	case kID:
		s, ok := v.(string)
		if !ok {
			return want("string")
		}
		if _, frag, _ := strings.Cut(s, "#"); frag != "" {
			return &Error{p, fmt.Sprintf("%q must not have a fragment (use $anchor)", s)}
		}
	case kVocabulary:
		m, ok := v.(map[string]any)
		if !ok {
			return want("object")
		}
		for _, k := range sortedKeys(m) {
			if _, ok := m[k].(bool); !ok {
				return &Error{p + "/" + escape(k), "got " + kindOf(m[k]) + ", want boolean"}
			}
		}
	}
	return nil
}

// typeKeyword checks "type": one type name or a non-empty array of unique ones.
func typeKeyword(v any, p string) *Error {
	bad := &Error{p, "value must be one of " + quotedList(simpleTypes)}
	switch t := v.(type) {
	case string:
		if !slices.Contains(simpleTypes, t) {
			return bad
		}
	case []any:
		if len(t) == 0 {
			return &Error{p, "must not be an empty array"}
		}
		seen := make(map[string]bool, len(t))
		for i, x := range t {
			s, ok := x.(string)
			if !ok || !slices.Contains(simpleTypes, s) {
				return &Error{p + "/" + strconv.Itoa(i), bad.Msg}
			}
			if seen[s] {
				return &Error{p, fmt.Sprintf("items must be unique, %q appears twice", s)}
			}
			seen[s] = true
		}
	default:
		return &Error{p, "got " + kindOf(v) + ", want a type name or an array of type names"}
	}
	return nil
}

// validAnchor reports whether s matches ^[A-Za-z_][-A-Za-z0-9._]*$.
func validAnchor(s string) bool {
	for i, r := range s {
		switch {
		case r == '_' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z':
		case i > 0 && (r == '-' || r == '.' || r >= '0' && r <= '9'):
		default:
			return false
		}
	}
	return s != ""
}

// kindOf names the JSON type of a decoded value.
func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case float64:
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	default:
		return fmt.Sprintf("%T", v)
	}
}

func num(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// escape escapes a key as a JSON pointer segment (RFC 6901).
func escape(k string) string {
	return strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
}

// reError shortens a regexp error: "missing closing ): `(a`".
func reError(err error) string {
	return strings.TrimPrefix(err.Error(), "error parsing regexp: ")
}

func quotedList(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = "'" + x + "'"
	}
	return strings.Join(q, ", ")
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
