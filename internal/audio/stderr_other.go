//go:build !unix

package audio

import "log/slog"

func quietStderr(_ *slog.Logger, f func()) string { f(); return "" }
