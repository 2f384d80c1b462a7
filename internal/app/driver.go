package app

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/rtagent/rtagent/internal/realtime"
	"github.com/rtagent/rtagent/internal/session"
)

// Driver consumes a session's event stream for a scripted run and lets the script
// wait for the points it cares about: ready, and quiet after each turn.
type Driver struct {
	sess *session.Session
	emit func(session.Event) error
	// Approve, if set, answers each tool approval request (on its own goroutine).
	Approve func(session.ToolApprovalRequired) (approve, always bool, why string)

	ready chan struct{}
	done  chan struct{} // closed when the stream ended

	mu        sync.Mutex
	changed   chan struct{} // closed and replaced on every state change
	idleTurns int           // Turns of the latest Idle event
	idleSeen  int           // Idle events seen
	speechAt  int           // idleSeen when the last speech_stopped arrived (-1: none)
	heard     bool          // a speech_started arrived
	endAfter  bool          // an agent_end arrived after the last speech_stopped
	turns     int           // user turns sent by the driver
	rejected  error         // the server refused a message (or tool output) of the turn awaited
	fatalErr  error
	closed    *session.Closed // the Closed event, once it came
	emitErr   error
}

// NewDriver drives s; emit sees every event first (an error from it is returned by
// CloseAndDrain).
func NewDriver(s *session.Session, emit func(session.Event) error) *Driver {
	return &Driver{
		sess: s, emit: emit,
		ready:    make(chan struct{}),
		done:     make(chan struct{}),
		changed:  make(chan struct{}),
		speechAt: -1,
	}
}

// Consume reads the stream to its end. It is the only reader of sess.Events().
func (d *Driver) Consume() {
	defer close(d.done)
	readyOnce := sync.OnceFunc(func() { close(d.ready) })
	defer readyOnce()
	for ev := range d.sess.Events() {
		if err := d.emit(ev); err != nil {
			d.update(func() {
				if d.emitErr == nil {
					d.emitErr = err
				}
			})
		}
		switch e := ev.(type) {
		case session.SessionReady:
			readyOnce()
		case session.Idle:
			d.update(func() { d.idleSeen++; d.idleTurns = e.Turns })
		case session.SpeechStarted:
			d.update(func() { d.heard = true })
		case session.SpeechStopped:
			d.update(func() { d.speechAt = d.idleSeen; d.endAfter = false })
		case session.AgentEnd:
			d.update(func() { d.endAfter = true })
		case session.ToolApprovalRequired:
			if d.Approve != nil {
				go d.answer(e)
			}
		case session.Error:
			switch {
			case e.Fatal:
				d.update(func() { d.fatalErr = errors.New(e.Message) })
			case e.Unanswered():
				d.update(func() {
					if d.rejected == nil && d.turns > d.idleTurns {
						d.rejected = rejection(e)
					}
				})
			}
		case session.Closed:
			d.update(func() { d.closed = &e })
			if e.Err != nil {
				d.update(func() {
					if d.fatalErr == nil {
						d.fatalErr = e.Err
					}
				})
			}
		}
	}
	d.update(func() {})
}

func (d *Driver) answer(e session.ToolApprovalRequired) {
	ok, always, why := d.Approve(e)
	if ok {
		d.sess.Approve(e.CallID, always)
	} else {
		d.sess.Reject(e.CallID, always, why)
	}
}

func (d *Driver) update(fn func()) {
	d.mu.Lock()
	fn()
	close(d.changed)
	d.changed = make(chan struct{})
	d.mu.Unlock()
}

// waitFor blocks until cond (evaluated under the lock) holds, the stream ends, or ctx ends.
func (d *Driver) waitFor(ctx context.Context, cond func() bool) error {
	for {
		d.mu.Lock()
		ok, ch, fatal := cond(), d.changed, d.fatalErr
		d.mu.Unlock()
		if ok {
			return nil
		}
		if fatal != nil {
			return fatal
		}
		select {
		case <-ch:
		case <-d.done:
			d.mu.Lock()
			ok, fatal = cond(), d.fatalErr
			d.mu.Unlock()
			if ok {
				return nil
			}
			if fatal != nil {
				return fatal
			}
			if why := d.closedCauseNow(); why != nil {
				return why
			}
			return errors.New("the session ended early")
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// WaitReady waits for the session to be ready (or to have failed).
func (d *Driver) WaitReady(ctx context.Context) error {
	select {
	case <-d.ready:
	case <-ctx.Done():
		return ctx.Err()
	}
	d.mu.Lock()
	fatal := d.fatalErr
	d.mu.Unlock()
	select {
	case <-d.done:
		if fatal == nil {
			fatal = errors.New("the session ended before it was ready")
		}
		return fatal
	default:
	}
	return fatal
}

// Say sends one user message and waits until it has been answered completely:
// the session reported Idle after processing this turn (tool calls, handoffs and
// their follow-up responses included). When the server refused the message (or a
// tool output of its turn) it returns an *UnansweredError with the server's
// message, still only once the session is quiet.
func (d *Driver) Say(ctx context.Context, text string) error { return d.SayWith(ctx, text, nil) }

// SayWith is Say with images attached to the message (run --image).
func (d *Driver) SayWith(ctx context.Context, text string, images []session.Image) error {
	if err := d.SendWith(text, images); err != nil {
		return err
	}
	if err := d.WaitAnswered(ctx); err != nil {
		if _, ok := errors.AsType[*UnansweredError](err); ok {
			return fmt.Errorf("%q was not answered: %w", text, err)
		}
		return err
	}
	return nil
}

// Send sends one user message without waiting for the answer.
func (d *Driver) Send(text string) error { return d.SendWith(text, nil) }

// SendWith sends one user message with images without waiting for the answer.
func (d *Driver) SendWith(text string, images []session.Image) error {
	// Counted before it is sent: the server's refusal can arrive before SendText returns.
	d.mu.Lock()
	d.turns++
	d.mu.Unlock()
	var err error
	if len(images) == 0 {
		err = d.sess.SendText(text)
	} else {
		err = d.sess.SendMessage(text, images)
	}
	if err != nil {
		d.mu.Lock()
		d.turns--
		d.mu.Unlock()
		if errors.Is(err, session.ErrClosed) {
			if why := d.closedCause(); why != nil {
				return why
			}
		}
		return fmt.Errorf("sending %q: %w", text, err)
	}
	return nil
}

// closedCause is why the session closed under a message being sent: the error
// that ended it, or the server's close, rather than "session closed" (issue 11).
// The session is closed already, so its event stream ends promptly; the wait for
// it is bounded all the same.
func (d *Driver) closedCause() error {
	select {
	case <-d.done:
	case <-time.After(5 * time.Second):
	}
	return d.closedCauseNow()
}

// closedCauseNow is closedCause without the wait, for a stream that has ended.
func (d *Driver) closedCauseNow() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case d.fatalErr != nil:
		return d.fatalErr
	case d.closed != nil && d.closed.Code != 0:
		msg := fmt.Sprintf("the server ended the session (close %d", d.closed.Code)
		if d.closed.Reason != "" {
			msg += ": " + d.closed.Reason
		}
		return errors.New(msg + ")")
	case d.closed != nil && d.closed.Reason != "":
		return errors.New("the session ended: " + d.closed.Reason)
	}
	return nil
}

// UnansweredError: the server refused a message or a tool output of the turn (an
// error correlated to its conversation.item.create), so it was not answered as asked.
type UnansweredError struct {
	ToolOutput bool   // a tool output was refused, not the message itself
	Code       string // the server's error code
	Message    string // the server's message
}

func (e *UnansweredError) Error() string {
	what := "the message"
	if e.ToolOutput {
		what = "a tool output"
	}
	s := "the server rejected " + what + ": " + e.Message
	if e.Code != "" {
		s += " (" + e.Code + ")"
	}
	return s
}

func rejection(e session.Error) error {
	return &UnansweredError{ToolOutput: e.Command == realtime.CommandSendToolOutput.String(), Code: e.Code, Message: e.Message}
}

// WaitAnswered waits until every message sent so far has been answered. When the
// server refused one of them (or a tool output of their turns) it still waits for
// the session to be quiet, since a response the turn asked for may be arriving
// regardless, then returns the refusal (*UnansweredError).
func (d *Driver) WaitAnswered(ctx context.Context) error {
	d.mu.Lock()
	want := d.turns
	d.mu.Unlock()
	if err := d.waitFor(ctx, func() bool { return d.idleTurns >= want }); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	err := d.rejected
	d.rejected = nil
	return err
}

// WaitQuiet waits, after spoken input, for the answer to the last utterance:
// an agent_end after the last speech_stopped, then Idle.
func (d *Driver) WaitQuiet(ctx context.Context) error {
	return d.waitFor(ctx, func() bool {
		return d.speechAt >= 0 && d.endAfter && d.idleSeen > d.speechAt
	})
}

// CloseAndDrain closes the session, waits for the stream to end and returns the
// first emit error, else the close error.
func (d *Driver) CloseAndDrain() error {
	err := d.sess.Close()
	<-d.done
	d.mu.Lock()
	emitErr, closed := d.emitErr, d.closed
	d.mu.Unlock()
	if emitErr != nil {
		return emitErr
	}
	if err == nil && closed != nil && closed.Code != 0 {
		// The server had ended the session (a close code; our own close has none):
		// what was still to say went nowhere (issue 11).
		return d.closedCauseNow()
	}
	return err
}

// Stop closes the session and waits for the stream to end.
func (d *Driver) Stop() {
	_ = d.sess.Close()
	<-d.done
}

// Done is closed when the event stream has ended.
func (d *Driver) Done() <-chan struct{} { return d.done }

// Session is the driven session.
func (d *Driver) Session() *session.Session { return d.sess }

// Fatal is the error that ended the session, if one did.
func (d *Driver) Fatal() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.fatalErr
}

// ErrNoSpeech: the model's voice activity detection heard nothing in the input.
var ErrNoSpeech = errors.New("no speech detected")

// WaitHeard waits up to grace for voice activity detection to have heard speech.
func (d *Driver) WaitHeard(ctx context.Context, grace time.Duration) error {
	wctx, cancel := context.WithTimeout(ctx, grace)
	defer cancel()
	err := d.waitFor(wctx, func() bool { return d.heard })
	if err != nil && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
		return ErrNoSpeech
	}
	return err
}
