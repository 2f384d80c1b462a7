package realtime

// Item types.
const (
	ItemMessage            = "message"
	ItemFunctionCall       = "function_call"
	ItemFunctionCallOutput = "function_call_output"
)

// Content part types, normalised (docs/protocol.md §4.3 #3): the wire's output_audio and
// audio both become ContentAudio, output_text and text both become ContentText.
const (
	ContentInputText  = "input_text"
	ContentInputAudio = "input_audio"
	ContentInputImage = "input_image"
	ContentText       = "text"
	ContentAudio      = "audio"
)

// Item is a conversation item as the server describes it.
type Item struct {
	ID     string
	Type   string // ItemMessage, ItemFunctionCall, ItemFunctionCallOutput
	Role   string // user, assistant, system (messages only)
	Status string // in_progress, completed, incomplete

	Content []Content // messages only

	CallID    string // function_call and function_call_output
	Name      string // function_call
	Arguments string // function_call: JSON text
	Output    string // function_call_output
}

// Content is one part of a message.
type Content struct {
	Type       string
	Text       string
	Transcript string
	Audio      []byte // decoded audio; only on retrieved items or when creating input_audio
	ImageURL   string
}

// Usage is the token usage of one response (docs/protocol.md R13.1). Cached tokens are a
// subset of input tokens.
type Usage struct {
	TotalTokens  int `json:"total_tokens"`
	InputTokens  int `json:"input_tokens"`
	OutputTokens int `json:"output_tokens"`

	InputTextTokens   int `json:"input_text_tokens"`
	InputAudioTokens  int `json:"input_audio_tokens"`
	InputImageTokens  int `json:"input_image_tokens"`
	CachedTokens      int `json:"cached_tokens"`
	CachedTextTokens  int `json:"cached_text_tokens"`
	CachedAudioTokens int `json:"cached_audio_tokens"`
	CachedImageTokens int `json:"cached_image_tokens"`

	OutputTextTokens  int `json:"output_text_tokens"`
	OutputAudioTokens int `json:"output_audio_tokens"`

	Requests int `json:"requests"` // responses counted (R13.2)
}

// Add accumulates o into u (R13.2).
func (u *Usage) Add(o Usage) {
	u.TotalTokens += o.TotalTokens
	u.InputTokens += o.InputTokens
	u.OutputTokens += o.OutputTokens
	u.InputTextTokens += o.InputTextTokens
	u.InputAudioTokens += o.InputAudioTokens
	u.InputImageTokens += o.InputImageTokens
	u.CachedTokens += o.CachedTokens
	u.CachedTextTokens += o.CachedTextTokens
	u.CachedAudioTokens += o.CachedAudioTokens
	u.CachedImageTokens += o.CachedImageTokens
	u.OutputTextTokens += o.OutputTextTokens
	u.OutputAudioTokens += o.OutputAudioTokens
	u.Requests += o.Requests
}

// TranscriptionUsage is the usage of one input transcription (R13.3).
type TranscriptionUsage struct {
	Type             string  `json:"type"` // "tokens" or "duration"
	InputTokens      int     `json:"input_tokens,omitempty"`
	OutputTokens     int     `json:"output_tokens,omitempty"`
	TotalTokens      int     `json:"total_tokens,omitempty"`
	InputTextTokens  int     `json:"input_text_tokens,omitempty"`
	InputAudioTokens int     `json:"input_audio_tokens,omitempty"`
	Seconds          float64 `json:"seconds,omitempty"`
}

// Add accumulates o into u.
func (u *TranscriptionUsage) Add(o TranscriptionUsage) {
	u.InputTokens += o.InputTokens
	u.OutputTokens += o.OutputTokens
	u.TotalTokens += o.TotalTokens
	u.InputTextTokens += o.InputTextTokens
	u.InputAudioTokens += o.InputAudioTokens
	u.Seconds += o.Seconds
}
