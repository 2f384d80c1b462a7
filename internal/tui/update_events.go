package tui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rtagent/rtagent/internal/realtime"
	"github.com/rtagent/rtagent/internal/session"
)

// handleEvent applies one session event. It returns true for high-frequency
// events whose frame may wait for the next tick (coalescing).
func (m *Model) handleEvent(ev session.Event) (coalesce bool) {
	now := m.now()
	r := m.record
	switch e := ev.(type) {
	case session.AudioStarted:
		// Audio never travels through the UI; the first audio of a response stops
		// the latency clock of a spoken answer (and says there is something to
		// interrupt).
		m.playing = true
		m.stopLatencyClock()
		return true

	case session.Transcript:
		return m.handleTranscript(e)

	case session.RawEvent:
		return m.handleFrame(realtime.Frame{Direction: e.Direction, Time: now, Type: e.Type, Data: e.Data})
	case session.ConnectionEvent:
		m.status.conn = e.State
		if msg := connectionNotice(e); msg != "" {
			r.add(&Entry{Kind: EntryNotice, Message: msg, At: now})
		}
	case session.SessionReady:
		m.status.conn = "connected"
		m.status.sessionID = safe(e.SessionID)
		if e.Agent != "" {
			m.status.agent = safe(e.Agent)
		}
		if e.Settings.Model != "" {
			m.status.model = safe(e.Settings.Model) // as the server reported it
		}
		if e.Settings.Voice != "" {
			m.status.voice = safe(e.Settings.Voice)
		}
		m.status.spoken = slices.Contains(e.Settings.OutputModalities, realtime.ModalityAudio)
		return false
	case session.AgentStart:
		if e.Agent != "" {
			m.status.agent = e.Agent
		}
		return false
	case session.AgentEnd:
		for _, en := range r.Entries {
			if en.Kind == EntryAssistant && en.ResponseID == e.ResponseID && e.ResponseID != "" {
				if !en.Final || (e.Status != "" && e.Status != "completed") {
					en.Final = true
					en.Status = e.Status
					en.touch()
				}
			}
		}
	case session.Handoff:
		r.add(&Entry{Kind: EntryHandoff, From: e.FromAgent, To: e.ToAgent, Manual: e.Manual, CallID: e.CallID, At: now})
		m.status.agent = e.ToAgent
		if e.Manual {
			m.clearNoticePrefix("switching to ")
		}
	case session.ToolApprovalRequired:
		en := r.tool(e.CallID, e.Agent, e.Tool, e.Arguments, now)
		en.State = ToolAwaitingApproval
		en.touch()
		if len(m.approvals) == 0 {
			m.approval = approvalState{shownAt: now} // opens without the keys
		}
		m.approvals = append(m.approvals, e)
		m.picker.open = false
		// The answer now waits for the user, not the model: this turn's latency
		// would measure the approval dialog, so it is not measured.
		m.status.pendingSince = time.Time{}
	case session.ToolStart:
		en := r.tool(e.CallID, e.Agent, e.Tool, e.Arguments, now)
		en.State = ToolRunning
		if approved, ok := m.sticky[e.Tool]; ok && approved && en.Decision == "" {
			en.Decision = DecisionAutoApproved // the session applied the user's "always"
		}
		en.touch()
	case session.ToolEnd:
		en := r.tool(e.CallID, e.Agent, e.Tool, e.Arguments, now)
		en.Output, en.Error, en.Duration = e.Output, e.Error, e.Duration
		en.State = ToolDone
		if e.Error != "" {
			en.State = ToolFailed
			if approved, ok := m.sticky[e.Tool]; ok && !approved && en.Decision == "" {
				en.Decision = DecisionAutoRejected
			}
		}
		en.touch()
		m.dropApproval(e.CallID) // decided elsewhere (sticky policy, timeout, close)
	case session.AudioInterrupted:
		m.playing = false
		if en, ok := r.byItem[e.ItemID]; ok {
			en.Interrupted = e.Reason
			en.touch()
		}
	case session.SpeechStarted:
		m.status.speaking = true
		if e.ItemID != "" {
			r.turn(EntryUser, e.ItemID, "", now)
		}
	case session.SpeechStopped:
		m.status.speaking = false
		m.status.pendingSince = now
	case session.GuardrailTripped:
		if en := r.byItem[e.ItemID]; e.ItemID != "" && en != nil && en.Kind == EntryAssistant {
			en.Text = e.Message // the blocked text is withheld on screen too (marker)
			en.touch()
		}
		msg := e.Message
		if e.Reason != "" {
			msg += " — " + e.Reason
		}
		r.add(&Entry{Kind: EntryGuardrail, Agent: e.Agent, GuardrailKind: e.Kind, Guardrails: e.Guardrails,
			Message: msg, ItemID: "", At: now})
	case session.GuardrailCorrection:
		r.add(&Entry{Kind: EntryNotice, Message: e.Notice, At: now}) // a system action, not a user turn
	case session.ToolError:
		r.add(&Entry{Kind: EntryError, Source: "tool", Message: e.Tool + " not run: " + e.Error, At: now})
	case session.Error:
		r.add(&Entry{Kind: EntryError, Source: e.Source, Code: e.Code, Message: e.Message, Fatal: e.Fatal, At: now})
	case session.HistoryAdded:
		return !m.applyHistoryItem(e.Item)
	case session.HistoryUpdated:
		return e.Item == nil || !m.applyHistoryItem(*e.Item)
	case session.InputAudioTimeout:
		r.add(&Entry{Kind: EntryNotice, Message: "no speech heard (input audio timeout)", At: now})
	case session.UsageEvent:
		m.status.costUSD = e.CostUSD
		m.status.tokens = e.Total.TotalTokens
		return false
	case session.Closed:
		m.status.conn = "closed"
		msg := "session closed"
		if e.Reason != "" {
			msg += ": " + e.Reason
		}
		if e.Err != nil {
			msg += " (" + e.Err.Error() + ")"
		}
		r.add(&Entry{Kind: EntryNotice, Message: msg, At: now})
	case session.AudioEnd:
		m.playing = false // what is still audible shows in the output level
		return true
	default:
		return true
	}
	m.convDirty = true
	return false
}

// handleTranscript streams a delta into its turn (coalesced) or finalises it.
func (m *Model) handleTranscript(t session.Transcript) bool {
	now := m.now()
	kind := EntryAssistant
	if t.Role == "user" {
		kind = EntryUser
	}
	en := m.record.turn(kind, t.ItemID, t.Text, now)
	if kind == EntryAssistant {
		if t.Agent != "" {
			en.Agent = t.Agent
		} else if en.Agent == "" {
			en.Agent = m.status.agent
		}
		if t.ResponseID != "" {
			en.ResponseID = t.ResponseID
		}
		if (t.Delta != "" || t.Final) && !m.status.spoken {
			m.stopLatencyClock() // a written answer; a spoken one stops at its audio
		}
	}
	m.convDirty = true
	if t.Final {
		if t.Text != "" || en.Text == "" {
			en.Text = t.Text
		}
		en.Final = true
		en.touch()
		return false // a fact: show it now
	}
	if en.Final { // late delta after the final: ignore
		return true
	}
	en.Text += t.Delta
	en.touch()
	m.dirty = true
	return true
}

// applyHistoryItem fills what transcripts did not: typed user text echoed by
// the engine (claims the local echo) and audio transcripts that completed. It
// reports whether the conversation changed.
func (m *Model) applyHistoryItem(it session.HistoryItem) bool {
	if it.Kind != "user" {
		return false
	}
	text := it.Text()
	if text == "" {
		return false
	}
	n := len(m.record.Entries)
	en := m.record.turn(EntryUser, it.ID, text, m.now())
	changed := len(m.record.Entries) != n
	if !en.Final && transcriptsDone(it) {
		en.Text, en.Final = text, true
		en.touch()
		changed = true
	}
	if changed {
		m.convDirty = true
	}
	return changed
}

func transcriptsDone(it session.HistoryItem) bool {
	for _, p := range it.Parts {
		if p.Type == realtime.ContentInputAudio && p.TranscriptStatus == "" {
			return false
		}
	}
	return true
}

// handleFrame logs one wire frame (audio already elided by the model's tap).
func (m *Model) handleFrame(f realtime.Frame) (coalesce bool) {
	at := f.Time
	if at.IsZero() {
		at = m.now()
	}
	// A malformed frame arrives as its raw bytes: neutralised once, here (safe).
	m.log.push(logLine{At: at, Direction: f.Direction, Type: safe(f.Type), Summary: safe(frameSummary(f.Type, f.Data))})
	if m.logOpen {
		m.dirty = true
	}
	return true
}

// stopLatencyClock ends the pending latency measurement (started at the end of
// user speech or when text was sent) at the first sign of the answer: the first
// audio of a spoken answer (AudioStarted), the first transcript delta of a written
// one.
func (m *Model) stopLatencyClock() {
	s := &m.status
	if s.pendingSince.IsZero() {
		return
	}
	s.latency = m.now().Sub(s.pendingSince)
	s.hasLatency = true
	s.pendingSince = time.Time{}
	m.dirty = true
}

func (m *Model) dropApproval(callID string) {
	for i, a := range m.approvals {
		if a.CallID == callID {
			m.approvals = append(m.approvals[:i:i], m.approvals[i+1:]...)
			if i == 0 { // the shown one: the next starts without the keys
				m.approval = approvalState{shownAt: m.now()}
			}
			return
		}
	}
}

func (m *Model) clearNoticePrefix(prefix string) {
	if strings.HasPrefix(m.notice, prefix) {
		m.notice = ""
	}
}

// connectionNotice is the conversation's line for a connection change, or "" for
// the ordinary first connect (the status line shows the state either way).
func connectionNotice(e session.ConnectionEvent) string {
	why := e.Reason
	if e.CloseCode != 0 {
		why = fmt.Sprintf("close %d: %s", e.CloseCode, e.Reason)
	}
	switch e.State {
	case session.ConnReconnecting:
		if e.Planned {
			return "renewing the connection before the session's time limit…"
		}
		return fmt.Sprintf("connection lost (%s); reconnecting, attempt %d…", why, e.Attempt)
	case session.ConnReconnected:
		return fmt.Sprintf("reconnected after %.1f s; %d items replayed", float64(e.DownMS)/1000, e.Replayed)
	case session.ConnLost, "disconnected":
		if why == "" {
			return "connection closed"
		}
		return "connection lost for good (" + why + ")"
	}
	return ""
}
