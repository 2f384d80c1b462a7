package session

import (
	"reflect"

	"github.com/rtagent/rtagent/internal/realtime"
)

// History kinds.
const (
	KindUser      = "user"
	KindAssistant = "assistant"
	KindSystem    = "system"
	KindTool      = "tool"
)

// onItem upserts conversation.item.added/.done/.retrieved (§11).
func (s *Session) onItem(e realtime.ItemEvent) {
	if s.replayedItem(e) {
		return
	}
	it := e.Item
	s.systemView(&it) // a corrective guardrail message is a system item
	if it.Type == realtime.ItemMessage && it.Role == "assistant" {
		it = s.withDeltaText(it)
	}
	isNew := s.indexOf(it.ID) < 0
	s.upsertItem(it, e.PreviousItemID, "")
	if isNew && e.Kind == realtime.ItemAdded && it.Type == realtime.ItemMessage && it.Role == "user" {
		s.emitTypedUserText(it)
	}
	if e.Kind == realtime.ItemDone {
		s.onAssistantItemDone(e.Item, "")
	}
}

// emitTypedUserText reports a typed user message as a final user transcript once the
// server has it, so consumers show and record both sides the same way (spoken input
// arrives as InputTranscriptCompleted instead).
func (s *Session) emitTypedUserText(it realtime.Item) {
	text := ""
	for _, c := range it.Content {
		part := ""
		switch {
		case c.Type == realtime.ContentInputText:
			part = c.Text
		case c.Type == realtime.ContentInputImage:
			part = s.imageLabel(c.ImageURL) // never the data itself
		}
		if part != "" {
			if text != "" {
				text += " "
			}
			text += part
		}
	}
	if text != "" {
		s.emit(Transcript{Role: "user", ItemID: it.ID, Final: true, Text: text})
	}
}

// toHistory converts a server item (audio bytes are never stored, R11.1).
func toHistory(it realtime.Item, prev, agent string) HistoryItem {
	h := HistoryItem{ID: it.ID, PreviousItemID: prev, Status: it.Status, Agent: agent}
	switch it.Type {
	case realtime.ItemFunctionCall:
		h.Kind = KindTool
		h.CallID, h.Name, h.Arguments = it.CallID, it.Name, it.Arguments
	case realtime.ItemFunctionCallOutput:
		h.Kind = KindTool
		h.CallID, h.Output, h.HasOutput = it.CallID, it.Output, true
	default:
		switch it.Role {
		case "assistant":
			h.Kind = KindAssistant
		case "system":
			h.Kind = KindSystem
		default:
			h.Kind = KindUser
		}
		for _, c := range it.Content {
			h.Parts = append(h.Parts, HistoryPart{Type: c.Type, Text: c.Text, Transcript: c.Transcript, ImageURL: c.ImageURL})
		}
	}
	if h.Kind != KindAssistant && h.Kind != KindTool {
		h.Agent = ""
	}
	return h
}

func (s *Session) indexOf(id string) int {
	for i := len(s.history) - 1; i >= 0; i-- {
		if s.history[i].ID == id {
			return i
		}
	}
	return -1
}

func (s *Session) indexOfCall(callID string) int {
	for i := len(s.history) - 1; i >= 0; i-- {
		if s.history[i].Kind == KindTool && s.history[i].CallID == callID && !s.history[i].isOutputOnly() {
			return i
		}
	}
	return -1
}

// isOutputOnly marks a tool item created from an output whose call was unknown.
func (h *HistoryItem) isOutputOnly() bool { return h.Name == "" && h.HasOutput && h.Arguments == "" }

// upsertItem inserts (R11.2) or merges (R11.3) one item. A function_call_output is
// merged into its call item by call_id (R11.1).
func (s *Session) upsertItem(it realtime.Item, prev, agent string) {
	if it.Type == realtime.ItemFunctionCallOutput {
		if i := s.indexOfCall(it.CallID); i >= 0 {
			s.mergeAt(i, HistoryItem{Kind: KindTool, ID: s.history[i].ID, CallID: it.CallID, Output: it.Output, HasOutput: true})
			return
		}
	}
	if it.ID == "" {
		return
	}
	h := toHistory(it, prev, agent)
	if i := s.indexOf(it.ID); i >= 0 {
		s.mergeAt(i, h)
		return
	}
	s.insert(h)
}

func (s *Session) insert(h HistoryItem) {
	at := len(s.history)
	if h.PreviousItemID != "" {
		if i := s.indexOf(h.PreviousItemID); i >= 0 {
			at = i + 1
		}
	}
	s.mu.Lock()
	s.history = append(s.history, HistoryItem{})
	copy(s.history[at+1:], s.history[at:])
	s.history[at] = h
	s.mu.Unlock()
	s.emit(HistoryAdded{Item: cloneItem(h)})
}

// mergeAt merges incoming into the item at i and emits history_updated on change.
func (s *Session) mergeAt(i int, in HistoryItem) {
	old := s.history[i]
	merged := mergeItem(old, in)
	if reflect.DeepEqual(old, merged) {
		return
	}
	s.mu.Lock()
	s.history[i] = merged
	s.mu.Unlock()
	s.emitHistoryUpdated(&merged, "")
}

// mergeItem applies R11.3.
func mergeItem(old, in HistoryItem) HistoryItem {
	if in.Kind != old.Kind {
		if in.PreviousItemID == "" {
			in.PreviousItemID = old.PreviousItemID
		}
		return in // role mismatch: replace
	}
	m := cloneItem(old)
	if in.PreviousItemID != "" {
		m.PreviousItemID = in.PreviousItemID
	}
	if in.Status != "" {
		m.Status = in.Status
	}
	if in.Agent != "" && m.Agent == "" {
		m.Agent = in.Agent
	}
	if in.TruncatedAtMS != nil {
		v := *in.TruncatedAtMS
		m.TruncatedAtMS = &v
	}
	switch old.Kind {
	case KindTool:
		if in.CallID != "" {
			m.CallID = in.CallID
		}
		if in.Name != "" {
			m.Name = in.Name
		}
		if in.Arguments != "" {
			m.Arguments = in.Arguments
		}
		if in.HasOutput { // never lose a known output
			m.Output, m.HasOutput = in.Output, true
		}
	case KindAssistant, KindSystem:
		for j, p := range in.Parts {
			if j >= len(m.Parts) {
				m.Parts = append(m.Parts, p)
				continue
			}
			q := &m.Parts[j]
			if p.Type != "" {
				q.Type = p.Type
			}
			if p.Text != "" {
				q.Text = p.Text
			}
			if p.Transcript != "" {
				q.Transcript = p.Transcript
			}
		}
	default: // user: take the incoming parts, fill gaps from the old ones
		if len(in.Parts) == 0 {
			break
		}
		parts := append([]HistoryPart(nil), in.Parts...)
		for j := range parts {
			if j >= len(old.Parts) {
				break
			}
			o := old.Parts[j]
			if parts[j].Transcript == "" {
				parts[j].Transcript = o.Transcript
			}
			if parts[j].Text == "" {
				parts[j].Text = o.Text
			}
			if parts[j].TranscriptStatus == "" {
				parts[j].TranscriptStatus = o.TranscriptStatus
			}
		}
		for _, o := range old.Parts {
			if o.Type != realtime.ContentInputImage || o.ImageURL == "" {
				continue
			}
			found := false
			for _, p := range parts {
				if p.ImageURL == o.ImageURL {
					found = true
					break
				}
			}
			if !found {
				parts = append(parts, o)
			}
		}
		m.Parts = parts
	}
	return m
}

// withDeltaText fills empty assistant transcripts from the delta accumulator. It
// never overwrites a transcript the server sent (R11.3).
func (s *Session) withDeltaText(it realtime.Item) realtime.Item {
	if it.Type != realtime.ItemMessage || it.Role != "assistant" {
		return it
	}
	for j := range it.Content {
		acc, ok := s.acc[audioKey{it.ID, j}]
		if !ok || acc == "" {
			continue
		}
		c := &it.Content[j]
		switch c.Type {
		case realtime.ContentText:
			if c.Text == "" {
				c.Text = acc
			}
		default:
			if c.Transcript == "" {
				c.Transcript = acc
			}
		}
	}
	return it
}

// fillFromDeltas applies leftover accumulators at response.done (e.g. a cancelled
// response whose parts never got a .done).
func (s *Session) fillFromDeltas(output []realtime.Item) {
	for _, it := range output {
		if it.Type != realtime.ItemMessage || it.Role != "assistant" {
			continue
		}
		for k, acc := range s.acc {
			if k.item != it.ID {
				continue
			}
			delete(s.acc, k)
			if i := s.indexOf(it.ID); i >= 0 && k.ci < len(s.history[i].Parts) {
				p := s.history[i].Parts[k.ci]
				if p.Text == "" && p.Transcript == "" {
					s.setAssistantText(it.ID, k.ci, acc, p.Type == realtime.ContentText, "")
				}
			}
		}
	}
}

// setAssistantText sets the final transcript or text of an assistant part.
func (s *Session) setAssistantText(itemID string, ci int, text string, textMode bool, agent string) {
	i := s.indexOf(itemID)
	if i < 0 {
		return
	}
	in := HistoryItem{Kind: KindAssistant, ID: itemID, Agent: agent}
	in.Parts = make([]HistoryPart, ci+1)
	p := HistoryPart{Type: realtime.ContentAudio, Transcript: text}
	if textMode {
		p = HistoryPart{Type: realtime.ContentText, Text: text}
	}
	in.Parts[ci] = p
	if s.history[i].Kind != KindAssistant {
		return
	}
	s.mergeAt(i, in)
}

// setUserTranscript applies a late transcription result by item id (R11.4).
func (s *Session) setUserTranscript(itemID string, ci int, transcript, status string) {
	i := s.indexOf(itemID)
	if i < 0 {
		h := HistoryItem{ID: itemID, Kind: KindUser, Parts: make([]HistoryPart, ci+1)}
		for j := range h.Parts {
			h.Parts[j].Type = realtime.ContentInputAudio
		}
		h.Parts[ci].Transcript, h.Parts[ci].TranscriptStatus = transcript, status
		s.insert(h)
		return
	}
	m := cloneItem(s.history[i])
	for len(m.Parts) <= ci {
		m.Parts = append(m.Parts, HistoryPart{Type: realtime.ContentInputAudio})
	}
	if transcript != "" {
		m.Parts[ci].Transcript = transcript
	}
	m.Parts[ci].TranscriptStatus = status
	s.replaceAt(i, m)
}

func (s *Session) replaceAt(i int, m HistoryItem) {
	if reflect.DeepEqual(s.history[i], m) {
		return
	}
	s.mu.Lock()
	s.history[i] = m
	s.mu.Unlock()
	s.emitHistoryUpdated(&m, "")
}

// setCallOutput records a sent tool output on its call item.
func (s *Session) setCallOutput(callID, output string) {
	if i := s.indexOfCall(callID); i >= 0 {
		s.mergeAt(i, HistoryItem{Kind: KindTool, ID: s.history[i].ID, Output: output, HasOutput: true})
	}
}

// withhold replaces the text of a blocked item with marker (issue 9 #5).
func (s *Session) withhold(itemID, marker string) {
	i := s.indexOf(itemID)
	if i < 0 {
		return
	}
	m := cloneItem(s.history[i])
	for j := range m.Parts {
		p := &m.Parts[j]
		if p.Text != "" || p.Type == realtime.ContentText || p.Type == realtime.ContentInputText {
			p.Text = marker
		}
		if p.Transcript != "" || p.Type == realtime.ContentAudio || p.Type == realtime.ContentInputAudio {
			p.Transcript = marker
		}
	}
	s.replaceAt(i, m)
}

// markTruncated records truncated_at_ms (R7.9).
func (s *Session) markTruncated(itemID string, ms int) {
	if i := s.indexOf(itemID); i >= 0 {
		m := cloneItem(s.history[i])
		m.TruncatedAtMS = &ms
		s.replaceAt(i, m)
	}
}

// deleteItem applies conversation.item.deleted (R11.5).
func (s *Session) deleteItem(id string) {
	i := s.indexOf(id)
	if i < 0 {
		return
	}
	s.mu.Lock()
	s.history = append(s.history[:i], s.history[i+1:]...)
	s.mu.Unlock()
	s.emitHistoryUpdated(nil, id)
}

// emitHistoryUpdated emits history_updated with an immutable snapshot (R11.6).
func (s *Session) emitHistoryUpdated(item *HistoryItem, deletedID string) {
	ev := HistoryUpdated{DeletedID: deletedID, History: cloneHistory(s.history)}
	if item != nil {
		c := cloneItem(*item)
		ev.Item = &c
	}
	s.emit(ev)
}

func cloneItem(h HistoryItem) HistoryItem {
	h.Parts = append([]HistoryPart(nil), h.Parts...)
	if h.TruncatedAtMS != nil {
		v := *h.TruncatedAtMS
		h.TruncatedAtMS = &v
	}
	return h
}

func cloneHistory(hs []HistoryItem) []HistoryItem {
	out := make([]HistoryItem, len(hs))
	for i, h := range hs {
		out[i] = cloneItem(h)
	}
	return out
}
