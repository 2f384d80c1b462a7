package main

import (
	"context"
	"errors"
	"fmt"
	"github.com/rtagent/rtagent/internal/app"
	"io"
	"strings"
)

// Exit codes (DESIGN.md): 0 success; 1 runtime failure; 2 usage or configuration
// error; 130 interrupted.
const (
	exitOK          = 0
	exitFailure     = 1
	exitUsage       = 2
	exitInterrupted = 130
)

func usageErrorf(format string, a ...any) error {
	return &usageError{Err: fmt.Errorf(format, a...)}
}

// errInterrupted is returned when the user pressed Ctrl-C.
var errInterrupted = errors.New("interrupted")

// errSilent carries an exit code for a failure already reported to the user.
type errSilent struct{ code int }

func (e errSilent) Error() string { return fmt.Sprintf("exit %d", e.code) }

// errTimeout: `run --timeout` ended the session.
var errTimeout = errors.New("--timeout reached before the session finished")

// exitCode is the exit code err ends the process with (the one place that decides).
func exitCode(err error) int {
	var silent errSilent
	var ue *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &silent):
		return silent.code
	case errors.Is(err, errInterrupted) || errors.Is(err, context.Canceled):
		return exitInterrupted
	case isConfigError(err), errors.As(err, &ue):
		return exitUsage
	}
	return exitFailure
}

// endReason names why a session ended, for run's session_end line.
func endReason(err error) string {
	switch {
	case err == nil:
		return "completed"
	case errors.Is(err, errTimeout):
		return "timeout"
	case exitCode(err) == exitInterrupted:
		return "interrupted"
	}
	return "error"
}

// reportError prints err for the user, once, and returns the exit code.
func reportError(w io.Writer, err error) int {
	code := exitCode(err)
	var silent errSilent
	if err == nil || errors.As(err, &silent) || code == exitInterrupted {
		return code
	}
	if errors.Is(err, errRunTimeout) {
		// The run's own deadline ended a dial or a wait below: say so, not the
		// connection failure it caused (issue 11 item 7).
		err = errTimeout
	}
	msg := terminalText(strings.TrimSpace(err.Error()))
	if isConfigError(err) {
		// One problem per line, compiler-style (file:line:column: path: message), so
		// editors and CI annotate them.
		fmt.Fprintln(w, msg)
		return code
	}
	fmt.Fprintf(w, "rtagent: %s\n", msg)
	return code
}

// closeInto reports a failure to finish writing (a transcript, a recording) when the
// command otherwise succeeded; an earlier error is the one the user needs first.
func closeInto(err, closeErr error) error {
	if err != nil || closeErr == nil {
		return err
	}
	return closeErr
}

// fileErr names the flag and file a write failure belongs to.
func fileErr(flag, path string, err error) error { return app.FileErr(flag, path, err) }
