package tools

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	registry "github.com/rtagent/rtagent/internal/redact"
)

// request is what the test server saw.
type request struct {
	method, path, query, body, contentType, auth, apiKey string
}

// newServer starts a loopback server that records each request on the returned
// channel and answers with handler.
func newServer(t *testing.T, handler func(w http.ResponseWriter, r *http.Request)) (*httptest.Server, <-chan request) {
	t.Helper()
	seen := make(chan request, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		seen <- request{r.Method, r.URL.Path, r.URL.RawQuery, string(body), r.Header.Get("Content-Type"),
			r.Header.Get("Authorization"), r.Header.Get("X-Api-Key")}
		handler(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, seen
}

func newHTTP(t *testing.T, def Definition, cfg HTTPConfig) Tool {
	t.Helper()
	tool, err := NewHTTP(def, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tool
}

// "$${NAME}" in a header is the literal "${NAME}" (agents.yaml validation accepts
// it): it reaches the server unexpanded although NAME is set, and is no secret.
func TestHTTPHeaderLiteral(t *testing.T) {
	t.Setenv("RTAGENT_TEST_TOKEN", "tok-literal-98765")
	srv, seen := newServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, r.Header.Get("X-Api-Key")) })
	tool := newHTTP(t, Definition{Name: "api"}, HTTPConfig{
		URL:     srv.URL,
		Headers: map[string]string{"Authorization": "Bearer $${RTAGENT_TEST_TOKEN}", "X-Api-Key": "a $${B} ${RTAGENT_TEST_TOKEN}"},
	})
	res := Invoke(context.Background(), tool, `{}`)
	var got request
	select {
	case got = <-seen: // sent before the response, so here once Invoke returns
	default:
		t.Fatalf("no request sent: %q, %v", res.Output, res.Err)
	}
	if got.auth != "Bearer ${RTAGENT_TEST_TOKEN}" || got.apiKey != "a ${B} tok-literal-98765" {
		t.Errorf("sent Authorization %q, X-Api-Key %q", got.auth, got.apiKey)
	}
	// The output echoes X-Api-Key: its expanded value is a secret, the literal is not.
	if res.Err != nil || res.Output != registry.Placeholder {
		t.Errorf("output %q, %v", res.Output, res.Err)
	}
	if s := registry.Process().String("Bearer ${RTAGENT_TEST_TOKEN}"); s != "Bearer ${RTAGENT_TEST_TOKEN}" {
		t.Errorf("the literal was registered as a secret: %q", s)
	}
}

func TestHTTPPost(t *testing.T) {
	t.Setenv("RTAGENT_TEST_TOKEN", "tok-12345")
	srv, seen := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"refund":"R-1","note":"<ok> & done"}`+"\n")
	})
	tool := newHTTP(t, Definition{Name: "issue_refund"}, HTTPConfig{
		URL:     srv.URL + "/refunds",
		Headers: map[string]string{"Authorization": "Bearer ${RTAGENT_TEST_TOKEN}", "X-Api-Key": "literal"},
	})
	args := `{"order_id":"A1","amount":12.5}`
	res := Invoke(context.Background(), tool, args)
	if res.Err != nil || res.Output != `{"refund":"R-1","note":"<ok> & done"}` {
		t.Fatalf("got %+v", res)
	}
	got := <-seen
	want := request{"POST", "/refunds", "", args, "application/json", "Bearer tok-12345", "literal"}
	if got != want {
		t.Errorf("server saw %+v\nwant        %+v", got, want)
	}
}

func TestHTTPGetQuery(t *testing.T) {
	srv, seen := newServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "sunny") })
	tool := newHTTP(t, Definition{Name: "weather"}, HTTPConfig{Method: "get", URL: srv.URL + "/w?units=metric"})
	res := Invoke(context.Background(), tool, `{"city":"São Paulo & Rio","days":3,"hourly":true,"skip":null,"tags":["a","b"]}`)
	if res.Err != nil || res.Output != "sunny" {
		t.Fatalf("got %+v", res)
	}
	got := <-seen
	q, _ := url.ParseQuery(got.query)
	want := url.Values{"units": {"metric"}, "city": {"São Paulo & Rio"}, "days": {"3"}, "hourly": {"true"}, "tags": {"a", "b"}}
	if got.method != "GET" || got.body != "" || q.Encode() != want.Encode() {
		t.Errorf("server saw %+v (query %v)", got, q)
	}
	res = Invoke(context.Background(), tool, `{"filter":{"a":1}}`)
	if res.Output != "Error running tool weather: argument filter: objects cannot be sent as query parameters" {
		t.Errorf("nested object: %q", res.Output)
	}
}

func TestHTTPNon2xx(t *testing.T) {
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, "order\n  not   found"+strings.Repeat(".", 500))
	})
	tool := newHTTP(t, Definition{Name: "lookup"}, HTTPConfig{URL: srv.URL})
	res := Invoke(context.Background(), tool, `{}`)
	if res.Err == nil || !strings.HasPrefix(res.Output, "Error running tool lookup: HTTP 404 Not Found: order not found....") {
		t.Errorf("got %q", res.Output)
	}
	if len(res.Output) > 300 {
		t.Errorf("snippet not cut: %d bytes", len(res.Output))
	}
}

// An expanded secret never shows, even when the server echoes it back, in an error
// or in an output, and even when it straddles the cut of a long body.
func TestHTTPSecretNeverShown(t *testing.T) {
	const secret = "sk-live-0123456789abcdef"
	t.Setenv("RTAGENT_TEST_SECRET", secret)
	status := http.StatusUnauthorized
	prefix := 0
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
		io.WriteString(w, strings.Repeat("x", prefix)+"bad key: "+r.Header.Get("Authorization")+" (rejected)")
	})
	tool := newHTTP(t, Definition{Name: "api"}, HTTPConfig{
		URL:            srv.URL,
		Headers:        map[string]string{"Authorization": "Bearer ${RTAGENT_TEST_SECRET}"},
		MaxOutputBytes: 1000,
	})
	check := func(res Result) {
		t.Helper()
		for _, s := range []string{res.Output, errString(res.Err)} {
			if strings.Contains(s, secret[:8]) {
				t.Errorf("secret shown: %q", s)
			}
		}
	}
	res := Invoke(context.Background(), tool, "{}")
	check(res)
	// The expanded value is registered for the trace, logs and errors too.
	if got := registry.Process().String("echo " + secret); got != "echo <redacted>" {
		t.Errorf("process-wide scrubber: %q", got)
	}
	// The whole expanded value is a secret too (envref.Header), as secrets
	// registration at start treats it.
	if !strings.Contains(res.Output, "HTTP 401 Unauthorized: bad key: <redacted> (rejected)") {
		t.Errorf("got %q", res.Output)
	}
	status = http.StatusOK
	res = Invoke(context.Background(), tool, "{}")
	check(res)
	if res.Output != "bad key: <redacted> (rejected)" {
		t.Errorf("got %q", res.Output)
	}
	// The body is cut in the middle of the secret.
	prefix = 1000 - len("bad key: Bearer ") - 10
	res = Invoke(context.Background(), tool, "{}")
	check(res)
	if !strings.Contains(res.Output, "…[truncated: ") {
		t.Errorf("got %q", res.Output)
	}
}

func TestHTTPMissingEnv(t *testing.T) {
	t.Setenv("RTAGENT_TEST_SET", "value-that-must-not-show")
	srv, seen := newServer(t, func(w http.ResponseWriter, r *http.Request) {})
	tool := newHTTP(t, Definition{Name: "api"}, HTTPConfig{
		URL:     srv.URL,
		Headers: map[string]string{"X-Api-Key": "${RTAGENT_TEST_SET}:${RTAGENT_TEST_UNSET_VAR}"},
	})
	res := Invoke(context.Background(), tool, "{}")
	want := "Error running tool api: header X-Api-Key: environment variable RTAGENT_TEST_UNSET_VAR is not set"
	if res.Output != want {
		t.Errorf("got %q", res.Output)
	}
	if strings.Contains(res.Output, "value-that") || strings.Contains(errString(res.Err), "value-that") {
		t.Error("a secret value is shown")
	}
	select {
	case r := <-seen:
		t.Errorf("a request was sent: %+v", r)
	default:
	}
}

func TestHTTPOutputCap(t *testing.T) {
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, strings.Repeat("b", 1<<20))
	})
	tool := newHTTP(t, Definition{Name: "big"}, HTTPConfig{URL: srv.URL})
	res := Invoke(context.Background(), tool, "{}")
	kept := strings.Index(res.Output, "…")
	if res.Err != nil || len(res.Output) > MaxOutputBytes || kept < MaxOutputBytes-100 ||
		!strings.HasSuffix(res.Output, "…[truncated: "+itoa(1<<20-kept)+" bytes omitted]") {
		t.Errorf("got %d bytes ending %q", len(res.Output), res.Output[max(0, len(res.Output)-60):])
	}
}

func TestHTTPTimeout(t *testing.T) {
	release := make(chan struct{})
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release)
	tool := newHTTP(t, Definition{Name: "slow_api", Timeout: 100 * time.Millisecond}, HTTPConfig{URL: srv.URL})
	res := Invoke(context.Background(), tool, "{}")
	if !res.TimedOut || res.Output != "Tool slow_api timed out after 0.1s" {
		t.Errorf("got %+v", res)
	}
	if res.Duration > 5*time.Second {
		t.Errorf("took %v", res.Duration)
	}
}

// A redirect to another host is not followed, and the model is told why
// (issue 11 item 7): before, it saw only "HTTP 302 Found".
func TestHTTPNoCrossHostRedirect(t *testing.T) {
	other, otherSeen := newServer(t, func(w http.ResponseWriter, r *http.Request) {})
	for name, target := range map[string]string{
		"other name": strings.Replace(other.URL, "127.0.0.1", "localhost", 1),
		"other port": other.URL,
	} {
		t.Run(name, func(t *testing.T) {
			srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/start" {
					http.Redirect(w, r, "/hop", http.StatusMovedPermanently) // same host: followed
					return
				}
				http.Redirect(w, r, target+"/x?token=abc", http.StatusFound)
			})
			tool := newHTTP(t, Definition{Name: "api"}, HTTPConfig{URL: srv.URL + "/start"})
			res := Invoke(context.Background(), tool, "{}")
			host := strings.TrimPrefix(srv.URL, "http://")
			want := "Error running tool api: HTTP 302 Found: the redirect to " + target + " was refused because it leaves the host " + host +
				"; an HTTP tool follows redirects only within its own host, so its headers never reach another one"
			if res.Output != want {
				t.Errorf("\n got %q\nwant %q", res.Output, want)
			}
			select {
			case r := <-otherSeen:
				t.Errorf("redirect followed to another host: %+v", r)
			default:
			}
		})
	}
}

func TestNewHTTPErrors(t *testing.T) {
	for _, cfg := range []HTTPConfig{
		{URL: "ftp://example.com"},
		{URL: "/relative"},
		{URL: "http://example.com", Method: "GE T"},
		{URL: "http://example.com", Headers: map[string]string{"Bad Header": "x"}},
	} {
		if _, err := NewHTTP(Definition{Name: "x"}, cfg); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	var s strings.Builder
	for e := err; e != nil; e = errors.Unwrap(e) {
		s.WriteString(e.Error())
	}
	return s.String()
}
