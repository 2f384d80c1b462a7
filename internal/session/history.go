package session

// HistoryItem is one entry of the local conversation history (docs/protocol.md R11.1).
// Snapshots handed to consumers are deep copies.
type HistoryItem struct {
	ID             string `json:"id"`
	PreviousItemID string `json:"previous_item_id,omitempty"`
	Kind           string `json:"kind"` // "user", "assistant", "system", "tool"
	Status         string `json:"status,omitempty"`
	Agent          string `json:"agent,omitempty"`

	// Messages.
	Parts         []HistoryPart `json:"parts,omitempty"`
	TruncatedAtMS *int          `json:"truncated_at_ms,omitempty"`

	// Tool calls (one item holds the call and its output).
	CallID    string `json:"call_id,omitempty"`
	Name      string `json:"name,omitempty"`
	Arguments string `json:"arguments,omitempty"`
	Output    string `json:"output,omitempty"`
	HasOutput bool   `json:"has_output,omitempty"`
}

// HistoryPart is one content part of a message.
type HistoryPart struct {
	Type             string `json:"type"` // input_text, input_audio, input_image, text, audio
	Text             string `json:"text,omitempty"`
	Transcript       string `json:"transcript,omitempty"`
	TranscriptStatus string `json:"transcript_status,omitempty"` // "", completed, failed
	ImageURL         string `json:"image_url,omitempty"`
}

// Text returns the item's visible text: texts and transcripts joined.
func (h HistoryItem) Text() string {
	s := ""
	for _, p := range h.Parts {
		t := p.Text
		if t == "" {
			t = p.Transcript
		}
		if t == "" {
			continue
		}
		if s != "" {
			s += " "
		}
		s += t
	}
	return s
}
