package sim

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// response is one response being generated.
type response struct {
	id           string
	ctx          context.Context
	cancel       context.CancelFunc
	done         chan struct{} // closed when the generator has returned
	cancelReason string        // set (under conn.mu) before cancel is called
	plan         plan
	audio        bool // output_modalities ["audio"]
	modalities   []string
	format       json.RawMessage
	voice        json.RawMessage
	maxTokens    json.RawMessage
	metadata     json.RawMessage
	inText       int // input token counts, fixed at creation
	inAudio      int
	output       []any
	outText      int
	outAudioMs   int
}

// responseParams is response.create's optional response object ([R3.3]).
type responseParams struct {
	Instructions     *string         `json:"instructions"`
	Tools            json.RawMessage `json:"tools"`
	ToolChoice       json.RawMessage `json:"tool_choice"`
	OutputModalities []string        `json:"output_modalities"`
	MaxOutputTokens  json.RawMessage `json:"max_output_tokens"`
	Metadata         json.RawMessage `json:"metadata"`
	Audio            *struct {
		Output *struct {
			Format json.RawMessage `json:"format"`
			Voice  json.RawMessage `json:"voice"`
		} `json:"output"`
	} `json:"audio"`
}

func (c *conn) handleResponseCreate(raw json.RawMessage) *apiError {
	var p responseParams
	if len(raw) > 0 && !isNull(raw) {
		var generic any
		if err := json.Unmarshal(raw, &generic); err != nil {
			return invalidRequest("invalid_type", "response", "Invalid type for 'response': expected an object.")
		}
		if _, ok := generic.(map[string]any); !ok {
			return invalidRequest("invalid_type", "response", "Invalid type for 'response': expected an object.")
		}
		if bad := unknownParam("response", generic, responseKeys); bad != "" {
			return invalidRequest("unknown_parameter", bad, "Unknown parameter: '%s'.", bad)
		}
		if err := json.Unmarshal(raw, &p); err != nil {
			return invalidRequest("invalid_type", "response", "Invalid response: %v", err)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.active != nil {
		return invalidRequest("conversation_already_has_active_response", "",
			"Conversation already has an active response in progress: %s. Wait until the response is finished before creating a new one.", c.active.id)
	}
	return c.startResponse(&p)
}

func (c *conn) handleResponseCancel(raw json.RawMessage) *apiError {
	var id string
	if len(raw) > 0 && !isNull(raw) {
		if json.Unmarshal(raw, &id) != nil {
			return invalidRequest("invalid_type", "response_id", "Invalid type for 'response_id': expected a string.")
		}
	}
	c.mu.Lock()
	r := c.active
	if r == nil || (id != "" && id != r.id) {
		c.mu.Unlock()
		return invalidRequest("response_cancel_not_active", "", "Cancellation failed: no active response found.")
	}
	c.requestCancel(r, "client_cancelled")
	c.mu.Unlock()
	c.join(r)
	return nil
}

// requestCancel asks r to stop; c.mu must be held. The generator emits the .done
// events and response.done{cancelled}; join waits for it.
func (c *conn) requestCancel(r *response, reason string) {
	if r.cancelReason == "" {
		r.cancelReason = reason
	}
	r.cancel()
}

// join waits for a response generator; c.mu must not be held.
func (c *conn) join(r *response) {
	select {
	case <-r.done:
	case <-c.ctx.Done():
	}
}

// startResponse decides what to say and starts the generator; c.mu must be held
// and no response active.
func (c *conn) startResponse(p *responseParams) *apiError {
	st := c.sess
	tools, toolChoice := st.tools, st.obj.ToolChoice
	if len(p.Tools) > 0 {
		t, err := parseTools(p.Tools, "response.tools")
		if err != nil {
			return err
		}
		tools = t
	}
	if len(p.ToolChoice) > 0 {
		toolChoice = p.ToolChoice
	}
	modalities := st.obj.OutputModalities
	if len(p.OutputModalities) > 0 {
		if len(p.OutputModalities) != 1 || (p.OutputModalities[0] != "audio" && p.OutputModalities[0] != "text") {
			return invalidRequest("invalid_value", "response.output_modalities", "Invalid value for 'response.output_modalities': expected [\"audio\"] or [\"text\"].")
		}
		modalities = p.OutputModalities
	}
	r := &response{
		id:         c.newRespID(),
		done:       make(chan struct{}),
		modalities: append([]string(nil), modalities...),
		audio:      modalities[0] == "audio",
		format:     st.obj.Audio.Output.Format,
		voice:      st.obj.Audio.Output.Voice,
		maxTokens:  st.obj.MaxOutputTokens,
		metadata:   rawNull,
	}
	if p.Audio != nil && p.Audio.Output != nil {
		setRaw(&r.format, p.Audio.Output.Format)
		setRaw(&r.voice, p.Audio.Output.Voice)
	}
	setRaw(&r.maxTokens, p.MaxOutputTokens)
	setRaw(&r.metadata, p.Metadata)
	instructions := st.obj.Instructions
	if p.Instructions != nil {
		instructions = *p.Instructions
	}
	r.plan = decide(policyInput{items: c.conv.items, tools: tools, toolChoice: toolChoice, instructions: p.Instructions})
	r.inText, r.inAudio = inputTokens(c.conv.items, instructions)
	r.ctx, r.cancel = context.WithCancel(c.ctx)

	_ = c.send(&responseEvent{header: hdr("response.created"), Response: c.wireResponse(r, "in_progress", nil, nil)})
	c.active = r
	c.wg.Add(1)
	go c.runResponse(r)
	return nil
}

func (c *conn) runResponse(r *response) {
	defer c.wg.Done()
	defer close(r.done)
	defer r.cancel()
	if len(r.plan.calls) > 0 {
		c.streamCalls(r)
	} else {
		c.streamMessage(r)
	}
}

// waitUntil sleeps until offset (scaled by Pace) after start. It returns false
// when the response was cancelled.
func (c *conn) waitUntil(r *response, start time.Time, offset time.Duration) bool {
	if c.opts.Pace > 0 {
		if d := time.Until(start.Add(time.Duration(float64(offset) / c.opts.Pace))); d > 0 {
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-t.C:
			case <-r.ctx.Done():
				return false
			}
		}
	}
	return r.ctx.Err() == nil
}

func joinWords(words []string) string { return strings.Join(words, " ") }

func (c *conn) streamMessage(r *response) {
	words := Words(r.plan.text)
	c.mu.Lock()
	if r.ctx.Err() != nil {
		c.finishLocked(r)
		c.mu.Unlock()
		return
	}
	it := &item{id: c.newItemID(), typ: "message", role: "assistant", status: "in_progress"}
	prev, _ := c.conv.insert(it, "")
	ref := partRef{ResponseID: r.id, ItemID: it.id}
	_ = c.send(&outputItemEvent{header: hdr("response.output_item.added"), ResponseID: r.id, Item: it.wire(false)})
	_ = c.send(&itemEvent{header: hdr("conversation.item.added"), PreviousItemID: prev, Item: it.wire(false)})
	empty := ""
	if r.audio {
		it.content = []content{{typ: "output_audio", transcript: &empty}}
		_ = c.send(&contentPartEvent{header: hdr("response.content_part.added"), ResponseID: r.id, ItemID: it.id,
			Part: wirePart{Type: "audio", Transcript: someString("")}})
	} else {
		it.content = []content{{typ: "output_text"}}
		_ = c.send(&contentPartEvent{header: hdr("response.content_part.added"), ResponseID: r.id, ItemID: it.id,
			Part: wirePart{Type: "text", Text: someString("")}})
	}
	c.mu.Unlock()

	chunk := int(DeltaDuration/time.Millisecond) * BytesPerMs
	start := time.Now()
words:
	for i, w := range words {
		delta := w
		if i > 0 {
			delta = " " + w
		}
		wordOffset := time.Duration(i) * WordDuration
		if !c.waitUntil(r, start, wordOffset) {
			break
		}
		c.mu.Lock()
		part := &it.content[0]
		if r.audio {
			t := *part.transcript + delta
			part.transcript = &t
			_ = c.send(&textDeltaEvent{header: hdr("response.output_audio_transcript.delta"), partRef: ref, Delta: delta, Obfuscation: obfuscation(delta)})
		} else {
			part.text += delta
			_ = c.send(&textDeltaEvent{header: hdr("response.output_text.delta"), partRef: ref, Delta: delta, Obfuscation: obfuscation(delta)})
		}
		r.outText++
		c.mu.Unlock()
		if !r.audio {
			continue
		}
		pcm := SynthesizeWord(w)
		for j := 0; j < len(pcm); j += chunk {
			if j > 0 && !c.waitUntil(r, start, wordOffset+time.Duration(j/BytesPerMs)*time.Millisecond) {
				break words
			}
			end := min(j+chunk, len(pcm))
			c.mu.Lock()
			part := &it.content[0]
			part.audio = append(part.audio, pcm[j:end]...)
			r.outAudioMs = len(part.audio) / BytesPerMs
			c.audioProduced = true
			_ = c.send(&audioDeltaEvent{header: hdr("response.output_audio.delta"), partRef: ref, Delta: base64.StdEncoding.EncodeToString(pcm[j:end])})
			c.mu.Unlock()
		}
	}
	if r.audio {
		c.waitUntil(r, start, time.Duration(len(words))*WordDuration)
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ctx.Err() != nil {
		return
	}
	part := it.content[0]
	if r.audio {
		_ = c.send(&audioDoneEvent{header: hdr("response.output_audio.done"), partRef: ref})
		_ = c.send(&transcriptDoneEvent{header: hdr("response.output_audio_transcript.done"), partRef: ref, Transcript: *part.transcript})
		_ = c.send(&contentPartEvent{header: hdr("response.content_part.done"), ResponseID: r.id, ItemID: it.id,
			Part: wirePart{Type: "audio", Transcript: someString(*part.transcript)}})
	} else {
		_ = c.send(&textDoneEvent{header: hdr("response.output_text.done"), partRef: ref, Text: part.text})
		_ = c.send(&contentPartEvent{header: hdr("response.content_part.done"), ResponseID: r.id, ItemID: it.id,
			Part: wirePart{Type: "text", Text: someString(part.text)}})
	}
	it.status = "completed"
	if r.ctx.Err() != nil {
		it.status = "incomplete"
	}
	c.sendItemDoneLocked(r, it)
	c.finishLocked(r)
}

// sendItemDoneLocked sends conversation.item.done and response.output_item.done.
func (c *conn) sendItemDoneLocked(r *response, it *item) {
	var prev *string
	if i := c.conv.index(it.id); i > 0 {
		id := c.conv.items[i-1].id
		prev = &id
	}
	w := it.wire(false)
	_ = c.send(&itemEvent{header: hdr("conversation.item.done"), PreviousItemID: prev, Item: w})
	_ = c.send(&outputItemEvent{header: hdr("response.output_item.done"), ResponseID: r.id, OutputIndex: len(r.output), Item: w})
	r.output = append(r.output, w)
}

// streamCalls emits the plan's function calls one after the other in one response
// (parallel tool calls when there are several). It runs under one lock, so a cancel
// lands either before the calls or after they completed ([R8.2]).
func (c *conn) streamCalls(r *response) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ctx.Err() != nil {
		return
	}
	if r.ctx.Err() != nil {
		c.finishLocked(r)
		return
	}
	for _, pc := range r.plan.calls {
		idx := len(r.output)
		it := &item{id: c.newItemID(), typ: "function_call", status: "in_progress", name: pc.tool, callID: c.newCallID()}
		prev, _ := c.conv.insert(it, "")
		_ = c.send(&outputItemEvent{header: hdr("response.output_item.added"), ResponseID: r.id, OutputIndex: idx, Item: it.wire(false)})
		_ = c.send(&itemEvent{header: hdr("conversation.item.added"), PreviousItemID: prev, Item: it.wire(false)})
		for _, d := range splitRunes(pc.args, 16) {
			_ = c.send(&argsDeltaEvent{header: hdr("response.function_call_arguments.delta"), ResponseID: r.id, ItemID: it.id,
				OutputIndex: idx, CallID: it.callID, Delta: d})
		}
		it.arguments = pc.args
		_ = c.send(&argsDoneEvent{header: hdr("response.function_call_arguments.done"), ResponseID: r.id, ItemID: it.id,
			OutputIndex: idx, CallID: it.callID, Name: it.name, Arguments: it.arguments})
		it.status = "completed"
		r.outText += (len(pc.args) + 3) / 4
		c.sendItemDoneLocked(r, it)
	}
	c.finishLocked(r)
}

func splitRunes(s string, n int) []string {
	var out []string
	for len(s) > 0 {
		i, count := 0, 0
		for i < len(s) && count < n {
			_, size := utf8.DecodeRuneInString(s[i:])
			i += size
			count++
		}
		out = append(out, s[:i])
		s = s[i:]
	}
	if len(out) == 0 {
		out = []string{""}
	}
	return out
}

// finishLocked sends response.done and rate_limits.updated and frees the
// conversation for the next response; c.mu must be held.
func (c *conn) finishLocked(r *response) {
	if c.ctx.Err() != nil {
		return
	}
	status := "completed"
	var details *statusDetails
	if r.ctx.Err() != nil {
		status = "cancelled"
		details = &statusDetails{Type: "cancelled", Reason: r.cancelReason}
	}
	outAudio := r.outAudioMs / 50
	u := &responseUsage{
		InputTokens:        r.inText + r.inAudio,
		OutputTokens:       r.outText + outAudio,
		InputTokenDetails:  inputTokenDetails{TextTokens: r.inText, AudioTokens: r.inAudio},
		OutputTokenDetails: outputTokenDetails{TextTokens: r.outText, AudioTokens: outAudio},
	}
	u.TotalTokens = u.InputTokens + u.OutputTokens
	if c.active == r {
		c.active = nil
	}
	c.tokensUsed += u.TotalTokens
	c.input.responseDone()
	_ = c.send(&responseEvent{header: hdr("response.done"), Response: c.wireResponse(r, status, details, u)})
	_ = c.send(&rateLimitsEvent{header: hdr("rate_limits.updated"), RateLimits: []rateLimit{
		{Name: "requests", Limit: 5000, Remaining: 4999, ResetSeconds: 0.012},
		{Name: "tokens", Limit: 40000, Remaining: max(0, 40000-c.tokensUsed), ResetSeconds: float64(c.tokensUsed) * 0.0015},
	}})
}

func (c *conn) wireResponse(r *response, status string, details *statusDetails, u *responseUsage) wireResponse {
	out := r.output
	if out == nil {
		out = []any{}
	}
	return wireResponse{
		Object: "realtime.response", ID: r.id, Status: status, StatusDetails: details, Output: out,
		ConversationID: fmt.Sprintf("conv_sim_%04d", c.seq), OutputModalities: r.modalities,
		MaxOutputTokens: r.maxTokens, Audio: responseAudio{Output: responseAudioOutput{Format: r.format, Voice: r.voice}},
		Usage: u, Metadata: r.metadata,
	}
}

// inputTokens is the deterministic input usage of a response: one text token per
// word of instructions and conversation text, one audio token per 100 ms of audio.
func inputTokens(items []*item, instructions string) (text, audio int) {
	text = len(Words(instructions))
	for _, it := range items {
		text += len(Words(it.arguments)) + len(Words(it.output))
		for _, c := range it.content {
			text += len(Words(c.text))
			if c.transcript != nil {
				text += len(Words(*c.transcript))
			}
			audio += len(c.audio) / BytesPerMs / 100
		}
	}
	return text, audio
}
