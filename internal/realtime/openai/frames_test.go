package openai

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/rtagent/rtagent/internal/realtime"
	"github.com/rtagent/rtagent/internal/testkit"
)

func ptr[T any](v T) *T { return &v }

// TestClientFramesStrict produces every command type and several full
// session.update variants, checks the emission rules of R2.3 and validates every
// frame against the kit's client schema in strict mode.
func TestClientFramesStrict(t *testing.T) {
	fs := newFakeServer(t, nil)
	a := defaultSettings()
	a.NoiseReduction = "near_field"
	a.Speed = 1.0
	a.MaxOutputTokens = -1
	a.Tracing = "auto"
	a.ReasoningEffort = "xhigh"
	a.ParallelToolCalls = ptr(true)
	a.Transcription = &realtime.Transcription{Model: "gpt-4o-mini-transcribe", Language: "en", Prompt: "orders"}
	a.Prompt = &realtime.Prompt{ID: "pmpt_1", Version: "2", Variables: map[string]string{"city": "Paris"}}
	a.Tools = []realtime.Tool{{Name: "get_order_status", Description: "Look up an order.",
		Parameters: json.RawMessage(`{"type":"object","properties":{"order_id":{"type":"string"}},"required":["order_id"],"additionalProperties":false}`)}}
	m, p, _ := connect(t, fs, Config{}, a)

	first := p.expect(t, "session.update")
	sess := first["session"].(map[string]any)
	if sess["tracing"] != "auto" || sess["max_output_tokens"] != "inf" || sess["prompt"] == nil {
		t.Errorf("first update: %v", sess)
	}
	if r, _ := sess["reasoning"].(map[string]any); r["effort"] != "xhigh" || sess["parallel_tool_calls"] != true {
		t.Errorf("first update reasoning %v, parallel_tool_calls %v", sess["reasoning"], sess["parallel_tool_calls"])
	}
	audio := sess["audio"].(map[string]any)
	if in := audio["input"].(map[string]any); in["noise_reduction"] == nil || in["transcription"] == nil {
		t.Errorf("first update input: %v", in)
	}

	// B: server VAD with every parameter, prompt cleared, forced function, text mode.
	b := a
	b.Prompt = nil
	b.OutputModalities = []string{realtime.ModalityText}
	b.TurnDetection = &realtime.TurnDetection{Type: realtime.TurnServerVAD, Threshold: ptr(0.5), PrefixPaddingMS: ptr(300),
		SilenceDurationMS: ptr(500), IdleTimeoutMS: ptr(6000), CreateResponse: ptr(true), InterruptResponse: ptr(false), Eagerness: "high"}
	b.ToolChoice = "get_order_status"
	b.MaxOutputTokens = 4096
	b.ReasoningEffort = "minimal"
	b.ParallelToolCalls = ptr(false) // configured false is sent, not omitted
	b.Instructions = ""
	send(t, m, realtime.UpdateSession{Settings: b})
	fb := p.expect(t, "session.update")
	sb := fb["session"].(map[string]any)
	if v, ok := sb["prompt"]; !ok || v != nil {
		t.Errorf("prompt not cleared with explicit null: %v", sb)
	}
	if _, ok := sb["tracing"]; ok {
		t.Error("tracing sent in a later update")
	}
	if r, _ := sb["reasoning"].(map[string]any); r["effort"] != "minimal" || sb["parallel_tool_calls"] != false {
		t.Errorf("B reasoning %v, parallel_tool_calls %v", sb["reasoning"], sb["parallel_tool_calls"])
	}
	if sb["max_output_tokens"] != 4096.0 || sb["instructions"] != "" {
		t.Errorf("B: %v", sb)
	}
	if tc, _ := sb["tool_choice"].(map[string]any); tc["type"] != "function" || tc["name"] != "get_order_status" {
		t.Errorf("tool_choice %v", sb["tool_choice"])
	}
	td := sb["audio"].(map[string]any)["input"].(map[string]any)["turn_detection"].(map[string]any)
	if td["idle_timeout_ms"] != 6000.0 || td["interrupt_response"] != false || td["eagerness"] != nil {
		t.Errorf("server_vad: %v", td)
	}

	// C: manual turns (explicit null), G.711, no tools, no optional fields.
	c := realtime.Settings{Model: "gpt-realtime", OutputModalities: []string{"audio"}, Voice: "marin",
		InputFormat: realtime.AudioFormat{Type: "audio/pcmu"}, OutputFormat: realtime.AudioFormat{Type: "audio/pcmu"}, ToolChoice: "required"}
	send(t, m, realtime.UpdateSession{Settings: c})
	fc, rawC := p.next(t)
	sc := fc["session"].(map[string]any)
	if tdc, ok := sc["audio"].(map[string]any)["input"].(map[string]any)["turn_detection"]; !ok || tdc != nil {
		t.Errorf("turn_detection not explicit null: %s", rawC)
	}
	if tools, ok := sc["tools"].([]any); !ok || len(tools) != 0 {
		t.Errorf("tools not []: %s", rawC)
	}
	for _, k := range []string{"prompt", "max_output_tokens", "tracing", "reasoning", "parallel_tool_calls"} {
		if _, ok := sc[k]; ok {
			t.Errorf("%s sent although not configured: %s", k, rawC)
		}
	}
	if strings.Contains(string(rawC), "noise_reduction") || strings.Contains(string(rawC), "transcription") || strings.Contains(string(rawC), "speed") {
		t.Errorf("optional audio fields sent: %s", rawC)
	}

	pcm := make([]byte, 1920)
	for i := range pcm {
		pcm[i] = byte(i)
	}
	send(t, m, realtime.AppendAudio{Audio: pcm})
	fa := p.expect(t, "input_audio_buffer.append")
	if _, ok := fa["event_id"]; ok {
		t.Error("event_id on append")
	}
	if got, _ := base64.StdEncoding.DecodeString(fa.str("audio")); string(got) != string(pcm) {
		t.Error("append audio differs")
	}

	send(t, m, realtime.CommitAudio{Respond: true})
	p.expect(t, "input_audio_buffer.commit")
	p.expect(t, "response.create")
	p.send(t, `{"type":"input_audio_buffer.committed","event_id":"e","previous_item_id":null,"item_id":"item_u1"}`,
		`{"type":"response.created","event_id":"e","response":{"id":"resp_1","status":"in_progress"}}`)
	// A marker round trip: the reader has applied response.created once the model
	// has emitted it; CancelResponse is then valid.
	waitResponseState(t, m, SeqActive)
	send(t, m, realtime.CancelResponse{})
	if f := p.expect(t, "response.cancel"); f.str("response_id") != "resp_1" {
		t.Errorf("cancel %v", f)
	}
	send(t, m, realtime.CancelResponse{}) // second cancel for the same response: nothing
	send(t, m, realtime.ClearAudio{})
	p.expect(t, "input_audio_buffer.clear")
	p.send(t, `{"type":"response.done","event_id":"e","response":{"id":"resp_1","status":"cancelled","status_details":{"type":"cancelled","reason":"client_cancelled"},"output":[],"usage":null}}`)
	waitResponseState(t, m, SeqIdle)

	send(t, m, realtime.SendUserText{Text: "Where is my order A-1234?"})
	p.expect(t, "conversation.item.create")
	send(t, m, realtime.SendUserText{Text: "Be brief.", Role: "system"})
	p.expect(t, "conversation.item.create")
	send(t, m, realtime.SendToolOutput{CallID: "call_1", Output: `{"html":"<b>&</b>"}`})
	ft, rawT := p.next(t)
	if !strings.Contains(string(rawT), `<b>&</b>`) {
		t.Errorf("tool output HTML-escaped: %s", rawT)
	}
	if it := ft["item"].(map[string]any); it["output"] != `{"html":"<b>&</b>"}` || it["call_id"] != "call_1" {
		t.Errorf("tool output %v", it)
	}
	for _, it := range []realtime.CreateItem{
		{Item: realtime.Item{ID: "item_seed1", Type: realtime.ItemMessage, Role: "user", Content: []realtime.Content{
			{Type: realtime.ContentInputAudio, Audio: pcm[:48], Transcript: "hi"},
			{Type: realtime.ContentInputImage, ImageURL: "data:image/png;base64,AAAA"},
			{Type: realtime.ContentInputText, Text: "look"}}}, PreviousItemID: "root"},
		{Item: realtime.Item{Type: realtime.ItemMessage, Role: "assistant", Content: []realtime.Content{{Type: realtime.ContentText, Text: "Hello."}}}},
		{Item: realtime.Item{Type: realtime.ItemFunctionCall, CallID: "call_2", Name: "get_order_status", Arguments: `{"order_id":"A-1"}`}},
		{Item: realtime.Item{Type: realtime.ItemFunctionCallOutput, CallID: "call_2", Output: ""}},
	} {
		send(t, m, it)
		p.expect(t, "conversation.item.create")
	}
	send(t, m, realtime.TruncateItem{ItemID: "item_a1", ContentIndex: 0, AudioEndMS: 1500})
	p.expect(t, "conversation.item.truncate")
	send(t, m, realtime.RetrieveItem{ItemID: "item_a1"})
	p.expect(t, "conversation.item.retrieve")
	send(t, m, realtime.DeleteItem{ItemID: "item_a1"})
	p.expect(t, "conversation.item.delete")
	send(t, m, realtime.CreateResponse{Instructions: "Greet the caller as Triage."})
	if f := p.expect(t, "response.create"); f["response"].(map[string]any)["instructions"] != "Greet the caller as Triage." {
		t.Errorf("manual create %v", f)
	}
	p.send(t, `{"type":"response.created","event_id":"e","response":{"id":"resp_2"}}`,
		`{"type":"response.done","event_id":"e","response":{"id":"resp_2","status":"completed"}}`)
	waitResponseState(t, m, SeqIdle)
	send(t, m, realtime.CreateResponse{})
	if f := p.expect(t, "response.create"); f["response"] != nil {
		t.Errorf("automatic create has a payload: %v", f)
	}
	send(t, m, realtime.SendRaw{Event: json.RawMessage("{\"type\": \"input_audio_buffer.clear\",\n \"event_id\": \"raw_1\"}")})
	p.expect(t, "input_audio_buffer.clear")

	// Invalid commands are refused before anything is sent.
	for _, bad := range []realtime.Command{
		realtime.AppendAudio{}, realtime.SendToolOutput{Output: "x"}, realtime.TruncateItem{AudioEndMS: 5},
		realtime.RetrieveItem{}, realtime.DeleteItem{}, realtime.SendRaw{Event: json.RawMessage(`[1]`)},
		realtime.SendUserText{Text: "x", Role: "assistant"},
		realtime.CreateItem{Item: realtime.Item{Type: realtime.ItemMessage, Role: "assistant", Content: []realtime.Content{{Type: realtime.ContentAudio}}}},
		realtime.CreateItem{Item: realtime.Item{Type: "mcp_call"}},
	} {
		if err := m.Send(t.Context(), bad); err == nil {
			t.Errorf("%T %+v accepted", bad, bad)
		}
	}

	frames := fs.clientFrames()
	for _, f := range frames {
		var h eventHeader
		_ = json.Unmarshal(f, &h)
		if h.Type != "input_audio_buffer.append" && h.EventID != "raw_1" && !strings.HasPrefix(h.EventID, "rtagent_") {
			t.Errorf("control event without an rtagent event_id: %s", f)
		}
		if strings.ContainsAny(string(f), "\n") {
			t.Errorf("frame not compact: %s", f)
		}
	}
	testkit.ValidateClientFrames(t, frames)
}

// waitResponseState waits until the model's sequencer reaches want. The reader
// applies server frames asynchronously; the model emits ResponseCreated/Done only
// after applying them, so the test first waits for those events.
func waitResponseState(t *testing.T, m *Model, want SeqState) {
	t.Helper()
	ev := events{t: t, ch: m.Events()}
	ev.until(func(e realtime.Event) bool {
		switch e.(type) {
		case realtime.ResponseCreated:
			return want == SeqActive
		case realtime.ResponseDone:
			return want != SeqActive
		}
		return false
	})
	if got := seqState(m); got != want {
		t.Fatalf("sequencer %v, want %v", got, want)
	}
}
