package conformance

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rtagent/rtagent/internal/session"
	"github.com/rtagent/rtagent/internal/tools"
)

// recorded is what a recorded stream promises: its .done texts and its tool calls.
type recorded struct {
	lines     []string
	assistant []string          // response.*transcript.done / *text.done / output_item.done message texts
	user      []string          // input transcription completed
	calls     map[string]string // call_id → tool name, of completed calls
	tools     []string
}

func readStream(t *testing.T, path string) recorded {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rec := recorded{calls: map[string]string{}}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	seenTool := map[string]bool{}
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var e map[string]any
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		typ, _ := e["type"].(string)
		if typ == "session.created" || typ == "session.updated" {
			continue // the scripted handshake stands in for them
		}
		rec.lines = append(rec.lines, line)
		fr := frame(e)
		switch typ {
		case "response.output_audio_transcript.done", "response.audio_transcript.done":
			rec.assistant = append(rec.assistant, fr.str("transcript"))
		case "response.output_text.done", "response.text.done":
			rec.assistant = append(rec.assistant, fr.str("text"))
		case "conversation.item.input_audio_transcription.completed":
			rec.user = append(rec.user, fr.str("transcript"))
		case "response.output_item.done":
			if fr.str("item", "type") == "message" {
				cs, _ := fr.at("item", "content").([]any)
				for _, c := range cs {
					m, _ := c.(map[string]any)
					for _, k := range []string{"transcript", "text"} {
						if s, _ := m[k].(string); s != "" {
							rec.assistant = append(rec.assistant, s)
						}
					}
				}
			}
		case "response.function_call_arguments.done":
			name := fr.str("name")
			rec.calls[fr.str("call_id")] = name
			if !seenTool[name] {
				seenTool[name] = true
				rec.tools = append(rec.tools, name)
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rec
}

// TestRecordedStreams replays every recorded server stream through the real model
// and session: every recorded .done text appears as a final transcript, every
// recorded tool call is dispatched exactly once.
func TestRecordedStreams(t *testing.T) {
	paths, err := filepath.Glob("../../testdata/realtime/streams/*.jsonl")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no recorded streams: %v", err)
	}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			rec := readStream(t, path)
			var tls []tools.Tool
			byName := map[string]*tool{}
			for _, name := range rec.tools {
				tl := newTool(name)
				tl.def.Parameters = json.RawMessage(`{"type":"object"}`)
				byName[name] = tl
				tls = append(tls, tl)
			}
			r := start(t, setup{agents: agentsWith(tls...)})
			r.sv.send(rec.lines...)
			r.barrier()
			// A tool runs on its own goroutine: wait for each recorded call's end
			// (emitted once its output went out) before counting runs.
			for id := range rec.calls {
				r.waitEvent("tool_end "+id, func(e session.Event) bool { te, ok := e.(session.ToolEnd); return ok && te.CallID == id })
			}
			evs := r.events()
			check := func(role string, want []string) {
				got := map[string]int{}
				for _, tr := range finals(evs, role) {
					got[tr.Text]++
				}
				for _, w := range want {
					if got[w] == 0 {
						t.Errorf("recorded %s text %q has no final transcript", role, w)
					}
				}
			}
			check("assistant", rec.assistant)
			check("user", rec.user)
			starts := map[string]int{}
			for _, s := range eventsOf[session.ToolStart](evs) {
				starts[s.CallID]++
			}
			for id, name := range rec.calls {
				if starts[id] != 1 || byName[name].count() != 1 {
					t.Errorf("call %s (%s) dispatched %d times, ran %d times, want once", id, name, starts[id], byName[name].count())
				}
			}
			for _, e := range eventsOf[session.Error](evs) {
				if e.Source != session.SourceServer {
					t.Errorf("non-server error replaying %s: %+v", filepath.Base(path), e)
				}
			}
			t.Logf("%s: %d frames, %d assistant and %d user final texts, %d tool calls", filepath.Base(path), len(rec.lines), len(rec.assistant), len(rec.user), len(rec.calls))
		})
	}
}
