// Device tests run the real PortAudio library on the ALSA file device
// (testdata/audio/fakeaudio.conf; see testdata/audio/README.md). Race runs need
// checkptr off inside the binding:
//
//	go test -race -gcflags=github.com/gordonklaus/portaudio=-d=checkptr=0 ./internal/audio/...
package vad

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	conf, err := filepath.Abs("../../../testdata/audio/fakeaudio.conf")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	os.Setenv("ALSA_CONFIG_PATH", conf)
	os.Setenv("FAKEAUDIO_DIR", os.TempDir())
	goleak.VerifyTestMain(m)
}
