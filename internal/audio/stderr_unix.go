//go:build unix

package audio

import (
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// stderrMu serialises redirections of fd 2 (it is process-wide state).
var stderrMu sync.Mutex

// quietStderr runs f with file descriptor 2 pointed at a temporary file, restores it,
// and logs whatever C libraries (libasound, libjack) printed there at debug level.
// Go code running concurrently that writes to os.Stderr during f lands in the log too;
// f is short (PortAudio initialisation or a stream open), so that window is small.
// If any step of the redirection fails, f runs with stderr untouched. It returns
// what the libraries printed (at most 64 KiB), for error messages.
func quietStderr(log *slog.Logger, f func()) (native string) {
	stderrMu.Lock()
	defer stderrMu.Unlock()
	if os.Getenv("RTAGENT_AUDIO_STDERR") == "1" { // debugging: let native output through
		f()
		return ""
	}
	tmp, err := os.CreateTemp("", "rtagent-audio-stderr-*")
	if err != nil {
		f()
		return ""
	}
	// Unlinked at once: nothing is left behind even if f aborts the process.
	os.Remove(tmp.Name())
	defer tmp.Close()
	saved, err := unix.Dup(2)
	if err != nil {
		f()
		return ""
	}
	if err := unix.Dup2(int(tmp.Fd()), 2); err != nil {
		unix.Close(saved)
		f()
		return ""
	}
	func() {
		defer func() {
			// Restore even if f panics.
			_ = unix.Dup2(saved, 2)
			unix.Close(saved)
		}()
		f()
	}()
	if _, err := tmp.Seek(0, 0); err != nil {
		return ""
	}
	if b, err := io.ReadAll(io.LimitReader(tmp, 64<<10)); err == nil && len(b) > 0 {
		native = strings.TrimSpace(string(b))
		log.Debug("audio: native library output", "text", native)
	}
	return native
}
