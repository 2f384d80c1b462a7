package vad

/*
#include <stdlib.h>
#include "webrtc_vad.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Rate and frame length of the WebRTC classifier: 10 ms frames at 16 kHz.
const (
	classifierRate  = C.RT_VAD_RATE
	classifierFrame = C.RT_VAD_FRAME
)

// LibraryName is the shared library the detector loads on first use, and
// LibraryPackage the Debian package that installs it.
const (
	LibraryName    = "libwebrtc_audio_processing.so.1"
	LibraryPackage = "libwebrtc-audio-processing1"
)

// ErrNoLibrary is wrapped by the error NewDetector and NewBargeIn return when
// WebRTC's library cannot be loaded: local voice detection is unavailable, the rest
// of the program is not affected.
var ErrNoLibrary = errors.New("WebRTC's voice detector is unavailable")

// library is one dlopen'ed copy of WebRTC's VAD, loaded once on first use.
type library struct {
	name string
	once sync.Once
	c    *C.rt_vad_lib // never freed: it lives as long as the process
	err  error
}

var webrtcLib atomic.Pointer[library]

func init() { webrtcLib.Store(&library{name: LibraryName}) }

// UseLibrary makes detectors created from now on load name instead of LibraryName
// and returns a function that restores the previous choice. It is for tests of the
// missing-library path; name is loaded afresh on first use.
func UseLibrary(name string) (restore func()) {
	prev := webrtcLib.Swap(&library{name: name})
	return func() { webrtcLib.Store(prev) }
}

// load dlopens the library and resolves the WebRtcVad_* functions, once; later
// calls return the first result.
func (l *library) load() (*C.rt_vad_lib, error) {
	l.once.Do(func() {
		name := C.CString(l.name)
		defer C.free(unsafe.Pointer(name))
		var msg [512]C.char
		l.c = C.rt_vad_open(name, &msg[0], C.size_t(len(msg)))
		if l.c == nil {
			l.err = fmt.Errorf("vad: %w: loading %s (Debian package %s): %s",
				ErrNoLibrary, l.name, LibraryPackage, C.GoString(&msg[0]))
		}
	})
	return l.c, l.err
}

// webrtcVAD is WebRTC's GMM voice activity detector (WebRtcVad_*, as the
// AudioProcessing module's VoiceDetection component runs it). Not safe for
// concurrent use.
type webrtcVAD struct {
	h *C.rt_vad
}

func newWebRTCVAD(mode int) (*webrtcVAD, error) {
	lib, err := webrtcLib.Load().load()
	if err != nil {
		return nil, err
	}
	h := C.rt_vad_new(lib, C.int(mode))
	if h == nil {
		return nil, fmt.Errorf("vad: creating the WebRTC voice detector (mode %d) failed", mode)
	}
	return &webrtcVAD{h: h}, nil
}

// classify reports whether one classifierFrame-sample frame at classifierRate holds
// speech.
func (w *webrtcVAD) classify(frame []int16) (bool, error) {
	if len(frame) != classifierFrame {
		return false, fmt.Errorf("vad: classifier frame has %d samples, want %d", len(frame), classifierFrame)
	}
	r := C.rt_vad_process(w.h, (*C.int16_t)(unsafe.Pointer(&frame[0])))
	if r < 0 {
		return false, fmt.Errorf("vad: WebRtcVad_Process failed")
	}
	return r == 1, nil
}

func (w *webrtcVAD) reset() error {
	if C.rt_vad_reset(w.h) != 0 {
		return fmt.Errorf("vad: WebRtcVad_Init or WebRtcVad_set_mode failed on reset")
	}
	return nil
}

func (w *webrtcVAD) close() {
	if w.h != nil {
		C.rt_vad_free(w.h)
		w.h = nil
	}
}
