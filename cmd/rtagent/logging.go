package main

import (
	"log/slog"
	"os"
	"path/filepath"
)

type logOptions struct {
	Debug bool
	File  string
}

// setupLogging points f.Logger at the log file: JSON, never the terminal. Logging
// is best effort: without a usable file records are discarded.
func setupLogging(f *factory, o *logOptions) error {
	path := o.File
	if path == "" {
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
		return nil // logging is best effort; never fail a command for it
	}
	file, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil
	}
	level := slog.LevelInfo
	if o.Debug {
		level = slog.LevelDebug
	}
	f.Logger = slog.New(slog.NewJSONHandler(file, &slog.HandlerOptions{Level: level}))
	return nil
}
