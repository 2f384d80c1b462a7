package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/rtagent/rtagent/internal/session"
	"github.com/rtagent/rtagent/internal/tools"
)

// ack echoes a client conversation.item.create as the server's conversation.item.added.
func (r *run) ack(f frame, id string) {
	r.t.Helper()
	it, _ := f["item"].(map[string]any)
	if it == nil {
		r.t.Fatalf("conversation.item.create without item: %v", f)
	}
	cp := map[string]any{}
	for k, v := range it {
		cp[k] = v
	}
	if _, ok := cp["id"]; !ok || cp["id"] == "" {
		cp["id"] = id
	}
	cp["object"], cp["status"] = "realtime.item", "completed"
	b, _ := json.Marshal(map[string]any{"type": "conversation.item.added", "event_id": "ev_ack_" + id, "previous_item_id": nil, "item": cp})
	r.sv.send(string(b))
}

// userTurn types text, acknowledges its item and returns once the n-th
// response.create went out.
func (r *run) userTurn(text string, n int) {
	r.t.Helper()
	if err := r.s.SendText(text); err != nil {
		r.t.Fatal(err)
	}
	f := r.sv.expect("conversation.item.create", func(f frame) bool { return hasText(f, text) })
	r.ack(f, fmt.Sprintf("u_%d", n))
	r.sv.expectN("response.create", n, nil)
}

func hasText(f frame, text string) bool {
	cs, _ := f.at("item", "content").([]any)
	for _, c := range cs {
		if m, ok := c.(map[string]any); ok && m["text"] == text {
			return true
		}
	}
	return false
}

// ackOutput acknowledges the function_call_output of call.
func (r *run) ackOutput(call string) frame {
	r.t.Helper()
	f := r.sv.expect("conversation.item.create", func(f frame) bool { return f.str("item", "call_id") == call })
	r.ack(f, "out_"+call)
	return f
}

// tool is a scriptable function tool.
type tool struct {
	def   tools.Definition
	out   string
	err   error
	mu    sync.Mutex
	calls []string
}

func newTool(name string) *tool {
	return &tool{def: tools.Definition{Name: name, Description: "conformance tool " + name,
		Parameters: json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"}}}`)}, out: name + " ok"}
}

func (t *tool) Definition() tools.Definition { return t.def }

func (t *tool) Call(_ context.Context, args json.RawMessage) (string, error) {
	t.mu.Lock()
	t.calls = append(t.calls, string(args))
	t.mu.Unlock()
	return t.out, t.err
}

func (t *tool) count() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.calls)
}

// guard is a guardrail that trips on a word.
type guard struct{ name, word string }

func (g guard) Name() string { return g.name }
func (g guard) Check(_ context.Context, text string) (bool, string, error) {
	if strings.Contains(strings.ToLower(text), g.word) {
		return true, "mentions " + g.word, nil
	}
	return false, "", nil
}

var errBoom = errors.New("boom")

func agentsWith(tls ...tools.Tool) []*session.Agent {
	return []*session.Agent{{Name: "Triage", Instructions: "Front desk.", Tools: tls}}
}

func sameStrings(a, b []string) bool { return strings.Join(a, "\x00") == strings.Join(b, "\x00") }

func fail(t *testing.T, format string, args ...any) { t.Helper(); t.Errorf(format, args...) }

// waitFinal waits for a final transcript; with text, for one saying exactly that.
func (r *run) waitFinal(text string) session.Transcript {
	r.t.Helper()
	return r.waitEvent("final", func(e session.Event) bool {
		tr, ok := e.(session.Transcript)
		return ok && tr.Final && (text == "" || tr.Text == text)
	}).(session.Transcript)
}

// waitApproval waits for a tool approval request.
func (r *run) waitApproval() {
	r.t.Helper()
	r.waitEvent("approval", func(e session.Event) bool { _, ok := e.(session.ToolApprovalRequired); return ok })
}

// waitAgentEnd waits for the end of an agent's turn.
func (r *run) waitAgentEnd() session.AgentEnd {
	r.t.Helper()
	return r.waitEvent("agent_end", func(e session.Event) bool { _, ok := e.(session.AgentEnd); return ok }).(session.AgentEnd)
}

// approvalSetup is one agent with one tool, name, that needs approval.
func approvalSetup(name string) func() setup {
	return func() setup {
		tl := newTool(name)
		tl.def.NeedsApproval = true
		return setup{agents: agentsWith(tl)}
	}
}

// speaking has the server start response r1 with message m1 and send 300 ms
// of its audio, and waits until the session has taken it in.
func (r *run) speaking() {
	r.t.Helper()
	r.sv.send(respCreated("r1"))
	r.sv.send(msgAdded("r1", "m1", "")...)
	r.sv.send(audioDelta("r1", "m1", pcm(300)))
	r.barrier()
}

// sendText sends text as the user and returns the conversation.item.create
// that carries it (as want: what text becomes on the wire).
func (r *run) sendText(text, want string) frame {
	r.t.Helper()
	if err := r.s.SendText(text); err != nil {
		r.t.Fatal(err)
	}
	return r.sv.expect("conversation.item.create", func(f frame) bool { return hasText(f, want) })
}

// messageTurn has the server answer with response r1 and its message m1:
// created, item added, the frames between (deltas), item (its done form),
// response done (completed).
func (r *run) messageTurn(item string, between ...string) {
	r.t.Helper()
	r.sv.send(respCreated("r1"))
	r.sv.send(msgAdded("r1", "m1", "")...)
	if len(between) > 0 {
		r.sv.send(between...)
	}
	r.sv.send(itemDone("r1", item)...)
	r.sv.send(respDone("r1", "completed", ""))
}
