package openai

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/rtagent/rtagent/internal/realtime"
	"github.com/rtagent/rtagent/internal/testkit"
)

const marker = `{"type":"rtagent.test.marker","event_id":"marker"}`

// TestReplayStreams serves every recorded stream from a loopback server and checks
// that the decoder and the sequencer digest it (README "Suggested uses in tests").
func TestReplayStreams(t *testing.T) {
	files, err := filepath.Glob(testkit.KitPath(t, "streams", "*.jsonl"))
	if err != nil || len(files) < 5 {
		t.Fatalf("streams: %v %v", files, err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			lines := readLines(t, file)
			fs := newFakeServer(t, nil)
			m, p, ev := connect(t, fs, Config{}, defaultSettings())
			p.expect(t, "session.update")
			p.send(t, lines...)
			p.send(t, marker)

			var got []realtime.Event
			for {
				e := ev.next()
				if r, ok := e.(realtime.Raw); ok && r.Type == "rtagent.test.marker" {
					break
				}
				got = append(got, e)
			}
			if len(got) != len(lines) {
				t.Fatalf("%d events for %d frames", len(got), len(lines))
			}
			st := replayStats(t, got, lines)
			if st.created == st.done && seqState(m) != SeqIdle {
				t.Errorf("all responses done but sequencer %v", seqState(m))
			}
			if st.created > st.done && seqState(m) != SeqActive {
				t.Errorf("open response but sequencer %v", seqState(m))
			}
			t.Logf("%d events: %d responses (%d cancelled), %d transcripts, %d texts, %d calls checked",
				len(got), st.done, st.cancelled, st.transcripts, st.texts, st.calls)

			switch filepath.Base(file) {
			case "beta_webrtc_session.jsonl":
				if st.calls != 1 || st.cancelled != 8 || st.transcripts < 8 {
					t.Errorf("stats %+v", st)
				}
			case "beta_text_response.jsonl":
				if st.texts != 1 {
					t.Errorf("stats %+v", st)
				}
			case "ga_audio_response_tail.jsonl":
				d := got[2].(realtime.ResponseDone)
				if d.Usage == nil || d.Usage.TotalTokens != 320 || d.Usage.CachedAudioTokens != 64 || d.Usage.OutputAudioTokens != 147 || d.Usage.Requests != 1 {
					t.Errorf("usage %+v", d.Usage)
				}
				if len(d.Output) != 1 || d.Output[0].Content[0].Type != realtime.ContentAudio || !strings.HasPrefix(d.Output[0].Content[0].Transcript, "Claro") {
					t.Errorf("output %+v", d.Output)
				}
			case "ga_errors.jsonl":
				for _, e := range got {
					if e.(realtime.Error).Source != "server" {
						t.Errorf("error %+v", e)
					}
				}
			}
			p.closeWith(t, websocket.StatusNormalClosure, "")
			if _, closed := ev.drain(); closed.Err != nil {
				t.Errorf("closed %+v", closed)
			}
		})
	}
}

type stats struct{ created, done, cancelled, transcripts, texts, calls int }

// replayStats checks the events of one stream: no transport/engine errors, deltas
// that add up to their .done values, function calls with name, call_id, arguments.
func replayStats(t *testing.T, evs []realtime.Event, lines []string) stats {
	t.Helper()
	var st stats
	type key struct {
		item string
		idx  int
	}
	deltas := map[key]*strings.Builder{}
	args := map[string]*strings.Builder{}
	for i, e := range evs {
		switch e := e.(type) {
		case realtime.Error:
			if e.Source != "server" {
				t.Errorf("line %d: %s error %+v", i+1, e.Source, e)
			}
		case realtime.Raw:
			var h struct{ Type string }
			_ = json.Unmarshal([]byte(lines[i]), &h)
			if h.Type != e.Type {
				t.Errorf("line %d: raw type %q", i+1, e.Type)
			}
			if !knownRawTypes[e.Type] {
				t.Errorf("line %d: %s not decoded", i+1, e.Type)
			}
		case realtime.ResponseCreated:
			st.created++
		case realtime.ResponseDone:
			st.done++
			if e.Status == realtime.ResponseCancelled {
				st.cancelled++
				if e.StatusReason != "turn_detected" && e.StatusReason != "client_cancelled" {
					t.Errorf("line %d: cancelled reason %q", i+1, e.StatusReason)
				}
			}
		case realtime.TranscriptDelta:
			k := key{e.ItemID, e.ContentIndex}
			if deltas[k] == nil {
				deltas[k] = &strings.Builder{}
			}
			deltas[k].WriteString(e.Delta)
		case realtime.TranscriptDone:
			if b := deltas[key{e.ItemID, e.ContentIndex}]; b != nil && b.String() != e.Transcript {
				t.Errorf("line %d: deltas %q != done %q", i+1, b.String(), e.Transcript)
			}
			if e.Text {
				st.texts++
			} else {
				st.transcripts++
			}
		case realtime.FunctionCallArgumentsDelta:
			if args[e.CallID] == nil {
				args[e.CallID] = &strings.Builder{}
			}
			args[e.CallID].WriteString(e.Delta)
		case realtime.FunctionCallArgumentsDone:
			if e.Name == "" || e.CallID == "" || !json.Valid([]byte(e.Arguments)) {
				t.Errorf("line %d: call %+v", i+1, e)
			}
			if b := args[e.CallID]; b == nil || b.String() != e.Arguments {
				t.Errorf("line %d: argument deltas do not add up", i+1)
			}
			st.calls++
		case realtime.OutputItemDone:
			if e.Item.Type == realtime.ItemFunctionCall && (e.Item.Name == "" || e.Item.CallID == "" || e.Item.Arguments == "") {
				t.Errorf("line %d: function call item %+v", i+1, e.Item)
			}
		}
	}
	return st
}

func readLines(t *testing.T, file string) []string {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			lines = append(lines, l)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}
