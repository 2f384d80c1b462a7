package sim

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

var gaTextOrder = []string{
	"conversation.item.added", "conversation.item.done", "response.created",
	"response.output_item.added", "conversation.item.added", "response.content_part.added",
	"response.output_text.delta", "response.output_text.delta", "response.output_text.delta",
	"response.output_text.done", "response.content_part.done", "conversation.item.done",
	"response.output_item.done", "response.done", "rate_limits.updated",
}

func TestTextTurn(t *testing.T) {
	_, url := startSim(t, Options{})
	c := dial(t, url)
	c.send(textSession(c, nil))
	up := c.until("session.updated")[0]
	if got := up.Session.OutputModalities; !slices.Equal(got, []string{"text"}) {
		t.Fatalf("output_modalities = %v", got)
	}
	c.send(userMsg(c, "hello"))
	c.send(c.ev("response.create"))
	evs := c.turn()
	if got := types(evs); !slices.Equal(got, gaTextOrder) {
		t.Fatalf("order:\n got %v\nwant %v", got, gaTextOrder)
	}
	text, _ := spoken(t, evs)
	if text != "You said: hello" {
		t.Fatalf("text = %q", text)
	}
	if d := find(t, evs, "response.output_text.done"); d.Text != text {
		t.Fatalf("output_text.done = %q", d.Text)
	}
	done := find(t, evs, "response.done")
	if done.Response.Status != "completed" || done.Response.StatusDetails != nil || done.Response.Usage == nil {
		t.Fatalf("response.done = %s", done.raw)
	}
	if !bytes.Contains(done.raw, []byte(`"status_details":null`)) {
		t.Fatalf("status_details not null: %s", done.raw)
	}
	out := done.Response.Output[0]
	if out.Content[0].Type != "output_text" || out.Content[0].Text != "You said: hello" {
		t.Fatalf("output item = %+v", out)
	}
	for _, d := range findAll(evs, "response.output_text.delta") {
		if d.Obfuscation == "" {
			t.Fatalf("delta without obfuscation: %s", d.raw)
		}
	}
	c.validate()
}

func TestAudioTurn(t *testing.T) {
	_, url := startSim(t, Options{})
	c := dial(t, url)
	c.send(userMsg(c, "hello there"))
	c.send(c.ev("response.create"))
	evs := c.turn()
	text, audio := spoken(t, evs)
	want := "You said: hello there"
	if text != want {
		t.Fatalf("transcript = %q", text)
	}
	if !bytes.Equal(audio, SynthesizeSpeech(want)) {
		t.Fatalf("audio differs from SynthesizeSpeech: %d vs %d bytes", len(audio), len(SynthesizeSpeech(want)))
	}
	if got, wantMs := len(audio)/BytesPerMs, int(SpeechDuration(want)/time.Millisecond); got != wantMs {
		t.Fatalf("audio %d ms, want %d", got, wantMs)
	}
	if p := find(t, evs, "response.content_part.added").Part; p == nil || p.Type != "audio" {
		t.Fatalf("part type not audio")
	}
	// Each word's transcript delta precedes that word's audio.
	var seq []string
	for _, e := range evs {
		switch e.Type {
		case "response.output_audio_transcript.delta":
			seq = append(seq, "T")
		case "response.output_audio.delta":
			seq = append(seq, "A")
		}
	}
	if got := strings.Join(seq, ""); got != strings.Repeat("TAAA", 4) {
		t.Fatalf("delta interleaving = %s", got)
	}
	wantTail := []string{"response.output_audio.done", "response.output_audio_transcript.done", "response.content_part.done",
		"conversation.item.done", "response.output_item.done", "response.done", "rate_limits.updated"}
	if got := types(evs[len(evs)-len(wantTail):]); !slices.Equal(got, wantTail) {
		t.Fatalf("tail = %v", got)
	}
	done := find(t, evs, "response.done")
	if ct := done.Response.Output[0].Content[0]; ct.Type != "output_audio" || ct.Transcript == nil || *ct.Transcript != want {
		t.Fatalf("output content = %+v", ct)
	}
	c.validate()
}

func weatherTool() map[string]any {
	return tool("get_weather", map[string]any{
		"type": "object",
		"properties": map[string]any{
			"city":  map[string]any{"type": "string", "default": "Paris"},
			"units": map[string]any{"type": "string", "enum": []string{"celsius", "fahrenheit"}},
			"days":  map[string]any{"type": "integer"},
			"note":  map[string]any{"type": "string"},
		},
		"required": []string{"city", "days"},
	})
}

func TestToolCallRoundTrip(t *testing.T) {
	_, url := startSim(t, Options{})
	c := dial(t, url)
	c.send(textSession(c, map[string]any{"tools": []any{weatherTool()}}))
	c.until("session.updated")

	c.send(userMsg(c, "call get weather with city=Berlin days=3 please"))
	c.send(c.ev("response.create"))
	evs := c.turn()
	wantOrder := []string{"conversation.item.added", "conversation.item.done", "response.created",
		"response.output_item.added", "conversation.item.added", "response.function_call_arguments.delta",
		"response.function_call_arguments.delta", "response.function_call_arguments.delta", "response.function_call_arguments.done",
		"conversation.item.done", "response.output_item.done", "response.done", "rate_limits.updated"}
	if got := types(evs); !slices.Equal(got, wantOrder) {
		t.Fatalf("order:\n got %v\nwant %v", got, wantOrder)
	}
	added := find(t, evs, "response.output_item.added")
	if added.Item.Type != "function_call" || added.Item.Status != "in_progress" {
		t.Fatalf("output_item.added = %s", added.raw)
	}
	args := find(t, evs, "response.function_call_arguments.done")
	// Schema order is map order after json.Marshal of the test's map: alphabetical.
	if args.Name != "get_weather" || args.Arguments != `{"city":"Berlin","days":3,"units":"celsius"}` {
		t.Fatalf("call = %s %s", args.Name, args.Arguments)
	}
	if d := find(t, evs, "response.output_item.done"); d.Item.Status != "completed" || d.Item.Arguments != args.Arguments {
		t.Fatalf("output_item.done = %s", d.raw)
	}

	c.send(c.ev("conversation.item.create", "item", map[string]any{
		"type": "function_call_output", "call_id": args.CallID, "output": `{"forecast":"sunny"}`}))
	c.until("conversation.item.done")
	c.send(c.ev("response.create"))
	text, _ := spoken(t, c.turn())
	if text != `get_weather returned: {"forecast":"sunny"}` {
		t.Fatalf("follow-up = %q", text)
	}

	// Defaults: no key=value pairs.
	c.send(userMsg(c, "What does get_weather say?"))
	c.send(c.ev("response.create"))
	args = find(t, c.turn(), "response.function_call_arguments.done")
	if args.Arguments != `{"city":"Paris","days":0,"units":"celsius"}` {
		t.Fatalf("default arguments = %s", args.Arguments)
	}
	c.validate()
}

func TestHandoffAndGreeting(t *testing.T) {
	_, url := startSim(t, Options{})
	c := dial(t, url)
	c.send(textSession(c, map[string]any{"tools": []any{weatherTool(), tool("transfer_to_billing", nil)}}))
	c.until("session.updated")

	c.send(c.ev("response.create", "response", map[string]any{"instructions": "Greet the caller as Triage and ask how you can help."}))
	if text, _ := spoken(t, c.turn()); text != GreetingText {
		t.Fatalf("greeting = %q", text)
	}

	c.send(userMsg(c, "I have a question about my invoice, transfer to Billing please"))
	c.send(c.ev("response.create"))
	call := find(t, c.turn(), "response.function_call_arguments.done")
	if call.Name != "transfer_to_billing" || call.Arguments != "{}" {
		t.Fatalf("handoff call = %s %s", call.Name, call.Arguments)
	}
	c.send(c.ev("session.update", "session", map[string]any{"type": "realtime", "instructions": "You handle billing.",
		"tools": []any{tool("issue_refund", nil)}}))
	c.send(c.ev("conversation.item.create", "item", map[string]any{
		"type": "function_call_output", "call_id": call.CallID, "output": `{"assistant":"billing"}`}))
	c.send(c.ev("response.create"))
	if text, _ := spoken(t, c.turn()); text != "Hi, this is billing." {
		t.Fatalf("after handoff = %q", text)
	}
	c.validate()
}

func TestCancel(t *testing.T) {
	_, url := startSim(t, Options{Pace: 1})
	c := dial(t, url)
	c.send(userMsg(c, "one two three four five six seven eight nine ten"))
	c.send(c.ev("response.create"))
	evs := c.until("response.output_audio.delta")
	rid := find(t, evs, "response.created").Response.ID
	c.send(c.ev("response.cancel", "response_id", rid))
	evs = append(evs, c.turn()...)
	done := find(t, evs, "response.done")
	if done.Response.Status != "cancelled" || done.Response.StatusDetails == nil ||
		done.Response.StatusDetails.Type != "cancelled" || done.Response.StatusDetails.Reason != "client_cancelled" {
		t.Fatalf("response.done = %s", done.raw)
	}
	if d := find(t, evs, "response.output_item.done"); d.Item.Status != "incomplete" {
		t.Fatalf("output_item.done status = %s", d.Item.Status)
	}
	text, _ := spoken(t, evs)
	if find(t, evs, "response.output_audio_transcript.done").Transcript != text || len(text) >= len("You said: one two three four five six seven eight nine ten") {
		t.Fatalf("cancelled transcript %q", text)
	}
	for _, typ := range []string{"response.output_audio.done", "response.content_part.done", "conversation.item.done"} {
		find(t, evs, typ)
	}
	// Not active any more.
	id := c.send(c.ev("response.cancel"))
	e := c.next()
	if e.Type != "error" || e.Error.Code != "response_cancel_not_active" || e.Error.EventID == nil || *e.Error.EventID != id {
		t.Fatalf("cancel when idle = %s", e.raw)
	}
	c.validate()
}

func TestTruncateRetrieveDelete(t *testing.T) {
	_, url := startSim(t, Options{TruncateTranscript: true})
	c := dial(t, url)
	c.send(userMsg(c, "one two three"))
	c.send(c.ev("response.create"))
	evs := c.turn()
	itemID := find(t, evs, "response.output_item.added").Item.ID
	full := "You said: one two three" // 5 words, 1200 ms

	c.send(c.ev("conversation.item.truncate", "item_id", itemID, "content_index", 0, "audio_end_ms", 500))
	tr := c.next()
	if tr.Type != "conversation.item.truncated" || tr.ItemID != itemID || tr.AudioEndMs != 500 {
		t.Fatalf("truncated = %s", tr.raw)
	}
	c.send(c.ev("conversation.item.retrieve", "item_id", itemID))
	got := c.next()
	if got.Type != "conversation.item.retrieved" {
		t.Fatalf("retrieve = %s", got.raw)
	}
	ct := got.Item.Content[0]
	audio, _ := base64.StdEncoding.DecodeString(ct.Audio)
	if !bytes.Equal(audio, SynthesizeSpeech(full)[:500*BytesPerMs]) {
		t.Fatalf("retrieved audio %d bytes, want %d", len(audio), 500*BytesPerMs)
	}
	if ct.Type != "output_audio" || ct.Transcript == nil || *ct.Transcript != "You said: one" {
		t.Fatalf("retrieved content = %s", got.raw)
	}

	id := c.send(c.ev("conversation.item.truncate", "item_id", itemID, "content_index", 0, "audio_end_ms", 2000))
	e := c.next()
	if e.Type != "error" || e.Error.Message != "Audio content of 500ms is already shorter than 2000ms" || *e.Error.EventID != id {
		t.Fatalf("truncate beyond = %s", e.raw)
	}

	c.send(c.ev("conversation.item.delete", "item_id", itemID))
	if e := c.next(); e.Type != "conversation.item.deleted" || e.ItemID != itemID {
		t.Fatalf("delete = %s", e.raw)
	}
	for _, typ := range []string{"conversation.item.retrieve", "conversation.item.delete"} {
		c.send(c.ev(typ, "item_id", itemID))
		if e := c.next(); e.Type != "error" || e.Error.Code != "invalid_value" || !strings.Contains(e.Error.Message, itemID) {
			t.Fatalf("%s unknown = %s", typ, e.raw)
		}
	}
	c.validate()
}

func TestItemsPreviousItemID(t *testing.T) {
	_, url := startSim(t, Options{})
	c := dial(t, url)
	first := c.ev("conversation.item.create", "item", map[string]any{"id": "item_a", "type": "message", "role": "user",
		"content": []any{map[string]any{"type": "input_text", "text": "a"}}})
	c.send(first)
	if e := c.until("conversation.item.done")[1]; !bytes.Contains(e.raw, []byte(`"previous_item_id":null`)) {
		t.Fatalf("first item = %s", e.raw)
	}
	c.send(c.ev("conversation.item.create", "previous_item_id", "root", "item", map[string]any{"id": "item_sys", "type": "message",
		"role": "system", "content": []any{map[string]any{"type": "input_text", "text": "be brief"}}}))
	if e := c.until("conversation.item.done")[1]; !bytes.Contains(e.raw, []byte(`"previous_item_id":null`)) {
		t.Fatalf("root item = %s", e.raw)
	}
	c.send(c.ev("conversation.item.create", "previous_item_id", "item_sys", "item", map[string]any{"type": "message", "role": "user",
		"content": []any{map[string]any{"type": "input_text", "text": "b"}}}))
	if e := c.until("conversation.item.done")[1]; !bytes.Contains(e.raw, []byte(`"previous_item_id":"item_sys"`)) {
		t.Fatalf("after item = %s", e.raw)
	}
	id := c.send(c.ev("conversation.item.create", "previous_item_id", "item_nope", "item", map[string]any{"type": "message", "role": "user",
		"content": []any{map[string]any{"type": "input_text", "text": "c"}}}))
	if e := c.next(); e.Type != "error" || *e.Error.Param != "previous_item_id" || *e.Error.EventID != id {
		t.Fatalf("unknown previous = %s", e.raw)
	}
	// The latest user message (by position) is "a": item b was inserted before it.
	c.send(c.ev("response.create"))
	if text, _ := spoken(t, c.turn()); text != "You said: a" {
		t.Fatalf("answer = %q", text)
	}
	c.validate()
}

func TestVADAudioTurnWithTranscription(t *testing.T) {
	_, url := startSim(t, Options{})
	c := dial(t, url)
	c.send(c.ev("session.update", "session", map[string]any{"type": "realtime", "output_modalities": []string{"text"},
		"audio": map[string]any{"input": map[string]any{"transcription": map[string]any{"model": "gpt-4o-mini-transcribe"}}}}))
	c.until("session.updated")
	var pcm []byte
	pcm = append(pcm, silence(500)...)
	pcm = append(pcm, tone(1000, 0.3)...)
	pcm = append(pcm, silence(400)...)
	c.appendAudio(pcm)
	evs := c.turn()
	want := []string{"input_audio_buffer.speech_started", "input_audio_buffer.speech_stopped", "input_audio_buffer.committed",
		"conversation.item.added", "conversation.item.done",
		"conversation.item.input_audio_transcription.delta", "conversation.item.input_audio_transcription.completed",
		"response.created"}
	if got := types(evs)[:len(want)]; !slices.Equal(got, want) {
		t.Fatalf("order:\n got %v\nwant %v", got, want)
	}
	st, sp := evs[0], evs[1]
	if st.AudioStartMs != 200 || sp.AudioEndMs != 1500 || st.ItemID != sp.ItemID {
		t.Fatalf("speech_started %s / speech_stopped %s", st.raw, sp.raw)
	}
	added := evs[3]
	if ct := added.Item.Content[0]; ct.Type != "input_audio" || ct.Transcript != nil || added.Item.Role != "user" {
		t.Fatalf("user item = %s", added.raw)
	}
	if tr := evs[6].Transcript; tr != "[1000 ms of audio]" {
		t.Fatalf("transcript = %q", tr)
	}
	if text, _ := spoken(t, evs); text != "You said: [1000 ms of audio]" {
		t.Fatalf("answer = %q", text)
	}
	c.validate()
}

func TestVADBargeInCancelsWithTurnDetected(t *testing.T) {
	_, url := startSim(t, Options{Pace: 1})
	c := dial(t, url)
	c.send(userMsg(c, "a long answer with many words to speak slowly"))
	c.send(c.ev("response.create"))
	evs := c.until("response.output_audio.delta")
	var pcm []byte
	pcm = append(pcm, tone(300, 0.3)...)
	pcm = append(pcm, silence(300)...)
	c.appendAudio(pcm)
	evs = append(evs, c.until("response.done")...)
	done := evs[len(evs)-1]
	if done.Response.Status != "cancelled" || done.Response.StatusDetails.Reason != "turn_detected" {
		t.Fatalf("response.done = %s", done.raw)
	}
	iStart := slices.Index(types(evs), "input_audio_buffer.speech_started")
	if iStart < 0 || iStart > slices.Index(types(evs), "response.output_audio.done") {
		t.Fatalf("speech_started must precede the cancellation: %v", types(evs))
	}
	// The utterance then produces a new (auto) response.
	evs = append(evs, c.until("rate_limits.updated")...) // rate limits of the cancelled one
	next := c.turn()
	if text, _ := spoken(t, next); text != "You said: [300 ms of audio]" {
		t.Fatalf("second answer = %q (%v)", text, types(next))
	}
	c.validate()
}

func TestManualCommitAndClear(t *testing.T) {
	_, url := startSim(t, Options{})
	c := dial(t, url)
	c.send(c.ev("session.update", "session", map[string]any{"type": "realtime",
		"audio": map[string]any{"input": map[string]any{"turn_detection": nil}}}))
	if up := c.until("session.updated")[0]; string(up.Session.Audio.Input.TurnDetection) != "null" {
		t.Fatalf("turn_detection = %s", up.Session.Audio.Input.TurnDetection)
	}
	c.appendAudio(tone(60, 0.3))
	id := c.send(c.ev("input_audio_buffer.commit"))
	if e := c.next(); e.Type != "error" || e.Error.Code != "input_audio_buffer_commit_empty" || *e.Error.EventID != id {
		t.Fatalf("short commit = %s", e.raw)
	}
	c.send(c.ev("input_audio_buffer.clear"))
	if e := c.next(); e.Type != "input_audio_buffer.cleared" {
		t.Fatalf("clear = %s", e.raw)
	}
	c.appendAudio(tone(480, 0.3))
	c.send(c.ev("input_audio_buffer.commit"))
	evs := c.until("conversation.item.done")
	if got := types(evs); !slices.Equal(got, []string{"input_audio_buffer.committed", "conversation.item.added", "conversation.item.done"}) {
		t.Fatalf("commit = %v", got)
	}
	c.send(c.ev("conversation.item.retrieve", "item_id", evs[0].ItemID))
	r := c.next()
	audio, _ := base64.StdEncoding.DecodeString(r.Item.Content[0].Audio)
	if !bytes.Equal(audio, tone(480, 0.3)) {
		t.Fatalf("committed audio %d bytes", len(audio))
	}
	c.send(c.ev("response.create"))
	if text, _ := spoken(t, c.turn()); text != "You said: [480 ms of audio]" {
		t.Fatalf("answer = %q", text)
	}
	c.validate()
}

func TestIdleTimeout(t *testing.T) {
	_, url := startSim(t, Options{})
	c := dial(t, url)
	c.send(c.ev("session.update", "session", map[string]any{"type": "realtime", "output_modalities": []string{"text"},
		"audio": map[string]any{"input": map[string]any{"turn_detection": map[string]any{"type": "server_vad", "idle_timeout_ms": 5000}}}}))
	c.until("session.updated")
	c.appendAudio(silence(5200))
	evs := c.turn()
	to := evs[0]
	if to.Type != "input_audio_buffer.timeout_triggered" || to.AudioStartMs != 0 || to.AudioEndMs != 5000 {
		t.Fatalf("timeout = %s", to.raw)
	}
	if text, _ := spoken(t, evs); text != IdleText {
		t.Fatalf("answer = %q", text)
	}
	c.validate()
}

func TestSessionUpdateMergesAndVoiceFreezes(t *testing.T) {
	_, url := startSim(t, Options{})
	c := dial(t, url)
	c.send(c.ev("session.update", "session", map[string]any{"type": "realtime", "instructions": "Be brief.",
		"audio": map[string]any{"output": map[string]any{"voice": "marin"}}}))
	up := c.until("session.updated")[0]
	if up.Session.Instructions != "Be brief." || string(up.Session.Audio.Output.Voice) != `"marin"` ||
		!strings.Contains(string(up.Session.Audio.Input.TurnDetection), `"silence_duration_ms":200`) {
		t.Fatalf("session.updated = %s", up.raw)
	}
	c.send(userMsg(c, "hi"))
	c.send(c.ev("response.create"))
	c.turn()
	id := c.send(c.ev("session.update", "session", map[string]any{"type": "realtime",
		"audio": map[string]any{"output": map[string]any{"voice": "alloy"}}}))
	if e := c.next(); e.Type != "error" || e.Error.Code != "cannot_update_voice" || *e.Error.EventID != id {
		t.Fatalf("voice change = %s", e.raw)
	}
	// Same voice is fine.
	c.send(c.ev("session.update", "session", map[string]any{"type": "realtime",
		"audio": map[string]any{"output": map[string]any{"voice": "marin"}}}))
	c.until("session.updated")
	id = c.send(c.ev("session.update", "session", map[string]any{"type": "realtime", "model": "gpt-realtime-mini"}))
	if e := c.next(); e.Type != "error" || *e.Error.Param != "session.model" || *e.Error.EventID != id {
		t.Fatalf("model change = %s", e.raw)
	}
	c.validate()
}

func TestUsageDeterministic(t *testing.T) {
	run := func() []byte {
		_, url := startSim(t, Options{Clock: func() time.Time { return time.Unix(1_800_000_000, 0) }})
		c := dial(t, url)
		c.send(userMsg(c, "hello"))
		c.send(c.ev("response.create"))
		evs := c.turn()
		var all bytes.Buffer
		for _, e := range evs {
			all.Write(e.raw)
		}
		return all.Bytes()
	}
	a, b := run(), run()
	if !bytes.Equal(a, b) {
		t.Fatalf("two runs differ:\n%s\n%s", a, b)
	}
	if !bytes.Contains(a, []byte(`"usage":{"total_tokens":`)) {
		t.Fatalf("no usage in %s", a)
	}
}

// A message that names two tools → both calls in one response (parallel tool calls),
// with their own output_index; both outputs are answered in one follow-up.
func TestTwoToolsOneResponse(t *testing.T) {
	_, url := startSim(t, Options{})
	c := dial(t, url)
	c.send(textSession(c, map[string]any{
		"tools":               []any{weatherTool(), tool("get_time", nil)},
		"reasoning":           map[string]any{"effort": "low"},
		"parallel_tool_calls": true,
	}))
	c.until("session.updated")

	c.send(userMsg(c, "get_time and get weather city=Oslo"))
	c.send(c.ev("response.create"))
	evs := c.turn()
	calls := findAll(evs, "response.function_call_arguments.done")
	if len(calls) != 2 || calls[0].Name != "get_time" || calls[1].Name != "get_weather" {
		t.Fatalf("calls = %v", types(evs))
	}
	if calls[0].ResponseID != calls[1].ResponseID || calls[0].CallID == calls[1].CallID {
		t.Fatalf("not two calls of one response: %s / %s", calls[0].raw, calls[1].raw)
	}
	for i, d := range findAll(evs, "response.output_item.done") {
		var idx struct {
			OutputIndex int `json:"output_index"`
		}
		_ = json.Unmarshal(d.raw, &idx)
		if idx.OutputIndex != i {
			t.Errorf("output_item.done %d has output_index %d", i, idx.OutputIndex)
		}
	}
	if done := find(t, evs, "response.done"); strings.Count(string(done.raw), `"type":"function_call"`) != 2 {
		t.Fatalf("response.done output: %s", done.raw)
	}

	for i, out := range []string{"12:00", "sunny"} {
		c.send(c.ev("conversation.item.create", "item", map[string]any{
			"type": "function_call_output", "call_id": calls[i].CallID, "output": out}))
		c.until("conversation.item.done")
	}
	c.send(c.ev("response.create"))
	if text, _ := spoken(t, c.turn()); text != "get_time returned: 12:00 get_weather returned: sunny" {
		t.Fatalf("follow-up = %q", text)
	}
	c.validate()
}
