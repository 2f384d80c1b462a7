package app

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtagent/rtagent/internal/session"
	"github.com/rtagent/rtagent/internal/testkit"
)

// R14.3 #1: a session whose expires_at is near renews its connection at a safe
// point (here a 6-second session: at half its lifetime); the new connection's frames replay the conversation and
// validate strictly against the client schema; the user only sees the notice.
func TestRecycleBeforeExpiry_R14_3(t *testing.T) {
	ctx, rt, trace := openTraced(t, Options{Modality: "text", Approval: "never", SimFaults: "expire=6s"})
	var mu sync.Mutex
	var conns []session.ConnectionEvent
	var said []string
	drv := startDriver(ctx, t, rt, func(ev session.Event) error {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case session.ConnectionEvent:
			conns = append(conns, e)
		case session.Transcript:
			if e.Final && e.Role == "assistant" {
				said = append(said, e.Text)
			}
		}
		return nil
	})
	if err := drv.Say(ctx, "my name is Ana"); err != nil {
		t.Fatal(err)
	}
	renewed := func() bool {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			if c.State == session.ConnReconnected {
				return true
			}
		}
		return false
	}
	for !renewed() { // the renewal is due 3 s in
		select {
		case <-ctx.Done():
			t.Fatal("no renewal before the session's end")
		case <-time.After(50 * time.Millisecond):
		}
	}
	if err := drv.Say(ctx, "what did I say first"); err != nil {
		t.Fatal(err)
	}
	stopDriver(t, drv, rt)
	mu.Lock()
	defer mu.Unlock()
	planned := false
	for _, c := range conns {
		if c.State == session.ConnReconnecting {
			if !c.Planned {
				t.Errorf("an unplanned reconnection: %+v", c)
			}
			planned = true
		}
	}
	if !planned {
		t.Fatalf("no recycle; connection events %+v", conns)
	}
	if got := strings.Join(said, " | "); !strings.Contains(got, "You first said: my name is Ana") {
		t.Errorf("the context did not carry over: %s", got)
	}
	frames := testkit.ReadTrace(t, readFile(t, trace))
	updates := testkit.FramesOf(frames, "client", "session.update")
	if len(updates) < 2 {
		t.Fatalf("%d session.update frames, want one per connection", len(updates))
	}
	var client [][]byte
	replayed := false
	for _, raw := range testkit.FramesOf(frames, "client") {
		client = append(client, raw)
		var ev struct {
			Type string `json:"type"`
			Item struct {
				Role    string `json:"role"`
				Content []struct {
					Text string `json:"text"`
				} `json:"content"`
			} `json:"item"`
		}
		_ = json.Unmarshal(raw, &ev)
		if ev.Type == "conversation.item.create" && ev.Item.Role == "assistant" {
			replayed = true // only a replay creates assistant items
		}
	}
	if !replayed {
		t.Errorf("the new connection did not replay the conversation")
	}
	testkit.ValidateClientFrames(t, client)
}
