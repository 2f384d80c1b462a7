package sim

import "encoding/json"

// Server-side wire structs of the GA protocol. They are written from the kit
// (testdata/realtime/server_events.json), independently of the client's codec in
// internal/realtime/openai, so that each checks the other.

// serverEvent is any event the simulator sends; send assigns its event_id.
type serverEvent interface{ setEventID(id string) }

type header struct {
	Type    string `json:"type"`
	EventID string `json:"event_id"`
}

func (h *header) setEventID(id string) { h.EventID = id }

func hdr(t string) header { return header{Type: t} }

// optString is a JSON field that is either absent (zero), null, or a string.
type optString struct {
	present bool
	null    bool
	s       string
}

func someString(s string) optString { return optString{present: true, s: s} }
func nullString() optString         { return optString{present: true, null: true} }

func (o optString) IsZero() bool { return !o.present }

func (o optString) MarshalJSON() ([]byte, error) {
	if o.null {
		return []byte("null"), nil
	}
	return json.Marshal(o.s)
}

// --- session ---

type sessionEvent struct {
	header
	Session *sessionObject `json:"session"`
}

type errorEvent struct {
	header
	Error errorBody `json:"error"`
}

type errorBody struct {
	Type    string  `json:"type"`
	Code    *string `json:"code"`
	Message string  `json:"message"`
	Param   *string `json:"param"`
	EventID *string `json:"event_id"`
}

// --- conversation ---

type itemEvent struct { // conversation.item.added / conversation.item.done
	header
	PreviousItemID *string `json:"previous_item_id"`
	Item           any     `json:"item"`
}

type itemRetrievedEvent struct {
	header
	Item any `json:"item"`
}

type itemDeletedEvent struct {
	header
	ItemID string `json:"item_id"`
}

type itemTruncatedEvent struct {
	header
	ItemID       string `json:"item_id"`
	ContentIndex int    `json:"content_index"`
	AudioEndMs   int    `json:"audio_end_ms"`
}

type wireMessage struct {
	ID      string        `json:"id"`
	Object  string        `json:"object,omitempty"`
	Type    string        `json:"type"`
	Status  string        `json:"status"`
	Role    string        `json:"role"`
	Content []wireContent `json:"content"`
}

type wireContent struct {
	Type       string    `json:"type"`
	Text       optString `json:"text,omitzero"`
	Transcript optString `json:"transcript,omitzero"`
	Audio      string    `json:"audio,omitempty"`
	ImageURL   string    `json:"image_url,omitempty"`
	Detail     string    `json:"detail,omitempty"`
}

type wireFunctionCall struct {
	ID        string `json:"id"`
	Object    string `json:"object,omitempty"`
	Type      string `json:"type"`
	Status    string `json:"status"`
	Name      string `json:"name"`
	CallID    string `json:"call_id"`
	Arguments string `json:"arguments"`
}

type wireFunctionCallOutput struct {
	ID     string `json:"id"`
	Object string `json:"object,omitempty"`
	Type   string `json:"type"`
	Status string `json:"status,omitempty"`
	CallID string `json:"call_id"`
	Output string `json:"output"`
}

// --- input audio ---

type committedEvent struct {
	header
	PreviousItemID *string `json:"previous_item_id"`
	ItemID         string  `json:"item_id"`
}

type speechStartedEvent struct {
	header
	AudioStartMs int    `json:"audio_start_ms"`
	ItemID       string `json:"item_id"`
}

type speechStoppedEvent struct {
	header
	AudioEndMs int    `json:"audio_end_ms"`
	ItemID     string `json:"item_id"`
}

type timeoutTriggeredEvent struct {
	header
	AudioStartMs int    `json:"audio_start_ms"`
	AudioEndMs   int    `json:"audio_end_ms"`
	ItemID       string `json:"item_id"`
}

type transcriptionDeltaEvent struct {
	header
	ItemID       string `json:"item_id"`
	ContentIndex int    `json:"content_index"`
	Delta        string `json:"delta"`
	Obfuscation  string `json:"obfuscation"`
}

type transcriptionCompletedEvent struct {
	header
	ItemID       string             `json:"item_id"`
	ContentIndex int                `json:"content_index"`
	Transcript   string             `json:"transcript"`
	Usage        transcriptionUsage `json:"usage"`
}

type transcriptionUsage struct {
	Type              string             `json:"type"`
	TotalTokens       int                `json:"total_tokens"`
	InputTokens       int                `json:"input_tokens"`
	InputTokenDetails transcriptionInput `json:"input_token_details"`
	OutputTokens      int                `json:"output_tokens"`
}

type transcriptionInput struct {
	TextTokens  int `json:"text_tokens"`
	AudioTokens int `json:"audio_tokens"`
}

// --- responses ---

type responseEvent struct { // response.created / response.done
	header
	Response wireResponse `json:"response"`
}

type wireResponse struct {
	Object           string          `json:"object"`
	ID               string          `json:"id"`
	Status           string          `json:"status"`
	StatusDetails    *statusDetails  `json:"status_details"`
	Output           []any           `json:"output"`
	ConversationID   string          `json:"conversation_id"`
	OutputModalities []string        `json:"output_modalities"`
	MaxOutputTokens  json.RawMessage `json:"max_output_tokens"`
	Audio            responseAudio   `json:"audio"`
	Usage            *responseUsage  `json:"usage"`
	Metadata         json.RawMessage `json:"metadata"`
}

type statusDetails struct {
	Type   string `json:"type"`
	Reason string `json:"reason,omitempty"`
}

type responseAudio struct {
	Output responseAudioOutput `json:"output"`
}

type responseAudioOutput struct {
	Format json.RawMessage `json:"format"`
	Voice  json.RawMessage `json:"voice"`
}

type responseUsage struct {
	TotalTokens        int                `json:"total_tokens"`
	InputTokens        int                `json:"input_tokens"`
	OutputTokens       int                `json:"output_tokens"`
	InputTokenDetails  inputTokenDetails  `json:"input_token_details"`
	OutputTokenDetails outputTokenDetails `json:"output_token_details"`
}

type inputTokenDetails struct {
	TextTokens          int                 `json:"text_tokens"`
	AudioTokens         int                 `json:"audio_tokens"`
	ImageTokens         int                 `json:"image_tokens"`
	CachedTokens        int                 `json:"cached_tokens"`
	CachedTokensDetails cachedTokensDetails `json:"cached_tokens_details"`
}

type cachedTokensDetails struct {
	TextTokens  int `json:"text_tokens"`
	AudioTokens int `json:"audio_tokens"`
	ImageTokens int `json:"image_tokens"`
}

type outputTokenDetails struct {
	TextTokens  int `json:"text_tokens"`
	AudioTokens int `json:"audio_tokens"`
}

type outputItemEvent struct { // response.output_item.added / .done
	header
	ResponseID  string `json:"response_id"`
	OutputIndex int    `json:"output_index"`
	Item        any    `json:"item"`
}

type contentPartEvent struct { // response.content_part.added / .done
	header
	ResponseID   string   `json:"response_id"`
	ItemID       string   `json:"item_id"`
	OutputIndex  int      `json:"output_index"`
	ContentIndex int      `json:"content_index"`
	Part         wirePart `json:"part"`
}

type wirePart struct {
	Type       string    `json:"type"`
	Text       optString `json:"text,omitzero"`
	Transcript optString `json:"transcript,omitzero"`
}

// partRef is the common address of a content part's events.
type partRef struct {
	ResponseID   string `json:"response_id"`
	ItemID       string `json:"item_id"`
	OutputIndex  int    `json:"output_index"`
	ContentIndex int    `json:"content_index"`
}

type audioDeltaEvent struct {
	header
	partRef
	Delta string `json:"delta"`
}

type textDeltaEvent struct { // output_audio_transcript.delta / output_text.delta
	header
	partRef
	Delta       string `json:"delta"`
	Obfuscation string `json:"obfuscation"`
}

type audioDoneEvent struct {
	header
	partRef
}

type transcriptDoneEvent struct {
	header
	partRef
	Transcript string `json:"transcript"`
}

type textDoneEvent struct {
	header
	partRef
	Text string `json:"text"`
}

type argsDeltaEvent struct {
	header
	ResponseID  string `json:"response_id"`
	ItemID      string `json:"item_id"`
	OutputIndex int    `json:"output_index"`
	CallID      string `json:"call_id"`
	Delta       string `json:"delta"`
}

type argsDoneEvent struct {
	header
	ResponseID  string `json:"response_id"`
	ItemID      string `json:"item_id"`
	OutputIndex int    `json:"output_index"`
	CallID      string `json:"call_id"`
	Name        string `json:"name"`
	Arguments   string `json:"arguments"`
}

type rateLimitsEvent struct {
	header
	RateLimits []rateLimit `json:"rate_limits"`
}

type rateLimit struct {
	Name         string  `json:"name"`
	Limit        int     `json:"limit"`
	Remaining    int     `json:"remaining"`
	ResetSeconds float64 `json:"reset_seconds"`
}
