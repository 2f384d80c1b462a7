package sim

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
)

// item is the simulator's copy of a conversation item.
type item struct {
	id        string
	typ       string // message, function_call, function_call_output
	role      string // messages only
	status    string
	content   []content
	callID    string
	name      string
	arguments string
	output    string
	// idle marks a user item committed by the VAD idle timeout.
	idle bool
	// speechMs is the speech length of a user audio item (the "[N ms of audio]").
	speechMs int
}

type content struct {
	typ        string // input_text, input_audio, input_image, output_text, output_audio
	text       string
	transcript *string
	audio      []byte
	imageURL   string
	detail     string
}

// wire returns the item as sent in events; withAudio adds base64 audio (retrieve).
func (it *item) wire(withAudio bool) any {
	object := ""
	if withAudio {
		object = "realtime.item"
	}
	switch it.typ {
	case "function_call":
		return wireFunctionCall{ID: it.id, Object: object, Type: it.typ, Status: it.status, Name: it.name, CallID: it.callID, Arguments: it.arguments}
	case "function_call_output":
		return wireFunctionCallOutput{ID: it.id, Object: object, Type: it.typ, Status: it.status, CallID: it.callID, Output: it.output}
	}
	m := wireMessage{ID: it.id, Object: object, Type: it.typ, Status: it.status, Role: it.role, Content: []wireContent{}}
	for _, c := range it.content {
		w := wireContent{Type: c.typ}
		switch c.typ {
		case "input_text", "output_text":
			w.Text = someString(c.text)
		case "input_audio", "output_audio":
			w.Transcript = nullString()
			if c.transcript != nil {
				w.Transcript = someString(*c.transcript)
			}
			if withAudio && len(c.audio) > 0 {
				w.Audio = base64.StdEncoding.EncodeToString(c.audio)
			}
		case "input_image":
			w.ImageURL, w.Detail = c.imageURL, c.detail
		}
		m.Content = append(m.Content, w)
	}
	return m
}

// conversation is the ordered default conversation of one connection.
type conversation struct{ items []*item }

func (cv *conversation) index(id string) int {
	return slices.IndexFunc(cv.items, func(it *item) bool { return it.id == id })
}

func (cv *conversation) get(id string) *item {
	if i := cv.index(id); i >= 0 {
		return cv.items[i]
	}
	return nil
}

func (cv *conversation) last() *string {
	if len(cv.items) == 0 {
		return nil
	}
	id := cv.items[len(cv.items)-1].id
	return &id
}

// insert places it after prev ("" = append, "root" = first) and returns the id of
// the item now before it (nil when first).
func (cv *conversation) insert(it *item, prev string) (*string, *apiError) {
	switch prev {
	case "":
		p := cv.last()
		cv.items = append(cv.items, it)
		return p, nil
	case "root":
		cv.items = slices.Insert(cv.items, 0, it)
		return nil, nil
	}
	i := cv.index(prev)
	if i < 0 {
		return nil, invalidRequest("invalid_value", "previous_item_id",
			"Error adding item: the previous item with id '%s' does not exist.", prev)
	}
	cv.items = slices.Insert(cv.items, i+1, it)
	p := prev
	return &p, nil
}

func (cv *conversation) remove(id string) bool {
	i := cv.index(id)
	if i < 0 {
		return false
	}
	cv.items = slices.Delete(cv.items, i, i+1)
	return true
}

func itemNotFound(id string) *apiError {
	return invalidRequest("invalid_value", "item_id", "Item with item_id '%s' does not exist.", id)
}

// clientItem is conversation.item.create's item.
type clientItem struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	Object    string          `json:"object"`
	Status    string          `json:"status"`
	Role      string          `json:"role"`
	Content   []clientContent `json:"content"`
	CallID    string          `json:"call_id"`
	Name      string          `json:"name"`
	Arguments string          `json:"arguments"`
	Output    *string         `json:"output"`
}

type clientContent struct {
	Type       string  `json:"type"`
	Text       string  `json:"text"`
	Audio      string  `json:"audio"`
	Transcript *string `json:"transcript"`
	ImageURL   string  `json:"image_url"`
	Detail     string  `json:"detail"`
}

// itemFromClient validates a client item; newID and newCallID mint ids.
func itemFromClient(raw json.RawMessage, bpm int, newID, newCallID func() string) (*item, *apiError) {
	var ci clientItem
	if len(raw) == 0 || isNull(raw) {
		return nil, invalidRequest("missing_required_parameter", "item", "Missing required parameter: 'item'.")
	}
	if err := json.Unmarshal(raw, &ci); err != nil {
		return nil, invalidRequest("invalid_type", "item", "Invalid 'item': %v", err)
	}
	it := &item{id: ci.ID, typ: ci.Type, status: "completed"}
	if it.id == "" {
		it.id = newID()
	}
	switch ci.Type {
	case "message":
		it.role = ci.Role
		allowed := map[string][]string{
			"user":      {"input_text", "input_audio", "input_image"},
			"system":    {"input_text"},
			"assistant": {"output_text"},
		}[ci.Role]
		if allowed == nil {
			return nil, invalidRequest("invalid_value", "item.role", "Invalid value: '%s'. Supported values are: 'user', 'system', and 'assistant'.", ci.Role)
		}
		for i, cc := range ci.Content {
			if !slices.Contains(allowed, cc.Type) {
				return nil, invalidRequest("invalid_value", fmt.Sprintf("item.content[%d].type", i),
					"Invalid value: '%s'. A %s message cannot contain this content type.", cc.Type, ci.Role)
			}
			c := content{typ: cc.Type, text: cc.Text, transcript: cc.Transcript, imageURL: cc.ImageURL, detail: cc.Detail}
			if cc.Type == "input_audio" {
				pcm, err := base64.StdEncoding.DecodeString(cc.Audio)
				if err != nil {
					return nil, invalidRequest("invalid_value", fmt.Sprintf("item.content[%d].audio", i), "Invalid 'audio': expected base64-encoded audio bytes.")
				}
				c.audio = pcm
				it.speechMs = len(pcm) / bpm
			}
			it.content = append(it.content, c)
		}
	case "function_call":
		if ci.Name == "" {
			return nil, invalidRequest("missing_required_parameter", "item.name", "Missing required parameter: 'item.name'.")
		}
		it.name, it.arguments, it.callID = ci.Name, ci.Arguments, ci.CallID
		if it.callID == "" {
			it.callID = newCallID()
		}
	case "function_call_output":
		if ci.CallID == "" {
			return nil, invalidRequest("missing_required_parameter", "item.call_id", "Missing required parameter: 'item.call_id'.")
		}
		if ci.Output == nil {
			return nil, invalidRequest("missing_required_parameter", "item.output", "Missing required parameter: 'item.output'.")
		}
		it.callID, it.output = ci.CallID, *ci.Output
	case "":
		return nil, invalidRequest("missing_required_parameter", "item.type", "Missing required parameter: 'item.type'.")
	default:
		return nil, invalidRequest("invalid_value", "item.type", "Invalid value: '%s'. The simulator supports 'message', 'function_call' and 'function_call_output' items.", ci.Type)
	}
	return it, nil
}
