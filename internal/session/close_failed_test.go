package session

import (
	"context"
	"errors"
	"testing"

	"github.com/rtagent/rtagent/internal/realtime"
)

// failedModel is a model whose connection had already failed when the session was
// closed: its Closed, with the error, comes out only after the close request.
type failedModel struct{ *fakeModel }

var errLostBefore = errors.New("connection lost: the server closed the connection without a close frame")

func (f failedModel) Close() error {
	f.end(realtime.Closed{Err: errLostBefore})
	return nil
}

// A session closed while its connection had already failed ends with that error,
// not a clean "closed": a run whose connection dropped must not pass as a success
// (issue 11; the engine may take the close request before the model's Closed).
func TestCloseReportsAnEarlierConnectionFailure(t *testing.T) {
	forEachFakeMode(t, func(t *testing.T, newFake func() *fakeModel) {
		testCloseReportsAnEarlierConnectionFailure(t, failedModel{newFake()})
	})
}

// forEachFakeMode runs f with a fake the engine drains through its queue (the real
// model's path) and with one it reads through Events.
func forEachFakeMode(t *testing.T, f func(t *testing.T, newFake func() *fakeModel)) {
	t.Run("queue", func(t *testing.T) { f(t, newFakeModel) })
	t.Run("channel", func(t *testing.T) { f(t, newChannelFakeModel) })
}

func testCloseReportsAnEarlierConnectionFailure(t *testing.T, m failedModel) {
	s, rec := startRecorded(t, m)
	if err := s.Close(); !errors.Is(err, errLostBefore) {
		t.Errorf("Close() = %v, want the connection failure", err)
	}
	<-rec.Done()
	evs := rec.events()
	last, ok := evs[len(evs)-1].(Closed)
	if !ok || !errors.Is(last.Err, errLostBefore) {
		t.Fatalf("last event %+v, want Closed with the connection failure", evs[len(evs)-1])
	}
}

// serverEndedModel: the server had closed the session normally (1000, with its
// reason) before the session was closed.
type serverEndedModel struct{ *fakeModel }

func (f serverEndedModel) Close() error {
	f.end(realtime.Closed{Code: 1000, Reason: "session ended by the server"})
	return nil
}

// A session closed after the server had ended it reports the server's close (the
// close we ask for comes back as a bare 1000).
func TestCloseReportsAnEarlierServerClose(t *testing.T) {
	forEachFakeMode(t, func(t *testing.T, newFake func() *fakeModel) {
		testCloseReportsAnEarlierServerClose(t, serverEndedModel{newFake()})
	})
}

func testCloseReportsAnEarlierServerClose(t *testing.T, m serverEndedModel) {
	s, rec := startRecorded(t, m)
	_ = s.Close()
	<-rec.Done()
	evs := rec.events()
	if last, ok := evs[len(evs)-1].(Closed); !ok || last.Code != 1000 || last.Reason != "session ended by the server" {
		t.Fatalf("last event %+v, want the server's close", evs[len(evs)-1])
	}
}

// startRecorded starts a one-agent session on m, its events recorded.
func startRecorded(t *testing.T, m realtime.Model) (*Session, *recorder) {
	t.Helper()
	s, err := New(Config{Model: m, Base: baseSettings(), Agents: []*Agent{{Name: "A", Instructions: "a"}}, Audio: &fakeSink{}})
	if err != nil {
		t.Fatal(err)
	}
	rec := record(s)
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s, rec
}
