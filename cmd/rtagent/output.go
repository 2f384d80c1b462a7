package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/rtagent/rtagent/internal/agent"
	"github.com/rtagent/rtagent/internal/realtime"
	"github.com/rtagent/rtagent/internal/session"
	"github.com/rtagent/rtagent/internal/tui"
)

// eventPrinter writes session events for `rtagent run` and chat's line mode: JSONL
// (one event per line, docs/events.md) or a readable text form. It also keeps the
// session's statistics and reports approval decisions, whoever took them. It is safe
// for concurrent use: approvals are answered on their own goroutines.
type eventPrinter struct {
	w      io.Writer
	format string // "jsonl" or "text"
	now    func() time.Time

	mu    sync.Mutex
	start time.Time
	stats *sessionStats
	err   error // the first write error

	approval  approvalBook
	toolStart map[string]bool // call ids whose tool started
}

func newEventPrinter(w io.Writer, format string, now func() time.Time) *eventPrinter {
	if now == nil {
		now = time.Now
	}
	start := now()
	return &eventPrinter{
		w: w, format: format, now: now, start: start,
		stats:     newSessionStats(start),
		toolStart: map[string]bool{},
		approval:  approvalBook{decided: map[string]bool{}, asked: map[string]bool{}, remembered: map[string]bool{}},
	}
}

// approvalBook tells which decisions the printer already reported and which tools
// need approval, so decisions the session takes by itself are reported too.
type approvalBook struct {
	policy     string          // --approve: ask, always or never
	needs      map[string]bool // agent + "\x00" + tool
	decided    map[string]bool // call ids with an approval line
	asked      map[string]bool // call ids the user was asked about
	remembered map[string]bool // tools with a sticky user decision (always/never)
}

// configure tells the printer which tools need approval and the --approve policy.
func (p *eventPrinter) configure(cfg *agent.Config, policy string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.approval.policy = policy
	p.approval.needs = map[string]bool{}
	for _, a := range cfg.Agents {
		for _, t := range a.Tools {
			if t.NeedsApproval {
				p.approval.needs[a.Name+"\x00"+t.Name] = true
			}
		}
	}
}

// printable lists the events the stream reports (docs/events.md).
func printable(ev session.Event) bool {
	switch e := ev.(type) {
	case session.Transcript:
		return e.Final
	case session.AgentStart, session.AgentEnd, session.ToolStart, session.ToolEnd,
		session.ToolApprovalRequired, session.Handoff, session.GuardrailTripped,
		session.AudioInterrupted, session.UsageEvent, session.Error, session.ConnectionEvent,
		session.SpeechStarted, session.SpeechStopped, session.InputAudioTimeout,
		session.ToolError, session.GuardrailCorrection:
		return true
	}
	return false
}

// sessionStart prints the first line (JSONL only; the text form starts with the
// conversation).
func (p *eventPrinter) sessionStart(l sessionStartLine) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.format != "jsonl" {
		return nil
	}
	l.stamp = p.stampAt("session_start", p.start) // t_ms 0 by definition
	return p.writeJSONLocked(l)
}

// print accounts for ev and prints it if the stream reports it.
func (p *eventPrinter) print(ev session.Event) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	p.stats.observe(ev, now)
	p.autoApprovalLocked(ev)
	switch e := ev.(type) {
	case session.ToolStart:
		p.toolStart[e.CallID] = true
	case session.ToolApprovalRequired:
		p.approval.asked[e.CallID] = true
	}
	if !printable(ev) {
		return p.err
	}
	if p.format == "jsonl" {
		return p.writeJSONLocked(p.lineLocked(ev))
	}
	if s := p.textLineLocked(ev); s != "" {
		p.writeLocked(s + "\n")
	}
	return p.err
}

// observe accounts for an event the caller prints itself.
func (p *eventPrinter) observe(ev session.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stats.observe(ev, p.now())
	if a, ok := ev.(session.ToolApprovalRequired); ok {
		p.approval.asked[a.CallID] = true
	}
}

// sent notes that a typed user message goes out now (the latency clock starts).
func (p *eventPrinter) sent() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stats.sent(p.now())
}

// decided reports a decision taken on a tool_approval_required: by the user, or for
// want of one (no terminal, end of input).
func (p *eventPrinter) decided(a session.ToolApprovalRequired, approved, always bool, by string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if by == "user" && always {
		p.approval.remembered[a.Tool] = true
	}
	p.approvalLocked(approvalLine{Agent: a.Agent, Tool: a.Tool, CallID: a.CallID, Decision: decision(approved), By: by, Always: always})
}

// autoApprovalLocked reports decisions the session took by itself: the --approve
// policy, or an earlier always/never answer. They show as a tool that needs
// approval starting (or ending unstarted) without a decision reported.
func (p *eventPrinter) autoApprovalLocked(ev session.Event) {
	var agentName, tool, callID string
	var approved bool
	switch e := ev.(type) {
	case session.ToolStart:
		agentName, tool, callID, approved = e.Agent, e.Tool, e.CallID, true
	case session.ToolEnd:
		if p.toolStart[e.CallID] {
			return
		}
		agentName, tool, callID = e.Agent, e.Tool, e.CallID
	default:
		return
	}
	if !p.approval.needs[agentName+"\x00"+tool] || p.approval.decided[callID] || p.approval.asked[callID] {
		return // no approval needed, already reported, or asked and never answered (closed)
	}
	by := "policy"
	if p.approval.remembered[tool] {
		by = "remembered"
	}
	p.approvalLocked(approvalLine{Agent: agentName, Tool: tool, CallID: callID, Decision: decision(approved), By: by})
}

func (p *eventPrinter) approvalLocked(l approvalLine) {
	p.approval.decided[l.CallID] = true
	if p.format == "jsonl" {
		l.stamp = p.stampLocked("approval")
		_ = p.writeJSONLocked(l)
		return
	}
	if l.By == "user" {
		return // the user just typed the answer
	}
	mark := "✓"
	if l.Decision != "approved" {
		mark = "✗"
	}
	var why string
	switch l.By {
	case "policy":
		why = "automatically (--approve " + p.approval.policy + ")"
	case "remembered":
		why = "automatically (you answered for every call)"
	case "no_terminal":
		why = "(no terminal to ask)"
	case "end_of_input":
		why = "(the input ended)"
	}
	p.writeLocked(fmt.Sprintf("  %s %s %s %s\n", mark, l.Tool, l.Decision, why))
}

func decision(approved bool) string {
	if approved {
		return "approved"
	}
	return "refused"
}

// sessionEnd prints the last line (JSONL), or the summary (text, to summary).
func (p *eventPrinter) sessionEnd(err error, summary io.Writer, info summaryInfo) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if p.format != "jsonl" {
		// Nothing to sum up when no turn was taken (e.g. the connection failed).
		if summary != nil && p.stats.turns > 0 {
			p.stats.writeSummary(summary, now, info)
		}
		return p.err
	}
	s := p.stats
	l := sessionEndLine{
		Reason: endReason(err), ExitCode: exitCode(err), DurationMS: now.Sub(p.start).Milliseconds(),
		Turns: s.turns, ToolCalls: s.toolCalls, Interruptions: s.interruptions,
	}
	if err != nil && l.Reason != "interrupted" {
		l.Error = strings.TrimSpace(err.Error())
	}
	if p50, ok := s.percentile(50); ok {
		p95, _ := s.percentile(95)
		a, b := p50.Milliseconds(), p95.Milliseconds()
		l.LatencyP50MS, l.LatencyP95MS = &a, &b
	}
	if s.usageSeen {
		c, cost := countsOf(s.total), s.costUSD
		l.Total, l.CostUSD = &c, &cost
	}
	l.stamp = p.stampLocked("session_end")
	return p.writeJSONLocked(l)
}

// lineLocked wraps a printable event in its line type.
func (p *eventPrinter) lineLocked(ev session.Event) any {
	st := p.stampLocked(ev.EventType())
	switch e := ev.(type) {
	case session.ConnectionEvent:
		return connectionLine{st, e}
	case session.AgentStart:
		return agentStartLine{st, e}
	case session.AgentEnd:
		l := agentEndLine{stamp: st, AgentEnd: e}
		if d, ok := p.stats.takeLatency(e.ResponseID); ok {
			ms := d.Milliseconds()
			l.LatencyMS = &ms
		}
		return l
	case session.Transcript:
		return transcriptLine{st, e}
	case session.ToolStart:
		return toolStartLine{st, e}
	case session.ToolEnd:
		return toolEndLine{st, e}
	case session.ToolApprovalRequired:
		return toolApprovalRequiredLine{st, e}
	case session.Handoff:
		return handoffLine{st, e}
	case session.GuardrailTripped:
		return guardrailTrippedLine{st, e}
	case session.GuardrailCorrection:
		return guardrailCorrectionLine{st, e}
	case session.ToolError:
		return toolErrorLine{st, e}
	case session.AudioInterrupted:
		return audioInterruptedLine{st, e}
	case session.SpeechStarted:
		return speechStartedLine{st, e}
	case session.SpeechStopped:
		return speechStoppedLine{st, e}
	case session.InputAudioTimeout:
		return inputAudioTimeoutLine{st, e}
	case session.UsageEvent:
		l := usageLine{stamp: st, ResponseID: e.ResponseID, Usage: countsOf(e.Usage), Total: countsOf(e.Total), CostUSD: e.CostUSD}
		if e.TranscriptionTotal != (realtime.TranscriptionUsage{}) {
			tt := e.TranscriptionTotal
			l.TranscriptionTotal = &tt
		}
		return l
	case session.Error:
		return errorLine{st, e}
	}
	panic(fmt.Sprintf("printable event %T has no line type", ev))
}

func (p *eventPrinter) stampLocked(typ string) stamp { return p.stampAt(typ, p.now()) }

func (p *eventPrinter) stampAt(typ string, t time.Time) stamp {
	return stamp{Type: typ, T: t.UTC().Format("2006-01-02T15:04:05.000Z07:00"), TMS: t.Sub(p.start).Milliseconds()}
}

// writeJSONLocked writes v as one line. HTML escaping is off so tool outputs read as
// written.
func (p *eventPrinter) writeJSONLocked(v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	p.writeLocked(buf.String())
	return p.err
}

// writeLocked writes one or more whole lines. Every line the printer writes goes
// through terminalText: no registered secret, and no control character (a JSON
// line has its controls escaped already; DEL and C1 controls are not, and are
// neutralised here too), whoever sent the text (issue 11).
func (p *eventPrinter) writeLocked(s string) {
	if p.err != nil {
		return
	}
	if _, err := io.WriteString(p.w, terminalText(s)); err != nil {
		p.err = err
	}
}

func (p *eventPrinter) textLineLocked(ev session.Event) string {
	switch e := ev.(type) {
	case session.Transcript:
		if e.Role == "user" {
			return "you: " + e.Text
		}
		return e.Agent + ": " + e.Text
	case session.ToolStart:
		return fmt.Sprintf("  → %s %s", e.Tool, e.Arguments)
	case session.ToolEnd:
		if !p.toolStart[e.CallID] {
			return fmt.Sprintf("  ✗ %s not run: %s", e.Tool, oneLine(e.Output))
		}
		if e.Error != "" {
			return fmt.Sprintf("  ✗ %s: %s (%s)", e.Tool, oneLine(e.Output), tui.FormatDuration(e.Duration))
		}
		return fmt.Sprintf("  ← %s: %s (%s)", e.Tool, oneLine(e.Output), tui.FormatDuration(e.Duration))
	case session.ToolApprovalRequired:
		return fmt.Sprintf("  ? %s needs approval %s", e.Tool, e.Arguments)
	case session.Handoff:
		return fmt.Sprintf("  ⇄ %s → %s", e.FromAgent, e.ToAgent)
	case session.GuardrailTripped:
		return fmt.Sprintf("  ⛔ guardrail %s tripped", strings.Join(e.Guardrails, ", "))
	case session.AudioInterrupted:
		return fmt.Sprintf("  ✂ interrupted after %s", tui.FormatDuration(time.Duration(e.PlayedMS)*time.Millisecond))
	case session.ToolError:
		return fmt.Sprintf("  ✗ %s not run: %s", e.Tool, oneLine(e.Error))
	case session.GuardrailCorrection:
		return "  ⛔ " + oneLine(e.Notice)
	case session.ConnectionEvent:
		return connectionText(e)
	case session.Error:
		return "  error: " + e.Message
	}
	return ""
}

// connectionText is the text form of a connection change worth a line: losses and
// recoveries (connecting, connected and a clean disconnect are not).
func connectionText(e session.ConnectionEvent) string {
	closed := ""
	if e.CloseCode != 0 || e.Reason != "" {
		var parts []string
		if e.CloseCode != 0 {
			parts = append(parts, fmt.Sprintf("close %d", e.CloseCode))
		}
		if e.Reason != "" {
			parts = append(parts, oneLine(e.Reason))
		}
		closed = " (" + strings.Join(parts, ": ") + ")"
	}
	switch e.State {
	case session.ConnReconnecting:
		if e.Attempt > 1 {
			return fmt.Sprintf("— reconnecting (attempt %d)%s —", e.Attempt, closed)
		}
		if e.Planned {
			return fmt.Sprintf("— renewing the connection (attempt %d) —", max(e.Attempt, 1))
		}
		return fmt.Sprintf("— connection lost%s, reconnecting (attempt %d) —", closed, max(e.Attempt, 1))
	case session.ConnReconnected:
		return fmt.Sprintf("— reconnected after %s; %s replayed —", tui.FormatDuration(time.Duration(e.DownMS)*time.Millisecond), plural(e.Replayed, "item"))
	case session.ConnLost:
		return fmt.Sprintf("— connection lost%s —", closed)
	}
	return ""
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200]) + "…"
	}
	return s
}
