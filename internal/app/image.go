package app

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"

	"github.com/rtagent/rtagent/internal/session"
)

// MaxImageBytes bounds an image sent with a message. docs/protocol.md (R3.2) gives
// no size limit for input_image; 20 MB is the limit OpenAI documents for image
// inputs, and a larger file is refused before anything is sent. R3.2 names PNG and
// JPEG; WebP and GIF are accepted too, as OpenAI's image inputs take them.
const MaxImageBytes = 20 << 20

// imageTypes are the formats accepted, by their sniffed MIME type.
var imageTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/webp": true, "image/gif": true}

// ReadImage reads an image file for a message (/image, run --image): PNG, JPEG, WebP
// or GIF by its content (not its name), at most MaxImageBytes.
func ReadImage(path string) (session.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return session.Image{}, fmt.Errorf("image %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return session.Image{}, fmt.Errorf("image %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		return session.Image{}, fmt.Errorf("image %s: not a regular file", path)
	}
	if st.Size() > MaxImageBytes {
		return session.Image{}, fmt.Errorf("image %s is %s; the limit is %s", path, session.HumanBytes(int(st.Size())), session.HumanBytes(MaxImageBytes))
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxImageBytes+1))
	if err != nil {
		return session.Image{}, fmt.Errorf("image %s: %w", path, err)
	}
	if len(data) > MaxImageBytes { // it grew since Stat
		return session.Image{}, fmt.Errorf("image %s is over the limit of %s", path, session.HumanBytes(MaxImageBytes))
	}
	if len(data) == 0 {
		return session.Image{}, fmt.Errorf("image %s is empty", path)
	}
	mime := http.DetectContentType(data)
	if !imageTypes[mime] {
		return session.Image{}, fmt.Errorf("image %s is not a PNG, JPEG, WebP or GIF image (it looks like %s)", path, mime)
	}
	return session.Image{Name: filepath.Base(path), MIME: mime, Data: data}, nil
}

// SendImage reads the image at path and sends it as a user message (the chat UI's
// /image command).
func (b PushToTalk) SendImage(path string) error { return sendImage(b.Session, path) }

// SendImage is the chat UI's /image command on the full-screen console.
func (b ConsoleBackend) SendImage(path string) error { return sendImage(b.Session, path) }

func sendImage(s *session.Session, path string) error {
	img, err := ReadImage(path)
	if err != nil {
		return err
	}
	return s.SendMessage("", []session.Image{img})
}
