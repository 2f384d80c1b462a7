package session

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/rtagent/rtagent/internal/realtime"
)

// Image is a picture the user sends with a message (an input_image part).
type Image struct {
	Name string // shown as [image: name, size]; the file's base name
	MIME string // image/png, image/jpeg, image/webp or image/gif
	Data []byte
}

// Label is how the image is shown in the conversation, the transcript and the
// events: [image: name, size].
func (im Image) Label() string { return ImageLabel(im.Name, len(im.Data)) }

// ImageLabel is the label of an image named name of n bytes.
func ImageLabel(name string, n int) string {
	if name == "" {
		name = "image"
	}
	return fmt.Sprintf("[image: %s, %s]", name, HumanBytes(n))
}

// HumanBytes writes a size the way people read it: 812 bytes, 12.3 KB, 4.5 MB
// (powers of 1024).
func HumanBytes(n int) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d bytes", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KB", float64(n)/1024)
	default:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	}
}

// dataURL is the image as a data: URI (R3.2: input_image.image_url).
func (im Image) dataURL() string {
	return "data:" + im.MIME + ";base64," + base64.StdEncoding.EncodeToString(im.Data)
}

// SendMessage sends a user message made of text (may be empty) and images, and
// asks for a response. The input guardrails check the text (R10.7); a message the
// guardrails block is not sent, images included. The message appears in the events
// as a final user transcript with each image as [image: name, size].
func (s *Session) SendMessage(text string, images []Image) error {
	if text == "" && len(images) == 0 {
		return errors.New("empty message")
	}
	parts := make([]realtime.Content, 0, len(images))
	labels := make(map[string]string, len(images))
	for _, im := range images {
		if len(im.Data) == 0 {
			return fmt.Errorf("image %s is empty", im.Name)
		}
		if !strings.HasPrefix(im.MIME, "image/") {
			return fmt.Errorf("image %s: %q is not an image type", im.Name, im.MIME)
		}
		url := im.dataURL()
		labels[url] = im.Label()
		parts = append(parts, realtime.Content{Type: realtime.ContentInputImage, ImageURL: url})
	}
	return s.do(func() {
		if s.imageLabels == nil {
			s.imageLabels = map[string]string{}
		}
		for url, l := range labels {
			s.imageLabels[url] = l
		}
		s.sendMessage(text, parts)
	})
}

// sendUserMessage sends typed text, with images as one user message.
func (s *Session) sendUserMessage(text string, images []realtime.Content) {
	if len(images) == 0 {
		s.send(realtime.SendUserText{Text: text, Respond: true})
		return
	}
	it := realtime.Item{Type: realtime.ItemMessage, Role: "user"}
	if text != "" {
		it.Content = append(it.Content, realtime.Content{Type: realtime.ContentInputText, Text: text})
	}
	it.Content = append(it.Content, images...)
	s.send(realtime.CreateItem{Item: it, Respond: true})
}

// imageLabel is the label of an input_image part the server echoed: the one given
// when it was sent, else its size from the data URL.
func (s *Session) imageLabel(url string) string {
	if l, ok := s.imageLabels[url]; ok {
		return l
	}
	if i := strings.Index(url, ";base64,"); strings.HasPrefix(url, "data:") && i > 0 {
		return ImageLabel("", base64.StdEncoding.DecodedLen(len(url)-i-len(";base64,")))
	}
	return "[image]"
}
