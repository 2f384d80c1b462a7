package audio

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
)

// maxFmtChunk bounds the fmt chunk DecodeWAV accepts.
const maxFmtChunk = 1 << 10

// WAVInfo describes a decoded WAV file.
type WAVInfo struct {
	SampleRate    int
	Channels      int
	BitsPerSample int
	Float         bool
}

// DecodeWAV reads a RIFF/WAVE stream with integer PCM (8, 16, 24 or 32 bit) or 32/64-bit
// float samples and returns them interleaved, normalised to -1..1. A data chunk whose
// size is 0, 0xFFFFFFFF or larger than what follows (a file from a crashed writer) is
// read to the end of the stream.
func DecodeWAV(r io.Reader) ([]float32, WAVInfo, error) {
	br := bufio.NewReader(r)
	var hdr [12]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil {
		return nil, WAVInfo{}, fmt.Errorf("audio: wav header: %w", err)
	}
	if string(hdr[0:4]) != "RIFF" || string(hdr[8:12]) != "WAVE" {
		return nil, WAVInfo{}, errors.New("audio: not a RIFF/WAVE file")
	}
	var info WAVInfo
	var haveFmt bool
	for {
		var ch [8]byte
		if _, err := io.ReadFull(br, ch[:]); err != nil {
			return nil, info, fmt.Errorf("audio: wav: no data chunk: %w", err)
		}
		id, size := string(ch[0:4]), binary.LittleEndian.Uint32(ch[4:8])
		switch id {
		case "fmt ":
			// A real fmt chunk is 16, 18 or 40 bytes; the bound keeps a hostile
			// size field from allocating gigabytes before the read fails.
			if size < 16 || size > maxFmtChunk {
				return nil, info, fmt.Errorf("audio: wav: fmt chunk of %d bytes (want 16..%d)", size, maxFmtChunk)
			}
			b := make([]byte, size)
			if _, err := io.ReadFull(br, b); err != nil {
				return nil, info, errors.New("audio: wav: short fmt chunk")
			}
			format := binary.LittleEndian.Uint16(b[0:2])
			info.Channels = int(binary.LittleEndian.Uint16(b[2:4]))
			info.SampleRate = int(binary.LittleEndian.Uint32(b[4:8]))
			info.BitsPerSample = int(binary.LittleEndian.Uint16(b[14:16]))
			if format == 0xFFFE && size >= 26 { // WAVE_FORMAT_EXTENSIBLE: sub-format GUID
				format = binary.LittleEndian.Uint16(b[24:26])
			}
			switch format {
			case 1:
			case 3:
				info.Float = true
			default:
				return nil, info, fmt.Errorf("audio: wav: unsupported format tag %#x (want PCM or float)", format)
			}
			if info.Channels < 1 || info.SampleRate < 1 {
				return nil, info, errors.New("audio: wav: bad channel count or rate")
			}
			haveFmt = true
			if size%2 == 1 {
				_, _ = br.ReadByte()
			}
		case "data":
			if !haveFmt {
				return nil, info, errors.New("audio: wav: data before fmt")
			}
			var data []byte
			var err error
			if size == 0 || size == 0xFFFFFFFF {
				data, err = io.ReadAll(br)
			} else {
				data, err = io.ReadAll(io.LimitReader(br, int64(size)))
			}
			if err != nil {
				return nil, info, fmt.Errorf("audio: wav data: %w", err)
			}
			s, err := decodeSamples(data, info)
			return s, info, err
		default:
			if _, err := br.Discard(int(size) + int(size%2)); err != nil {
				return nil, info, fmt.Errorf("audio: wav: truncated %q chunk", id)
			}
		}
	}
}

func decodeSamples(b []byte, info WAVInfo) ([]float32, error) {
	bps := info.BitsPerSample / 8
	if bps < 1 {
		return nil, fmt.Errorf("audio: wav: %d bits per sample", info.BitsPerSample)
	}
	n := len(b) / bps
	out := make([]float32, n)
	for i := 0; i < n; i++ {
		p := b[i*bps:]
		switch {
		case info.Float && bps == 4:
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(p))
		case info.Float && bps == 8:
			out[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(p)))
		case !info.Float && bps == 1:
			out[i] = (float32(p[0]) - 128) / 128
		case !info.Float && bps == 2:
			out[i] = float32(int16(binary.LittleEndian.Uint16(p))) / 32768
		case !info.Float && bps == 3:
			v := int32(uint32(p[0])<<8|uint32(p[1])<<16|uint32(p[2])<<24) >> 8
			out[i] = float32(v) / (1 << 23)
		case !info.Float && bps == 4:
			out[i] = float32(float64(int32(binary.LittleEndian.Uint32(p))) / (1 << 31))
		default:
			return nil, fmt.Errorf("audio: wav: unsupported %d-bit %s samples", info.BitsPerSample, map[bool]string{true: "float", false: "integer"}[info.Float])
		}
	}
	return out, nil
}

// LoadWAV24k reads a WAV file and returns it as 24 kHz mono PCM16: channels are
// averaged and other rates resampled.
func LoadWAV24k(path string) ([]int16, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("audio: %w", err)
	}
	defer f.Close()
	s, info, err := DecodeWAV(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	frames := len(s) / info.Channels
	mono := make([]int16, frames)
	for i := 0; i < frames; i++ {
		var sum float64
		for c := 0; c < info.Channels; c++ {
			sum += float64(s[i*info.Channels+c])
		}
		mono[i] = clamp16(sum / float64(info.Channels) * 32768)
	}
	if info.SampleRate == SampleRate {
		return mono, nil
	}
	rs, err := NewResampler(info.SampleRate, SampleRate)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := rs.Process(make([]int16, 0, frames*SampleRate/info.SampleRate+16), mono)
	return rs.Flush(out), nil
}

// WAVWriter writes a PCM16 WAV file incrementally. The RIFF and data sizes are patched
// every PatchEvery frames (default one second) and on Close, so a process that dies
// mid-write leaves a playable file holding everything up to the last patch. Samples
// are buffered between patches (a patch flushes first), so writing 40 ms deltas costs
// one write call a second, not one per delta. Not safe for concurrent use.
type WAVWriter struct {
	f          *os.File
	bw         *bufio.Writer
	channels   int
	rate       int
	frames     int64 // frames written
	lastPatch  int64
	PatchEvery int64
	err        error
	buf        []byte
}

const wavHeaderSize = 44

// CreateWAV creates (truncates) path and writes a PCM16 header for rate and channels.
func CreateWAV(path string, rate, channels int) (*WAVWriter, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("audio: %w", err)
	}
	w := &WAVWriter{f: f, bw: bufio.NewWriterSize(f, 64<<10), channels: channels, rate: rate, PatchEvery: int64(rate)}
	if _, err := f.Write(w.header()); err != nil {
		f.Close()
		return nil, fmt.Errorf("audio: %w", err)
	}
	return w, nil
}

func (w *WAVWriter) header() []byte {
	data := uint32(w.frames * int64(w.channels) * 2)
	h := make([]byte, 0, wavHeaderSize)
	h = append(h, "RIFF"...)
	h = binary.LittleEndian.AppendUint32(h, 36+data)
	h = append(h, "WAVEfmt "...)
	h = binary.LittleEndian.AppendUint32(h, 16)
	h = binary.LittleEndian.AppendUint16(h, 1)
	h = binary.LittleEndian.AppendUint16(h, uint16(w.channels))
	h = binary.LittleEndian.AppendUint32(h, uint32(w.rate))
	h = binary.LittleEndian.AppendUint32(h, uint32(w.rate*w.channels*2))
	h = binary.LittleEndian.AppendUint16(h, uint16(w.channels*2))
	h = binary.LittleEndian.AppendUint16(h, 16)
	h = append(h, "data"...)
	h = binary.LittleEndian.AppendUint32(h, data)
	return h
}

// Write appends interleaved samples (a whole number of frames).
func (w *WAVWriter) Write(s []int16) error {
	if w.err != nil {
		return w.err
	}
	w.buf = SamplesToBytes(w.buf[:0], s)
	return w.WriteBytes(w.buf)
}

// WriteBytes appends PCM16 little-endian bytes as they are (a whole number of
// frames), with no conversion.
func (w *WAVWriter) WriteBytes(pcm []byte) error {
	if w.err != nil {
		return w.err
	}
	if _, err := w.bw.Write(pcm); err != nil {
		w.err = fmt.Errorf("audio: wav write: %w", err)
		return w.err
	}
	w.frames += int64(len(pcm) / (2 * w.channels))
	if w.PatchEvery > 0 && w.frames-w.lastPatch >= w.PatchEvery {
		return w.patch()
	}
	return nil
}

// Frames returns the number of frames written.
func (w *WAVWriter) Frames() int64 { return w.frames }

func (w *WAVWriter) patch() error {
	if err := w.bw.Flush(); err != nil {
		w.err = fmt.Errorf("audio: wav write: %w", err)
		return w.err
	}
	if _, err := w.f.WriteAt(w.header(), 0); err != nil {
		w.err = fmt.Errorf("audio: wav header: %w", err)
		return w.err
	}
	w.lastPatch = w.frames
	return nil
}

// Close patches the header and closes the file.
func (w *WAVWriter) Close() error {
	if w.f == nil {
		return w.err
	}
	err := w.err
	if err == nil {
		err = w.patch()
	}
	if cerr := w.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("audio: %w", cerr)
	}
	w.f = nil
	return err
}
