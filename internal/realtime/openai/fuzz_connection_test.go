package openai

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rtagent/rtagent/internal/realtime"
	"github.com/rtagent/rtagent/internal/testkit/hostile"
)

// fuzzMaxFrames bounds one input's frames, so one execution stays short.
const fuzzMaxFrames = 64

// fuzzEnds are how the server ends the connection after its frames, chosen by
// the input's first byte.
var fuzzEnds = []hostile.Fault{hostile.None, hostile.Abrupt, hostile.Close1001, hostile.Close1006, hostile.Close1011}

// fuzzCommands are what the client sends while frames arrive: the second byte of
// the input is a mask choosing after which of the first eight events one is sent,
// so client state (pending triggers, the sequencer, cancels) meets server frames.
var fuzzCommands = []realtime.Command{
	realtime.SendUserText{Text: "hello", Respond: true},
	realtime.CreateResponse{},
	realtime.CancelResponse{},
	realtime.SendToolOutput{CallID: "call_1", Output: `{"ok":true}`, Respond: true},
	realtime.CreateResponse{Instructions: "Greet."},
	realtime.TruncateItem{ItemID: "item_1", AudioEndMS: 120},
	realtime.CommitAudio{Respond: true},
	realtime.ClearAudio{},
}

// FuzzConnection plays a sequence of server frames into a real Model over a
// loopback WebSocket (the hostile test server), with client commands interleaved,
// then ends the connection one of five ways. Whatever the frames, the model must
// not panic, must deliver Closed and close its event channel within a bound, and
// Close must return (issue 11). Input: byte 0 picks the ending, byte 1 the command
// mask, the rest are frames, one per line. Seeds: the recorded streams
// (testdata/realtime/streams) and hostile variants; `make test` runs the seeds,
// `make fuzz` fuzzes.
func FuzzConnection(f *testing.F) {
	files, _ := filepath.Glob("../../../testdata/realtime/streams/*.jsonl")
	if len(files) == 0 {
		f.Fatal("no recorded streams found")
	}
	for i, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		var lines [][]byte
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(nil, 16<<20)
		for sc.Scan() && len(lines) < fuzzMaxFrames {
			if line := bytes.TrimSpace(sc.Bytes()); len(line) > 0 {
				lines = append(lines, bytes.Clone(line))
			}
		}
		body := bytes.Join(lines, []byte("\n"))
		f.Add(append([]byte{byte(i), 0x05}, body...))
		f.Add(append([]byte{byte(i + 2), 0xff}, body...))
	}
	created := `{"type":"session.created","event_id":"e1","session":{"type":"realtime","id":"sess_1","model":"gpt-realtime","expires_at":1767233035}}`
	updated := `{"type":"session.updated","event_id":"e2","session":{"type":"realtime","id":"sess_1","model":"gpt-realtime"}}`
	for _, s := range []string{
		created + "\n" + updated + "\n" + `{"type":"response.done","response":{"id":"resp_1","status":"completed"}}`,
		created + "\n" + `{"type":"response.done","response":null}` + "\n" + `{"type":"response.created","response":{"id":"resp_1"}}`,
		created + "\n" + `{"type":"error","error":{"type":"invalid_request_error","code":"invalid_value","message":"no","event_id":"rtagent_session_update_1"}}`,
		created + "\n" + `{"type":"conversation.item.added","item":{"id":"item_1","type":"function_call","call_id":"call_1","name":"x","arguments":"{"}}` + "\n" + `{"type":"response.function_call_arguments.done","call_id":"call_1","arguments":"{}"}`,
		created + "\n" + updated + "\n" + updated + "\n" + `{"type":"input_audio_buffer.committed","item_id":"item_1"}` + "\n" + `{"type":"rate_limits.updated","rate_limits":[{"name":"requests","remaining":-1}]}`,
		`{not json` + "\n" + created,
		`{"type":"hostile.unknown"}` + "\n" + `{"type":"response.output_text.delta","delta":"\u001b[2J"}`,
	} {
		for end := range fuzzEnds {
			f.Add(append([]byte{byte(end), 0x0f}, s...))
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) < 2 {
			return
		}
		end, mask := fuzzEnds[int(in[0])%len(fuzzEnds)], in[1]
		var frames [][]byte
		for _, l := range bytes.Split(in[2:], []byte("\n")) {
			if len(frames) == fuzzMaxFrames {
				break
			}
			frames = append(frames, l)
		}
		hs := &hostile.Server{Frames: frames, Fault: end}
		m := New(Config{URL: hs.Start(t), APIKey: "sk-fuzz", HandshakeTimeout: 5 * time.Second})
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := m.Connect(ctx, realtime.ConnectOptions{Settings: defaultSettings()}); err != nil {
			t.Fatalf("connect to the loopback server: %v", err)
		}
		closed, n := false, 0
		for ev := range channelUntil(ctx, m.Events()) {
			if _, ok := ev.(realtime.Closed); ok {
				closed = true
			}
			if n < 8 && mask&(1<<n) != 0 && !closed {
				_ = m.Send(ctx, fuzzCommands[n]) // may fail once the connection is gone
			}
			n++
		}
		if ctx.Err() != nil {
			t.Fatalf("the model did not end its event stream within 10s (%d events, closed %v)", n, closed)
		}
		if !closed {
			t.Fatal("the event stream ended without Closed")
		}
		done := make(chan struct{})
		go func() { _ = m.Close(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("Close did not return within 10s")
		}
	})
}

// channelUntil yields ch's events until it closes or ctx ends.
func channelUntil(ctx context.Context, ch <-chan realtime.Event) func(func(realtime.Event) bool) {
	return func(yield func(realtime.Event) bool) {
		for {
			select {
			case ev, ok := <-ch:
				if !ok || !yield(ev) {
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}
}
