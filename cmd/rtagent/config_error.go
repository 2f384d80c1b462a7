package main

import "errors"

// configError marks an invalid agents file: exit code 2. Its message already names
// file:line:column and the field path of every problem.
type configError struct{ err error }

func (e *configError) Error() string { return e.err.Error() }
func (e *configError) Unwrap() error { return e.err }

// isConfigError reports whether err is an invalid-configuration error (exit 2).
func isConfigError(err error) bool {
	var ce *configError
	return errors.As(err, &ce)
}
