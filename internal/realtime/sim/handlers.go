package sim

import (
	"encoding/base64"
	"encoding/json"
	"sort"

	"github.com/coder/websocket"
)

// handleFrame decodes one client frame and runs its handler on the reader
// goroutine, so client events take effect in wire order.
func (c *conn) handleFrame(typ websocket.MessageType, data []byte) {
	c.mu.Lock()
	ready := c.sess != nil
	c.mu.Unlock()
	if !ready {
		return // handshake failed; the close is on its way
	}
	if typ != websocket.MessageText {
		c.sendError(invalidRequest("invalid_event", "", "Expected a text WebSocket message; binary frames are not supported."), "")
		return
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		c.sendError(invalidRequest("invalid_json", "", "Invalid event: failed to parse JSON value. %v", err), "")
		return
	}
	var eventID, typeName string
	_ = json.Unmarshal(fields["event_id"], &eventID)
	if raw, ok := fields["type"]; !ok || json.Unmarshal(raw, &typeName) != nil || typeName == "" {
		c.sendError(invalidRequest("invalid_event", "type", "The 'type' field is missing."), eventID)
		return
	}
	allowed, known := topLevelKeys[typeName]
	if !known {
		c.sendError(invalidRequest("invalid_value", "type", "%s", supportedTypesMessage(typeName)), eventID)
		return
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k != "type" && k != "event_id" && !containsString(allowed, k) {
			c.sendError(invalidRequest("unknown_parameter", k, "Unknown parameter: '%s'.", k), eventID)
			return
		}
	}
	var err *apiError
	switch typeName {
	case "session.update":
		err = c.handleSessionUpdate(fields["session"])
	case "input_audio_buffer.append":
		err = c.handleAppend(fields["audio"])
	case "input_audio_buffer.commit":
		err = c.handleCommit()
	case "input_audio_buffer.clear":
		c.handleClear()
	case "conversation.item.create":
		err = c.handleItemCreate(fields["item"], fields["previous_item_id"])
	case "conversation.item.truncate":
		err = c.handleTruncate(fields)
	case "conversation.item.delete":
		err = c.handleDelete(fields["item_id"])
	case "conversation.item.retrieve":
		err = c.handleRetrieve(fields["item_id"])
	case "response.create":
		err = c.handleResponseCreate(fields["response"])
	case "response.cancel":
		err = c.handleResponseCancel(fields["response_id"])
	default: // session.close, session.input_audio_buffer.append: translation sessions only
		err = invalidRequest("invalid_value", "type", "'%s' is supported only by translation sessions.", typeName)
	}
	if err != nil {
		c.sendError(err, eventID)
	}
}

func (c *conn) handleSessionUpdate(raw json.RawMessage) *apiError {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.sess.applyUpdate(raw, c.audioProduced); err != nil {
		return err
	}
	c.input.configure(c.sess)
	_ = c.send(&sessionEvent{header: hdr("session.updated"), Session: c.sess.snapshot()})
	return nil
}

func (c *conn) handleItemCreate(raw, prevRaw json.RawMessage) *apiError {
	var prev string
	if len(prevRaw) > 0 && !isNull(prevRaw) {
		if json.Unmarshal(prevRaw, &prev) != nil {
			return invalidRequest("invalid_type", "previous_item_id", "Invalid type for 'previous_item_id': expected a string.")
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	it, err := itemFromClient(raw, c.sess.inputBytesPerMs(), c.newItemID, c.newCallID)
	if err != nil {
		return err
	}
	if c.conv.get(it.id) != nil {
		return invalidRequest("invalid_value", "item.id", "Item with id '%s' already exists.", it.id)
	}
	prevID, err := c.conv.insert(it, prev)
	if err != nil {
		return err
	}
	w := it.wire(false)
	_ = c.send(&itemEvent{header: hdr("conversation.item.added"), PreviousItemID: prevID, Item: w})
	_ = c.send(&itemEvent{header: hdr("conversation.item.done"), PreviousItemID: prevID, Item: w})
	return nil
}

func stringField(raw json.RawMessage, name string) (string, *apiError) {
	var s string
	if len(raw) == 0 || isNull(raw) {
		return "", invalidRequest("missing_required_parameter", name, "Missing required parameter: '%s'.", name)
	}
	if json.Unmarshal(raw, &s) != nil {
		return "", invalidRequest("invalid_type", name, "Invalid type for '%s': expected a string.", name)
	}
	return s, nil
}

func intField(raw json.RawMessage, name string) (int, *apiError) {
	var n int
	if len(raw) == 0 || isNull(raw) {
		return 0, invalidRequest("missing_required_parameter", name, "Missing required parameter: '%s'.", name)
	}
	if json.Unmarshal(raw, &n) != nil {
		return 0, invalidRequest("invalid_type", name, "Invalid type for '%s': expected an integer.", name)
	}
	return n, nil
}

func (c *conn) handleTruncate(f map[string]json.RawMessage) *apiError {
	id, err := stringField(f["item_id"], "item_id")
	if err != nil {
		return err
	}
	ci, err := intField(f["content_index"], "content_index")
	if err != nil {
		return err
	}
	end, err := intField(f["audio_end_ms"], "audio_end_ms")
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	it := c.conv.get(id)
	if it == nil {
		return itemNotFound(id)
	}
	if it.typ != "message" || it.role != "assistant" {
		return invalidRequest("invalid_value", "item_id", "Only assistant message items can be truncated; item '%s' is not one.", id)
	}
	if ci < 0 || ci >= len(it.content) || it.content[ci].typ != "output_audio" {
		return invalidRequest("invalid_value", "content_index", "Item '%s' has no audio content at index %d.", id, ci)
	}
	if end < 0 {
		return invalidRequest("integer_below_min_value", "audio_end_ms", "Invalid 'audio_end_ms': expected a value >= 0, got %d.", end)
	}
	part := &it.content[ci]
	dur := len(part.audio) / BytesPerMs
	if end > dur {
		return invalidRequest("invalid_value", "audio_end_ms", "Audio content of %dms is already shorter than %dms", dur, end)
	}
	part.audio = part.audio[:end*BytesPerMs]
	if c.opts.TruncateTranscript && part.transcript != nil {
		t := truncateTranscript(*part.transcript, end)
		part.transcript = &t
	}
	_ = c.send(&itemTruncatedEvent{header: hdr("conversation.item.truncated"), ItemID: id, ContentIndex: ci, AudioEndMs: end})
	return nil
}

// truncateTranscript keeps the words whose audio began before endMs.
func truncateTranscript(transcript string, endMs int) string {
	words := Words(transcript)
	wordMs := int(WordDuration.Milliseconds())
	keep := (endMs + wordMs - 1) / wordMs
	if keep > len(words) {
		keep = len(words)
	}
	return joinWords(words[:keep])
}

func (c *conn) handleDelete(raw json.RawMessage) *apiError {
	id, err := stringField(raw, "item_id")
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.conv.remove(id) {
		return itemNotFound(id)
	}
	_ = c.send(&itemDeletedEvent{header: hdr("conversation.item.deleted"), ItemID: id})
	return nil
}

func (c *conn) handleRetrieve(raw json.RawMessage) *apiError {
	id, err := stringField(raw, "item_id")
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	it := c.conv.get(id)
	if it == nil {
		return itemNotFound(id)
	}
	_ = c.send(&itemRetrievedEvent{header: hdr("conversation.item.retrieved"), Item: it.wire(true)})
	return nil
}

func (c *conn) handleAppend(raw json.RawMessage) *apiError {
	b64, err := stringField(raw, "audio")
	if err != nil {
		return err
	}
	pcm, derr := base64.StdEncoding.DecodeString(b64)
	if derr != nil {
		return invalidRequest("invalid_value", "audio", "Invalid 'audio': expected base64-encoded audio bytes.")
	}
	c.appendAudio(pcm)
	return nil
}
