package sim

import (
	"encoding/binary"
	"hash/fnv"
	"math"
	"strings"
	"time"
)

// The synthetic voice: every word is one tone burst followed by silence, PCM16 LE
// mono at 24 kHz. It is deterministic, so tests can compute the exact bytes a
// response carries.
const (
	SampleRate    = 24000
	BytesPerMs    = SampleRate * 2 / 1000 // 48
	WordTone      = 180 * time.Millisecond
	WordGap       = 60 * time.Millisecond
	WordDuration  = WordTone + WordGap // 240 ms per word
	DeltaDuration = 80 * time.Millisecond
	// Amplitude of the tone, relative to full scale.
	Amplitude = 0.3
	rampMs    = 10
)

// Words splits text the way responses are streamed: on white space.
func Words(text string) []string { return strings.Fields(text) }

// WordFrequency is the tone of a word: 220 Hz plus 25 Hz steps chosen by a hash
// of the lower-cased word (220–595 Hz).
func WordFrequency(word string) float64 {
	h := fnv.New32a()
	h.Write([]byte(strings.ToLower(word)))
	return 220 + float64(h.Sum32()%16)*25
}

// WordDurations returns the audio duration of each word of text.
func WordDurations(text string) []time.Duration {
	words := Words(text)
	out := make([]time.Duration, len(words))
	for i := range out {
		out[i] = WordDuration
	}
	return out
}

// SpeechDuration is the audio duration of text.
func SpeechDuration(text string) time.Duration {
	return time.Duration(len(Words(text))) * WordDuration
}

// SynthesizeWord returns the PCM16 audio of one word: WordTone of a sine at
// WordFrequency with 10 ms linear attack and decay, then WordGap of silence.
func SynthesizeWord(word string) []byte {
	f := WordFrequency(word)
	tone := int(WordTone / time.Millisecond * SampleRate / 1000)
	total := int(WordDuration / time.Millisecond * SampleRate / 1000)
	ramp := rampMs * SampleRate / 1000
	out := make([]byte, total*2)
	for i := range tone {
		env := 1.0
		if i < ramp {
			env = float64(i) / float64(ramp)
		} else if i >= tone-ramp {
			env = float64(tone-1-i) / float64(ramp)
		}
		v := Amplitude * env * math.Sin(2*math.Pi*f*float64(i)/SampleRate)
		binary.LittleEndian.PutUint16(out[2*i:], uint16(int16(math.Round(v*32767))))
	}
	return out
}

// SynthesizeSpeech returns the PCM16 audio of text: the words' audio back to back.
func SynthesizeSpeech(text string) []byte {
	words := Words(text)
	out := make([]byte, 0, len(words)*int(WordDuration/time.Millisecond)*BytesPerMs)
	for _, w := range words {
		out = append(out, SynthesizeWord(w)...)
	}
	return out
}
