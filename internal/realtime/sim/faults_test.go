package sim

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// readErr reads until the connection fails and returns the error.
func (c *client) readErr(d time.Duration) error {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	for {
		_, data, err := c.ws.Read(ctx)
		if err != nil {
			return err
		}
		c.server = append(c.server, data)
	}
}

func TestFaultDropIsAbnormal(t *testing.T) {
	_, url := startSim(t, Options{Faults: Faults{DropAfterEvents: 2}})
	c := dial(t, url) // event 1
	c.send(userMsg(c, "hi"))
	err := c.readErr(readTimeout)
	if websocket.CloseStatus(err) != -1 || !(errors.Is(err, io.EOF) || strings.Contains(err.Error(), "EOF")) {
		t.Fatalf("read after drop = %v, want EOF without a close frame", err)
	}
	if len(c.server) != 2 {
		t.Fatalf("got %d events before the drop, want 2", len(c.server))
	}
}

func TestFaultConnectionsLimitsToFirst(t *testing.T) {
	_, url := startSim(t, Options{Faults: Faults{CloseAfterEvents: 1, CloseCode: 1011, Connections: 1}})
	c := dial(t, url)
	c.expectClose(1011, "")
	c2 := dial(t, url) // the second connection is healthy
	c2.send(userMsg(c2, "hello"))
	c2.send(c2.ev("response.create"))
	c2.turn()
}

func TestFaultStallStopsEventsAndPings(t *testing.T) {
	_, url := startSim(t, Options{PingInterval: 10 * time.Millisecond, Faults: Faults{StallAfterEvents: 1}})
	c := dial(t, url)
	c.send(userMsg(c, "hi"))
	c.send(c.ev("response.create"))
	// Nothing arrives: no item acknowledgement, no response, no ping.
	err := c.readErr(300 * time.Millisecond)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("read on a stalled server = %v, want a timeout", err)
	}
	if len(c.server) != 1 {
		t.Fatalf("stalled server sent %d frames, want only session.created", len(c.server))
	}
}

func TestFaultStopReadingLeavesPingsUnanswered(t *testing.T) {
	_, url := startSim(t, Options{Faults: Faults{StopReadingAfterEvents: 1}})
	c := dial(t, url)
	c.send(userMsg(c, "this one is read"))
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	go c.ws.Read(ctx) // a reader is needed for pongs to be received
	if err := c.ws.Ping(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("ping to a server that stopped reading = %v, want a timeout", err)
	}
}

func TestFaultRandomPointIsSeeded(t *testing.T) {
	f := Options{Faults: Faults{RandomSeed: 42, RandomMin: 3, RandomMax: 50}}.withDefaults().Faults
	a, b := connFaults(f, 1), connFaults(f, 1)
	if a.DropAfterEvents < 3 || a.DropAfterEvents > 50 || a != b {
		t.Fatalf("random drop points %d and %d: want the same point in [3,50]", a.DropAfterEvents, b.DropAfterEvents)
	}
	seen := map[int]bool{}
	for seq := 1; seq <= 20; seq++ {
		seen[connFaults(f, seq).DropAfterEvents] = true
	}
	if len(seen) < 5 {
		t.Fatalf("20 connections got only %d distinct drop points", len(seen))
	}
	f.RandomFault = FaultStall
	if g := connFaults(f, 3); g.StallAfterEvents == 0 || g.DropAfterEvents != 0 {
		t.Fatalf("kind stall resolved to %+v", g)
	}
}

func TestApplyFaultSpec(t *testing.T) {
	var o Options
	err := o.ApplyFaultSpec("drop=40, close=7,code=1001,reason=bye,stall=9,stop-reading=11,error=2,malformed=3,random=5,between=4-8,kind=close,conns=1,delay=5ms,expire=3m")
	if err != nil {
		t.Fatal(err)
	}
	f := o.Faults
	want := Faults{DropAfterEvents: 40, CloseAfterEvents: 7, CloseCode: 1001, CloseReason: "bye", StallAfterEvents: 9,
		StopReadingAfterEvents: 11, ErrorAfterEvents: 2, MalformedAfterEvents: 3, RandomSeed: 5, RandomMin: 4, RandomMax: 8,
		RandomFault: FaultClose, Connections: 1, Delay: 5 * time.Millisecond}
	if f != want || o.MaxDuration != 3*time.Minute {
		t.Fatalf("parsed %+v / %v", f, o.MaxDuration)
	}
	for spec, msg := range map[string]string{
		"drop":         `fault "drop": want key=value`,
		"drop=0":       "fault drop=0: want a whole number of events from 1",
		"code=1006":    "fault code=1006: want a close code that can be sent",
		"kind=explode": "fault kind=explode: want drop, close, stall or stop-reading",
		"between=9-2":  "fault between=9-2: MAX is below MIN",
		"expire=soon":  "fault expire=soon: want a positive duration",
		"teleport=1":   `fault "teleport=1": unknown key "teleport"`,
		"random=0":     "fault random=0: the seed must not be 0",
	} {
		var o Options
		if err := o.ApplyFaultSpec(spec); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("ApplyFaultSpec(%q) = %v, want %q", spec, err, msg)
		}
	}
}
