package session

import (
	"strings"
	"testing"

	"github.com/rtagent/rtagent/internal/realtime"
	"github.com/rtagent/rtagent/internal/tools"
)

func handoffAgents() []*Agent {
	return []*Agent{
		{Name: "Triage", Instructions: "You are Triage.", Voice: "cedar", Tools: []tools.Tool{newTool("lookup")},
			Handoffs: []HandoffTarget{{Agent: "Billing Support"}}},
		{Name: "Billing Support", Instructions: "You handle billing.", Voice: "ash", ToolChoice: "required",
			Tools: []tools.Tool{newTool("refund")}, Prompt: &realtime.Prompt{ID: "p"}},
	}
}

// R9.2: handoff event → session.update for the new agent (same voice/formats/turn
// detection, R2.4; preamble, R9.2 step 6) → output {"assistant":…} with a trigger.
func TestHandoff_R9_2(t *testing.T) {
	h := start(t, Config{Agents: handoffAgents()}, nil)
	h.m.emit(created("r1"))
	h.m.emit(toolCall("r1", "fc1", "c1", "transfer_to_billing_support", "{}")...)
	ev := waitEvent[Handoff](t, h.rec, nil)
	if ev.FromAgent != "Triage" || ev.ToAgent != "Billing Support" || ev.CallID != "c1" || ev.Manual {
		t.Errorf("handoff = %+v", ev)
	}
	out := waitCmd[realtime.SendToolOutput](t, h.m, nil)
	if out.Output != `{"assistant":"Billing Support"}` || !out.Respond || out.CallID != "c1" {
		t.Errorf("handoff output = %+v", out)
	}
	cmds := h.m.commands()
	iu, io := lastCmd[realtime.UpdateSession](cmds), lastCmd[realtime.SendToolOutput](cmds)
	if iu < 0 || iu > io {
		t.Fatalf("session.update must precede the tool output (R9.2 step 3): %s", fmtCmds(cmds))
	}
	st := cmds[iu].(realtime.UpdateSession).Settings
	conn := *h.m.connected
	if !strings.HasPrefix(st.Instructions, "The conversation was just transferred to you from Triage.") || !strings.HasSuffix(st.Instructions, "You handle billing.") {
		t.Errorf("instructions = %q", st.Instructions)
	}
	if st.Voice != "cedar" || st.Voice != conn.Voice || st.InputFormat != conn.InputFormat || st.OutputFormat != conn.OutputFormat || st.Model != conn.Model {
		t.Errorf("voice/formats/model changed across the handoff (R2.4): %+v", st)
	}
	if *st.TurnDetection.InterruptResponse != *conn.TurnDetection.InterruptResponse || st.TurnDetection.Type != conn.TurnDetection.Type {
		t.Errorf("turn detection changed: %+v", st.TurnDetection)
	}
	if len(st.Tools) != 1 || st.Tools[0].Name != "refund" || st.ToolChoice != "required" || st.Prompt == nil || st.Prompt.ID != "p" {
		t.Errorf("agent fields = tools %+v choice %q prompt %+v", st.Tools, st.ToolChoice, st.Prompt)
	}
	if got := h.s.ActiveAgent(); got != "Billing Support" {
		t.Errorf("active agent = %q", got)
	}
}

// R9.4: agent_start/agent_end name the agent active at response.created; R12.2 #6:
// handoff precedes the new agent's first agent_start.
func TestHandoffAttribution_R9_4(t *testing.T) {
	h := start(t, Config{Agents: handoffAgents()}, nil)
	h.m.emit(created("r1"))
	h.m.emit(toolCall("r1", "fc1", "c1", "transfer_to_billing_support", "{}")...)
	h.m.emit(done("r1", "completed"), created("r2"), done("r2", "completed"))
	waitEvent(t, h.rec, func(e AgentEnd) bool { return e.ResponseID == "r2" })
	evs := h.rec.events()
	ends := eventsOf[AgentEnd](evs)
	starts := eventsOf[AgentStart](evs)
	if ends[0].Agent != "Triage" || starts[0].Agent != "Triage" {
		t.Errorf("r1 attributed to %q/%q, want Triage", starts[0].Agent, ends[0].Agent)
	}
	if ends[1].Agent != "Billing Support" || starts[1].Agent != "Billing Support" {
		t.Errorf("r2 attributed to %q/%q, want Billing Support", starts[1].Agent, ends[1].Agent)
	}
	ih := indexOfEvent(evs, func(e Event) bool { _, ok := e.(Handoff); return ok })
	is := indexOfEvent(evs, func(e Event) bool { v, ok := e.(AgentStart); return ok && v.ResponseID == "r2" })
	if ih < 0 || ih > is {
		t.Errorf("handoff at %d, new agent's agent_start at %d", ih, is)
	}
	// The handoff call is a tool item with its output (R11.1).
	hist := h.s.History()
	if len(hist) != 1 || hist[0].Kind != KindTool || hist[0].Output != `{"assistant":"Billing Support"}` {
		t.Errorf("history = %+v", hist)
	}
}

// R9.5: a manual switch sends the update and emits handoff{manual}; no output, no
// response; unknown agents are refused.
func TestSwitchAgent_R9_5(t *testing.T) {
	h := start(t, Config{Agents: handoffAgents()}, nil)
	if err := h.s.SwitchAgent("Nobody"); err == nil {
		t.Error("switch to an unknown agent succeeded")
	}
	if err := h.s.SwitchAgent("Billing Support"); err != nil {
		t.Fatal(err)
	}
	ev := waitEvent[Handoff](t, h.rec, nil)
	if !ev.Manual || ev.FromAgent != "Triage" || ev.ToAgent != "Billing Support" {
		t.Errorf("handoff = %+v", ev)
	}
	up := waitCmd[realtime.UpdateSession](t, h.m, nil)
	if up.Settings.Instructions != "You handle billing." || up.Settings.Voice != "cedar" {
		t.Errorf("update = %q voice %q", up.Settings.Instructions, up.Settings.Voice)
	}
	h.sync()
	cmds := h.m.commands()
	if len(cmdsOf[realtime.SendToolOutput](cmds))+len(cmdsOf[realtime.CreateResponse](cmds)) != 0 {
		t.Errorf("manual switch sent %s", fmtCmds(cmds))
	}
}

// R9.2 step 1 / R8.3: a transfer tool the agent (captured at detection) does not have
// is an unknown tool: the agent stays.
func TestHandoffUnknownTarget_R9_2(t *testing.T) {
	h := start(t, Config{Agents: handoffAgents()}, nil)
	h.m.emit(created("r1"))
	h.m.emit(toolCall("r1", "fc1", "c1", "transfer_to_nobody", "{}")...)
	end := waitEvent[ToolEnd](t, h.rec, nil)
	if end.Output != "Tool transfer_to_nobody not found" {
		t.Errorf("tool_end = %+v", end)
	}
	if h.s.ActiveAgent() != "Triage" {
		t.Errorf("agent changed to %q", h.s.ActiveAgent())
	}
}
