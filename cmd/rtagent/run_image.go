package main

import (
	"github.com/rtagent/rtagent/internal/app"
	"github.com/rtagent/rtagent/internal/session"
	"github.com/rtagent/rtagent/internal/tui"
)

// The chat UI's /image goes through the backend chat gives it.
var _ tui.ImageSender = app.PushToTalk{}

// sayImages keeps --say and --image in command-line order: each --image is
// attached to the next --say.
type sayImages struct {
	says    *[]string
	paths   map[int][]string        // index of a --say → the --image paths before it
	pending []string                // --image paths not followed by a --say yet
	images  map[int][]session.Image // read by load
}

func newSayImages(says *[]string) *sayImages {
	return &sayImages{says: says, paths: map[int][]string{}, images: map[int][]session.Image{}}
}

// sayValue is the --say flag: a message, taking the pending images.
type sayValue struct{ s *sayImages }

func (v sayValue) String() string { return "" }
func (v sayValue) Type() string   { return "stringArray" }
func (v sayValue) Set(text string) error {
	*v.s.says = append(*v.s.says, text)
	if len(v.s.pending) > 0 {
		v.s.paths[len(*v.s.says)-1] = v.s.pending
		v.s.pending = nil
	}
	return nil
}

// imageValue is the --image flag.
type imageValue struct{ s *sayImages }

func (v imageValue) String() string { return "" }
func (v imageValue) Type() string   { return "stringArray" }
func (v imageValue) Set(path string) error {
	v.s.pending = append(v.s.pending, path)
	return nil
}

// load checks that every --image has a --say after it and reads the images
// (format and size), so a bad image is a usage error before anything connects.
func (s *sayImages) load() error {
	if len(s.pending) > 0 {
		return usageErrorf("--image %s: no --say after it (an image is sent with the next --say)", s.pending[0])
	}
	for i, paths := range s.paths {
		for _, p := range paths {
			img, err := app.ReadImage(p)
			if err != nil {
				return usageErrorf("--image: %v", err)
			}
			s.images[i] = append(s.images[i], img)
		}
	}
	return nil
}

// sendImageLine is line mode's /image FILE: the image alone as a user message.
func sendImageLine(drv *app.Driver, path string) error {
	img, err := app.ReadImage(path)
	if err != nil {
		return err
	}
	return drv.SendWith("", []session.Image{img})
}
