package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	stdio "io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/rtagent/rtagent/internal/testkit"
)

// streamRecording is what a recorded server stream (testdata/realtime/streams)
// promises the client: its .done texts and its tool calls.
type streamRecording struct {
	frames    []string          // the server frames, session.created/updated left out
	assistant []string          // response.*transcript.done, *text.done, output_item.done message texts
	user      []string          // input audio transcription completed
	calls     map[string]string // call_id → tool name, of completed calls
	tools     []string          // the tools called, each once
	open      []string          // responses created and never done (a fragment)
	errors    []string          // the codes of the server's error events
	speech    []string          // the items of input_audio_buffer.speech_started
}

func readStreamRecording(t *testing.T, path string) streamRecording {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rec := streamRecording{calls: map[string]string{}}
	var created []string
	done := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var e struct {
			Type       string `json:"type"`
			Transcript string `json:"transcript"`
			Text       string `json:"text"`
			CallID     string `json:"call_id"`
			ItemID     string `json:"item_id"`
			Error      struct {
				Code string `json:"code"`
			} `json:"error"`
			Name     string `json:"name"`
			Response struct {
				ID string `json:"id"`
			} `json:"response"`
			Item struct {
				Type    string `json:"type"`
				Content []struct {
					Transcript string `json:"transcript"`
					Text       string `json:"text"`
				} `json:"content"`
			} `json:"item"`
		}
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("%s:%d: %v", path, n, err)
		}
		switch e.Type {
		case "session.created", "session.updated":
			continue // the test server's handshake stands in for them
		case "response.output_audio_transcript.done", "response.audio_transcript.done":
			rec.assistant = append(rec.assistant, e.Transcript)
		case "response.output_text.done", "response.text.done":
			rec.assistant = append(rec.assistant, e.Text)
		case "conversation.item.input_audio_transcription.completed":
			rec.user = append(rec.user, e.Transcript)
		case "response.output_item.done":
			if e.Item.Type == "message" {
				for _, c := range e.Item.Content {
					for _, s := range []string{c.Transcript, c.Text} {
						if s != "" {
							rec.assistant = append(rec.assistant, s)
						}
					}
				}
			}
		case "response.function_call_arguments.done":
			rec.calls[e.CallID] = e.Name
			if !slices.Contains(rec.tools, e.Name) {
				rec.tools = append(rec.tools, e.Name)
			}
		case "error":
			rec.errors = append(rec.errors, e.Error.Code)
		case "input_audio_buffer.speech_started":
			rec.speech = append(rec.speech, e.ItemID)
		case "response.created":
			created = append(created, e.Response.ID)
		case "response.done":
			done[e.Response.ID] = true
		}
		rec.frames = append(rec.frames, line)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	for _, id := range created {
		if !done[id] {
			rec.open = append(rec.open, id)
		}
	}
	return rec
}

// replayServer serves one recorded stream to one connection on loopback.
type replayServer struct {
	url    string
	played chan struct{} // closed once the client has read every recorded frame
	mu     sync.Mutex
	client []string // the types of the frames the client sent
}

func (rs *replayServer) clientFrames() []string {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return slices.Clone(rs.client)
}

// serveRecording serves rec: a scripted handshake (session.created, then
// session.updated once the client's session.update came), then every recorded
// frame in order, verbatim: beta event names included, which the client's decoder
// maps (§4.5). A ping after the last one is the barrier: its pong comes once the
// client's reader has handled every frame before it. Then played is closed and
// the server stands in for the rest of the conversation, so that the client's own
// message gets its answer and run ends by itself: each response the recording
// left open gets a response.done (status incomplete), and each response.create
// the client sends (or sent) gets an empty completed response.
func serveRecording(t *testing.T, rec streamRecording) *replayServer {
	t.Helper()
	rs := &replayServer{played: make(chan struct{})}
	var conns atomic.Int32
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n := conns.Add(1); n > 1 {
			t.Errorf("the client opened connection #%d; it runs with --no-reconnect", n)
			return
		}
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			t.Errorf("accept: %v", err)
			return
		}
		defer c.CloseNow()
		c.SetReadLimit(1 << 24)
		ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
		defer cancel()
		in := make(chan string, 4096) // the client's frame types; closed when it left
		go func() {
			defer close(in)
			for {
				_, data, err := c.Read(ctx)
				if err != nil {
					return
				}
				var f struct {
					Type string `json:"type"`
				}
				_ = json.Unmarshal(data, &f)
				rs.mu.Lock()
				rs.client = append(rs.client, f.Type)
				rs.mu.Unlock()
				in <- f.Type
			}
		}()
		seq := 0
		send := func(frames ...string) bool {
			for _, f := range frames {
				seq++
				if err := c.Write(ctx, websocket.MessageText, []byte(f)); err != nil {
					t.Errorf("server frame %d: %v", seq, err)
					return false
				}
			}
			return true
		}
		if !send(`{"type":"session.created","event_id":"event_replay_1","session":{"type":"realtime","object":"realtime.session","id":"sess_replay","model":"gpt-realtime","output_modalities":["audio"]}}`) {
			return
		}
		creates := 0 // response.create frames not answered by the stand-in yet
		for ty := range in {
			if ty == "response.create" {
				creates++
			}
			if ty == "session.update" {
				break
			}
		}
		if !send(`{"type":"session.updated","event_id":"event_replay_2","session":{"type":"realtime","object":"realtime.session","id":"sess_replay","model":"gpt-realtime","output_modalities":["text"]}}`) {
			return
		}
		if !send(rec.frames...) {
			return
		}
		if err := c.Ping(ctx); err != nil {
			t.Errorf("ping after the recording: %v", err)
			return
		}
		close(rs.played)
		for _, id := range rec.open {
			if !send(fmt.Sprintf(`{"type":"response.done","event_id":"event_standin_%d","response":{"object":"realtime.response","id":%q,"status":"incomplete","output":[]}}`, seq, id)) {
				return
			}
		}
		answer := func() bool {
			id := fmt.Sprintf("resp_standin_%d", seq)
			return send(
				fmt.Sprintf(`{"type":"response.created","event_id":"event_standin_%d","response":{"object":"realtime.response","id":%q,"status":"in_progress","output":[]}}`, seq, id),
				fmt.Sprintf(`{"type":"response.done","event_id":"event_standin_%d","response":{"object":"realtime.response","id":%q,"status":"completed","output":[]}}`, seq+1, id))
		}
		for ; creates > 0; creates-- {
			if !answer() {
				return
			}
		}
		for ty := range in { // until the client closes
			if ty == "response.create" && !answer() {
				return
			}
		}
	}))
	t.Cleanup(hs.Close)
	rs.url = "ws" + strings.TrimPrefix(hs.URL, "http") + "/v1/realtime"
	return rs
}

// TestRecordedStreamsEndToEnd replays every recorded server stream through the
// real command, `rtagent run --stdin --format jsonl`, over a loopback WebSocket
// (issue 9): every recorded .done text is printed as a final transcript, every
// recorded tool call is dispatched exactly once (tool_start, tool_end), every line
// matches the events schema, and the run ends by itself (exit 0, not --timeout).
// The client's message is typed only once the client has read the whole
// recording, so that no recorded response is taken for its answer (run would
// leave after it, before the rest of the recording).
func TestRecordedStreamsEndToEnd(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join(testkit.Root(t), "testdata", "realtime", "streams", "*.jsonl"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no recorded streams: %v", err)
	}
	dir := t.TempDir()
	t.Setenv("OPENAI_API_KEY", "")
	t.Setenv("XDG_STATE_HOME", filepath.Join(dir, "state"))
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	for _, path := range paths {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			rec := readStreamRecording(t, path)
			// Every tool the stream calls exists (a builtin, which ignores its
			// arguments), so a call is dispatched and runs: tool_start, tool_end.
			agents := filepath.Join(t.TempDir(), "agents.yaml")
			var tools strings.Builder
			for _, tl := range rec.tools {
				fmt.Fprintf(&tools, "      - name: %s\n        description: recorded tool\n        parameters: {type: object}\n        builtin: clock\n", tl)
			}
			yaml := "default_agent: desk\nmodel: {name: gpt-realtime}\nagents:\n  - name: desk\n    instructions: Help.\n"
			if tools.Len() > 0 {
				yaml += "    tools:\n" + tools.String()
			}
			if err := os.WriteFile(agents, []byte(yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			rs := serveRecording(t, rec)
			stdin, typing := stdio.Pipe()
			out, errOut := &bytes.Buffer{}, &bytes.Buffer{}
			code := make(chan int, 1)
			go func() {
				code <- execute(context.Background(), &IOStreams{In: stdin, Out: out, ErrOut: errOut}, []string{
					"run", "--url", rs.url, "--agents", agents, "--no-reconnect",
					"--format", "jsonl", "--stdin", "--timeout", "20s",
				})
			}()
			select {
			case <-rs.played:
				_, _ = stdio.WriteString(typing, "x\n")
			case c := <-code:
				code <- c
			}
			_ = typing.Close()
			c := <-code
			lines := checkReplayedRun(t, out.Bytes(), rec)
			end := lines[len(lines)-1]
			if c != exitOK || end["reason"] != "completed" {
				t.Errorf("exit %d, session_end %v; want 0, completed; stderr: %s", c, end, errOut)
			}
			t.Logf("%s: %d frames replayed (%d responses left open); %d assistant and %d user final texts, %d tool calls, %d server errors, %d speech starts; client sent %v",
				name, len(rec.frames), len(rec.open), len(rec.assistant), len(rec.user), len(rec.calls), len(rec.errors), len(rec.speech), rs.clientFrames())
		})
	}
}

// checkReplayedRun checks run's JSONL against the recording and returns its lines.
func checkReplayedRun(t *testing.T, out []byte, rec streamRecording) []map[string]any {
	t.Helper()
	if _, problems := validateEventLines(out); len(problems) > 0 {
		t.Errorf("lines that do not match the events schema:\n%s", strings.Join(problems, "\n"))
	}
	var lines []map[string]any
	finals := map[string]map[string]int{"assistant": {}, "user": {}}
	serverErrs, speech := map[string]int{}, map[string]int{}
	type calls struct{ start, end, toolErr int }
	byCall := map[string]*calls{}
	for l := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not JSON: %q: %v", l, err)
		}
		lines = append(lines, m)
		str := func(k string) string { s, _ := m[k].(string); return s }
		switch str("type") {
		case "transcript":
			if role := str("role"); finals[role] != nil && m["final"] == true {
				finals[role][str("text")]++
			}
		case "error":
			if str("source") == "server" {
				serverErrs[str("code")]++
			}
		case "speech_started":
			speech[str("item_id")]++
		case "tool_start", "tool_end", "tool_error":
			c := byCall[str("call_id")]
			if c == nil {
				c = &calls{}
				byCall[str("call_id")] = c
			}
			switch str("type") {
			case "tool_start":
				c.start++
			case "tool_end":
				c.end++
				if e := str("error"); e != "" {
					t.Errorf("call %s (%s) failed: %s", str("call_id"), str("tool"), e)
				}
			default:
				c.toolErr++
				t.Errorf("call %s (%s) not run: %s", str("call_id"), str("tool"), str("error"))
			}
		}
	}
	if len(lines) == 0 || lines[0]["type"] != "session_start" || lines[len(lines)-1]["type"] != "session_end" {
		t.Fatalf("want session_start … session_end, got:\n%s", out)
	}
	for role, want := range map[string][]string{"assistant": rec.assistant, "user": rec.user} {
		for _, w := range want {
			if finals[role][w] == 0 {
				t.Errorf("recorded %s text %q is not printed as a final transcript", role, w)
			}
		}
	}
	for _, code := range rec.errors {
		if serverErrs[code] == 0 {
			t.Errorf("recorded error %s is not printed as a server error", code)
		}
	}
	for _, id := range rec.speech {
		if speech[id] == 0 {
			t.Errorf("recorded speech_started of %s is not printed", id)
		}
	}
	for id, name := range rec.calls {
		c := byCall[id]
		if c == nil || c.start != 1 || c.end != 1 {
			t.Errorf("call %s (%s): %+v tool_start/tool_end/tool_error lines, want one start and one end", id, name, c)
		}
	}
	for id := range byCall {
		if _, ok := rec.calls[id]; !ok {
			t.Errorf("tool lines for call %s, which the recording does not complete", id)
		}
	}
	if t.Failed() {
		t.Logf("run printed:\n%s", out)
	}
	return lines
}

// A server that closes the connection normally (1000) before answering the message
// fails the run: the turn was never answered. Before, the model's withdrawal of the
// pending response trigger at the end of the connection read as quiet, the session
// reported Idle, and run took the message for answered: exit 0, reason completed.
func TestServerCloseBeforeAnswerFailsRun(t *testing.T) {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		ctx := r.Context()
		until := func(typ string) bool {
			for {
				_, data, err := c.Read(ctx)
				if err != nil {
					return false
				}
				var f struct {
					Type string `json:"type"`
				}
				if json.Unmarshal(data, &f) == nil && f.Type == typ {
					return true
				}
			}
		}
		if c.Write(ctx, websocket.MessageText, []byte(`{"type":"session.created","event_id":"event_1","session":{"type":"realtime","object":"realtime.session","id":"sess_1","model":"gpt-realtime","output_modalities":["audio"]}}`)) != nil || !until("session.update") {
			return
		}
		if c.Write(ctx, websocket.MessageText, []byte(`{"type":"session.updated","event_id":"event_2","session":{"type":"realtime","object":"realtime.session","id":"sess_1","model":"gpt-realtime","output_modalities":["text"]}}`)) != nil || !until("response.create") {
			return
		}
		_ = c.Close(websocket.StatusNormalClosure, "going away")
	}))
	t.Cleanup(hs.Close)
	t.Setenv("OPENAI_API_KEY", "")
	t.Setenv("XDG_STATE_HOME", filepath.Join(t.TempDir(), "state"))
	url := "ws" + strings.TrimPrefix(hs.URL, "http") + "/v1/realtime"
	for _, extra := range [][]string{{"--no-reconnect"}, nil} { // 1000 is not retried either way
		io, out, errOut := testIO("")
		args := append([]string{"run", "--url", url, "--agents", "../../agents.yaml", "--format", "jsonl", "--say", "x", "--timeout", "20s"}, extra...)
		code := execute(context.Background(), io, args)
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		var end map[string]any
		if err := json.Unmarshal([]byte(lines[len(lines)-1]), &end); err != nil {
			t.Fatal(err)
		}
		if code != exitFailure || end["reason"] != "error" {
			t.Errorf("%v: exit %d, session_end %v; want 1, error\nstdout:\n%s\nstderr: %s", extra, code, end, out, errOut)
		}
		if !strings.HasPrefix(errOut.String(), "rtagent: ") || strings.Count(errOut.String(), "\n") != 1 {
			t.Errorf("%v: stderr %q, want one rtagent: line", extra, errOut)
		}
		t.Logf("%v: stderr %s", extra, errOut)
	}
}
