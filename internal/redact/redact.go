// Package redact is the one place that keeps configured secrets out of what rtagent
// writes: traces, logs, errors. It owns a registry of secret values (API keys,
// --header values, ${ENV} values expanded into HTTP tool headers) and replaces each
// whole value by "<redacted>". It never guesses what a secret is and never edits
// text that merely contains a short secret inside a word.
package redact

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strings"
	"sync"
)

// Placeholder replaces every secret.
const Placeholder = "<redacted>"

// anywhereLen is the length from which a secret is replaced wherever it occurs. A
// shorter secret is replaced only as a whole token — not inside a longer run of
// letters, digits, '_' or '-' — so OPENAI_API_KEY=x hides the value "x" but leaves
// "expires_at" alone. Long secrets (keys, tokens) cannot be ordinary text.
const anywhereLen = 12

// Scrubber replaces registered secrets. The zero value is ready and knows no
// secrets; New gives one that also scrubs the process-wide registry. Safe for
// concurrent use.
type Scrubber struct {
	parent *Scrubber

	mu      sync.RWMutex
	secrets [][]byte // longest first, no duplicates
}

// process is the process-wide registry (Register).
var process = &Scrubber{}

// Register adds secrets to the process-wide registry that every Scrubber from New
// also scrubs: values known outside one connection, such as ${ENV} values expanded
// into HTTP tool headers. Empty values are ignored.
func Register(secrets ...string) { process.Add(secrets...) }

// Process returns the process-wide scrubber (for logs).
func Process() *Scrubber { return process }

// New returns a scrubber for secrets plus the process-wide registry.
func New(secrets ...string) *Scrubber {
	s := &Scrubber{parent: process}
	s.Add(secrets...)
	return s
}

// Add registers secrets: each value, and its JSON-escaped and URL-query-escaped
// forms where they differ (how a value echoed in a JSON frame or a URL looks).
// "Bearer <token>" also registers the token. Empty values are ignored.
func (s *Scrubber) Add(secrets ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range secrets {
		if v == "" {
			continue
		}
		bases := []string{v}
		if scheme, tok, ok := strings.Cut(v, " "); ok && tok != "" && authScheme(scheme) {
			bases = append(bases, tok)
		}
		var forms []string
		for _, b := range bases {
			forms = append(forms, b, url.QueryEscape(b), jsonEscape(b, true), jsonEscape(b, false))
		}
		for _, f := range forms {
			if !slices.ContainsFunc(s.secrets, func(b []byte) bool { return string(b) == f }) {
				s.secrets = append(s.secrets, []byte(f))
			}
		}
	}
	slices.SortStableFunc(s.secrets, func(a, b []byte) int { return len(b) - len(a) })
}

// jsonEscape returns v as it appears inside a JSON string.
func jsonEscape(v string, html bool) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(html)
	if enc.Encode(v) != nil {
		return v
	}
	b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	return string(b[1 : len(b)-1])
}

// authScheme reports the HTTP authentication schemes whose parameter is a token.
func authScheme(s string) bool {
	for _, a := range [...]string{"Bearer", "Basic", "Token", "Bot"} {
		if strings.EqualFold(s, a) {
			return true
		}
	}
	return false
}

// list returns this scrubber's secrets and its parent's, longest first.
func (s *Scrubber) list() [][]byte {
	s.mu.RLock()
	own := s.secrets
	s.mu.RUnlock()
	if s.parent == nil {
		return own
	}
	inherited := s.parent.list()
	if len(inherited) == 0 {
		return own
	}
	all := append(slices.Clip(own), inherited...)
	slices.SortStableFunc(all, func(a, b []byte) int { return len(b) - len(a) })
	return all
}

// Empty reports whether there is nothing to scrub.
func (s *Scrubber) Empty() bool { return s == nil || len(s.list()) == 0 }

// Bytes returns b with every secret replaced. It returns b itself (no copy) when b
// holds no secret.
func (s *Scrubber) Bytes(b []byte) []byte {
	if s == nil {
		return b
	}
	for _, sec := range s.list() {
		b = replace(b, sec)
	}
	return b
}

// String returns t with every secret replaced.
func (s *Scrubber) String(t string) string {
	if s == nil {
		return t
	}
	secs := s.list()
	for _, sec := range secs {
		if strings.Contains(t, string(sec)) {
			return string(s.Bytes([]byte(t)))
		}
	}
	return t
}

// Error returns err when its text holds no secret, else an error with the scrubbed
// text (the chain is cut: the original would print the secret).
func (s *Scrubber) Error(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if clean := s.String(msg); clean != msg {
		return errors.New(clean)
	}
	return err
}

// replace replaces sec in b: anywhere when it is long, else only as a whole token.
// It allocates only when it replaces.
func replace(b, sec []byte) []byte {
	i := bytes.Index(b, sec)
	if i < 0 {
		return b
	}
	var out []byte
	last := 0
	for i >= 0 {
		end := i + len(sec)
		if len(sec) >= anywhereLen || (!(i > 0 && tokenByte(b[i-1])) && !(end < len(b) && tokenByte(b[end]))) {
			if out == nil {
				out = make([]byte, 0, len(b))
			}
			out = append(out, b[last:i]...)
			out = append(out, Placeholder...)
			last = end
		} else {
			end = i + 1
		}
		j := bytes.Index(b[end:], sec)
		if j < 0 {
			break
		}
		i = end + j
	}
	if out == nil {
		return b
	}
	return append(out, b[last:]...)
}

// tokenByte reports bytes that continue a word or an identifier: letters, digits,
// '_', '-' and any byte of a multi-byte UTF-8 character.
func tokenByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c >= 0x80
}
