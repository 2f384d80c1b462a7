package audio

import (
	"path/filepath"
	"testing"
)

// A fast WAV sink plays audio the moment it arrives: nothing is ever still playing,
// so a barge-in truncates nothing and the server keeps what the file holds.
func TestWAVSinkFastPlaysAtOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.wav")
	s, err := CreateWAVSink(WAVSinkConfig{Path: path, Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	pcm := make([]byte, 4800) // 100 ms
	for i := range pcm {
		pcm[i] = byte(i)
	}
	s.Enqueue("r1", "i1", 0, pcm)
	if st := s.State(); st.Active {
		t.Fatalf("fast sink reports audio still playing: %+v", st)
	}
	if st := s.Interrupt(); st.Active || st.PlayedBytes != 0 {
		t.Fatalf("interrupt on a fast sink: %+v, want nothing playing", st)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := LoadWAV24k(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(pcm)/2 {
		t.Fatalf("file holds %d samples, want all %d", len(got), len(pcm)/2)
	}
}
