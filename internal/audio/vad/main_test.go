// Device tests run the real PortAudio library on the ALSA file device
// (testdata/audio/fakeaudio.conf; see testdata/audio/README.md). Race runs need
// checkptr off inside the binding:
//
//	go test -race -gcflags=github.com/gordonklaus/portaudio=-d=checkptr=0 ./internal/audio/...
package vad

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/rtagent/rtagent/internal/testkit"
)

func TestMain(m *testing.M) {
	testkit.UseFakeAudio()
	goleak.VerifyTestMain(m)
}
