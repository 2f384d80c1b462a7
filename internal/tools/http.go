package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"

	"github.com/rtagent/rtagent/internal/envref"
	registry "github.com/rtagent/rtagent/internal/redact"
	"github.com/rtagent/rtagent/internal/tools/proc"
)

// HTTPConfig configures an HTTP tool.
type HTTPConfig struct {
	// Method is the request method (default POST).
	Method string
	// URL is the absolute http or https URL to call.
	URL string
	// Headers are sent with every request. ${NAME} in a value is replaced at call time
	// by the environment variable NAME ("$${" is a literal "${", internal/envref); an
	// unset or empty variable fails the call with an error naming the variable. Expanded values are secrets: they never appear in
	// errors or outputs. Literal values are not treated as secrets: put secrets in the
	// environment.
	Headers map[string]string
	// Client sends the requests. nil means a client on http.DefaultTransport that does
	// not follow redirects to another host (custom headers would go with them).
	Client *http.Client
	// MaxOutputBytes caps the response body kept as output (default 32 KiB).
	MaxOutputBytes int
}

// httpTool calls one HTTP endpoint per call.
type httpTool struct {
	def    Definition
	cfg    HTTPConfig
	url    *url.URL
	client *http.Client
}

// errorSnippetBytes is how much of a non-2xx body goes into the error.
const errorSnippetBytes = 200

// NewHTTP returns a tool that sends each call to cfg.URL. The arguments are the JSON
// request body; for GET they become query parameters instead (top-level scalar fields,
// and arrays of scalars as repeated parameters). The response body is the output; a
// non-2xx status is an error "HTTP <status>: <body snippet>". As with a command tool,
// one trailing newline of the body is dropped.
func NewHTTP(def Definition, cfg HTTPConfig) (Tool, error) {
	if err := checkDefinition(def); err != nil {
		return nil, err
	}
	if cfg.Method == "" {
		cfg.Method = http.MethodPost
	}
	cfg.Method = strings.ToUpper(cfg.Method)
	if !validMethod(cfg.Method) {
		return nil, fmt.Errorf("tool %s: invalid HTTP method %q", def.Name, cfg.Method)
	}
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("tool %s: invalid URL: %w", def.Name, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("tool %s: URL must be absolute http or https, got %q", def.Name, cfg.URL)
	}
	for k := range cfg.Headers {
		if !validHeaderName(k) {
			return nil, fmt.Errorf("tool %s: invalid header name %q", def.Name, k)
		}
	}
	cfg.Headers = maps.Clone(cfg.Headers)
	if cfg.MaxOutputBytes <= 0 {
		cfg.MaxOutputBytes = MaxOutputBytes
	}
	client := cfg.Client
	if client == nil {
		client = &http.Client{CheckRedirect: sameHostRedirects}
	}
	return &httpTool{def: def, cfg: cfg, url: u, client: client}, nil
}

func (t *httpTool) Definition() Definition { return t.def }

func (t *httpTool) Call(ctx context.Context, arguments json.RawMessage) (string, error) {
	header, secrets, err := t.expandHeaders()
	if err != nil {
		return "", err
	}
	u := *t.url
	var body io.Reader
	if t.cfg.Method == http.MethodGet || t.cfg.Method == http.MethodHead {
		q, err := queryFromArguments(arguments, u.Query())
		if err != nil {
			return "", err
		}
		u.RawQuery = q.Encode()
	} else {
		body = bytes.NewReader(arguments)
		if header.Get("Content-Type") == "" {
			header.Set("Content-Type", "application/json")
		}
	}
	req, err := http.NewRequestWithContext(ctx, t.cfg.Method, u.String(), body)
	if err != nil {
		return "", err
	}
	req.Header = header
	resp, err := t.client.Do(req)
	if err != nil {
		// *url.Error: method, URL and cause. Header values are never part of it, but the
		// cause may quote what a server sent back.
		return "", errors.New(redact(err.Error(), secrets))
	}
	defer resp.Body.Close()
	// Read everything, keeping only the budget, so the count in the marker is exact;
	// the call's timeout bounds an endless body.
	buf := &proc.CapBuffer{Max: t.cfg.MaxOutputBytes}
	if _, err := io.Copy(buf, resp.Body); err != nil {
		return "", errors.New(redact("reading response: "+err.Error(), secrets))
	}
	text, omitted := redactedBody(buf, secrets)
	if msg, ok := t.crossHostRedirect(resp); ok {
		return "", errors.New(redact(msg, secrets))
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		msg := "HTTP " + resp.Status
		if snippet := strings.Join(strings.Fields(proc.Clip(text, errorSnippetBytes)), " "); snippet != "" {
			msg += ": " + snippet
		}
		return "", errors.New(msg)
	}
	if omitted == 0 {
		return proc.Clip(proc.TrimNewline(text), t.cfg.MaxOutputBytes), nil
	}
	return proc.ClipHead([]byte(text), int64(len(text))+omitted, t.cfg.MaxOutputBytes), nil
}

// redactedBody returns the kept body with every secret replaced, and how many body
// bytes were not kept. When the body was cut, a tail that could be the start of a
// secret is dropped too, so no part of a secret survives the cut.
func redactedBody(b *proc.CapBuffer, secrets []string) (string, int64) {
	kept := string(b.Bytes())
	if b.Total() > int64(len(kept)) {
		for _, sec := range secrets {
			for k := min(len(sec)-1, len(kept)); k > 0; k-- {
				if strings.HasSuffix(kept, sec[:k]) {
					kept = kept[:len(kept)-k]
					break
				}
			}
		}
	}
	return redact(kept, secrets), b.Total() - int64(len(kept))
}

// expandHeaders builds the request header, expanding ${NAME} references (envref:
// "$${" is a literal "${", as agents.yaml validation accepts). An unset or empty
// variable fails the call. It returns the expanded values (the secrets to keep out
// of every message) and registers them process-wide, so traces, logs and errors
// everywhere scrub them too (issue 11).
func (t *httpTool) expandHeaders() (http.Header, []string, error) {
	h, secrets, err := envref.Header(t.cfg.Headers, func(name string) (string, bool) {
		v := os.Getenv(name)
		return v, v != ""
	})
	if err != nil {
		return nil, nil, err
	}
	registry.Register(secrets...)
	return h, secrets, nil
}

// redact replaces every secret in s the way every other output does
// (internal/redact: whole values, a short one only as a whole token, "<redacted>").
func redact(s string, secrets []string) string { return registry.New(secrets...).String(s) }

// queryFromArguments adds the top-level scalar fields of a JSON object to q. Arrays of
// scalars become repeated parameters; null is skipped; nested objects are an error.
func queryFromArguments(arguments json.RawMessage, q url.Values) (url.Values, error) {
	var obj map[string]any
	dec := json.NewDecoder(bytes.NewReader(arguments))
	dec.UseNumber()
	if err := dec.Decode(&obj); err != nil {
		return nil, fmt.Errorf("decoding arguments: %w", err)
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		switch v := obj[k].(type) {
		case nil:
		case []any:
			for _, e := range v {
				s, ok := scalarString(e)
				if !ok {
					return nil, fmt.Errorf("argument %s: only scalars can be sent as query parameters", k)
				}
				q.Add(k, s)
			}
		default:
			s, ok := scalarString(v)
			if !ok {
				return nil, fmt.Errorf("argument %s: objects cannot be sent as query parameters", k)
			}
			q.Add(k, s)
		}
	}
	return q, nil
}

func scalarString(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case json.Number:
		return v.String(), true
	case bool:
		if v {
			return "true", true
		}
		return "false", true
	}
	return "", false
}

// sameHostRedirects follows at most 10 redirects, and only within the same host:
// custom (secret) headers are resent on a redirect, so another host must not get one.
func sameHostRedirects(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	if req.URL.Host != via[0].URL.Host {
		return http.ErrUseLastResponse
	}
	return nil
}

// crossHostRedirect explains a redirect that sameHostRedirects did not follow
// because it leaves the tool's host, so the model is told why instead of
// seeing a bare "HTTP 302 Found". Only the target's scheme and host are
// shown: its path and query are the server's to choose.
func (t *httpTool) crossHostRedirect(resp *http.Response) (string, bool) {
	if resp.StatusCode < 300 || resp.StatusCode > 399 {
		return "", false
	}
	loc, err := resp.Location()
	if err != nil || loc.Host == t.url.Host {
		return "", false
	}
	return fmt.Sprintf("HTTP %s: the redirect to %s://%s was refused because it leaves the host %s; "+
		"an HTTP tool follows redirects only within its own host, so its headers never reach another one",
		resp.Status, loc.Scheme, loc.Host, t.url.Host), true
}

func validMethod(m string) bool {
	return m != "" && strings.IndexFunc(m, func(r rune) bool { return r < 'A' || r > 'Z' }) < 0
}

func validHeaderName(k string) bool {
	if k == "" {
		return false
	}
	for _, r := range k {
		if r <= ' ' || r >= 0x7f || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, r) {
			return false
		}
	}
	return true
}
