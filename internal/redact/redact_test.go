package redact

import (
	"errors"
	"strings"
	"testing"
)

func TestShortSecretOnlyAsAWholeValue(t *testing.T) {
	s := &Scrubber{}
	s.Add("x")
	for in, want := range map[string]string{
		`{"expires_at":1,"text":"x"}`: `{"expires_at":1,"text":"<redacted>"}`,
		"key x.":                      "key <redacted>.",
		"x":                           "<redacted>",
		"extra xylophone max_x x_y":   "extra xylophone max_x x_y",
		"Bearer x":                    "Bearer <redacted>",
		"a=x&b=xx":                    "a=<redacted>&b=xx",
	} {
		if got := s.String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLongSecretAnywhere(t *testing.T) {
	key := "sk-proj-ABCDEF0123456789"
	s := New(key)
	for _, in := range []string{
		"Authorization: Bearer " + key,
		"token=" + key + "xyz",
		"prefix" + key,
	} {
		if got := s.String(in); strings.Contains(got, key) || !strings.Contains(got, Placeholder) {
			t.Errorf("String(%q) = %q", in, got)
		}
	}
}

func TestForms(t *testing.T) {
	s := &Scrubber{}
	s.Add(`Bearer tok&en"1234`)
	for _, in := range []string{
		`tok&en"1234`,       // the token alone
		`tok\u0026en\"1234`, // JSON-escaped (HTML-safe) echo
		`tok%26en%221234`,   // URL query echo
	} {
		if got := s.String("v=" + in + ";"); got != "v=<redacted>;" {
			t.Errorf("%s: %q", in, got)
		}
	}
	// A value with a space that is not an auth scheme registers only whole.
	s2 := &Scrubber{}
	s2.Add("hello world-wide")
	if got := s2.String("world-wide web"); got != "world-wide web" {
		t.Errorf("a header's second word became a secret: %q", got)
	}
}

func TestLongestFirstAndRegistry(t *testing.T) {
	Register("process-wide-secret-value")
	t.Cleanup(func() { process = &Scrubber{} })
	s := New("abcd", "abcd-efgh-ijkl-mnop")
	got := s.String("abcd-efgh-ijkl-mnop abcd process-wide-secret-value")
	if got != "<redacted> <redacted> <redacted>" {
		t.Errorf("got %q", got)
	}
	var zero *Scrubber
	if zero.String("abcd") != "abcd" || !zero.Empty() {
		t.Error("a nil scrubber changed text")
	}
}

func TestBytesNoCopyWhenClean(t *testing.T) {
	s := New("secret-value-123456")
	b := []byte(`{"type":"response.done"}`)
	if got := s.Bytes(b); &got[0] != &b[0] {
		t.Error("clean bytes were copied")
	}
	if testing.AllocsPerRun(100, func() { s.Bytes(b) }) > 0 {
		t.Error("scrubbing clean bytes allocates")
	}
}

func TestError(t *testing.T) {
	s := New("tok-1234567890abc")
	base := errors.New("plain")
	if s.Error(base) != base {
		t.Error("a clean error was replaced")
	}
	if err := s.Error(errors.New("dial: Bearer tok-1234567890abc refused")); err.Error() != "dial: Bearer <redacted> refused" {
		t.Errorf("got %v", err)
	}
	if s.Error(nil) != nil {
		t.Error("nil error")
	}
}
