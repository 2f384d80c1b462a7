package main

import (
	"log/slog"
	"os"
	"path/filepath"

	"github.com/rtagent/rtagent/internal/redact"
)

type logOptions struct {
	Debug bool
	File  string
}

// setupLogging points f.Logger at the log file: JSON, never the terminal, with
// every registered secret scrubbed (redact.Handler over the process-wide registry,
// which app.Open fills before anything connects). The default file is best effort:
// without a usable one records are discarded. A --log-file the user named that
// cannot be opened (a directory, no permission) is a usage error, never a silent
// loss of the log.
func setupLogging(f *factory, o *logOptions) error {
	path := o.File
	explicit := path != ""
	if !explicit {
		dir := f.Getenv("XDG_STATE_HOME")
		if dir == "" {
			home, err := os.UserHomeDir()
			if err != nil {
				return nil // no home: logs are discarded
			}
			dir = filepath.Join(home, ".local", "state")
		}
		path = filepath.Join(dir, "rtagent", "rtagent.log")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		if explicit {
			return usageErrorf("--log-file: %v", err)
		}
		return nil // logging is best effort; never fail a command for it
	}
	file, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		if explicit {
			return usageErrorf("--log-file: %v", err)
		}
		return nil
	}
	level := slog.LevelInfo
	if o.Debug {
		level = slog.LevelDebug
	}
	f.Logger = slog.New(redact.Handler(slog.NewJSONHandler(file, &slog.HandlerOptions{Level: level}), nil))
	return nil
}
