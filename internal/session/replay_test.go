package session

import (
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/rtagent/rtagent/internal/realtime"
)

// R14.4: what each kind of history entry replays as.
func TestReplayItemsShapes_R14_4(t *testing.T) {
	hist := []HistoryItem{
		{ID: "u1", Kind: "user", Parts: []HistoryPart{{Type: "input_text", Text: "hello"}}},
		{ID: "u2", Kind: "user", Parts: []HistoryPart{{Type: "input_audio", Transcript: "spoken words"}}},
		{ID: "u3", Kind: "user", Parts: []HistoryPart{{Type: "input_audio"}}}, // no transcript: skipped
		{ID: "a1", Kind: "assistant", Parts: []HistoryPart{{Type: "audio", Transcript: "heard part"}}},
		{ID: "t1", Kind: "tool", CallID: "c1", Name: "lookup", Arguments: `{"id":1}`, Output: "found", HasOutput: true},
		{ID: "t2", Kind: "tool", CallID: "c2", Name: "slow", Arguments: `{}`},                               // pending
		{ID: "t3", Kind: "tool", CallID: "c3", Name: "held", Arguments: `{}`, Output: "x", HasOutput: true}, // output re-sent later
		{ID: "s1", Kind: "system", Parts: []HistoryPart{{Type: "input_text", Text: "be brief"}}},
	}
	got := ReplayItems(hist, ReplayBudget{}, map[string]bool{"c3": true})
	want := []realtime.Item{
		{Type: realtime.ItemMessage, Role: "user", Content: []realtime.Content{{Type: realtime.ContentInputText, Text: "hello"}}},
		{Type: realtime.ItemMessage, Role: "user", Content: []realtime.Content{{Type: realtime.ContentInputText, Text: "spoken words"}}},
		{Type: realtime.ItemMessage, Role: "assistant", Content: []realtime.Content{{Type: realtime.ContentText, Text: "heard part"}}},
		{Type: realtime.ItemFunctionCall, CallID: "c1", Name: "lookup", Arguments: `{"id":1}`},
		{Type: realtime.ItemFunctionCallOutput, CallID: "c1", Output: "found"},
		{Type: realtime.ItemFunctionCall, CallID: "c2", Name: "slow", Arguments: `{}`},
		{Type: realtime.ItemFunctionCall, CallID: "c3", Name: "held", Arguments: `{}`},
		{Type: realtime.ItemMessage, Role: "system", Content: []realtime.Content{{Type: realtime.ContentInputText, Text: "be brief"}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("replay =\n%+v\nwant\n%+v", got, want)
	}
}

// R14.4: the budget keeps the newest entries, oldest first, a call with its output.
func TestReplayItemsBudget_R14_4(t *testing.T) {
	var hist []HistoryItem
	for i := range 50 {
		hist = append(hist, HistoryItem{Kind: "user", Parts: []HistoryPart{{Type: "input_text", Text: "m" + strconv.Itoa(i)}}})
	}
	got := ReplayItems(hist, ReplayBudget{}, nil)
	if len(got) != DefaultReplayItems || got[0].Content[0].Text != "m10" || got[39].Content[0].Text != "m49" {
		t.Fatalf("default budget kept %d items, first %q", len(got), got[0].Content[0].Text)
	}
	hist = append(hist, HistoryItem{Kind: "tool", CallID: "c", Name: "f", Arguments: "{}", Output: "o", HasOutput: true})
	if got := ReplayItems(hist, ReplayBudget{Items: 1}, nil); len(got) != 2 || got[1].Type != realtime.ItemFunctionCallOutput {
		t.Fatalf("a call and its output count as one entry: %+v", got)
	}
	big := strings.Repeat("x", 4000) // ~1000 tokens each
	hist = []HistoryItem{
		{Kind: "user", Parts: []HistoryPart{{Type: "input_text", Text: "old " + big}}},
		{Kind: "user", Parts: []HistoryPart{{Type: "input_text", Text: "new " + big}}},
	}
	if got := ReplayItems(hist, ReplayBudget{Tokens: 1500}, nil); len(got) != 1 || !strings.HasPrefix(got[0].Content[0].Text, "new") {
		t.Fatalf("token budget: %d items", len(got))
	}
	if got := ReplayItems(hist[:1], ReplayBudget{Tokens: 10}, nil); len(got) != 1 {
		t.Fatal("the newest entry is always kept")
	}
}
