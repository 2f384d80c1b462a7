package main

import (
	"context"
	"time"

	"github.com/rtagent/rtagent/internal/audio"
)

// runAudio is the virtual microphone and speaker of `run --audio-in/--audio-out`.
type runAudio struct {
	sink *audio.WAVSink
	fast bool
}

// openRunAudio creates the --audio-out sink before the session exists.
func openRunAudio(out string, fast bool) (*runAudio, error) {
	ra := &runAudio{fast: fast}
	if out != "" {
		s, err := audio.CreateWAVSink(audio.WAVSinkConfig{Path: out, Fast: fast})
		if err != nil {
			return nil, usageErrorf("--audio-out: %v", err)
		}
		ra.sink = s
	}
	return ra, nil
}

// playAudioIn streams a WAV file into the session as the microphone, at real-time
// cadence (or as fast as possible with --fast), followed by a second of silence so
// voice activity detection sees the end of speech.
func (rt *sessionRuntime) playAudioIn(ctx context.Context, path string) error {
	fast := rt.audio != nil && rt.audio.fast
	src, err := audio.OpenWAVSource(audio.WAVSourceConfig{Path: path, Fast: fast, TrailingSilence: time.Second})
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

// drainAudio waits until the --audio-out sink has played everything queued.
func (rt *sessionRuntime) drainAudio(ctx context.Context) error {
	if rt.audio == nil || rt.audio.sink == nil {
		return nil
	}
	for rt.audio.sink.State().Active {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return nil
}
