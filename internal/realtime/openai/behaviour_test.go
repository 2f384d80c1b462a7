package openai

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/rtagent/rtagent/internal/realtime"
	"github.com/rtagent/rtagent/internal/testkit"
)

func TestSequencerIntegration(t *testing.T) {
	fs := newFakeServer(t, nil)
	m, p, ev := connect(t, fs, Config{}, defaultSettings())
	p.handshake(t)

	// CancelResponse while idle sends nothing: the next frame is the clear.
	send(t, m, realtime.CancelResponse{})
	send(t, m, realtime.ClearAudio{})
	p.expect(t, "input_audio_buffer.clear")

	// A server (VAD) response is active; two texts with Respond wait for it.
	p.send(t, `{"type":"response.created","event_id":"e","response":{"id":"resp_vad","status":"in_progress"}}`)
	waitResponseState(t, m, SeqActive)
	send(t, m, realtime.SendUserText{Text: "first", Respond: true})
	send(t, m, realtime.SendUserText{Text: "second", Respond: true})
	p.expect(t, "conversation.item.create")
	p.expect(t, "conversation.item.create")
	p.send(t,
		`{"type":"conversation.item.added","event_id":"e","previous_item_id":null,"item":{"id":"item_1","type":"message","status":"completed","role":"user","content":[{"type":"input_text","text":"first"}]}}`,
		`{"type":"conversation.item.added","event_id":"e","previous_item_id":"item_1","item":{"id":"item_2","type":"message","status":"completed","role":"user","content":[{"type":"input_text","text":"second"}]}}`,
		`{"type":"response.done","event_id":"e","response":{"id":"resp_vad","status":"completed","usage":null}}`)
	waitResponseState(t, m, SeqCreating)
	f := p.expect(t, "response.create")
	if f["response"] != nil {
		t.Errorf("coalesced create has a payload: %v", f)
	}
	// Exactly one: the next frame is the sentinel.
	send(t, m, realtime.ClearAudio{})
	p.expect(t, "input_audio_buffer.clear")

	// Our create is refused because a VAD response won the race before our item was
	// in: retried after that response's done.
	p.send(t, `{"type":"response.created","event_id":"e","response":{"id":"resp_2"}}`,
		`{"type":"response.done","event_id":"e","response":{"id":"resp_2","status":"completed"}}`)
	waitResponseState(t, m, SeqIdle)

	send(t, m, realtime.SendToolOutput{CallID: "call_9", Output: "ok", Respond: true})
	p.expect(t, "conversation.item.create")
	create := p.expect(t, "response.create")
	p.send(t, `{"type":"response.created","event_id":"e","response":{"id":"resp_vad2"}}`,
		`{"type":"conversation.item.added","event_id":"e","item":{"id":"item_3","type":"function_call_output","call_id":"call_9","output":"ok"}}`,
		`{"type":"error","event_id":"e","error":{"type":"invalid_request_error","code":"conversation_already_has_active_response","message":"Conversation already has an active response in progress: resp_vad2.","param":null,"event_id":"`+create.str("event_id")+`"}}`,
		`{"type":"response.done","event_id":"e","response":{"id":"resp_vad2","status":"completed"}}`)
	waitResponseState(t, m, SeqCreating)
	p.expect(t, "response.create")

	// No Error reached the consumer for the refused create.
	send(t, m, realtime.CancelResponse{}) // creating: no-op
	_ = m.Close()
	all, _ := ev.drain()
	for _, e := range all {
		if e, ok := e.(realtime.Error); ok && !e.Race {
			t.Errorf("unexpected error event %+v", e)
		}
	}
	testkit.ValidateClientFrames(t, fs.clientFrames())
}

func TestItemCreateErrorWithdrawsTrigger(t *testing.T) {
	fs := newFakeServer(t, nil)
	m, p, ev := connect(t, fs, Config{}, defaultSettings())
	p.handshake(t)
	p.send(t, `{"type":"response.created","event_id":"e","response":{"id":"r1"}}`)
	waitResponseState(t, m, SeqActive)
	send(t, m, realtime.CreateItem{Item: realtime.Item{Type: realtime.ItemMessage, Role: "user",
		Content: []realtime.Content{{Type: realtime.ContentInputText, Text: "x"}}}, PreviousItemID: "item_unknown", Respond: true})
	f := p.expect(t, "conversation.item.create")
	p.send(t, `{"type":"error","event_id":"e","error":{"type":"invalid_request_error","code":"item_not_found","message":"Previous item not found","param":null,"event_id":"`+f.str("event_id")+`"}}`)
	e := ev.until(isType[realtime.Error]).(realtime.Error)
	if e.Command != realtime.CommandCreateItem || e.Source != "server" || e.Fatal {
		t.Errorf("error %+v", e)
	}
	p.send(t, `{"type":"response.done","event_id":"e","response":{"id":"r1","status":"completed"}}`)
	waitResponseState(t, m, SeqIdle) // nothing released
	send(t, m, realtime.ClearAudio{})
	p.expect(t, "input_audio_buffer.clear")
}

// An error for the conversation.item.create of a user text or a tool output names
// that command, so the consumer knows which turn will not be answered (issue 9 #6).
func TestItemCreateErrorNamesUserTextAndToolOutput(t *testing.T) {
	fs := newFakeServer(t, nil)
	m, p, ev := connect(t, fs, Config{}, defaultSettings())
	p.handshake(t)
	for _, tc := range []struct {
		cmd  realtime.Command
		want realtime.CommandKind
	}{
		{realtime.SendUserText{Text: "hi"}, realtime.CommandSendUserText},
		{realtime.SendToolOutput{CallID: "call_1", Output: "{}"}, realtime.CommandSendToolOutput},
	} {
		send(t, m, tc.cmd)
		f := p.expect(t, "conversation.item.create")
		p.send(t, `{"type":"error","event_id":"e","error":{"type":"invalid_request_error","code":"invalid_value","message":"rejected","param":null,"event_id":"`+f.str("event_id")+`"}}`)
		e := ev.until(isType[realtime.Error]).(realtime.Error)
		if e.Command != tc.want || e.Race || e.Fatal {
			t.Errorf("%T rejected: error %+v, want command %v", tc.cmd, e, tc.want)
		}
	}
}

func TestErrorCorrelationAndCancelNotActive(t *testing.T) {
	fs := newFakeServer(t, nil)
	m, p, ev := connect(t, fs, Config{}, defaultSettings())
	p.handshake(t)
	send(t, m, realtime.TruncateItem{ItemID: "item_a", AudioEndMS: 9000})
	f := p.expect(t, "conversation.item.truncate")
	if f.str("event_id") == "" {
		t.Fatal("no event id")
	}
	p.send(t,
		`{"type":"error","event_id":"e","error":{"type":"invalid_request_error","code":"response_cancel_not_active","message":"Cancellation failed: no active response found","param":null,"event_id":null}}`,
		`{"type":"error","event_id":"e","error":{"type":"invalid_request_error","code":"invalid_value","message":"Audio content of 4000ms is already shorter than 9000ms","param":null,"event_id":"`+f.str("event_id")+`"}}`)
	race := ev.until(isType[realtime.Error]).(realtime.Error)
	if !race.Race || race.Code != "response_cancel_not_active" {
		t.Errorf("first error %+v, want cancel_not_active marked as a race", race)
	}
	e := ev.until(isType[realtime.Error]).(realtime.Error)
	if e.Race || e.Command != realtime.CommandTruncateItem || e.Code != "invalid_value" || e.EventID != f.str("event_id") {
		t.Errorf("error %+v (cancel_not_active must be swallowed)", e)
	}
}

func TestMalformedAndUnknownServerEvents(t *testing.T) {
	fs := newFakeServer(t, nil)
	_, p, ev := connect(t, fs, Config{}, defaultSettings())
	p.expect(t, "session.update")
	p.send(t,
		`{"type":"response.created",`,
		`{"type":"response.done","response":{"id":5}}`,
		`{"no_type":true}`,
		`{"type":"response.output_audio.delta","response_id":"r","item_id":"i","content_index":0,"delta":"!!notbase64"}`,
		`{"type":"brand.new.event","x":1}`,
		`{"type":"conversation.item.created","event_id":"e","previous_item_id":null,"item":{"id":"item_b","type":"message","role":"assistant","content":[{"type":"text","text":"hi"},{"type":"audio","transcript":"yo","format":"pcm16"}]}}`,
		`{ "event_id" : "e", "type" : "input_audio_buffer.cleared" }`,
	)
	if err := p.c.Write(t.Context(), websocket.MessageBinary, []byte{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 4; i++ {
		e, ok := ev.next().(realtime.Error)
		if !ok || e.Source != "engine" || e.Fatal {
			t.Fatalf("event %d: %+v", i, e)
		}
	}
	if r, ok := ev.next().(realtime.Raw); !ok || r.Type != "brand.new.event" || r.Direction != "in" || !json.Valid(r.Data) {
		t.Fatalf("raw %+v", r)
	}
	it := ev.next().(realtime.ItemEvent)
	if it.Kind != realtime.ItemAdded || it.Item.Content[0].Type != realtime.ContentText || it.Item.Content[1].Type != realtime.ContentAudio {
		t.Errorf("alias item %+v", it)
	}
	if _, ok := ev.next().(realtime.AudioCleared); !ok {
		t.Error("cleared (type not first) not decoded")
	}
	if e, ok := ev.next().(realtime.Error); !ok || e.Code != "unexpected_binary_frame" {
		t.Errorf("binary frame: %+v", e)
	}
	// The session goes on.
	p.send(t, `{"type":"input_audio_buffer.speech_started","event_id":"e","audio_start_ms":1236,"item_id":"item_x"}`)
	if s, ok := ev.next().(realtime.SpeechStarted); !ok || s.AudioStartMS != 1236 {
		t.Errorf("after errors: %+v", s)
	}
}

func TestServerEventDecoding(t *testing.T) {
	pcm := bytes.Repeat([]byte{1, 2, 3, 4}, 480)
	b64 := base64.StdEncoding.EncodeToString(pcm)
	for _, tc := range []struct {
		in   string
		want realtime.Event
	}{
		{`{"type":"response.output_audio.delta","event_id":"e","response_id":"r","item_id":"i","output_index":0,"content_index":1,"delta":"` + b64 + `"}`,
			realtime.AudioDelta{ResponseID: "r", ItemID: "i", ContentIndex: 1, Data: pcm}},
		{`{"type":"response.audio.delta","response_id":"r","item_id":"i","delta":"AAE="}`, realtime.AudioDelta{ResponseID: "r", ItemID: "i", Data: []byte{0, 1}}},
		{`{"type":"response.output_audio.done","response_id":"r","item_id":"i","content_index":0}`, realtime.AudioDone{ResponseID: "r", ItemID: "i"}},
		{`{"type":"conversation.item.deleted","item_id":"i"}`, realtime.ItemDeleted{ItemID: "i"}},
		{`{"type":"conversation.item.truncated","item_id":"i","content_index":0,"audio_end_ms":1500}`, realtime.ItemTruncated{ItemID: "i", AudioEndMS: 1500}},
		{`{"type":"conversation.item.input_audio_transcription.delta","item_id":"i","content_index":0,"delta":"he","obfuscation":"x"}`, realtime.InputTranscriptDelta{ItemID: "i", Delta: "he"}},
		{`{"type":"conversation.item.input_audio_transcription.failed","item_id":"i","content_index":0,"error":{"type":"x","code":"c","message":"no audio","param":null}}`, realtime.InputTranscriptFailed{ItemID: "i", Message: "no audio"}},
		{`{"type":"input_audio_buffer.speech_stopped","item_id":"i","audio_end_ms":3808}`, realtime.SpeechStopped{ItemID: "i", AudioEndMS: 3808}},
		{`{"type":"input_audio_buffer.committed","item_id":"i","previous_item_id":null}`, realtime.AudioCommitted{ItemID: "i"}},
		{`{"type":"input_audio_buffer.timeout_triggered","item_id":"i","audio_start_ms":1,"audio_end_ms":2}`, realtime.InputTimeout{ItemID: "i", AudioStartMS: 1, AudioEndMS: 2}},
		{`{"type":"response.output_text.done","response_id":"r","item_id":"i","content_index":0,"text":"hi"}`, realtime.TranscriptDone{ResponseID: "r", ItemID: "i", Transcript: "hi", Text: true}},
		{`{"type":"response.function_call_arguments.done","response_id":"r","item_id":"i","call_id":"c","name":"f","arguments":"{}"}`, realtime.FunctionCallArgumentsDone{ResponseID: "r", ItemID: "i", CallID: "c", Name: "f", Arguments: "{}"}},
		{`{"type":"rate_limits.updated","rate_limits":[{"name":"tokens","limit":40000,"remaining":38490,"reset_seconds":2.265}]}`,
			realtime.RateLimitsUpdated{Limits: []realtime.RateLimit{{Name: "tokens", Limit: 40000, Remaining: 38490, ResetSeconds: 2.265}}}},
		{`{"type":"input_audio_buffer.cleared"}`, realtime.AudioCleared{}},
	} {
		_, got, err := decodeEvent([]byte(tc.in))
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if g, w := jsonOf(got), jsonOf(tc.want); g != w {
			t.Errorf("%.60s…:\n got %s\nwant %s", tc.in, g, w)
		}
	}

	_, ev, _ := decodeEvent([]byte(`{"type":"conversation.item.input_audio_transcription.completed","item_id":"i","content_index":0,"transcript":"hi","usage":{"type":"duration","seconds":2.5}}`))
	if c := ev.(realtime.InputTranscriptCompleted); c.Usage == nil || c.Usage.Seconds != 2.5 || c.Transcript != "hi" {
		t.Errorf("completed %+v", c)
	}
	_, ev, _ = decodeEvent([]byte(`{"type":"response.done","response":{"id":"r","status":"failed","status_details":{"type":"failed","error":{"type":"server_error","code":"x","message":"boom"}},"usage":{"total_tokens":1}}}`))
	if d := ev.(realtime.ResponseDone); d.Error == nil || d.Error.Message != "boom" || d.Usage.TotalTokens != 1 {
		t.Errorf("failed done %+v", d)
	}
	_, ev, _ = decodeEvent([]byte(`{"type":"conversation.item.retrieved","item":{"id":"i","type":"message","role":"assistant","content":[{"type":"output_audio","audio":"AAEC","transcript":"t"}]}}`))
	if it := ev.(realtime.ItemEvent); it.Kind != realtime.ItemRetrieved || !bytes.Equal(it.Item.Content[0].Audio, []byte{0, 1, 2}) {
		t.Errorf("retrieved %+v", it)
	}
	_, ev, _ = decodeEvent([]byte(`{"type":"session.updated","session":{"type":"transcription","id":"s"}}`))
	if _, ok := ev.(realtime.Raw); !ok {
		t.Errorf("transcription session %T", ev)
	}
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// syncBuffer is a goroutine-safe buffer for trace and log output.
type syncBuffer = testkit.SafeBuffer

func TestTraceAndSecrets(t *testing.T) {
	const key = "sk-proj-SUPERSECRET-0123456789"
	for _, traceAudio := range []bool{false, true} {
		var trace, logs syncBuffer
		fs := newFakeServer(t, nil)
		logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		m, p, ev := connect(t, fs, Config{APIKey: key, Trace: &trace, TraceAudio: traceAudio, Logger: logger}, defaultSettings())
		p.expect(t, "session.update")
		pcm := make([]byte, 1920)
		send(t, m, realtime.AppendAudio{Audio: pcm})
		p.expect(t, "input_audio_buffer.append")
		p.send(t,
			`{"type":"response.output_audio.delta","response_id":"r","item_id":"i","content_index":0,"delta":"`+base64.StdEncoding.EncodeToString(pcm[:960])+`"}`,
			`{"type":"conversation.item.retrieved","event_id":"e","item":{"id":"i","type":"message","role":"assistant","content":[{"type":"output_audio","audio":"AAECAw==","transcript":"t"}]}}`,
			`{"type":"error","event_id":"e","error":{"type":"invalid_request_error","code":"invalid_api_key","message":"Incorrect API key provided: `+key+`.","param":null,"event_id":null}}`,
			`{"type":"mystery.event"}`,
		)
		e := ev.until(isType[realtime.Error]).(realtime.Error)
		p.closeWith(t, 3000, "invalid_request_error.invalid_api_key")
		_, closed := ev.drain()
		p.waitDone(t)

		for name, s := range map[string]string{"error": e.Error(), "closed": closed.Err.Error(), "trace": trace.String(), "logs": logs.String()} {
			if strings.Contains(s, key) {
				t.Errorf("%s contains the key: %s", name, s)
			}
		}
		if !errors.Is(closed.Err, ErrAuth) || !strings.Contains(closed.Err.Error(), "<redacted>") {
			t.Errorf("closed %v", closed.Err)
		}
		if !strings.Contains(logs.String(), "mystery.event") {
			t.Error("unknown type not logged at debug")
		}

		lines := strings.Split(strings.TrimSpace(trace.String()), "\n")
		if len(lines) != 6 { // session.update, append, and the four server frames
			t.Fatalf("%d trace lines:\n%s", len(lines), trace.String())
		}
		var dirs []string
		for _, l := range lines {
			var rec struct {
				TMS   *int64          `json:"t_ms"`
				Dir   string          `json:"dir"`
				Event json.RawMessage `json:"event"`
			}
			if err := json.Unmarshal([]byte(l), &rec); err != nil || rec.TMS == nil || len(rec.Event) == 0 {
				t.Fatalf("trace line %q: %v", l, err)
			}
			dirs = append(dirs, rec.Dir)
		}
		if strings.Join(dirs, ",") != "client,client,server,server,server,server" {
			t.Errorf("dirs %v", dirs)
		}
		tr := trace.String()
		if traceAudio {
			if strings.Contains(tr, "bytes>") || !strings.Contains(tr, "AAECAw==") {
				t.Errorf("audio not traced:\n%s", tr)
			}
		} else {
			for _, want := range []string{`"audio":"\u003c1920 bytes\u003e"`, `"delta":"\u003c960 bytes\u003e"`, `"audio":"\u003c4 bytes\u003e"`} {
				if !strings.Contains(tr, want) && !strings.Contains(tr, strings.NewReplacer(`\u003c`, "<", `\u003e`, ">").Replace(want)) {
					t.Errorf("trace lacks %s:\n%s", want, tr)
				}
			}
		}
		if strings.Contains(strings.ToLower(tr), "authorization") || strings.Contains(tr, "Bearer") {
			t.Error("headers in trace")
		}
	}
}

func TestAudioPlaceholder(t *testing.T) {
	for n := 0; n < 12; n++ {
		b64, _ := json.Marshal(base64.StdEncoding.EncodeToString(make([]byte, n)))
		want := `"<` + itoa(n) + ` bytes>"`
		if got := appendAudioPlaceholder(nil, b64, false); string(got) != want {
			t.Errorf("n=%d: %s", n, got)
		}
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// TestLargeFrame checks the explicit read limit (R1.8): a retrieved item with 30 s
// of audio (1.44 MB PCM, ~1.9 MB base64) is far above coder/websocket's 32 KiB default.
func TestLargeFrame(t *testing.T) {
	fs := newFakeServer(t, nil)
	_, p, ev := connect(t, fs, Config{}, defaultSettings())
	p.expect(t, "session.update")
	pcm := bytes.Repeat([]byte{7, 8}, 24000*30)
	p.send(t, `{"type":"conversation.item.retrieved","event_id":"e","item":{"id":"i","type":"message","role":"assistant","status":"completed","content":[{"type":"output_audio","audio":"`+
		base64.StdEncoding.EncodeToString(pcm)+`","transcript":"long"}]}}`)
	it, ok := ev.next().(realtime.ItemEvent)
	if !ok || !bytes.Equal(it.Item.Content[0].Audio, pcm) {
		t.Fatalf("large retrieved item not decoded: %T", it)
	}
}
