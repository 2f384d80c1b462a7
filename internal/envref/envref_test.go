package envref

import (
	"slices"
	"testing"
)

func TestExpand(t *testing.T) {
	env := map[string]string{"A": "1", "B_2": "two"}
	var asked []string
	lookup := func(k string) (string, bool) { asked = append(asked, k); v, ok := env[k]; return v, ok }
	for in, want := range map[string]string{
		"plain":        "plain",
		"${A}":         "1",
		"x${A}y${B_2}": "x1ytwo",
		"$A and $${A}": "$A and ${A}",
		"$${A}${A}":    "${A}1",
		"cost: $5":     "cost: $5",
	} {
		got, err := Expand(in, lookup)
		if err != nil || got != want {
			t.Errorf("Expand(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"${", "${A", "${}", "${1A}", "${A-B}", "${MISSING}"} {
		if _, err := Expand(in, lookup); err == nil {
			t.Errorf("Expand(%q) succeeded", in)
		}
	}
	// A literal is never looked up: callers collect secrets through lookup.
	asked = nil
	if _, err := Expand("$${A} and $${B_2}", lookup); err != nil || len(asked) != 0 {
		t.Errorf("literals looked up: %v, %v", asked, err)
	}
	asked = nil
	if _, err := Expand("$${A}${B_2}", lookup); err != nil || !slices.Equal(asked, []string{"B_2"}) {
		t.Errorf("looked up %v, want [B_2] (%v)", asked, err)
	}
}

func TestExpandErrors(t *testing.T) {
	const secret = "s3cr3t-value"
	_, err := Expand("Bearer ${TOKEN}", func(string) (string, bool) { return secret, false })
	if err == nil || err.Error() != "environment variable TOKEN is not set" {
		t.Errorf("unset: %v", err)
	}
	if err := Check("x ${BAD-NAME}"); err == nil || err.Error() != `invalid environment variable name "BAD-NAME" in ${...}` {
		t.Errorf("malformed: %v", err)
	}
	if err := Check("$${not a name}"); err != nil {
		t.Errorf("a literal $${ is valid: %v", err)
	}
}

func TestHeader(t *testing.T) {
	env := map[string]string{"TOKEN": "tok-1234567890"}
	h, secrets, err := Header(map[string]string{
		"Authorization": "Bearer ${TOKEN}",
		"X-Literal":     "Bearer $${TOKEN}",
		"X-Plain":       "plain",
	}, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	if h.Get("Authorization") != "Bearer tok-1234567890" || h.Get("X-Literal") != "Bearer ${TOKEN}" || h.Get("X-Plain") != "plain" {
		t.Errorf("header %v", h)
	}
	if !slices.Equal(secrets, []string{"tok-1234567890", "Bearer tok-1234567890"}) {
		t.Errorf("secrets %q; a literal and a plain value are none", secrets)
	}
	_, _, err = Header(map[string]string{"B": "${UNSET}", "A": "${ALSO_UNSET}"}, func(string) (string, bool) { return "", false })
	if err == nil || err.Error() != "header A: environment variable ALSO_UNSET is not set" {
		t.Errorf("unset: %v", err)
	}
}
