package testkit

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Speak renders text with espeak-ng (voice, e.g. "en-us") as 24 kHz PCM16 LE mono
// through sox without dither, so the same text gives the same bytes: the speech
// fixture of the audio, local-VAD and voice end-to-end tests. scripts/deps.sh
// --test installs both programs.
func Speak(tb testing.TB, voice, text string) []byte {
	tb.Helper()
	out := filepath.Join(tb.TempDir(), "speech.s16le")
	cmd := exec.Command("sh", "-c", `espeak-ng -v "$1" --stdout "$2" | sox -D -t wav - -t raw -r 24000 -c 1 -b 16 -e signed-integer -L "$3"`, "sh", voice, text, out)
	if b, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("espeak-ng | sox (install them with scripts/deps.sh --test): %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
