package audio

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// chanHandler sends every record's message to a channel (never blocking the audio
// goroutine: records beyond its capacity are dropped).
type chanHandler struct{ ch chan string }

func (h chanHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h chanHandler) Handle(_ context.Context, r slog.Record) error {
	select {
	case h.ch <- r.Message:
	default:
	}
	return nil
}
func (h chanHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h chanHandler) WithGroup(string) slog.Handler      { return h }

// The player logs through the logger it is given, not slog.Default: the ALSA file
// device accepts writes instantly, so the player reports that it paces to the clock.
func TestPlayerLogsThroughInjectedLogger(t *testing.T) {
	fakeDir(t)
	h := chanHandler{ch: make(chan string, 64)}
	p, err := OpenPlayer(PlayerConfig{Logger: slog.New(h)})
	must(t, err)
	defer p.Close()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case msg := <-h.ch:
			if strings.Contains(msg, "does not block") {
				return
			}
		case <-deadline:
			t.Fatal("no record reached the injected logger")
		}
	}
}
