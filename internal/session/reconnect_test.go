package session

import (
	"testing"
	"time"

	"github.com/rtagent/rtagent/internal/realtime"
)

func userItem(id, text string) realtime.Event {
	return realtime.ItemEvent{Kind: realtime.ItemAdded, Item: realtime.Item{ID: id, Type: realtime.ItemMessage, Role: "user", Status: "completed",
		Content: []realtime.Content{{Type: realtime.ContentInputText, Text: text}}}}
}

func assistantDone(id, text string) realtime.Event {
	return realtime.ItemEvent{Kind: realtime.ItemDone, Item: realtime.Item{ID: id, Type: realtime.ItemMessage, Role: "assistant", Status: "completed",
		Content: []realtime.Content{{Type: realtime.ContentText, Text: text}}}}
}

func reconnect(h *harness) {
	h.m.emit(realtime.ConnectionChanged{State: realtime.StateReconnecting, CloseCode: 1011, Reason: "server error", ReconnectInfo: realtime.ReconnectInfo{Attempt: 1}})
	h.m.emit(realtime.ConnectionChanged{State: realtime.StateReconnected, ReconnectInfo: realtime.ReconnectInfo{Attempt: 1}})
}

// R14.4: after a loss the session replays its history, in order, and asks for
// no response when the last turn was answered.
func TestReconnectReplaysHistory_R14_4(t *testing.T) {
	h := start(t, Config{}, nil)
	h.m.emit(userItem("u1", "hello"), assistantDone("a1", "hi there"))
	h.sync()
	reconnect(h)
	rp := waitCmd[realtime.Replay](t, h.m, nil)
	if rp.Respond || len(rp.Items) != 2 || rp.Items[0].Content[0].Text != "hello" || rp.Items[1].Role != "assistant" || rp.Items[1].Content[0].Text != "hi there" {
		t.Fatalf("replay = %+v", rp)
	}
	ev := waitEvent(t, h.rec, func(e ConnectionEvent) bool { return e.State == ConnReconnected })
	if ev.Replayed != 2 || ev.Attempt != 1 {
		t.Fatalf("reconnected event = %+v", ev)
	}
	lost := waitEvent(t, h.rec, func(e ConnectionEvent) bool { return e.State == ConnReconnecting })
	if lost.CloseCode != 1011 || lost.Reason != "server error" {
		t.Fatalf("reconnecting event = %+v", lost)
	}
}

// R14.4: an answer cut off by the loss is not replayed, and the user's turn is
// answered again on the new connection.
func TestReconnectRetriggersAnUnansweredTurn_R14_4(t *testing.T) {
	h := start(t, Config{}, nil)
	h.m.emit(userItem("u1", "what is the time"), created("r1"))
	h.m.emit(assistantItem("r1", "a1")...)
	h.sync()
	reconnect(h)
	rp := waitCmd[realtime.Replay](t, h.m, nil)
	if !rp.Respond || len(rp.Items) != 1 || rp.Items[0].Role != "user" {
		t.Fatalf("replay = %+v", rp)
	}
}

// R14.3 #1: a due recycle waits for a safe point, then asks the model to reconnect.
func TestRecycleAtASafePoint_R14_3(t *testing.T) {
	h := start(t, Config{RecycleAfter: time.Millisecond}, nil)
	rc := waitCmd[realtime.Reconnect](t, h.m, nil)
	if rc.Reason != "recycle" {
		t.Fatalf("reconnect = %+v", rc)
	}
	if n := len(cmdsOf[realtime.Reconnect](h.m.commands())); n != 1 {
		t.Fatalf("%d reconnect commands", n)
	}
}

// R14.3 #1: no recycle while a response is running; it comes once the response ends.
func TestRecycleWaitsForTheResponse_R14_3(t *testing.T) {
	h := start(t, Config{RecycleAfter: 20 * time.Millisecond}, nil)
	h.m.emit(created("r1"))
	h.sync()
	time.Sleep(60 * time.Millisecond) // past the deadline, mid-response
	h.sync()
	if n := len(cmdsOf[realtime.Reconnect](h.m.commands())); n != 0 {
		t.Fatal("recycled in the middle of a response")
	}
	h.m.emit(done("r1", realtime.ResponseCompleted))
	waitCmd[realtime.Reconnect](t, h.m, nil)
}

// R14.5: a seeded session replays the seed once ready, before anything else.
func TestSeedIsReplayedOnceReady_R14_5(t *testing.T) {
	seed := []HistoryItem{{Kind: "user", Parts: []HistoryPart{{Type: "input_text", Text: "my name is Ana"}}}}
	h := start(t, Config{Seed: seed}, nil)
	rp := waitCmd[realtime.Replay](t, h.m, nil)
	if rp.Respond || len(rp.Items) != 1 || rp.Items[0].Content[0].Text != "my name is Ana" {
		t.Fatalf("seed replay = %+v", rp)
	}
}
