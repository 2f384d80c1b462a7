package app

import (
	"context"
	"time"

	"github.com/rtagent/rtagent/internal/audio"
)

// PlayAudioIn streams a WAV file into the session as the microphone, at real-time
// cadence (or as fast as possible with Options.Fast), followed by a second of
// silence so voice activity detection sees the end of speech.
func (rt *Runtime) PlayAudioIn(ctx context.Context, path string) error {
	src, err := audio.OpenWAVSource(audio.WAVSourceConfig{Path: path, Fast: rt.opts.Fast, TrailingSilence: time.Second})
	if err != nil {
		return usageErrorf("--audio-in: %v", err)
	}
	defer src.Close()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-src.Err():
			return err
		case fr, ok := <-src.Frames():
			if !ok {
				return nil
			}
			if err := rt.Session.AppendAudio(fr.PCM); err != nil {
				return err
			}
		}
	}
}

// DrainAudio waits until the Options.AudioOut sink has played everything queued.
func (rt *Runtime) DrainAudio(ctx context.Context) error {
	if rt.sink == nil {
		return nil
	}
	return rt.sink.WaitPlayed(ctx) // sleeps on one timer, never polls (issue 13)
}
