package main

import "github.com/rtagent/rtagent/internal/app"

// usageError marks bad flags and bad configuration: exit code 2.
type usageError = app.UsageError

// configError marks an invalid agents file: exit code 2. Its message already names
// file:line:column and the field path of every problem.
type configError = app.ConfigError

// isConfigError reports whether err is an invalid-configuration error (exit 2).
func isConfigError(err error) bool { return app.IsConfigError(err) }
