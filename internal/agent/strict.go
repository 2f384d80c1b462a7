package agent

import (
	"fmt"
	"reflect"
)

// Document is a YAML file decoded with DecodeStrict: it remembers where each
// field path was found, so checks made after decoding point at the right
// line and column too.
type Document struct {
	d *decoder
}

// DecodeStrict decodes one YAML document into v (a pointer to a struct with
// yaml tags) with the rules agents.yaml follows: unknown keys, duplicate keys,
// wrong types and YAML syntax errors are all reported, each with
// file:line:column and its field path. It is the shared piece other file
// formats (scenario files) build on. The error, if any, is Errors.
func DecodeStrict(data []byte, filename string, v any) (*Document, error) {
	d := newDecoder(filename)
	root, err := parseYAML(data)
	if err != nil {
		return nil, Errors{syntaxError(filename, data, err)}
	}
	if root != nil {
		d.decode(root, reflect.ValueOf(v).Elem(), "")
	}
	doc := &Document{d: d}
	return doc, doc.Err()
}

// Has reports whether path (e.g. steps[2].expect) was given a non-null value.
func (doc *Document) Has(path string) bool { return doc.d.has(path) }

// Errorf records a problem at path's place in the file.
func (doc *Document) Errorf(path, format string, args ...any) {
	p := doc.d.pos[path]
	e := &ValidationError{File: doc.d.file, Line: p.line, Column: p.col, Path: path}
	e.Msg = fmt.Sprintf(format, args...)
	doc.d.errs = append(doc.d.errs, e)
}

// Err returns every problem recorded so far, in file order, or nil.
func (doc *Document) Err() error {
	if errs := doc.d.errs.sort(); len(errs) > 0 {
		return errs
	}
	return nil
}
