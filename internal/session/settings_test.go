package session

import (
	"errors"
	"strings"
	"testing"

	"github.com/rtagent/rtagent/internal/realtime"
	"github.com/rtagent/rtagent/internal/tools"
)

func TestNewValidation_R8_1(t *testing.T) {
	m := newFakeModel()
	dup := newTool("lookup")
	collide := newTool("transfer_to_billing")
	cases := map[string]Config{
		"unknown start agent":          {Agents: []*Agent{{Name: "a"}}, StartAgent: "b"},
		"duplicate tool":               {Agents: []*Agent{{Name: "a", Tools: []tools.Tool{dup, newTool("lookup")}}}},
		"tool vs handoff":              {Agents: []*Agent{{Name: "a", Tools: []tools.Tool{collide}, Handoffs: []HandoffTarget{{Agent: "billing"}}}, {Name: "billing"}}},
		"unknown handoff":              {Agents: []*Agent{{Name: "a", Handoffs: []HandoffTarget{{Agent: "nobody"}}}}},
		"duplicate agent":              {Agents: []*Agent{{Name: "a"}, {Name: "a"}}},
		"no agents":                    {},
		"bad approval":                 {Agents: []*Agent{{Name: "a"}}, Approval: "sometimes"},
		"strict without transcription": {Agents: []*Agent{{Name: "a"}}, InputGuardrailMode: InputGuardrailsStrict},
	}
	for name, cfg := range cases {
		cfg.Model = m
		if _, err := New(cfg); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: err = %v, want ErrConfig", name, err)
		}
	}
	if _, err := New(Config{Model: m, Agents: []*Agent{{Name: "a"}}}); err != nil {
		t.Fatalf("valid config: %v", err)
	}
}

// R2.3: the connect settings are the base merged with the start agent; R2.4: the start
// agent's voice is the session voice; R7.8: interruptible:false → interrupt_response
// false; R9.1: handoff tools.
func TestConnectSettings_R2_3(t *testing.T) {
	base := baseSettings()
	no := false
	prompt := &realtime.Prompt{ID: "pmpt_1", Variables: map[string]string{"k": "v"}}
	lookup := newTool("lookup")
	h := start(t, Config{
		Base: base,
		Agents: []*Agent{
			{Name: "Triage", Instructions: "Be brief.", Voice: "cedar", Prompt: prompt, Interruptible: &no,
				Tools: []tools.Tool{lookup}, Handoffs: []HandoffTarget{{Agent: "Billing Support"}}},
			{Name: "Billing Support", HandoffDescription: "Handles invoices.", Voice: "ash"},
		},
	}, nil)
	got := *h.m.connected
	if got.Instructions != "Be brief." || got.Voice != "cedar" || got.ToolChoice != "auto" || got.Model != base.Model {
		t.Errorf("settings = %+v", got)
	}
	if got.Prompt == nil || got.Prompt.ID != "pmpt_1" || got.Prompt == prompt {
		t.Errorf("prompt = %+v (must be a copy of the agent's)", got.Prompt)
	}
	if len(got.Tools) != 2 || got.Tools[0].Name != "lookup" || got.Tools[1].Name != "transfer_to_billing_support" {
		t.Fatalf("tools = %+v", got.Tools)
	}
	if d := got.Tools[1].Description; d != "Handoff to the Billing Support agent to handle the request. Handles invoices." {
		t.Errorf("handoff description = %q", d)
	}
	if p := string(got.Tools[1].Parameters); p != `{"type":"object","properties":{},"required":[],"additionalProperties":false}` {
		t.Errorf("handoff parameters = %s", p)
	}
	if td := got.TurnDetection; td == nil || td.InterruptResponse == nil || *td.InterruptResponse || !td.CreatesResponses() {
		t.Errorf("turn detection = %+v, want interrupt_response false, create_response true", td)
	}
	if !base.TurnDetection.Interrupts() {
		t.Error("base settings were mutated")
	}
	if got.InputFormat != base.InputFormat || got.OutputFormat != base.OutputFormat || got.Transcription.Model != base.Transcription.Model {
		t.Errorf("formats/transcription changed: %+v", got)
	}
}

// R10.7 strict: create_response:false so the client answers only checked transcripts.
func TestConnectSettings_StrictInputGuardrails_R10_7(t *testing.T) {
	h := start(t, Config{InputGuardrailMode: InputGuardrailsStrict}, nil)
	td := h.m.connected.TurnDetection
	if td == nil || td.CreatesResponses() || !td.Interrupts() {
		t.Fatalf("turn detection = %+v, want create_response false, interrupt_response true", td)
	}
}

func TestConnectSettings_ToolChoiceAndPreambleDefaults(t *testing.T) {
	base := baseSettings()
	a := &Agent{Name: "A", Instructions: "I am A.", ToolChoice: "required"}
	s := buildSettings(base, "marin", map[string]*Agent{"A": a}, a, "B", false)
	if s.ToolChoice != "required" {
		t.Errorf("tool_choice = %q", s.ToolChoice)
	}
	if !strings.HasPrefix(s.Instructions, "The conversation was just transferred to you from B.") || !strings.HasSuffix(s.Instructions, "I am A.") {
		t.Errorf("instructions with default preamble = %q", s.Instructions)
	}
	none := ""
	a.HandoffPreamble = &none
	if s := buildSettings(base, "marin", nil, a, "B", false); s.Instructions != "I am A." {
		t.Errorf("instructions without preamble = %q", s.Instructions)
	}
	custom := "Came from {from}."
	a.HandoffPreamble = &custom
	if s := buildSettings(base, "marin", nil, a, "B", false); s.Instructions != "Came from B.\n\nI am A." {
		t.Errorf("instructions with custom preamble = %q", s.Instructions)
	}
	if s := buildSettings(base, "marin", nil, a, "", false); s.Instructions != "I am A." {
		t.Errorf("instructions on connect = %q", s.Instructions)
	}
}

// R3.3: the optional greeting is one manual response.create with instructions, sent
// once the session is ready (R1.12), and only once.
func TestGreetingAfterReady_R3_3(t *testing.T) {
	h := start(t, Config{Greeting: "Greet the caller as Triage."}, nil)
	c := waitCmd[realtime.CreateResponse](t, h.m, nil)
	if c.Instructions != "Greet the caller as Triage." {
		t.Errorf("greeting = %+v", c)
	}
	h.m.emit(realtime.SessionUpdated{Ready: true, Info: realtime.SessionInfo{Settings: h.ready}})
	h.sync()
	if n := len(cmdsOf[realtime.CreateResponse](h.m.commands())); n != 1 {
		t.Errorf("%d greetings", n)
	}
	if n := len(eventsOf[SessionReady](h.rec.events())); n != 1 {
		t.Errorf("%d session_ready events", n)
	}
}
