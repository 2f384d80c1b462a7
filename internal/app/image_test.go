package app

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtagent/rtagent/internal/session"
	"github.com/rtagent/rtagent/internal/testkit"
)

// Smallest headers of each accepted format, as http.DetectContentType sniffs them.
var (
	pngBytes  = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	jpegBytes = []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00")
	gifBytes  = []byte("GIF89a\x01\x00\x01\x00")
	webpBytes = []byte("RIFF\x1a\x00\x00\x00WEBPVP8 ")
)

func TestReadImage(t *testing.T) {
	dir := t.TempDir()
	for name, data := range map[string][]byte{"a.png": pngBytes, "b.jpg": jpegBytes, "c.gif": gifBytes, "d.webp": webpBytes, "misnamed.txt": pngBytes} {
		p := filepath.Join(dir, name)
		writeFile(t, p, string(data))
		img, err := ReadImage(p)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if img.Name != name || len(img.Data) != len(data) || !strings.HasPrefix(img.MIME, "image/") {
			t.Errorf("%s: %+v", name, img)
		}
	}
	text := filepath.Join(dir, "notes.png")
	writeFile(t, text, "just text")
	if _, err := ReadImage(text); err == nil || !strings.Contains(err.Error(), "not a PNG, JPEG, WebP or GIF image") {
		t.Errorf("a text file named .png: err = %v", err)
	}
	big := filepath.Join(dir, "big.png")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(pngBytes)
	if err := f.Truncate(MaxImageBytes + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, err := ReadImage(big); err == nil || !strings.Contains(err.Error(), "the limit is 20.0 MB") || !strings.Contains(err.Error(), "big.png") {
		t.Errorf("an image over the limit: err = %v", err)
	}
	if _, err := ReadImage(filepath.Join(dir, "missing.png")); err == nil || !strings.Contains(err.Error(), "missing.png") {
		t.Errorf("a missing file: err = %v", err)
	}
	if _, err := ReadImage(dir); err == nil {
		t.Error("a directory was read as an image")
	}
}

// An image sent with a message reaches the simulator as an input_image data URL
// (every client frame valid against the GA schema, strictly), the simulator
// acknowledges its size, and the user's turn shows [image: name, size].
func TestImageMessageOnSimulator(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(dir, "cat.png")
	writeFile(t, img, string(pngBytes))
	trace := filepath.Join(dir, "trace.jsonl")
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	rt, err := Open(ctx, Options{AgentsFile: exampleAgents(t), Sim: true, Fast: true, Modality: "text", Approval: "never", Trace: trace, TraceAudio: true})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var user, said []string
	twoAnswers := make(chan struct{})
	drv := startDriver(ctx, t, rt, func(ev session.Event) error {
		if tr, ok := ev.(session.Transcript); ok && tr.Final {
			mu.Lock()
			if tr.Role == "user" {
				user = append(user, tr.Text)
			} else {
				said = append(said, tr.Text)
				if len(said) == 2 {
					close(twoAnswers)
				}
			}
			mu.Unlock()
		}
		return nil
	})
	im, err := ReadImage(img)
	if err != nil {
		t.Fatal(err)
	}
	if err := drv.SayWith(ctx, "what is this?", []session.Image{im}); err != nil {
		t.Fatal(err)
	}
	// The chat UI's /image: the image alone.
	if err := (PushToTalk{Session: rt.Session}).SendImage(img); err != nil {
		t.Fatal(err)
	}
	select {
	case <-twoAnswers:
	case <-ctx.Done():
		t.Fatal("no answer to the image sent alone")
	}
	stopDriver(t, drv, rt)
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"what is this? [image: cat.png, 16 bytes]", "[image: cat.png, 16 bytes]"}; strings.Join(user, "|") != strings.Join(want, "|") {
		t.Errorf("user turns = %q, want %q", user, want)
	}
	if want := []string{"You sent an image of 16 bytes. You said: what is this?", "You sent an image of 16 bytes."}; strings.Join(said, "|") != strings.Join(want, "|") {
		t.Errorf("answers = %q, want %q", said, want)
	}
	frames := testkit.ReadTrace(t, readFile(t, trace))
	client := testkit.FramesOf(frames, "client")
	found := false
	for _, f := range client {
		if strings.Contains(string(f), `"type":"input_image","image_url":"data:image/png;base64,`) {
			found = true
		}
	}
	if !found {
		t.Error("no input_image data URL among the client frames")
	}
	testkit.ValidateClientFrames(t, client)
}
