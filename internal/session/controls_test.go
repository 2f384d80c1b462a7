package session

import (
	"errors"
	"testing"

	"github.com/rtagent/rtagent/internal/realtime"
	"github.com/rtagent/rtagent/internal/tools"
)

func updates(m *fakeModel) []realtime.UpdateSession {
	return cmdsOf[realtime.UpdateSession](m.commands())
}

// Item 13: text ↔ voice is a full update (R2.3) with the new output modality and
// everything else as before (same voice, R2.4).
func TestSetOutputModality_FullUpdate(t *testing.T) {
	h := start(t, Config{Agents: handoffAgents()}, nil)
	if err := h.s.SetOutputModality("video"); err == nil {
		t.Error("an unknown modality was accepted")
	}
	if err := h.s.SetOutputModality(realtime.ModalityText); err != nil {
		t.Fatal(err)
	}
	up := waitCmd[realtime.UpdateSession](t, h.m, nil)
	st := up.Settings
	if !st.TextOnly() || st.Voice != "cedar" || st.Instructions != "You are Triage." || len(st.Tools) != 2 || st.TurnDetection == nil {
		t.Errorf("update = %+v", st)
	}
	if err := h.s.SetOutputModality(realtime.ModalityAudio); err != nil {
		t.Fatal(err)
	}
	h.m.waitCmds(t, "second update", func(cs []realtime.Command) bool { return len(cmdsOf[realtime.UpdateSession](cs)) == 2 })
	if got := updates(h.m)[1].Settings.OutputModalities; len(got) != 1 || got[0] != realtime.ModalityAudio {
		t.Errorf("modalities = %v", got)
	}
}

// A control after a handoff keeps the handoff preamble (R9.2 step 6): only the
// modality changes.
func TestSetOutputModality_KeepsHandoffPreamble(t *testing.T) {
	h := start(t, Config{Agents: handoffAgents()}, nil)
	h.m.emit(created("r1"))
	h.m.emit(toolCall("r1", "fc1", "c1", "transfer_to_billing_support", "{}")...)
	waitCmd[realtime.SendToolOutput](t, h.m, nil)
	// The Model reports the follow-up trigger, its response r2 covers it.
	h.m.emit(realtime.ResponseTriggers{Change: realtime.TriggerRequested, Count: 1, Pending: 1}, done("r1", "completed"),
		created("r2"), realtime.ResponseTriggers{Change: realtime.TriggerCovered, Count: 1, Pending: 0})
	h.sync()
	if err := h.s.SetOutputModality(realtime.ModalityText); err != nil {
		t.Fatal(err)
	}
	h.sync()
	if n := len(updates(h.m)); n != 1 {
		t.Fatalf("%d updates while the follow-up answer runs", n)
	}
	h.m.emit(done("r2", "completed"))
	h.m.waitCmds(t, "update after the handoff's", func(cs []realtime.Command) bool { return len(cmdsOf[realtime.UpdateSession](cs)) == 2 })
	ups := updates(h.m)
	if ups[1].Settings.Instructions != ups[0].Settings.Instructions || !ups[1].Settings.TextOnly() {
		t.Errorf("instructions %q, want the handoff's %q; text only %v", ups[1].Settings.Instructions, ups[0].Settings.Instructions, ups[1].Settings.TextOnly())
	}
}

// Item 13: VAD ↔ push-to-talk waits for the next safe point: nothing is sent while a
// response is active; the update follows its response.done, with turn_detection
// null (R2.2), and the VAD object comes back on the way back.
func TestSetTurnDetection_WaitsForSafePoint(t *testing.T) {
	h := start(t, Config{}, nil)
	vad := *h.ready.TurnDetection
	h.m.emit(created("r1"))
	h.sync()
	if err := h.s.SetTurnDetection(nil); err != nil {
		t.Fatal(err)
	}
	h.sync()
	if n := len(updates(h.m)); n != 0 {
		t.Fatalf("%d updates sent while a response was active", n)
	}
	v, err := h.s.Settings()
	if err != nil || !v.Pending || v.Sent.TurnDetection == nil {
		t.Errorf("settings while pending = %+v, %v", v, err)
	}
	h.m.emit(done("r1", "completed"))
	up := waitCmd[realtime.UpdateSession](t, h.m, nil)
	if up.Settings.TurnDetection != nil {
		t.Errorf("turn detection = %+v, want null (push-to-talk)", up.Settings.TurnDetection)
	}
	if err := h.s.SetTurnDetection(&vad); err != nil {
		t.Fatal(err)
	}
	h.m.waitCmds(t, "second update", func(cs []realtime.Command) bool { return len(cmdsOf[realtime.UpdateSession](cs)) == 2 })
	td := updates(h.m)[1].Settings.TurnDetection
	if td == nil || td.Type != realtime.TurnSemanticVAD {
		t.Errorf("turn detection back = %+v", td)
	}
	v, err = h.s.Settings()
	if err != nil || v.Pending || v.Sent.TurnDetection == nil || v.Effective == nil || v.Agent != "Triage" {
		t.Errorf("settings = %+v, %v", v, err)
	}
}

// Item 15: reloaded agents are validated first (the session untouched on error),
// then applied with a full update: the active agent kept by name with its new
// instructions and tools; the history and sticky approvals kept; the new tool runs.
func TestReplaceAgents(t *testing.T) {
	refund := newTool("refund")
	h := start(t, Config{Agents: handoffAgents(), Approval: ApprovalAsk}, nil)
	if err := h.s.SwitchAgent("Billing Support"); err != nil {
		t.Fatal(err)
	}
	waitCmd[realtime.UpdateSession](t, h.m, nil)
	h.m.emit(realtime.ItemEvent{Kind: realtime.ItemAdded, Item: realtime.Item{ID: "u1", Type: realtime.ItemMessage, Role: "user",
		Content: []realtime.Content{{Type: realtime.ContentInputText, Text: "hello"}}}})
	h.sync()

	bad := []*Agent{{Name: "Triage"}, {Name: "Triage"}}
	if err := h.s.ReplaceAgents(bad); !errors.Is(err, ErrConfig) {
		t.Errorf("duplicate names: err = %v", err)
	}
	if err := h.s.ReplaceAgents([]*Agent{{Name: "Triage", Instructions: "x"}}); !errors.Is(err, ErrConfig) {
		t.Errorf("active agent missing: err = %v", err)
	}
	h.sync()
	if n := len(updates(h.m)); n != 1 {
		t.Fatalf("a rejected reload sent %d updates", n-1)
	}

	lookup := newTool("lookup_v2")
	next := []*Agent{
		{Name: "Triage", Instructions: "You are Triage v2.", Tools: []tools.Tool{lookup}, Handoffs: []HandoffTarget{{Agent: "Billing Support"}}},
		{Name: "Billing Support", Instructions: "You handle billing, v2.", Tools: []tools.Tool{refund, lookup}},
	}
	if err := h.s.ReplaceAgents(next); err != nil {
		t.Fatal(err)
	}
	h.m.waitCmds(t, "reload update", func(cs []realtime.Command) bool { return len(cmdsOf[realtime.UpdateSession](cs)) == 2 })
	st := updates(h.m)[1].Settings
	if st.Instructions != "You handle billing, v2." || len(st.Tools) != 2 || st.Tools[1].Name != "lookup_v2" || st.Voice != "cedar" {
		t.Errorf("reload update = %+v", st)
	}
	if h.s.ActiveAgent() != "Billing Support" {
		t.Errorf("active agent = %q", h.s.ActiveAgent())
	}
	if hist := h.s.History(); len(hist) != 1 || hist[0].ID != "u1" {
		t.Errorf("history = %+v", hist)
	}
	h.m.emit(created("r1"))
	h.m.emit(toolCall("r1", "fc1", "c1", "lookup_v2", "{}")...)
	end := waitEvent[ToolEnd](t, h.rec, nil)
	if end.Output != "lookup_v2 ok" || lookup.callCount() != 1 {
		t.Errorf("tool_end = %+v (calls %d)", end, lookup.callCount())
	}
	if err := h.s.SwitchAgent("Triage"); err != nil {
		t.Fatal(err)
	}
	ev := waitEvent[Handoff](t, h.rec, func(e Handoff) bool { return e.ToAgent == "Triage" })
	if !ev.Manual {
		t.Errorf("handoff = %+v", ev)
	}
}
