package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

// run executes an rtagent command line in-process and returns its exit code,
// stdout and stderr.
func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	io, out, errOut := testIO("")
	code := execute(context.Background(), io, args)
	return code, out.String(), errOut.String()
}

// An HTTP 401 on the WebSocket upgrade is one clear line: the step once, the
// status, what it means and the server's message (issue 11 item 7: no
// "connect: connect:").
func TestHTTP401OnConnectIsOneLine(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":{"message":"Incorrect API key provided: sk-te***. You can find your API key at https://platform.openai.com/account/api-keys.","type":"invalid_request_error","code":"invalid_api_key"}}`))
	}))
	defer srv.Close()
	url := "ws" + strings.TrimPrefix(srv.URL, "http") + "/v1/realtime"
	code, _, stderr := run(t, "run", "--url", url, "--say", "hi", "--agents", "../../agents.yaml", "--timeout", "20s")
	if code != exitFailure {
		t.Fatalf("exit %d, want 1; stderr %q", code, stderr)
	}
	const want = "rtagent: connect: HTTP 401 Unauthorized (the server refused the credentials): Incorrect API key provided: sk-te***. You can find your API key at https://platform.openai.com/account/api-keys.\n"
	if stderr != want {
		t.Errorf("stderr %q\nwant   %q", stderr, want)
	}
}

// --timeout 1ns ends the run before it connects: the timeout is reported, not the
// connection failure it caused.
func TestTinyTimeoutReportsTheTimeout(t *testing.T) {
	code, _, stderr := run(t, "run", "--sim", "--fast", "--say", "hi", "--agents", "../../agents.yaml", "--timeout", "1ns")
	if code != exitFailure || stderr != "rtagent: --timeout reached before the session finished\n" {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

// A trace that cannot be written (a full disk) fails the command with a clear
// message instead of leaving a short trace silently.
func TestTraceWriteFailureFails(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full here")
	}
	code, stdout, stderr := run(t, "run", "--sim", "--fast", "--say", "hi", "--agents", "../../agents.yaml", "--trace", "/dev/full")
	if code != exitFailure {
		t.Fatalf("exit %d, want 1; stderr %q", code, stderr)
	}
	if !strings.Contains(stdout, "You said: hi") {
		t.Errorf("the run itself should have gone through:\n%s", stdout)
	}
	// After the session summary, the one error line.
	const want = "\nrtagent: --trace /dev/full: the trace is incomplete: write /dev/full: no space left on device\n"
	if !strings.HasSuffix(stderr, want) || strings.Count(stderr, "rtagent: ") != 1 {
		t.Errorf("stderr %q, want it to end with %q", stderr, want)
	}
}

// A --log-file that cannot be opened (a directory) is a usage error, before
// anything runs; the default log file stays best effort.
func TestLogFileDirectoryFails(t *testing.T) {
	dir := t.TempDir()
	code, stdout, stderr := run(t, "--log-file", dir, "run", "--sim", "--fast", "--say", "hi", "--agents", "../../agents.yaml")
	if code != exitUsage {
		t.Fatalf("exit %d, want 2; stderr %q", code, stderr)
	}
	if want := "rtagent: --log-file: open " + dir + ": is a directory\n"; stderr != want {
		t.Errorf("stderr %q, want %q", stderr, want)
	}
	if stdout != "" {
		t.Errorf("the run went ahead:\n%s", stdout)
	}
}
