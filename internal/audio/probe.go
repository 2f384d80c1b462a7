package audio

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"time"
)

// probeChildEnv marks a process started by Probe: it lists the devices as JSON
// on stdout and exits (RunProbeIfChild).
const probeChildEnv = "RTAGENT_AUDIO_PROBE_CHILD"

// ProbeTimeout bounds a device probe.
const ProbeTimeout = 10 * time.Second

// ErrProbe wraps a device probe that crashed, hung or failed: the audio stack
// (PortAudio, ALSA, JACK) is broken on this machine, and callers fall back to text.
var ErrProbe = errors.New("audio device probe failed")

type probeReport struct {
	Devices []Device `json:"devices"`
	Error   string   `json:"error,omitempty"`
}

// Probe initialises PortAudio and lists the devices in a child process — the
// running executable started again with probeChildEnv set, which must call
// RunProbeIfChild first thing — so that a native crash (an ALSA assertion that
// aborts, a segfault in a driver) cannot take rtagent down with it. On failure the
// error wraps ErrProbe and quotes what the child printed.
func Probe(ctx context.Context) ([]Device, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("%w: cannot find rtagent's own executable: %v", ErrProbe, err)
	}
	ctx, cancel := context.WithTimeout(ctx, ProbeTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = append(os.Environ(), probeChildEnv+"=1", "RTAGENT_AUDIO_STDERR=1", "GOTRACEBACK=single")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &limitedBuffer{buf: &stderr, max: 64 << 10}
	runErr := cmd.Run()
	native := lastLines(beforeGoCrash(stderr.String()), 6)
	if ctx.Err() != nil {
		return nil, fmt.Errorf("%w: no answer within %s%s", ErrProbe, ProbeTimeout, quoteNative(native))
	}
	var rep probeReport
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil || runErr != nil {
		why := "it printed no device list"
		if runErr != nil {
			why = runErr.Error() // "signal: aborted", "exit status 2"
		}
		return nil, fmt.Errorf("%w (%s)%s", ErrProbe, why, quoteNative(native))
	}
	if rep.Error != "" {
		return nil, fmt.Errorf("%w: %s%s", ErrProbe, rep.Error, quoteNative(native))
	}
	return rep.Devices, nil
}

// RunProbeIfChild, in a process started by Probe, lists the devices as JSON on
// stdout and exits; elsewhere it returns at once. Call it first thing in main
// (and in TestMain of packages that call Probe).
func RunProbeIfChild() {
	if os.Getenv(probeChildEnv) != "1" {
		return
	}
	var rep probeReport
	terminate, err := Init(nil)
	if err != nil {
		rep.Error = err.Error()
	} else {
		rep.Devices, err = Devices()
		if err != nil {
			rep.Error = err.Error()
		}
		_ = terminate()
	}
	_ = json.NewEncoder(os.Stdout).Encode(rep)
	os.Exit(0)
}

func quoteNative(s string) string {
	if s == "" {
		return ""
	}
	return "; the audio library said: " + s
}

// goCrash starts the Go runtime's report of a fatal signal or panic.
var goCrash = regexp.MustCompile(`(?m)^(SIG[A-Z]+: |fatal error: |panic: |PC=)`)

// beforeGoCrash keeps what the native libraries printed before the Go runtime's
// own crash report (a goroutine dump says nothing to a user).
func beforeGoCrash(s string) string {
	if loc := goCrash.FindStringIndex(s); loc != nil {
		return s[:loc[0]]
	}
	return s
}

// lastLines returns the last n non-empty lines of s, joined with " | ".
func lastLines(s string, n int) string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

// limitedBuffer keeps the first max bytes written.
type limitedBuffer struct {
	buf *bytes.Buffer
	max int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.max - l.buf.Len(); room > 0 {
		l.buf.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}
