package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/rtagent/rtagent/internal/realtime"
	"github.com/rtagent/rtagent/internal/session"
	"github.com/rtagent/rtagent/internal/tui"
)

// sessionStats counts what a session did, from its events alone, for the session
// summary (chat, run) and run's session_end line. Not safe for concurrent use: its
// owner feeds it from the one goroutine that reads the event stream.
type sessionStats struct {
	start time.Time

	turns, toolCalls, interruptions int
	latencies                       []time.Duration

	// The latency clock runs from a user turn (typed message added, or speech
	// stopped) to the first text or audio of the answer, as the UI's status line.
	pendingSince time.Time
	spoken       map[string]bool          // user items that came from speech
	notice       bool                     // a guardrail tripped: its notice to the model is no user turn
	byResponse   map[string]time.Duration // latency measured in a response, until its agent_end

	total     realtime.Usage
	costUSD   float64
	usageSeen bool
}

func newSessionStats(start time.Time) *sessionStats {
	return &sessionStats{start: start, spoken: map[string]bool{}, byResponse: map[string]time.Duration{}}
}

// observe accounts for ev, which arrived at now.
func (s *sessionStats) observe(ev session.Event, now time.Time) {
	switch e := ev.(type) {
	case session.SpeechStopped:
		s.turns++
		s.spoken[e.ItemID] = true
		s.pendingSince = now
	case session.Transcript:
		switch {
		case e.Role == "user" && e.Final && s.notice:
			s.notice = false // the session told the model a guardrail tripped
		case e.Role == "user" && e.Final && !s.spoken[e.ItemID]:
			s.turns++ // a typed message (a spoken one counted at speech_stopped)
			if s.pendingSince.IsZero() {
				s.pendingSince = now
			}
		case e.Role == "assistant":
			s.answerStarted(e.ResponseID, now)
		}
	case session.AudioStarted:
		s.answerStarted(e.ResponseID, now)
	case session.ToolApprovalRequired:
		// The answer now waits for the user, not the model: not measured.
		s.pendingSince = time.Time{}
	case session.GuardrailTripped:
		s.notice = e.Kind == session.GuardrailOutput
	case session.ToolEnd:
		s.toolCalls++
	case session.AudioInterrupted:
		s.interruptions++
	case session.UsageEvent:
		s.total, s.costUSD, s.usageSeen = e.Total, e.CostUSD, true
	}
}

// sent starts the latency clock when a typed message goes out (its transcript,
// which comes back later, would start it otherwise).
func (s *sessionStats) sent(now time.Time) {
	s.pendingSince = now
}

func (s *sessionStats) answerStarted(responseID string, now time.Time) {
	if s.pendingSince.IsZero() {
		return
	}
	d := now.Sub(s.pendingSince)
	s.pendingSince = time.Time{}
	s.latencies = append(s.latencies, d)
	s.byResponse[responseID] = d
}

// takeLatency returns the turn latency measured in a response, once.
func (s *sessionStats) takeLatency(responseID string) (time.Duration, bool) {
	d, ok := s.byResponse[responseID]
	delete(s.byResponse, responseID)
	return d, ok
}

// percentile is the nearest-rank percentile p (0–100) of the turn latencies.
func (s *sessionStats) percentile(p float64) (time.Duration, bool) {
	if len(s.latencies) == 0 {
		return 0, false
	}
	sorted := slices.Clone(s.latencies)
	slices.Sort(sorted)
	i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[max(i, 0)], true
}

// summaryInfo is what a summary says besides the counts.
type summaryInfo struct {
	Simulated  bool
	Transcript string // path, if written
	Recording  string // path, if written
	AudioOut   string // path, if written
}

// writeSummary prints the session summary: one line of numbers, one of files.
func (s *sessionStats) writeSummary(w io.Writer, now time.Time, info summaryInfo) {
	parts := []string{
		"session " + tui.FormatDuration(now.Sub(s.start)),
		plural(s.turns, "turn"),
		plural(s.toolCalls, "tool call"),
		plural(s.interruptions, "interruption"),
	}
	if p50, ok := s.percentile(50); ok {
		p95, _ := s.percentile(95)
		parts = append(parts, fmt.Sprintf("latency p50 %s p95 %s", tui.FormatDuration(p50), tui.FormatDuration(p95)))
	}
	if s.usageSeen && s.costUSD > 0 {
		cost := fmt.Sprintf("cost $%.4f", s.costUSD)
		if info.Simulated {
			cost += " (simulated)"
		}
		parts = append(parts, cost)
	}
	fmt.Fprintln(w, strings.Join(parts, " · "))
	var files []string
	if info.Transcript != "" {
		files = append(files, "transcript "+info.Transcript)
	}
	if info.Recording != "" {
		files = append(files, "recording "+info.Recording)
	}
	if info.AudioOut != "" {
		files = append(files, "audio "+info.AudioOut)
	}
	if len(files) > 0 {
		fmt.Fprintln(w, strings.Join(files, " · "))
	}
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
