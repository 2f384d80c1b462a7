package conformance

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"

	"github.com/rtagent/rtagent/internal/realtime"
	"github.com/rtagent/rtagent/internal/realtime/openai"
	"github.com/rtagent/rtagent/internal/session"
	"github.com/rtagent/rtagent/internal/testkit"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// wait bounds every blocking step; nothing sleeps.
const wait = 10 * time.Second

// frame is one decoded client frame.
type frame map[string]any

func (f frame) typ() string { return f.str("type") }

// str follows keys into nested objects and returns the string there ("" if absent).
func (f frame) str(keys ...string) string {
	v := f.at(keys...)
	s, _ := v.(string)
	return s
}

func (f frame) num(keys ...string) float64 {
	v, _ := f.at(keys...).(float64)
	return v
}

func (f frame) at(keys ...string) any {
	var cur any = map[string]any(f)
	for _, k := range keys {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[k]
	}
	return cur
}

// server is a scripted Realtime server for one connection.
type server struct {
	t      *testing.T
	hs     *httptest.Server
	conns  chan *websocket.Conn
	conn   *websocket.Conn
	mu     sync.Mutex
	frames []frame
	notify chan struct{}
	done   chan struct{}
}

func newServer(t *testing.T) *server {
	sv := &server{t: t, conns: make(chan *websocket.Conn, 1), notify: make(chan struct{}, 1), done: make(chan struct{})}
	sv.hs = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		c.SetReadLimit(1 << 24)
		sv.conns <- c
		<-sv.done
	}))
	return sv
}

func (sv *server) url() string { return "ws" + strings.TrimPrefix(sv.hs.URL, "http") + "/v1/realtime" }

func (sv *server) accept() {
	select {
	case sv.conn = <-sv.conns:
	case <-time.After(wait):
		sv.t.Fatal("no connection")
	}
	go func() {
		for {
			_, data, err := sv.conn.Read(context.Background())
			if err != nil {
				return
			}
			var f frame
			if json.Unmarshal(data, &f) != nil {
				sv.t.Errorf("client sent invalid JSON: %.200s", data)
				continue
			}
			sv.mu.Lock()
			sv.frames = append(sv.frames, f)
			sv.mu.Unlock()
			select {
			case sv.notify <- struct{}{}:
			default:
			}
		}
	}()
}

func (sv *server) close() {
	close(sv.done)
	if sv.conn != nil {
		_ = sv.conn.Close(websocket.StatusNormalClosure, "")
	}
	sv.hs.Close()
}

// send writes server frames in order.
func (sv *server) send(frames ...string) {
	sv.t.Helper()
	for _, f := range frames {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		err := sv.conn.Write(ctx, websocket.MessageText, []byte(f))
		cancel()
		if err != nil {
			sv.t.Fatalf("server write: %v", err)
		}
	}
}

func (sv *server) received() []frame {
	sv.mu.Lock()
	defer sv.mu.Unlock()
	return append([]frame(nil), sv.frames...)
}

// expect waits for the n-th (1-based) client frame of type typ matching pred.
func (sv *server) expectN(typ string, n int, pred func(frame) bool) frame {
	sv.t.Helper()
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		k := 0
		for _, f := range sv.received() {
			if f.typ() == typ && (pred == nil || pred(f)) {
				if k++; k == n {
					return f
				}
			}
		}
		select {
		case <-sv.notify:
		case <-deadline.C:
			sv.t.Fatalf("no client %s #%d; got %s", typ, n, types(sv.received()))
			return nil
		}
	}
}

func (sv *server) expect(typ string, pred func(frame) bool) frame {
	sv.t.Helper()
	return sv.expectN(typ, 1, pred)
}

func types(fs []frame) string {
	var out []string
	for _, f := range fs {
		out = append(out, f.typ())
	}
	return strings.Join(out, " ")
}

// count returns the client frames of type typ.
func (sv *server) count(typ string) []frame {
	var out []frame
	for _, f := range sv.received() {
		if f.typ() == typ {
			out = append(out, f)
		}
	}
	return out
}

// sink is a scripted audio sink: the test says what is playing.
type sink struct{ testkit.Sink }

func (k *sink) play(resp, item string, played int) { k.Play(resp, item, 0, played) }

// run is one case: a started session on the real model against the scripted server.
type run struct {
	t      *testing.T
	sv     *server
	s      *session.Session
	sink   *sink
	rec    *testkit.Recorder[session.Event]
	marker int
}

// sessionObject is the effective session the scripted server reports.
func sessionObject(modality string, interrupt bool) string {
	return fmt.Sprintf(`{"type":"realtime","object":"realtime.session","id":"sess_1","model":"gpt-realtime","expires_at":1767233035,`+
		`"output_modalities":[%q],"audio":{"input":{"format":{"type":"audio/pcm","rate":24000},"transcription":{"model":"gpt-4o-mini-transcribe"},`+
		`"turn_detection":{"type":"server_vad","threshold":0.5,"prefix_padding_ms":300,"silence_duration_ms":200,"create_response":true,"interrupt_response":%t}},`+
		`"output":{"format":{"type":"audio/pcm","rate":24000},"voice":"marin","speed":1.0}},"tools":[],"tool_choice":"auto","max_output_tokens":"inf"}`, modality, interrupt)
}

type setup struct {
	agents    []*session.Agent
	text      bool // output_modalities text
	noBargeIn bool // effective interrupt_response false
	approval  session.ApprovalPolicy
	bare      bool // answer the handshake with session events without a session object
}

func start(t *testing.T, su setup) *run {
	t.Helper()
	sv := newServer(t)
	base := realtime.Settings{
		Model:            "gpt-realtime",
		OutputModalities: []string{realtime.ModalityAudio},
		InputFormat:      realtime.PCM24k,
		OutputFormat:     realtime.PCM24k,
		Transcription:    &realtime.Transcription{Model: "gpt-4o-mini-transcribe"},
		TurnDetection:    &realtime.TurnDetection{Type: realtime.TurnServerVAD, CreateResponse: ptr(true), InterruptResponse: ptr(!su.noBargeIn)},
		Voice:            "marin",
	}
	modality := realtime.ModalityAudio
	if su.text {
		base.OutputModalities = []string{realtime.ModalityText}
		modality = realtime.ModalityText
	}
	agents := su.agents
	if len(agents) == 0 {
		agents = []*session.Agent{{Name: "Triage", Instructions: "Front desk."}}
	}
	k := &sink{}
	s, err := session.New(session.Config{
		Model:    openai.New(openai.Config{URL: sv.url(), APIKey: "sk-conformance"}),
		Base:     base,
		Agents:   agents,
		Audio:    k,
		Approval: su.approval,
		Prices:   &session.Prices{TextIn: 1, TextOut: 1, AudioIn: 1, AudioOut: 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := &run{t: t, sv: sv, s: s, sink: k, rec: testkit.Record(s.Events(), nil, nil)}
	t.Cleanup(func() {
		_ = s.Close()
		<-r.rec.Done()
		sv.close()
	})
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	sv.accept()
	sv.expect("session.update", nil)
	if su.bare {
		sv.send(`{"type":"session.created","event_id":"ev_c"}`, `{"type":"session.updated","event_id":"ev_u"}`)
	} else {
		obj := sessionObject(modality, !su.noBargeIn)
		sv.send(`{"type":"session.created","event_id":"ev_c","session":`+obj+`}`, `{"type":"session.updated","event_id":"ev_u","session":`+obj+`}`)
	}
	r.waitEvent("session_ready", func(e session.Event) bool { _, ok := e.(session.SessionReady); return ok })
	return r
}

func ptr[T any](v T) *T { return &v }

func (r *run) events() []session.Event { return r.rec.Events() }

// waitEvent waits for a session event matching pred and returns it.
func (r *run) waitEvent(what string, pred func(session.Event) bool) session.Event {
	r.t.Helper()
	var found session.Event
	if _, err := r.rec.WaitFor(wait, func(evs []session.Event) bool {
		var ok bool
		found, ok = testkit.NthOfType(evs, 1, pred)
		return ok
	}); err != nil {
		r.t.Fatalf("%v while waiting for %s; got %s", err, what, evTypes(r.events()))
	}
	return found
}

func evTypes(evs []session.Event) string {
	var out []string
	for _, ev := range evs {
		out = append(out, ev.EventType())
	}
	return strings.Join(out, " ")
}

// barrier returns once the session handled every server frame sent so far and the
// server received every client frame the session sent while handling them: a
// marker error travels in order through the model to the session, then a one-sample
// input_audio_buffer.append travels the same write queue as every command.
func (r *run) barrier() {
	r.t.Helper()
	r.marker++
	msg := fmt.Sprintf("barrier %d", r.marker)
	r.sv.send(fmt.Sprintf(`{"type":"error","event_id":"ev_b%d","error":{"type":"invalid_request_error","code":"barrier","message":%q}}`, r.marker, msg))
	r.waitEvent(msg, func(e session.Event) bool { er, ok := e.(session.Error); return ok && er.Message == msg })
	if err := r.s.AppendAudio([]byte{0, 0}); err != nil {
		r.t.Fatal(err)
	}
	r.sv.expectN("input_audio_buffer.append", r.marker, nil)
}

// Typed views of the recorded events.
func eventsOf[T session.Event](evs []session.Event) []T { return testkit.OfType[T](evs) }

func finals(evs []session.Event, role string) []session.Transcript {
	var out []session.Transcript
	for _, tr := range eventsOf[session.Transcript](evs) {
		if tr.Final && tr.Role == role {
			out = append(out, tr)
		}
	}
	return out
}

// errorsExcept returns error events other than barriers.
func errorsExcept(evs []session.Event) []session.Error {
	var out []session.Error
	for _, e := range eventsOf[session.Error](evs) {
		if e.Code != "barrier" {
			out = append(out, e)
		}
	}
	return out
}

// Server event builders (GA wire shapes, PROTOCOL §4).
func respCreated(resp string) string {
	return fmt.Sprintf(`{"type":"response.created","event_id":"ev_rc_%s","response":{"id":%q,"object":"realtime.response","status":"in_progress","output":[]}}`, resp, resp)
}

func respDone(resp, status, output string) string {
	if output == "" {
		output = "[]"
	}
	return fmt.Sprintf(`{"type":"response.done","event_id":"ev_rd_%s","response":{"id":%q,"object":"realtime.response","status":%q,"output":%s,`+
		`"usage":{"total_tokens":30,"input_tokens":10,"output_tokens":20,"input_token_details":{"text_tokens":10,"audio_tokens":0,"cached_tokens":0},"output_token_details":{"text_tokens":5,"audio_tokens":15}}}}`,
		resp, resp, status, output)
}

func msgItem(item, status, content string) string {
	return fmt.Sprintf(`{"id":%q,"object":"realtime.item","type":"message","role":"assistant","status":%q,"content":[%s]}`, item, status, content)
}

// msgAdded announces an assistant message item of resp.
func msgAdded(resp, item, prev string) []string {
	it := msgItem(item, "in_progress", "")
	p := "null"
	if prev != "" {
		p = fmt.Sprintf("%q", prev)
	}
	return []string{
		fmt.Sprintf(`{"type":"response.output_item.added","response_id":%q,"output_index":0,"item":%s}`, resp, it),
		fmt.Sprintf(`{"type":"conversation.item.added","previous_item_id":%s,"item":%s}`, p, it),
	}
}

func itemDone(resp, item string) []string {
	return []string{
		fmt.Sprintf(`{"type":"response.output_item.done","response_id":%q,"output_index":0,"item":%s}`, resp, item),
		fmt.Sprintf(`{"type":"conversation.item.done","previous_item_id":null,"item":%s}`, item),
	}
}

func audioDelta(resp, item string, n int) string {
	return fmt.Sprintf(`{"type":"response.output_audio.delta","response_id":%q,"item_id":%q,"output_index":0,"content_index":0,"delta":%q}`,
		resp, item, base64.StdEncoding.EncodeToString(make([]byte, n)))
}

func transcriptDelta(resp, item, d string) string {
	return fmt.Sprintf(`{"type":"response.output_audio_transcript.delta","response_id":%q,"item_id":%q,"output_index":0,"content_index":0,"delta":%q}`, resp, item, d)
}

func transcriptDone(resp, item, text string) string {
	return fmt.Sprintf(`{"type":"response.output_audio_transcript.done","response_id":%q,"item_id":%q,"output_index":0,"content_index":0,"transcript":%q}`, resp, item, text)
}

func textDelta(resp, item, d string) string {
	return fmt.Sprintf(`{"type":"response.output_text.delta","response_id":%q,"item_id":%q,"output_index":0,"content_index":0,"delta":%q}`, resp, item, d)
}

func textDone(resp, item, text string) string {
	return fmt.Sprintf(`{"type":"response.output_text.done","response_id":%q,"item_id":%q,"output_index":0,"content_index":0,"text":%q}`, resp, item, text)
}

// audioTurn is a complete audio answer: created, item, audio, transcript, done.
func audioTurn(resp, item, text string, audioBytes int) []string {
	out := []string{respCreated(resp)}
	out = append(out, msgAdded(resp, item, "")...)
	out = append(out, audioDelta(resp, item, audioBytes), transcriptDelta(resp, item, text), transcriptDone(resp, item, text))
	done := msgItem(item, "completed", fmt.Sprintf(`{"type":"output_audio","transcript":%q}`, text))
	out = append(out, itemDone(resp, done)...)
	return append(out, respDone(resp, "completed", "["+done+"]"))
}

// textTurn is a complete text answer.
func textTurn(resp, item, text string) []string {
	out := []string{respCreated(resp)}
	out = append(out, msgAdded(resp, item, "")...)
	out = append(out, textDelta(resp, item, text), textDone(resp, item, text))
	done := msgItem(item, "completed", fmt.Sprintf(`{"type":"output_text","text":%q}`, text))
	out = append(out, itemDone(resp, done)...)
	return append(out, respDone(resp, "completed", "["+done+"]"))
}

func fcItem(item, status, call, name, args string) string {
	st := ""
	if status != "" {
		st = fmt.Sprintf(`"status":%q,`, status)
	}
	return fmt.Sprintf(`{"id":%q,"object":"realtime.item","type":"function_call",%s"call_id":%q,"name":%q,"arguments":%q}`, item, st, call, name, args)
}

// toolTurn is a response whose only output is one completed function call.
func toolTurn(resp, item, call, name, args string) []string {
	it := fcItem(item, "completed", call, name, args)
	return []string{
		respCreated(resp),
		fmt.Sprintf(`{"type":"response.output_item.added","response_id":%q,"output_index":0,"item":%s}`, resp, fcItem(item, "in_progress", call, name, "")),
		fmt.Sprintf(`{"type":"response.function_call_arguments.delta","response_id":%q,"item_id":%q,"output_index":0,"call_id":%q,"delta":%q}`, resp, item, call, args),
		fmt.Sprintf(`{"type":"response.function_call_arguments.done","response_id":%q,"item_id":%q,"output_index":0,"call_id":%q,"name":%q,"arguments":%q}`, resp, item, call, name, args),
		fmt.Sprintf(`{"type":"response.output_item.done","response_id":%q,"output_index":0,"item":%s}`, resp, it),
		fmt.Sprintf(`{"type":"conversation.item.done","previous_item_id":null,"item":%s}`, it),
		respDone(resp, "completed", "["+it+"]"),
	}
}

func speechStarted(item string, ms int) string {
	return fmt.Sprintf(`{"type":"input_audio_buffer.speech_started","audio_start_ms":%d,"item_id":%q}`, ms, item)
}

func serverError(code, msg, eventID string) string {
	return fmt.Sprintf(`{"type":"error","event_id":"ev_err","error":{"type":"invalid_request_error","code":%q,"message":%q,"param":null,"event_id":%q}}`, code, msg, eventID)
}

func userTextItem(event, item, text string) string {
	return fmt.Sprintf(`{"type":%q,"previous_item_id":null,"item":{"id":%q,"object":"realtime.item","type":"message","role":"user","status":"completed","content":[{"type":"input_text","text":%q}]}}`, event, item, text)
}

func userAudioItem(item string) string {
	return fmt.Sprintf(`{"type":"conversation.item.added","previous_item_id":null,"item":{"id":%q,"object":"realtime.item","type":"message","role":"user","status":"completed","content":[{"type":"input_audio","transcript":null}]}}`, item)
}

func transcriptionCompleted(item, text string) string {
	return fmt.Sprintf(`{"type":"conversation.item.input_audio_transcription.completed","item_id":%q,"content_index":0,"transcript":%q,"usage":{"type":"duration","seconds":2}}`, item, text)
}
