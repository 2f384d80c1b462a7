package tools

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/rtagent/rtagent/internal/tools/proc"
)

// Errors a Result.Err wraps, for errors.Is.
var (
	// ErrInvalidArguments: the arguments did not parse or did not match the schema; the
	// tool did not run (R8.4).
	ErrInvalidArguments = errors.New("invalid arguments")
	// ErrTimeout: the call ran past its Definition's timeout (R8.5).
	ErrTimeout = errors.New("tool timed out")
)

// CleanupGrace is how long Invoke waits, after a call's context is done, for the tool
// to return before it reports the timeout anyway (docs/protocol.md §16). The tools in this
// package return well within it; a Tool that ignores its context keeps running in its
// goroutine until it returns, and its result is dropped.
const CleanupGrace = time.Second

// PanicError is the error of a call whose tool panicked.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

// Result is the outcome of one Invoke.
type Result struct {
	// Output is the model-visible output, at most MaxOutputBytes long (cut with a
	// visible marker). On failure it is the protocol's error text.
	Output string
	// Err is nil on success. It wraps ErrInvalidArguments, ErrTimeout, a *PanicError,
	// the context's error, or the tool's own error.
	Err error
	// Duration is the wall time of the whole Invoke.
	Duration time.Duration
	// TimedOut reports that the tool's timeout expired.
	TimedOut bool
}

// errCallTimeout is the cause of a call context whose own timeout expired, telling it
// apart from a cancelled or expiring parent.
var errCallTimeout = errors.New("tool call timeout")

// Invoke runs one call of t with the model's argument string, applying the protocol
// rules (R8.4, R8.5, R8.9):
//   - arguments must be a JSON object matching the tool's parameter schema (compiled
//     once per schema and cached), otherwise the tool does not run and the output is
//     "Invalid arguments for tool <name>: <reason>". Empty arguments mean {}, as the
//     reference SDKs treat them;
//   - the call gets the tool's timeout (DefaultTimeout when unset); when it expires the
//     output is "Tool <name> timed out after <N>s";
//   - an error or a panic becomes "Error running tool <name>: <message>";
//   - the output is capped at MaxOutputBytes with a visible marker.
//
// Invoke blocks until the tool returns, or until at most CleanupGrace after the call's
// context is done. It is safe for concurrent use.
func Invoke(ctx context.Context, t Tool, arguments string) Result {
	start := time.Now()
	def := t.Definition()
	res := invoke(ctx, t, def, arguments)
	res.Output = proc.Clip(res.Output, MaxOutputBytes)
	res.Duration = time.Since(start)
	return res
}

func invoke(ctx context.Context, t Tool, def Definition, arguments string) Result {
	raw := []byte(arguments)
	if len(bytes.TrimSpace(raw)) == 0 {
		raw = []byte("{}")
	}
	schema, err := compileParameters(def.Parameters)
	if err != nil {
		return failed(def.Name, err)
	}
	if err := parseArguments(raw, schema); err != nil {
		return Result{
			Output: "Invalid arguments for tool " + def.Name + ": " + err.Error(),
			Err:    fmt.Errorf("%w for tool %s: %w", ErrInvalidArguments, def.Name, err),
		}
	}

	timeout := def.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	callCtx, cancel := context.WithTimeoutCause(ctx, timeout, errCallTimeout)
	defer cancel()

	type outcome struct {
		out string
		err error
	}
	// Buffered so the goroutine can always finish, even after Invoke stopped waiting.
	done := make(chan outcome, 1)
	go func() {
		var o outcome
		defer func() {
			if p := recover(); p != nil {
				o = outcome{err: &PanicError{Value: p, Stack: debug.Stack()}}
			}
			done <- o
		}()
		o.out, o.err = t.Call(callCtx, raw)
	}()

	var o outcome
	select {
	case o = <-done:
	case <-callCtx.Done():
		grace := time.NewTimer(CleanupGrace)
		select {
		case o = <-done:
		case <-grace.C:
			o.err = callCtx.Err()
		}
		grace.Stop()
	}
	if o.err == nil { // a tool that finished its work, even at the deadline, has its result
		return Result{Output: o.out}
	}
	if errors.Is(context.Cause(callCtx), errCallTimeout) && ctx.Err() == nil {
		return Result{
			Output:   "Tool " + def.Name + " timed out after " + seconds(timeout) + "s",
			Err:      fmt.Errorf("%w after %s: %w", ErrTimeout, timeout, o.err),
			TimedOut: true,
		}
	}
	if err := ctx.Err(); err != nil && !errors.Is(o.err, err) {
		o.err = fmt.Errorf("%w (%w)", err, o.err)
	}
	return failed(def.Name, o.err)
}

func failed(name string, err error) Result {
	return Result{Output: "Error running tool " + name + ": " + err.Error(), Err: err}
}

// seconds formats d as a number of seconds without a unit: 30, 1.5, 0.25.
func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64)
}

// CheckArguments reports whether arguments are valid for the tool without running
// it, with the same rules as Invoke: the error ("invalid arguments: <reason>") wraps
// ErrInvalidArguments for malformed JSON or a schema mismatch. A tool whose schema does not compile is not
// reported here; Invoke reports it when the tool runs.
func CheckArguments(def Definition, arguments string) error {
	raw := []byte(arguments)
	if len(bytes.TrimSpace(raw)) == 0 {
		raw = []byte("{}")
	}
	schema, err := compileParameters(def.Parameters)
	if err != nil {
		return nil
	}
	if err := parseArguments(raw, schema); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidArguments, err)
	}
	return nil
}
