package agent

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/rtagent/rtagent/internal/envref"
)

// validator applies defaults and checks a decoded Config. It shares the
// decoder's error list and positions.
type validator struct {
	*decoder
	cfg  *Config
	opts LoadOptions
	src  []byte
	bad  map[string]bool // paths that failed to decode: no follow-up errors below them
}

// at returns the position of path, or of its nearest ancestor that has one.
func (v *validator) at(path string) (int, int) {
	for p := path; ; p = parent(p) {
		if q, ok := v.pos[p]; ok {
			return q.line, q.col
		}
		if p == "" {
			return 0, 0
		}
	}
}

// parent strips the last segment of a field path.
func parent(p string) string {
	if strings.HasSuffix(p, "\"]") {
		if i := strings.LastIndex(p, "[\""); i >= 0 {
			return p[:i]
		}
	}
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
}

// fail records a problem at path unless path lies under one that failed to decode.
func (v *validator) fail(path, format string, args ...any) {
	for p := path; ; p = parent(p) {
		if v.bad[p] {
			return
		}
		if p == "" {
			break
		}
	}
	line, col := v.at(path)
	v.errs = append(v.errs, &ValidationError{File: v.file, Line: line, Column: col, Path: path, Msg: fmt.Sprintf(format, args...)})
}

// badUnder reports whether path or a path below it failed to decode.
func (v *validator) badUnder(path string) bool {
	for p := range v.bad {
		if p == path || strings.HasPrefix(p, path+".") || strings.HasPrefix(p, path+"[") {
			return true
		}
	}
	return false
}

func (v *validator) run() {
	v.bad = make(map[string]bool, len(v.errs))
	for _, e := range v.errs {
		v.bad[e.Path] = true
	}
	c := v.cfg
	v.model(&c.Model)
	if c.Endpoint != nil {
		v.endpoint(c.Endpoint)
	}
	v.prices()
	v.guardrailSettings()
	v.mcpServers()
	v.agents()
}

var (
	voiceModalities = []string{ModalityAudio, ModalityText}
	eagernessValues = []string{"low", "medium", "high", "auto"}
	noiseValues     = []string{"near_field", "far_field"}
)

func (v *validator) model(m *Model) {
	if m.Name == "" {
		m.Name = DefaultModel
	}
	if m.Voice == "" {
		m.Voice = DefaultVoice
	}
	switch {
	case !v.has("model.output_modalities"):
		m.OutputModalities = []string{ModalityAudio}
	case len(m.OutputModalities) == 0:
		v.fail("model.output_modalities", "must be [audio] or [text]")
	case len(m.OutputModalities) > 1:
		v.fail("model.output_modalities", "must be [audio] or [text], never both")
	case !slices.Contains(voiceModalities, m.OutputModalities[0]):
		v.fail("model.output_modalities[0]", "unknown modality %q (want audio or text)", m.OutputModalities[0])
	}
	v.turnDetection(m)
	if t := m.Transcription; t == nil {
		m.Transcription = &Transcription{Model: DefaultTranscriptionModel}
	} else if t.Enabled != nil && !*t.Enabled {
		m.Transcription = nil
	} else if t.Model == "" {
		t.Model = DefaultTranscriptionModel
	}
	if m.NoiseReduction != "" && !slices.Contains(noiseValues, m.NoiseReduction) {
		v.fail("model.noise_reduction", "unknown value %q (want near_field or far_field)", m.NoiseReduction)
	}
	if v.has("model.speed") && !(m.Speed >= 0.25 && m.Speed <= 1.5) {
		v.fail("model.speed", "must be between 0.25 and 1.5, got %g", m.Speed)
	}
	if r := m.Reasoning; r != nil {
		switch {
		case r.Effort == "":
			v.fail("model.reasoning.effort", "is required (want %s)", orList(ReasoningEfforts))
		case !slices.Contains(ReasoningEfforts, r.Effort):
			v.fail("model.reasoning.effort", "unknown value %q (want %s)", r.Effort, orList(ReasoningEfforts))
		}
	}
	if o := m.LocalVAD; o != nil {
		if err := o.Validate("model.local_vad"); err != nil {
			// Validate says "model.local_vad.min_speech_ms: …": point at that field.
			path, msg, _ := strings.Cut(err.Error(), ": ")
			v.fail(path, "%s", msg)
		}
	}
	if m.ToolChoice == "" {
		m.ToolChoice = "auto"
	} else {
		v.toolChoiceSyntax("model.tool_choice", m.ToolChoice)
	}
}

func (v *validator) toolChoiceSyntax(path, choice string) bool {
	switch choice {
	case "auto", "none", "required":
		return true
	}
	if !validToolName(choice) {
		v.fail(path, "must be auto, none, required or a function name, got %q", choice)
		return false
	}
	return true
}

func (v *validator) turnDetection(m *Model) {
	const p = "model.turn_detection"
	if m.TurnDetection == nil {
		m.TurnDetection = &TurnDetection{Type: TurnSemanticVAD}
		return
	}
	t := m.TurnDetection
	if t.Type == "" {
		t.Type = TurnSemanticVAD
	}
	only := func(field, kind string) {
		if v.has(p + "." + field) {
			v.fail(p+"."+field, "only valid with type %s", kind)
		}
	}
	switch t.Type {
	case TurnServerVAD:
		only("eagerness", TurnSemanticVAD)
	case TurnSemanticVAD:
		for _, f := range []string{"threshold", "prefix_padding_ms", "silence_duration_ms", "idle_timeout_ms"} {
			only(f, TurnServerVAD)
		}
	case TurnNone:
		for _, f := range []string{"threshold", "prefix_padding_ms", "silence_duration_ms", "idle_timeout_ms", "eagerness", "create_response", "interrupt_response"} {
			if v.has(p + "." + f) {
				v.fail(p+"."+f, "not valid with type none (manual turns)")
			}
		}
	default:
		v.fail(p+".type", "unknown type %q (want server_vad, semantic_vad or none)", t.Type)
		return
	}
	if t.Threshold != nil && !(*t.Threshold >= 0 && *t.Threshold <= 1) {
		v.fail(p+".threshold", "must be between 0 and 1, got %g", *t.Threshold)
	}
	if t.PrefixPaddingMS != nil && *t.PrefixPaddingMS < 0 {
		v.fail(p+".prefix_padding_ms", "must not be negative, got %d", *t.PrefixPaddingMS)
	}
	if t.SilenceDurationMS != nil && *t.SilenceDurationMS < 0 {
		v.fail(p+".silence_duration_ms", "must not be negative, got %d", *t.SilenceDurationMS)
	}
	if t.IdleTimeoutMS != nil && (*t.IdleTimeoutMS < 5000 || *t.IdleTimeoutMS > 30000) {
		v.fail(p+".idle_timeout_ms", "must be between 5000 and 30000, got %d", *t.IdleTimeoutMS)
	}
	if t.Eagerness != "" && !slices.Contains(eagernessValues, t.Eagerness) {
		v.fail(p+".eagerness", "unknown value %q (want low, medium, high or auto)", t.Eagerness)
	}
}

func (v *validator) endpoint(e *Endpoint) {
	if e.URL == "" {
		v.fail("endpoint.url", "is required")
	} else if msg := checkURL(e.URL, "ws", "wss", "http", "https"); msg != "" {
		v.fail("endpoint.url", "%s", msg)
	}
	v.headers("endpoint.headers", e.Headers)
}

// checkURL validates an absolute URL without echoing it (it may carry a key).
func checkURL(raw string, schemes ...string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "invalid URL"
	}
	if !slices.Contains(schemes, u.Scheme) {
		return "URL scheme must be " + orList(schemes)
	}
	if u.Host == "" {
		return "URL has no host"
	}
	return ""
}

// validHeaderName reports whether s is an HTTP header name, a token of RFC 9110
// §5.6.2: ^[!#$%&'*+.^_`|~0-9A-Za-z-]+$.
func validHeaderName(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isAlnum(c) && !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return false
		}
	}
	return s != ""
}

func (v *validator) headers(path string, h map[string]string) {
	for _, k := range sortedKeys(h) {
		if !validHeaderName(k) {
			v.fail(join(path, k), "invalid header name %q", k)
		}
		if err := envref.Check(h[k]); err != nil {
			v.fail(join(path, k), "%v", err)
		}
	}
}

func (v *validator) prices() {
	for _, name := range sortedKeys(v.cfg.Prices) {
		if strings.TrimSpace(name) == "" {
			v.fail(join("prices", name), "model name must not be empty")
		}
		p := v.cfg.Prices[name]
		for field, val := range map[string]float64{
			"text_in": p.TextIn, "cached_text_in": p.CachedTextIn, "audio_in": p.AudioIn,
			"cached_audio_in": p.CachedAudioIn, "text_out": p.TextOut, "audio_out": p.AudioOut, "per_minute": p.PerMinute,
		} {
			if val < 0 {
				v.fail(join(join("prices", name), field), "must not be negative, got %g", val)
			}
		}
	}
}

func (v *validator) guardrailSettings() {
	g := &v.cfg.Guardrails
	if !v.has("guardrails.debounce_text_length") {
		g.DebounceTextLength = DefaultDebounceTextLength
	} else if g.DebounceTextLength != -1 && g.DebounceTextLength < 1 {
		v.fail("guardrails.debounce_text_length", "must be -1 (final text only) or at least 1, got %d", g.DebounceTextLength)
	}
	switch g.InputMode {
	case "":
		g.InputMode = InputModeBestEffort
	case InputModeBestEffort:
	case InputModeStrict:
		if v.cfg.Model.Transcription == nil {
			v.fail("guardrails.input_mode", "strict needs input transcription, but model.transcription is off")
		}
	default:
		v.fail("guardrails.input_mode", "unknown value %q (want strict or best_effort)", g.InputMode)
	}
	v.guardrails("guardrails.output", g.Output)
	v.guardrails("guardrails.input", g.Input)
}

func (v *validator) guardrails(path string, gs []Guardrail) {
	first := make(map[string]int, len(gs))
	for i := range gs {
		g := &gs[i]
		p := fmt.Sprintf("%s[%d]", path, i)
		if strings.TrimSpace(g.Name) == "" {
			v.fail(p+".name", "is required")
		} else if j, dup := first[g.Name]; dup {
			v.fail(p+".name", "duplicate guardrail name %q (also %s[%d])", g.Name, path, j)
		} else {
			first[g.Name] = i
		}
		var set []string
		if v.has(p + ".deny_regex") {
			set = append(set, "deny_regex")
		}
		if v.has(p + ".deny_words") {
			set = append(set, "deny_words")
		}
		if v.has(p + ".command") {
			set = append(set, "command")
		}
		switch len(set) {
		case 0:
			v.fail(p, "one of deny_regex, deny_words or command is required")
		case 1:
		default:
			v.fail(p+"."+set[1], "only one of deny_regex, deny_words or command may be set (found %s)", andList(set))
		}
		if v.has(p + ".deny_regex") {
			if g.DenyRegex == "" {
				v.fail(p+".deny_regex", "must not be empty")
			} else if re, err := regexp.Compile(g.DenyRegex); err != nil {
				v.fail(p+".deny_regex", "invalid regular expression: %s", reError(err))
			} else {
				g.re = re
			}
		}
		if v.has(p+".deny_words") && len(g.DenyWords) == 0 {
			v.fail(p+".deny_words", "must list at least one word")
		}
		for j, w := range g.DenyWords {
			if strings.TrimSpace(w) == "" {
				v.fail(fmt.Sprintf("%s.deny_words[%d]", p, j), "must not be empty")
			}
		}
		if v.has(p + ".command") {
			g.Argv = v.program(p+".command", g.Command)
		}
		if g.Timeout == 0 {
			g.Timeout = DefaultGuardrailTimeout
		}
	}
}

// reError shortens a regexp error: "error parsing regexp: missing closing ): `(a`".
func reError(err error) string {
	return strings.TrimPrefix(err.Error(), "error parsing regexp: ")
}

// program resolves argv[0]: a path with a separator is relative to the YAML
// file's directory; a bare name is looked up in PATH. It returns argv with the
// program made absolute, or nil after recording an error.
func (v *validator) program(path string, argv []string) []string {
	if len(argv) == 0 {
		v.fail(path, "must name a program")
		return nil
	}
	prog := argv[0]
	if strings.TrimSpace(prog) == "" {
		v.fail(path+"[0]", "program must not be empty")
		return nil
	}
	lookup := prog
	isPath := strings.ContainsRune(prog, '/') || strings.ContainsRune(prog, filepath.Separator)
	if isPath && !filepath.IsAbs(prog) {
		lookup = filepath.Join(v.cfg.Dir, prog)
	}
	resolved, err := v.opts.LookPath(lookup)
	switch {
	case err == nil:
	case errors.Is(err, fs.ErrNotExist) || errors.Is(err, exec.ErrNotFound):
		if isPath {
			v.fail(path+"[0]", "program %q not found", prog)
		} else {
			v.fail(path+"[0]", "program %q not found in PATH", prog)
		}
		return nil
	case errors.Is(err, fs.ErrPermission):
		v.fail(path+"[0]", "program %q is not executable", prog)
		return nil
	default:
		v.fail(path+"[0]", "program %q: %v", prog, err)
		return nil
	}
	if abs, err := filepath.Abs(resolved); err == nil {
		resolved = abs
	}
	out := slices.Clone(argv)
	out[0] = resolved
	return out
}

// resolveDir makes a tool's dir absolute and checks that it is a directory.
func (v *validator) resolveDir(path, dir string) string {
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(v.cfg.Dir, dir)
	}
	st, err := os.Stat(dir)
	switch {
	case err != nil:
		v.fail(path, "directory %q does not exist", v.cfg.relative(dir))
	case !st.IsDir():
		v.fail(path, "%q is not a directory", v.cfg.relative(dir))
	}
	return dir
}

// relative shows a path relative to the config's directory when it lies inside it.
func (c *Config) relative(p string) string {
	if r, err := filepath.Rel(c.Dir, p); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return p
}

func orList(xs []string) string  { return list(xs, "or") }
func andList(xs []string) string { return list(xs, "and") }

func list(xs []string, conj string) string {
	switch len(xs) {
	case 0:
		return ""
	case 1:
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " " + conj + " " + xs[len(xs)-1]
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
