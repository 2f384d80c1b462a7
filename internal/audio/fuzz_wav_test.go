package audio

import (
	"bytes"
	"encoding/binary"
	"math"
	"testing"
)

// wavBytes builds a WAV file: a fmt chunk with the given tag, channels, rate
// and bits, an optional extra chunk, and a data chunk of the given size field.
func wavBytes(tag uint16, channels, rate, bits int, data []byte, dataSize uint32, extra bool) []byte {
	var b bytes.Buffer
	le := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("RIFF")
	le(uint32(0))
	b.WriteString("WAVE")
	if extra {
		b.WriteString("LIST")
		le(uint32(3))
		b.WriteString("abc\x00") // odd size: one pad byte
	}
	b.WriteString("fmt ")
	fmtSize := uint32(16)
	if tag == 0xFFFE {
		fmtSize = 40
	}
	le(fmtSize)
	le(tag)
	le(uint16(channels))
	le(uint32(rate))
	le(uint32(rate * channels * bits / 8))
	le(uint16(channels * bits / 8))
	le(uint16(bits))
	if tag == 0xFFFE {
		le(uint16(22))
		le(uint16(bits))
		le(uint32(3))
		le(uint16(3)) // sub-format: float
		b.Write(make([]byte, 14))
	}
	b.WriteString("data")
	le(dataSize)
	b.Write(data)
	return b.Bytes()
}

// FuzzDecodeWAV feeds arbitrary bytes to the WAV reader. It must never
// panic or allocate beyond what the input justifies, and a file it accepts
// has a sane format and samples in -1..1 (integer formats) or finite floats.
func FuzzDecodeWAV(f *testing.F) {
	pcm := []byte{0, 0, 0xFF, 0x7F, 0x00, 0x80, 1, 2}
	f.Add(wavBytes(1, 1, 24000, 16, pcm, uint32(len(pcm)), false))
	f.Add(wavBytes(1, 2, 48000, 16, pcm, 0, true))         // size 0: read to the end
	f.Add(wavBytes(1, 1, 8000, 8, pcm, 0xFFFFFFFF, false)) // crashed writer
	f.Add(wavBytes(1, 2, 44100, 24, pcm[:6], 6, false))
	f.Add(wavBytes(1, 1, 16000, 32, pcm, 8, false))
	f.Add(wavBytes(3, 1, 24000, 32, pcm, 8, false))
	f.Add(wavBytes(3, 1, 24000, 64, pcm, 8, false))
	f.Add(wavBytes(0xFFFE, 1, 24000, 32, pcm, 8, false))
	f.Add(wavBytes(1, 1, 24000, 12, pcm, 8, false))
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVEfmt \xff\xff\xff\xff"))
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVEjunk\xf0\xff\xff\x7f"))
	f.Fuzz(func(t *testing.T, data []byte) {
		samples, info, err := DecodeWAV(bytes.NewReader(data))
		if err != nil {
			return
		}
		if info.Channels < 1 || info.SampleRate < 1 || info.BitsPerSample < 8 {
			t.Fatalf("accepted a bad format: %+v", info)
		}
		if len(samples) > len(data) {
			t.Fatalf("%d samples out of %d bytes", len(samples), len(data))
		}
		if !info.Float {
			for _, s := range samples {
				if s < -1 || s > 1 || math.IsNaN(float64(s)) {
					t.Fatalf("integer sample %v out of range", s)
				}
			}
		}
	})
}
