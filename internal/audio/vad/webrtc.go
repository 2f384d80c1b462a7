package vad

/*
#cgo pkg-config: webrtc-audio-processing
#cgo CXXFLAGS: -std=c++11
#include "webrtc_apm.h"
*/
import "C"

import (
	"fmt"
	"unsafe"
)

// Rate and frame length of the WebRTC classifier: 10 ms frames at 16 kHz.
const (
	classifierRate  = C.RT_VAD_RATE
	classifierFrame = C.RT_VAD_FRAME
)

// webrtcVAD is WebRTC's GMM voice activity detector, run through the VoiceDetection
// component of libwebrtc-audio-processing's AudioProcessing module. Not safe for
// concurrent use.
type webrtcVAD struct {
	h *C.rt_vad
}

func newWebRTCVAD(mode int) (*webrtcVAD, error) {
	h := C.rt_vad_new(C.int(mode))
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
		return false, fmt.Errorf("vad: WebRTC ProcessStream failed with error %d", int(r))
	}
	return r == 1, nil
}

func (w *webrtcVAD) reset() error {
	if r := C.rt_vad_reset(w.h); r != 0 {
		return fmt.Errorf("vad: WebRTC Initialize failed with error %d", int(r))
	}
	return nil
}

func (w *webrtcVAD) close() {
	if w.h != nil {
		C.rt_vad_free(w.h)
		w.h = nil
	}
}
