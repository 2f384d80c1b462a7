package app

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/rtagent/rtagent/internal/audio"
	"github.com/rtagent/rtagent/internal/audio/vad"
	"github.com/rtagent/rtagent/internal/session"
	"github.com/rtagent/rtagent/internal/testkit"
)

// Microphone frames reach the session two at a time (one append per 40 ms), only
// while the push-to-talk key is held, and releasing the key appends the half batch
// before the commit: every frame captured while talking is in the committed turn, in
// order, and nothing from before the key.
func TestVoiceBatchesAppendsAndFlushesOnCommit(t *testing.T) {
	ctx, rt, trace := openTraced(t, Options{Modality: "audio", PushToTalk: true, Approval: "never", TraceAudio: true})
	answered := make(chan struct{}, 1)
	drv := startDriver(ctx, t, rt, func(ev session.Event) error {
		if _, ok := ev.(session.AgentEnd); ok {
			select {
			case answered <- struct{}{}:
			default:
			}
		}
		return nil
	})
	v := &Voice{}
	v.sess.Store(rt.Session)
	frame := func(i int) audio.Frame {
		return audio.Frame{PCM: bytes.Repeat([]byte{byte(i + 1), 0}, audio.FrameSamples)}
	}
	v.onFrame(frame(99)) // before the key: not sent
	ptt := PushToTalk{Session: rt.Session, Voice: v}
	if err := ptt.StartPushToTalk(); err != nil {
		t.Fatal(err)
	}
	var want []byte
	for i := range 5 {
		v.onFrame(frame(i))
		want = append(want, frame(i).PCM...)
	}
	if err := ptt.CommitAudio(); err != nil {
		t.Fatal(err)
	}
	v.onFrame(frame(98)) // after the key: not sent
	select {             // the committed turn was answered: every append before it was sent
	case <-answered:
	case <-ctx.Done():
		t.Fatal("no answer to the committed turn")
	}
	stopDriver(t, drv, rt)

	var sizes []int
	var got []byte
	committed := false
	for _, f := range testkit.ReadTrace(t, readFile(t, trace)) {
		if f.Dir != "client" {
			continue
		}
		switch f.Type {
		case "input_audio_buffer.commit":
			committed = true
		case "input_audio_buffer.append":
			if committed {
				t.Errorf("append after the commit")
			}
			var m struct{ Audio string }
			if err := json.Unmarshal(f.Event, &m); err != nil {
				t.Fatal(err)
			}
			b, err := base64.StdEncoding.DecodeString(m.Audio)
			if err != nil {
				t.Fatal(err)
			}
			sizes = append(sizes, len(b))
			got = append(got, b...)
		}
	}
	if !committed {
		t.Fatal("no input_audio_buffer.commit")
	}
	if want := []int{2 * audio.FrameBytes, 2 * audio.FrameBytes, audio.FrameBytes}; len(sizes) != 3 || sizes[0] != want[0] || sizes[1] != want[1] || sizes[2] != want[2] {
		t.Errorf("append sizes %v, want %v", sizes, want)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("appended %d bytes, not the %d bytes of the five frames in order", len(got), len(want))
	}
}

// Without WebRTC's library, local barge-in stays off: the first StartLocalVAD
// returns an error wrapping ErrNoLocalVAD that names the library and the package
// (chat tells the user) and the status says why; later calls return the status
// without the error, so it is said once.
func TestStartLocalVADWithoutLibrary(t *testing.T) {
	defer vad.UseLibrary("librtagent_no_such_webrtc.so.1")()
	v := &Voice{}
	const want = "local VAD off (no " + vad.LibraryName + ")"
	status, err := v.StartLocalVAD(&vad.Options{Enabled: true}, nil)
	if !errors.Is(err, ErrNoLocalVAD) || !strings.Contains(err.Error(), "librtagent_no_such_webrtc.so.1") ||
		!strings.Contains(err.Error(), vad.LibraryPackage) {
		t.Errorf("error %v, want ErrNoLocalVAD naming the library and %s", err, vad.LibraryPackage)
	}
	if status != want || v.LocalVADStatus() != want || v.bargeIn.Load() != nil {
		t.Errorf("status %q / %q, barge-in %v; want %q and none", status, v.LocalVADStatus(), v.bargeIn.Load(), want)
	}
	if status, err := v.StartLocalVAD(&vad.Options{Enabled: true}, nil); status != want || err != nil {
		t.Errorf("second call: %q, %v; want %q, nil", status, err, want)
	}
}
