package session

import "github.com/rtagent/rtagent/internal/realtime"

// Replay budget defaults (R14.4): the newest 40 items, or about 8k tokens.
const (
	DefaultReplayItems  = 40
	DefaultReplayTokens = 8000
)

// ReplayBudget bounds a history replay (R14.4). Zero fields take the defaults.
type ReplayBudget struct {
	Items  int
	Tokens int
}

func (b ReplayBudget) withDefaults() ReplayBudget {
	if b.Items <= 0 {
		b.Items = DefaultReplayItems
	}
	if b.Tokens <= 0 {
		b.Tokens = DefaultReplayTokens
	}
	return b
}

// estimateTokens is the usual rough count: a token per four bytes of text.
func estimateTokens(s string) int { return (len(s) + 3) / 4 }

// ReplayItems turns history into the items that recreate it on a new connection,
// oldest first, within budget (R14.4, R14.5):
//   - user text, and user audio as its transcript (audio with no transcript is
//     skipped: re-sending audio is costly);
//   - assistant messages as output_text with their (post-truncation) transcript;
//     assistant audio itself cannot be replayed;
//   - a tool call as its function_call, then its function_call_output when it has
//     one and withhold does not name its call id (a pending call's output is sent
//     when its tool finishes);
//   - system messages as system input_text.
//
// The budget keeps the newest entries: at most b.Items items (a call and its
// output count as one) and about b.Tokens estimated tokens; the newest entry is
// always kept.
func ReplayItems(history []HistoryItem, b ReplayBudget, withhold map[string]bool) []realtime.Item {
	b = b.withDefaults()
	var groups [][]realtime.Item // one per history entry, newest first
	tokens := 0
	for i := len(history) - 1; i >= 0 && len(groups) < b.Items; i-- {
		g, cost := replayItem(history[i], withhold)
		if len(g) == 0 {
			continue
		}
		if len(groups) > 0 && tokens+cost > b.Tokens {
			break
		}
		tokens += cost
		groups = append(groups, g)
	}
	var out []realtime.Item
	for i := len(groups) - 1; i >= 0; i-- {
		out = append(out, groups[i]...)
	}
	return out
}

func replayItem(h HistoryItem, withhold map[string]bool) ([]realtime.Item, int) {
	switch h.Kind {
	case "tool":
		if h.CallID == "" || h.Name == "" {
			return nil, 0
		}
		args := h.Arguments
		if args == "" {
			args = "{}"
		}
		items := []realtime.Item{{Type: realtime.ItemFunctionCall, CallID: h.CallID, Name: h.Name, Arguments: args}}
		cost := estimateTokens(h.Name + args)
		if h.HasOutput && !withhold[h.CallID] {
			items = append(items, realtime.Item{Type: realtime.ItemFunctionCallOutput, CallID: h.CallID, Output: h.Output})
			cost += estimateTokens(h.Output)
		}
		return items, cost
	case "user", "system", "assistant":
		text := h.Text() // texts and transcripts; audio without one and images left out
		if text == "" {
			return nil, 0
		}
		ct := realtime.ContentInputText
		if h.Kind == "assistant" {
			ct = realtime.ContentText
		}
		it := realtime.Item{Type: realtime.ItemMessage, Role: h.Kind, Content: []realtime.Content{{Type: ct, Text: text}}}
		return []realtime.Item{it}, estimateTokens(text)
	}
	return nil, 0
}
