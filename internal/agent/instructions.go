package agent

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"text/template"
	"time"

	"go.yaml.in/yaml/v3"
)

// TemplateData is what instructions templates see.
//
//	{{ .Date }}        2026-03-01
//	{{ .Time }}        14:05
//	{{ .Weekday }}     Sunday
//	{{ .Agent }}       the agent's name
//	{{ .Vars.key }}    --var key=value; a missing key is an error
//	{{ index .Vars "key" }}  the same, but a missing key is ""
type TemplateData struct {
	Date    string
	Time    string
	Weekday string
	Agent   string
	Vars    map[string]string
}

// RenderInstructions renders the agent's instructions template with the given
// variables and time. An agent with only a stored prompt renders "".
func (a *Agent) RenderInstructions(vars map[string]string, now time.Time) (string, error) {
	if a.tmpl == nil {
		return a.Instructions, nil
	}
	if vars == nil {
		vars = map[string]string{}
	}
	data := TemplateData{
		Date:    now.Format("2006-01-02"),
		Time:    now.Format("15:04"),
		Weekday: now.Weekday().String(),
		Agent:   a.Name,
		Vars:    vars,
	}
	var b bytes.Buffer
	if err := a.tmpl.Execute(&b, data); err != nil {
		return "", fmt.Errorf("agent %s: instructions: %w", a.Name, err)
	}
	return b.String(), nil
}

// instructions loads instructions_file, parses the template and renders it
// once with the load options, so template and --var mistakes fail at load.
func (v *validator) instructions(p string, a *Agent) {
	hasText, hasFile := v.has(p+".instructions"), v.has(p+".instructions_file")
	switch {
	case hasText && hasFile:
		v.fail(p+".instructions_file", "instructions and instructions_file are mutually exclusive")
		return
	case !hasText && !hasFile:
		if a.Prompt == nil {
			v.fail(p, "one of instructions or instructions_file is required (or a prompt)")
		}
		return
	}

	// Where template line 1 starts, and how to map template positions to the file.
	file, text := v.file, a.Instructions
	var node pos
	var blockScalar bool
	if hasFile {
		path := a.InstructionsFile
		if !filepath.IsAbs(path) {
			path = filepath.Join(v.cfg.Dir, path)
		}
		data, err := readBounded(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			v.fail(p+".instructions_file", "file %q not found", a.InstructionsFile)
			return
		case err != nil:
			v.fail(p+".instructions_file", "cannot read %q: %v", a.InstructionsFile, errors.Unwrap(err))
			return
		}
		text = string(data)
		a.Instructions = text
		file = filepath.Join(filepath.Dir(v.file), a.InstructionsFile)
		if filepath.IsAbs(a.InstructionsFile) {
			file = a.InstructionsFile
		}
	} else {
		node = v.pos[p+".instructions"]
		blockScalar = v.scalarStyle(node)&(yaml.LiteralStyle|yaml.FoldedStyle) != 0
	}

	where := func(line, col int) (int, int) {
		switch {
		case hasFile:
			return line, col
		case blockScalar:
			l := node.line + line
			return l, v.indent(l) + max(col, 1)
		default: // plain or quoted scalar: exact on its first line
			if line == 1 {
				start := node.col
				if l := v.line(node.line); node.col >= 1 && node.col <= len(l) && (l[node.col-1] == '"' || l[node.col-1] == '\'') {
					start++
				}
				return node.line, start + max(col-1, 0)
			}
			return node.line + line - 1, 0
		}
	}
	name := p + ".instructions"
	t, err := template.New(name).Option("missingkey=error").Parse(text)
	if err != nil {
		line, col, msg := templatePos(name, err)
		l, c := where(line, col)
		v.errs = append(v.errs, &ValidationError{File: file, Line: l, Column: c, Path: name, Msg: "invalid template: " + msg})
		return
	}
	a.tmpl = t
	if _, err := a.RenderInstructions(v.opts.Vars, v.opts.Now); err != nil {
		line, col, msg := templatePos(name, errors.Unwrap(err))
		l, c := where(line, col)
		if m := missingVarRE().FindStringSubmatch(msg); m != nil {
			msg = fmt.Sprintf(".Vars.%s has no value: give --var %s=VALUE", m[1], m[1])
		}
		v.errs = append(v.errs, &ValidationError{File: file, Line: l, Column: c, Path: name, Msg: "template: " + msg})
	}
}

// missingVarRE matches text/template's error for a --var that was not given.
var missingVarRE = lazyRegexp(`^at <\.Vars\.(\w+)>: map has no entry for key "\w+"$`)

var tmplErrRE = lazyRegexp(`^template: (?s:.*?):(\d+)(?::(\d+))?: (.*)$`)

// templatePos extracts the 1-based line and column of a text/template error.
func templatePos(name string, err error) (line, col int, msg string) {
	s := err.Error()
	rest, ok := strings.CutPrefix(s, "template: "+name+":")
	if !ok {
		if m := tmplErrRE().FindStringSubmatch(s); m != nil {
			rest = m[1] + ":" + m[2] + ": " + m[3]
		} else {
			return 1, 0, s
		}
	}
	num, rest, _ := strings.Cut(rest, ":")
	line, _ = strconv.Atoi(num)
	if c, r, ok := strings.Cut(rest, ":"); ok {
		if n, err := strconv.Atoi(c); err == nil {
			col, rest = n+1, r // execution errors count columns from 0
		}
	}
	msg = strings.TrimSpace(rest)
	msg = strings.TrimPrefix(msg, "executing \""+name+"\" ")
	return max(line, 1), col, msg
}

// scalarStyle finds the style of the scalar at a recorded position.
func (v *validator) scalarStyle(at pos) yaml.Style {
	// The decoder keeps positions, not nodes; a block scalar is recognised by
	// its indicator in the source.
	line := v.line(at.line)
	if at.col-1 < len(line) && at.col >= 1 {
		switch line[at.col-1] {
		case '|':
			return yaml.LiteralStyle
		case '>':
			return yaml.FoldedStyle
		}
	}
	return 0
}

// line returns source line n (1-based), or "".
func (v *validator) line(n int) string {
	if n < 1 {
		return ""
	}
	src := v.src
	for i := 1; i < n; i++ {
		j := bytes.IndexByte(src, '\n')
		if j < 0 {
			return ""
		}
		src = src[j+1:]
	}
	if j := bytes.IndexByte(src, '\n'); j >= 0 {
		src = src[:j]
	}
	return string(src)
}

// indent returns the number of leading spaces of source line n.
func (v *validator) indent(n int) int {
	l := v.line(n)
	return len(l) - len(strings.TrimLeft(l, " "))
}

// DefaultHandoffPreamble is added to an agent's instructions after a handoff
// to it (docs/protocol.md R9.2 step 6); %s is the previous agent's name.
const DefaultHandoffPreamble = "The conversation was just transferred to you from %s. Continue helping the user directly; do not greet again, say goodbye, or announce another transfer unless needed."

// Preamble returns the text to add to the agent's instructions after a
// handoff from the named agent: the handoff_preamble override verbatim, ""
// when the override is empty, otherwise DefaultHandoffPreamble.
func (a *Agent) Preamble(from string) string {
	if a.HandoffPreamble != nil {
		return *a.HandoffPreamble
	}
	return fmt.Sprintf(DefaultHandoffPreamble, from)
}

// HandoffDescription returns the default handoff tool description for a
// target agent (docs/protocol.md R9.1).
func HandoffDescription(target *Agent) string {
	d := "Handoff to the " + target.Name + " agent to handle the request."
	if s := strings.TrimSpace(target.HandoffDescription); s != "" {
		d += " " + s
	}
	return d
}
