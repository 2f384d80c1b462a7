package audio

import (
	"encoding/binary"
	"time"
)

// SampleRate is the only PCM rate the realtime model speaks (docs/protocol.md §16).
const SampleRate = 24000

// FrameSamples is one 20 ms microphone frame at 24 kHz.
const FrameSamples = 480

// FrameBytes is one 20 ms PCM16 frame: 960 bytes.
const FrameBytes = FrameSamples * 2

// FrameDuration is the duration of one microphone frame.
const FrameDuration = 20 * time.Millisecond

// BytesToSamples decodes PCM16LE into dst (grown as needed) and returns it.
// A trailing odd byte is ignored.
func BytesToSamples(dst []int16, pcm []byte) []int16 {
	n := len(pcm) / 2
	dst = dst[:0]
	if cap(dst) < n {
		dst = make([]int16, 0, n)
	}
	for i := 0; i < n; i++ {
		dst = append(dst, int16(binary.LittleEndian.Uint16(pcm[2*i:])))
	}
	return dst
}

// SamplesToBytes encodes samples as PCM16LE, appending to dst.
func SamplesToBytes(dst []byte, s []int16) []byte {
	for _, v := range s {
		dst = binary.LittleEndian.AppendUint16(dst, uint16(v))
	}
	return dst
}

// samplesFor returns the number of samples at rate in d, rounded to nearest.
func samplesFor(d time.Duration, rate int) int {
	return int((int64(d)*int64(rate) + int64(time.Second)/2) / int64(time.Second))
}

// durationOf returns the duration of n samples at rate.
func durationOf(n int, rate int) time.Duration {
	return time.Duration(int64(n) * int64(time.Second) / int64(rate))
}

func clamp16(v float64) int16 {
	if v >= 0 {
		v += 0.5
	} else {
		v -= 0.5
	}
	switch {
	case v > 32767:
		return 32767
	case v < -32768:
		return -32768
	}
	return int16(v)
}
