package session

import (
	"testing"

	"github.com/rtagent/rtagent/internal/realtime"
)

func userAudioItem(id string) realtime.Item {
	return realtime.Item{ID: id, Type: realtime.ItemMessage, Role: "user", Status: "completed", Content: []realtime.Content{{Type: realtime.ContentInputAudio}}}
}

// R11.2: insert after previous_item_id when known, else append.
func TestHistoryInsert_R11_2(t *testing.T) {
	h := start(t, Config{}, nil)
	h.m.emit(realtime.ItemEvent{Kind: realtime.ItemAdded, Item: userAudioItem("a")})
	h.m.emit(realtime.ItemEvent{Kind: realtime.ItemAdded, Item: userAudioItem("c")})
	h.m.emit(realtime.ItemEvent{Kind: realtime.ItemAdded, PreviousItemID: "a", Item: userAudioItem("b")})
	h.m.emit(realtime.ItemEvent{Kind: realtime.ItemAdded, PreviousItemID: "unknown", Item: userAudioItem("d")})
	waitEventN[HistoryAdded](t, h.rec, 4, nil)
	var ids string
	for _, it := range h.s.History() {
		ids += it.ID
	}
	if ids != "abcd" {
		t.Errorf("order = %q", ids)
	}
}

// R11.4: a transcription that arrives before its item creates the item; the later
// item.added merges without losing it; transcripts attach by item id, not "last user
// item".
func TestHistoryLateTranscription_R11_4(t *testing.T) {
	h := start(t, Config{}, nil)
	h.m.emit(realtime.InputTranscriptCompleted{ItemID: "u1", Transcript: "first"})
	added := waitEvent[HistoryAdded](t, h.rec, nil)
	if added.Item.ID != "u1" || added.Item.Parts[0].Transcript != "first" {
		t.Errorf("history_added = %+v", added.Item)
	}
	h.m.emit(realtime.ItemEvent{Kind: realtime.ItemAdded, Item: userAudioItem("u1")})
	h.m.emit(realtime.ItemEvent{Kind: realtime.ItemAdded, Item: userAudioItem("u2")})
	h.m.emit(realtime.InputTranscriptCompleted{ItemID: "u2", Transcript: "second"})
	h.m.emit(realtime.InputTranscriptFailed{ItemID: "u3", Message: "x"})
	waitEvent(t, h.rec, func(e Error) bool { return e.Code == "input_transcription_failed" })
	hist := h.s.History()
	if len(hist) != 3 || hist[0].Parts[0].Transcript != "first" || hist[1].Parts[0].Transcript != "second" || hist[0].Parts[0].TranscriptStatus != "completed" {
		t.Errorf("history = %+v", hist)
	}
	if hist[2].ID != "u3" || hist[2].Parts[0].TranscriptStatus != "failed" {
		t.Errorf("failed transcript = %+v", hist[2])
	}
}

// R11.3: known transcripts survive a refetch without them; no history_updated when
// nothing changed; deltas fill an item that has no transcript at all.
func TestHistoryMerge_R11_3(t *testing.T) {
	h := start(t, Config{}, nil)
	h.m.emit(created("r1"))
	h.m.emit(assistantItem("r1", "m1")...)
	h.m.emit(tdelta("r1", "m1", "Hello "), tdelta("r1", "m1", "there"))
	// item.done without a transcript: filled from the deltas.
	h.m.emit(realtime.ItemEvent{Kind: realtime.ItemDone, Item: realtime.Item{ID: "m1", Type: realtime.ItemMessage, Role: "assistant", Status: "completed", Content: []realtime.Content{{Type: realtime.ContentAudio}}}})
	h.m.emit(realtime.TranscriptDone{ResponseID: "r1", ItemID: "m1", Transcript: "Hello there!"})
	h.m.emit(done("r1", "completed"))
	// Retrieved without transcript: the known one stays, and nothing changed.
	h.m.emit(realtime.ItemEvent{Kind: realtime.ItemRetrieved, Item: realtime.Item{ID: "m1", Type: realtime.ItemMessage, Role: "assistant", Status: "completed", Content: []realtime.Content{{Type: realtime.ContentAudio, Audio: []byte{1, 2}}}}})
	h.sync()
	hist := h.s.History()
	if len(hist) != 1 || hist[0].Text() != "Hello there!" || hist[0].Status != "completed" || hist[0].Agent != "Triage" {
		t.Fatalf("history = %+v", hist)
	}
	ups := eventsOf[HistoryUpdated](h.rec.events())
	// ready (empty), item.done (status + delta text), transcript.done.
	if len(ups) != 3 {
		t.Errorf("%d history_updated, want 3", len(ups))
	}
	if ups[1].Item.Text() != "Hello there" {
		t.Errorf("delta fill = %q", ups[1].Item.Text())
	}
}

// R11.1: one tool item holds the call and its output.
func TestHistoryToolCallWithOutput_R11_1(t *testing.T) {
	h := start(t, Config{Agents: agentWith(newTool("a"))}, nil)
	h.m.emit(created("r1"))
	h.m.emit(realtime.ItemEvent{Kind: realtime.ItemAdded, Item: realtime.Item{ID: "fc1", Type: realtime.ItemFunctionCall, Status: "in_progress", CallID: "c1", Name: "a"}})
	h.m.emit(toolCall("r1", "fc1", "c1", "a", "{}")...)
	h.m.emit(done("r1", "completed"))
	waitEvent[ToolEnd](t, h.rec, nil)
	h.m.emit(realtime.ItemEvent{Kind: realtime.ItemAdded, PreviousItemID: "fc1", Item: realtime.Item{ID: "out1", Type: realtime.ItemFunctionCallOutput, CallID: "c1", Output: "a ok"}})
	h.sync()
	hist := h.s.History()
	if len(hist) != 1 || hist[0].Kind != KindTool || hist[0].Output != "a ok" || !hist[0].HasOutput || hist[0].Arguments != "{}" || hist[0].Status != "completed" {
		t.Errorf("history = %+v", hist)
	}
}

// R11.5 and R11.6: deletion emits history_updated{deleted_id}; snapshots are copies.
func TestHistoryDeleteAndSnapshots_R11_5_R11_6(t *testing.T) {
	h := start(t, Config{}, nil)
	h.m.emit(realtime.ItemEvent{Kind: realtime.ItemAdded, Item: userAudioItem("u1")})
	h.m.emit(realtime.ItemEvent{Kind: realtime.ItemAdded, Item: userAudioItem("u2")})
	waitEventN[HistoryAdded](t, h.rec, 2, nil)
	snap := h.s.History()
	snap[0].Parts[0].Transcript = "mutated"
	if h.s.History()[0].Parts[0].Transcript != "" {
		t.Fatal("History shares memory with the engine")
	}
	h.m.emit(realtime.ItemDeleted{ItemID: "u1"})
	up := waitEvent(t, h.rec, func(e HistoryUpdated) bool { return e.DeletedID == "u1" })
	if len(up.History) != 1 || up.History[0].ID != "u2" || up.Item != nil {
		t.Errorf("history_updated = %+v", up)
	}
	up.History[0].ID = "mutated"
	if h.s.History()[0].ID != "u2" {
		t.Error("event snapshot shares memory with the engine")
	}
}

func TestMergeUserKeepsImagesAndTranscripts_R11_3(t *testing.T) {
	old := HistoryItem{ID: "u", Kind: KindUser, Parts: []HistoryPart{{Type: "input_audio", Transcript: "hi", TranscriptStatus: "completed"}, {Type: "input_image", ImageURL: "data:x"}}}
	in := HistoryItem{ID: "u", Kind: KindUser, Parts: []HistoryPart{{Type: "input_audio"}}}
	m := mergeItem(old, in)
	if len(m.Parts) != 2 || m.Parts[0].Transcript != "hi" || m.Parts[1].ImageURL != "data:x" {
		t.Errorf("merged = %+v", m)
	}
	sys := mergeItem(HistoryItem{Kind: KindSystem, Parts: []HistoryPart{{Type: "input_text", Text: "s"}}}, HistoryItem{Kind: KindSystem, Parts: []HistoryPart{{Type: "input_text"}}})
	if sys.Parts[0].Text != "s" {
		t.Errorf("system merge lost text: %+v", sys)
	}
	tool := mergeItem(HistoryItem{Kind: KindTool, Output: "o", HasOutput: true}, HistoryItem{Kind: KindTool, Name: "n"})
	if tool.Output != "o" || tool.Name != "n" {
		t.Errorf("tool merge = %+v", tool)
	}
	if r := mergeItem(HistoryItem{Kind: KindUser, PreviousItemID: "p"}, HistoryItem{Kind: KindAssistant}); r.Kind != KindAssistant || r.PreviousItemID != "p" {
		t.Errorf("role mismatch = %+v", r)
	}
}
