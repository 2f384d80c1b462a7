package agent

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"reflect"
	"time"

	"go.yaml.in/yaml/v3"
)

// LoadOptions are the inputs of Load and Parse besides the file itself.
type LoadOptions struct {
	// Vars are the --var key=value pairs, available to instructions as .Vars.key.
	Vars map[string]string
	// Now is the time instructions are rendered with at load. Zero: time.Now().
	Now time.Time
	// LookPath resolves command programs. Nil: exec.LookPath.
	LookPath func(string) (string, error)
}

// Load reads, decodes, defaults and validates an agents file. A file that
// cannot be read is returned as a wrapped os error (ErrNotRegular for a
// device, FIFO or directory, ErrTooLarge beyond MaxFileSize); a file with
// problems as Errors, listing all of them.
func Load(path string, opts LoadOptions) (*Config, error) {
	data, err := readBounded(path)
	if err != nil {
		return nil, fmt.Errorf("agents file: %w", err)
	}
	return Parse(data, path, opts)
}

// Parse decodes, defaults and validates the contents of an agents file.
// filename names the file in errors, and its directory is the base of the
// relative paths in it (instructions_file, command programs, dir).
func Parse(data []byte, filename string, opts LoadOptions) (*Config, error) {
	if opts.LookPath == nil {
		opts.LookPath = exec.LookPath
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	dirOf := filepath.Dir(filename)
	if filename == "" {
		filename = "<input>" // relative paths are then relative to the working directory
	}
	dir, err := filepath.Abs(dirOf)
	if err != nil {
		return nil, fmt.Errorf("agents file: %w", err)
	}
	cfg := &Config{File: filename, Dir: dir, Vars: opts.Vars}
	d := newDecoder(filename)

	if errs := checkBytes(filename, data); len(errs) > 0 {
		return nil, errs
	}
	root, err := parseYAML(data)
	if err != nil {
		return nil, Errors{syntaxError(filename, data, err)}
	}
	if root != nil {
		d.decode(root, reflect.ValueOf(cfg).Elem(), "")
	}
	v := &validator{decoder: d, cfg: cfg, opts: opts, src: data}
	v.run()
	if errs := d.errs.sort(); len(errs) > 0 {
		return nil, errs
	}
	return cfg, nil
}

// parseYAML parses exactly one YAML document into a node tree; nil for an
// empty file.
func parseYAML(data []byte) (root *yaml.Node, err error) {
	defer func() {
		if r := recover(); r != nil { // the YAML library must not take the caller down
			root, err = nil, fmt.Errorf("yaml: internal parser error: %v", r)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, err
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, err
	default:
		return nil, &multiDocError{line: extra.Line}
	}
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		return doc.Content[0], nil
	}
	return &doc, nil
}

type multiDocError struct{ line int }

func (e *multiDocError) Error() string { return "only one YAML document is allowed" }
