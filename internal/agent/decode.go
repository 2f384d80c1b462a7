package agent

import (
	"encoding"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
)

// maxNodes bounds the work on one document, counting alias expansions, so a
// "billion laughs" file fails instead of exhausting memory.
const maxNodes = 200_000

// pos is where a field path was found. null marks an explicit YAML null.
type pos struct {
	line, col int
	null      bool
}

// decoder walks a yaml.Node tree into Go values. Unlike yaml.v3's own decoder
// it reports every problem with its line:column and field path, and records
// where each path was found so later validation can point at it too.
type decoder struct {
	file   string
	errs   Errors
	pos    map[string]pos
	budget int
	active map[*yaml.Node]bool // nodes being decoded, so an alias back into one is refused
}

func newDecoder(file string) *decoder {
	return &decoder{file: file, pos: make(map[string]pos), budget: maxNodes, active: make(map[*yaml.Node]bool)}
}

// nodeDecoder is implemented by types with their own YAML shape.
type nodeDecoder interface {
	decodeYAML(d *decoder, n *yaml.Node, path string)
}

// nullSetter is implemented by types for which an explicit null means "off".
type nullSetter interface{ setNull() }

var (
	nodeDecoderType = reflect.TypeFor[nodeDecoder]()
	nullSetterType  = reflect.TypeFor[nullSetter]()

	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

func (d *decoder) errorf(n *yaml.Node, path, format string, args ...any) {
	e := &ValidationError{File: d.file, Path: path, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line, e.Column = n.Line, n.Column
	}
	d.errs = append(d.errs, e)
}

func (d *decoder) mark(path string, n *yaml.Node) {
	d.pos[path] = pos{line: n.Line, col: n.Column, null: n.Kind == yaml.ScalarNode && n.Tag == "!!null"}
}

// has reports whether path was given a non-null value in the file.
func (d *decoder) has(path string) bool {
	p, ok := d.pos[path]
	return ok && !p.null
}

// resolve follows aliases, refusing cycles and runaway expansion.
func (d *decoder) resolve(n *yaml.Node, path string) (*yaml.Node, bool) {
	for n.Kind == yaml.AliasNode {
		if n.Alias == nil || d.active[n.Alias] {
			d.errorf(n, path, "alias %q refers to itself", n.Value)
			return nil, false
		}
		n = n.Alias
	}
	d.budget--
	if d.budget < 0 {
		if d.budget == -1 {
			d.errorf(n, path, "document too large (more than %d nodes after alias expansion)", maxNodes)
		}
		return nil, false
	}
	return n, true
}

// decode decodes n into v (addressable) at the given field path.
func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string) {
	n, ok := d.resolve(n, path)
	if !ok {
		return
	}
	d.active[n] = true
	defer delete(d.active, n)
	d.mark(path, n)
	isNull := n.Kind == yaml.ScalarNode && n.Tag == "!!null"

	if v.Kind() == reflect.Pointer {
		if isNull {
			if v.Type().Implements(nullSetterType) {
				v.Set(reflect.New(v.Type().Elem()))
				v.Interface().(nullSetter).setNull()
			}
			return
		}
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		v = v.Elem()
	}
	if v.CanAddr() && v.Addr().Type().Implements(nodeDecoderType) {
		if isNull {
			return
		}
		v.Addr().Interface().(nodeDecoder).decodeYAML(d, n, path)
		return
	}
	if isNull && v.Kind() != reflect.Interface {
		return // null means "not set"
	}
	if v.CanAddr() && v.Kind() != reflect.String && v.Addr().Type().Implements(textUnmarshalerType) {
		// Enumerations with a Go type of their own (vad.Sensitivity): a scalar spelled
		// as the type reads it.
		if n.Kind != yaml.ScalarNode {
			d.errorf(n, path, "expected a string, got %s", describe(n))
			return
		}
		if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(n.Value)); err != nil {
			d.errorf(n, path, "%v", err)
		}
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		d.decodeStruct(n, v.Addr().Interface(), path)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.errorf(n, path, "expected a list, got %s", describe(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, c := range n.Content {
			d.decode(c, s.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
		v.Set(s)
	case reflect.Map:
		d.decodeMap(n, v, path)
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			d.errorf(n, path, "expected a string, got %s", describe(n))
			return
		}
		v.SetString(n.Value)
	case reflect.Bool:
		b, err := strconv.ParseBool(n.Value)
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" || err != nil {
			d.errorf(n, path, "expected true or false, got %s", describe(n))
			return
		}
		v.SetBool(b)
	case reflect.Int:
		var i int
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" || n.Decode(&i) != nil {
			d.errorf(n, path, "expected an integer, got %s", describe(n))
			return
		}
		v.SetInt(int64(i))
	case reflect.Float64:
		var f float64
		if n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!float") || n.Decode(&f) != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			d.errorf(n, path, "expected a number, got %s", describe(n))
			return
		}
		v.SetFloat(f)
	case reflect.Interface:
		if val, ok := d.generic(n, path); ok {
			if val != nil {
				v.Set(reflect.ValueOf(val))
			}
		}
	default:
		d.errorf(n, path, "internal error: cannot decode into %s", v.Type())
	}
}

type fieldInfo struct {
	index []int
	name  string
}

var fieldCache sync.Map // reflect.Type -> map[string]fieldInfo

// fieldsOf maps the yaml names of t's fields to their index.
func fieldsOf(t reflect.Type) map[string]fieldInfo {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]fieldInfo)
	}
	m := make(map[string]fieldInfo)
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || name == "-" || name == "" {
			continue
		}
		m[name] = fieldInfo{index: f.Index, name: name}
	}
	fieldCache.Store(t, m)
	return m
}

// pairs returns the key/value pairs of a mapping with merge keys (<<) applied:
// explicit keys win over merged ones, earlier merged mappings over later ones.
func (d *decoder) pairs(n *yaml.Node, path string) [][2]*yaml.Node {
	var out, merged [][2]*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			src, ok := d.resolve(val, path)
			if !ok {
				continue
			}
			var srcs []*yaml.Node
			switch src.Kind {
			case yaml.MappingNode:
				srcs = []*yaml.Node{src}
			case yaml.SequenceNode:
				for _, c := range src.Content {
					if c, ok := d.resolve(c, path); ok {
						srcs = append(srcs, c)
					}
				}
			}
			for _, s := range srcs {
				if s.Kind != yaml.MappingNode {
					d.errorf(s, path, "merge key (<<) needs a mapping or a list of mappings, got %s", describe(s))
					continue
				}
				if d.active[s] {
					d.errorf(s, path, "merge key (<<) refers to itself")
					continue
				}
				d.active[s] = true
				merged = append(merged, d.pairs(s, path)...)
				delete(d.active, s)
			}
			continue
		}
		out = append(out, [2]*yaml.Node{k, val})
	}
	if len(merged) == 0 {
		return out
	}
	seen := make(map[string]bool, len(out))
	for _, p := range out {
		seen[p[0].Value] = true
	}
	for _, p := range merged {
		if !seen[p[0].Value] {
			seen[p[0].Value] = true
			out = append(out, p)
		}
	}
	return out
}

// keyOf returns a mapping key as a string, or false (with an error) when the
// key is not a plain scalar.
func (d *decoder) keyOf(k *yaml.Node, path string) (string, bool) {
	if k.Kind != yaml.ScalarNode || k.Tag == "!!null" {
		d.errorf(k, path, "mapping keys must be strings, got %s", describe(k))
		return "", false
	}
	return k.Value, true
}

// decodeStruct decodes a mapping into the struct pointed to by ptr.
func (d *decoder) decodeStruct(n *yaml.Node, ptr any, path string) {
	v := reflect.ValueOf(ptr).Elem()
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, "expected a mapping, got %s", describe(n))
		return
	}
	fields := fieldsOf(v.Type())
	d.eachKey(n, path, func(key, sub string, k, val *yaml.Node) {
		f, ok := fields[key]
		if !ok {
			msg := fmt.Sprintf("unknown field %q", key)
			if s := suggest(key, fields); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			d.errorf(k, sub, "%s", msg)
			return
		}
		d.decode(val, v.FieldByIndex(f.index), sub)
	})
}

// eachKey calls f, in order, for each key of the mapping n and its value; a
// key that is not a string, or one given twice, is reported and skipped.
func (d *decoder) eachKey(n *yaml.Node, path string, f func(key, sub string, k, val *yaml.Node)) {
	seen := make(map[string]*yaml.Node, len(n.Content)/2)
	for _, p := range d.pairs(n, path) {
		key, ok := d.keyOf(p[0], path)
		if !ok {
			continue
		}
		sub := join(path, key)
		if first, dup := seen[key]; dup {
			d.errorf(p[0], sub, "duplicate key (first at line %d)", first.Line)
			continue
		}
		seen[key] = p[0]
		f(key, sub, p[0], p[1])
	}
}

// decodeMap decodes a mapping with string keys.
func (d *decoder) decodeMap(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, "expected a mapping, got %s", describe(n))
		return
	}
	m := reflect.MakeMapWithSize(v.Type(), len(n.Content)/2)
	d.eachKey(n, path, func(key, sub string, _, val *yaml.Node) {
		e := reflect.New(v.Type().Elem()).Elem()
		d.decode(val, e, sub)
		m.SetMapIndex(reflect.ValueOf(key).Convert(v.Type().Key()), e)
	})
	v.Set(m)
}

// generic converts a node into JSON-compatible values: map[string]any, []any,
// string, bool, json.Number or nil.
func (d *decoder) generic(n *yaml.Node, path string) (any, bool) {
	n, ok := d.resolve(n, path)
	if !ok {
		return nil, false
	}
	d.active[n] = true
	defer delete(d.active, n)
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for _, p := range d.pairs(n, path) {
			key, ok := d.keyOf(p[0], path)
			if !ok {
				return nil, false
			}
			if _, dup := m[key]; dup {
				d.errorf(p[0], join(path, key), "duplicate key")
				return nil, false
			}
			val, ok := d.generic(p[1], join(path, key))
			if !ok {
				return nil, false
			}
			m[key] = val
		}
		return m, true
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for i, c := range n.Content {
			val, ok := d.generic(c, fmt.Sprintf("%s[%d]", path, i))
			if !ok {
				return nil, false
			}
			s = append(s, val)
		}
		return s, true
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return nil, true
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err != nil {
				d.errorf(n, path, "invalid boolean %s", describe(n))
				return nil, false
			}
			return b, true
		case "!!int", "!!float":
			var f float64
			if err := n.Decode(&f); err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				d.errorf(n, path, "number %s is not valid in JSON", describe(n))
				return nil, false
			}
			if n.Tag == "!!int" {
				var i int64
				if err := n.Decode(&i); err == nil {
					return json.Number(strconv.FormatInt(i, 10)), true
				}
			}
			return json.Number(strconv.FormatFloat(f, 'g', -1, 64)), true
		default:
			return n.Value, true
		}
	}
	d.errorf(n, path, "unsupported YAML node %s", describe(n))
	return nil, false
}

// join appends a key to a field path, quoting keys that are not identifiers.
func join(path, key string) string {
	simple := key != ""
	for _, r := range key {
		if !(r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			simple = false
			break
		}
	}
	if !simple {
		key = strconv.Quote(key)
		if path == "" {
			return "[" + key + "]"
		}
		return path + "[" + key + "]"
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

// suggest returns the known field closest to key, if it is a plausible typo.
func suggest(key string, fields map[string]fieldInfo) string {
	best, bestD := "", 3
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if dist := levenshtein(strings.ToLower(key), name); dist < bestD {
			best, bestD = name, dist
		}
	}
	return best
}

func levenshtein(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 99
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
