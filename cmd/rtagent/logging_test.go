package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rtagent/rtagent/internal/redact"
)

// The log file never holds a registered secret: message, attributes and errors
// are scrubbed (issue 11 item 5).
func TestLogFileScrubsSecrets(t *testing.T) {
	const secret = "log-SECRET-value-93b1c04d"
	redact.Register(secret)
	io, _, _ := testIO("")
	f := newFactory(io, func(string) string { return "" })
	path := filepath.Join(t.TempDir(), "sub", "rtagent.log")
	if err := setupLogging(f, &logOptions{File: path, Debug: true}); err != nil {
		t.Fatal(err)
	}
	f.Logger.Debug("header "+secret, "value", secret, "err", errors.New("bad "+secret))
	f.Logger.With("h", secret).Info("done")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "SECRET") || strings.Count(string(b), redact.Placeholder) != 4 {
		t.Errorf("log file:\n%s", b)
	}
}
