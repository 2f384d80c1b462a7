package session

import (
	"slices"
	"testing"

	"github.com/rtagent/rtagent/internal/realtime"
	"github.com/rtagent/rtagent/internal/tools"
)

func declared(st realtime.Settings) []string {
	var names []string
	for _, t := range st.Tools {
		names = append(names, t.Name)
	}
	return names
}

// An MCP server's list changed: the active agent's new tools are declared with a
// full session.update, but only once no response is active; a call detected before
// keeps the table it was resolved against (R8.3).
func TestSetAgentToolsUpdatesAtSafePoint(t *testing.T) {
	old := newTool("old_tool")
	old.gate = make(chan struct{})
	agents := []*Agent{{Name: "Triage", Instructions: "You are Triage.", Tools: []tools.Tool{old}, Handoffs: []HandoffTarget{{Agent: "Billing"}}},
		{Name: "Billing", Instructions: "b"}}
	h := start(t, Config{Agents: agents}, nil)
	h.m.emit(created("r1"))
	h.m.emit(toolCall("r1", "fc1", "c1", "old_tool", "{}")...)
	waitEvent[ToolStart](t, h.rec, nil)

	if err := h.s.SetAgentTools("Triage", []tools.Tool{newTool("new_tool")}); err != nil {
		t.Fatal(err)
	}
	h.barrier()
	if n := len(cmdsOf[realtime.UpdateSession](h.m.commands())); n != 0 {
		t.Fatalf("%d session.update while a response is active", n)
	}
	h.m.emit(done("r1", "completed"))
	up := waitCmd[realtime.UpdateSession](t, h.m, nil)
	if got := declared(up.Settings); !slices.Equal(got, []string{"new_tool", "transfer_to_billing"}) {
		t.Errorf("declared tools = %v", got)
	}
	if up.Settings.Instructions != "You are Triage." || up.Settings.Voice == "" || up.Settings.Model == "" {
		t.Errorf("the update is not a full one: %+v", up.Settings)
	}
	// The call detected before the change still runs its own tool.
	old.gate <- struct{}{}
	end := waitEvent[ToolEnd](t, h.rec, nil)
	if end.Output != "old_tool ok" {
		t.Errorf("tool_end = %+v", end)
	}
	h.sync()
	if n := len(cmdsOf[realtime.UpdateSession](h.m.commands())); n != 1 {
		t.Errorf("%d session.update, want 1", n)
	}
}

// An inactive agent's new tools wait for it to become active: no update now, and
// the handoff's full update declares them.
func TestSetAgentToolsInactiveAgent(t *testing.T) {
	agents := []*Agent{{Name: "Triage", Instructions: "t", Handoffs: []HandoffTarget{{Agent: "Billing"}}},
		{Name: "Billing", Instructions: "b"}}
	h := start(t, Config{Agents: agents}, nil)
	if err := h.s.SetAgentTools("Billing", []tools.Tool{newTool("refund")}); err != nil {
		t.Fatal(err)
	}
	h.barrier()
	if n := len(cmdsOf[realtime.UpdateSession](h.m.commands())); n != 0 {
		t.Fatalf("%d session.update for an inactive agent", n)
	}
	if err := h.s.SwitchAgent("Billing"); err != nil {
		t.Fatal(err)
	}
	up := waitCmd[realtime.UpdateSession](t, h.m, nil)
	if got := declared(up.Settings); !slices.Equal(got, []string{"refund"}) {
		t.Errorf("declared tools after the switch = %v", got)
	}
}

// R8.1: a new table that clashes with a handoff tool, or with itself, is refused.
func TestSetAgentToolsRejectsDuplicates(t *testing.T) {
	agents := []*Agent{{Name: "Triage", Instructions: "t", Handoffs: []HandoffTarget{{Agent: "Billing"}}},
		{Name: "Billing", Instructions: "b"}}
	h := start(t, Config{Agents: agents}, nil)
	if err := h.s.SetAgentTools("Triage", []tools.Tool{newTool("transfer_to_billing")}); err == nil {
		t.Error("a tool named like a handoff tool was accepted")
	}
	if err := h.s.SetAgentTools("Triage", []tools.Tool{newTool("a"), newTool("a")}); err == nil {
		t.Error("duplicate tool names were accepted")
	}
	if err := h.s.SetAgentTools("Nobody", nil); err == nil {
		t.Error("an unknown agent was accepted")
	}
}

// Report puts an outside error into the stream, before Start as the first event.
func TestReportBeforeAndAfterStart(t *testing.T) {
	m := newFakeModel()
	s, err := New(Config{Model: m, Base: baseSettings(), Agents: []*Agent{{Name: "A"}}, Audio: &fakeSink{}})
	if err != nil {
		t.Fatal(err)
	}
	rec := record(s)
	s.Report(Error{Source: "mcp", Message: "MCP server fs failed: boom"})
	if err := s.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	s.Report(Error{Source: "mcp", Message: "MCP server fs is restarting"})
	waitEvent(t, rec, func(e Error) bool { return e.Message == "MCP server fs is restarting" })
	_ = s.Close()
	<-rec.Done()
	s.Report(Error{Source: "mcp", Message: "after close"}) // dropped, no panic
	evs := rec.events()
	if e, ok := evs[0].(Error); !ok || e.Source != "mcp" {
		t.Errorf("first event = %#v, want the report made before Start", evs[0])
	}
}
