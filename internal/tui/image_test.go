package tui

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/rtagent/rtagent/internal/session"
)

// imageBackend is a fake backend that can send images.
type imageBackend struct {
	*fakeBackend
	err error
}

func (b imageBackend) SendImage(path string) error { b.rec("image " + path); return b.err }

// /image FILE asks the backend (from a command, never from Update) to send the
// file; the turn shows as the session reports it, [image: name, size].
func TestImageCommandSendsThroughBackend(t *testing.T) {
	var ib imageBackend
	h := newHarness(t, 80, 24, func(o *Options) {
		ib = imageBackend{fakeBackend: o.Backend.(*fakeBackend)}
		o.Backend = ib
	})
	h.typeText("/image photos/cat.png")
	cmd := h.key(keyEnter)
	if cmd == nil {
		t.Fatal("enter returned no command")
	}
	if len(h.be.Calls()) != 0 {
		t.Fatal("backend called from Update")
	}
	h.exec(cmd)
	if got := h.be.Calls(); !slices.Equal(got, []string{"image photos/cat.png"}) {
		t.Fatalf("calls = %q", got)
	}
	mustContain(t, h.view(), "sending image cat.png")
	h.ev(session.HistoryAdded{Item: session.HistoryItem{ID: "u1", Kind: "user",
		Parts: []session.HistoryPart{{Type: "input_image", ImageURL: "data:image/png;base64,AAAA"}}}})
	h.ev(session.Transcript{Role: "user", ItemID: "u1", Final: true, Text: "[image: cat.png, 3 bytes]"})
	v := h.view()
	mustContain(t, v, "you\n  [image: cat.png, 3 bytes]")
	if strings.Contains(v, "base64") || strings.Contains(v, "/image") {
		t.Errorf("the view shows the command or the data:\n%s", v)
	}
}

// A failure to read or send is shown; /image without a file says how to use it.
func TestImageCommandErrors(t *testing.T) {
	h := newHarness(t, 100, 24, func(o *Options) {
		o.Backend = imageBackend{fakeBackend: o.Backend.(*fakeBackend), err: errors.New("image big.png is 25.0 MB; the limit is 20.0 MB")}
	})
	h.typeText("/image big.png")
	h.exec(h.key(keyEnter))
	mustContain(t, h.view(), "send image failed: image big.png is 25.0 MB; the limit is 20.0 MB")

	h.typeText("/image")
	if cmd := h.key(keyEnter); cmd != nil {
		t.Error("/image without a file returned a command")
	}
	mustContain(t, h.view(), "usage: /image FILE")
}

// A backend that cannot send images says so instead of sending the command as text.
func TestImageCommandWithoutImageBackend(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.typeText("/image cat.png")
	if cmd := h.key(keyEnter); cmd != nil {
		h.exec(cmd)
	}
	if got := h.be.Calls(); len(got) != 0 {
		t.Errorf("calls = %q", got)
	}
	mustContain(t, h.view(), "this session cannot send images")
}
