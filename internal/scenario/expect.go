package scenario

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/rtagent/rtagent/internal/session"
	"github.com/rtagent/rtagent/internal/toolschema"
)

// Outcome of one expectation.
const (
	Passed  = "passed"
	Failed  = "failed"
	Skipped = "skipped"
)

// Check is the outcome of one expectation of a step.
type Check struct {
	Step   int    `json:"step"`   // index in steps
	What   string `json:"what"`   // e.g. tool_called: lookup_order
	Result string `json:"result"` // passed, failed, skipped
	Detail string `json:"detail,omitempty"`
}

// stepRecord is what happened during one step.
type stepRecord struct {
	events    []session.Event
	latencies []time.Duration // per turn sent in the step
	agent     string          // active agent when the step settled
	cost      float64         // cumulative cost estimate
	tokens    int             // cumulative tokens
	judge     func(statement string) (bool, string, error)
}

// evaluate checks e against what happened during step i.
func (sc *Scenario) evaluate(i int, e *Expect, rec *stepRecord) []Check {
	var out []Check
	add := func(what string, ok bool, detail string) {
		c := Check{Step: i, What: what, Result: Passed}
		if !ok {
			c.Result, c.Detail = Failed, detail
		}
		out = append(out, c)
	}
	if tc := e.ToolCalled; tc != nil {
		ok, detail := toolCalled(tc, rec.events)
		add("tool_called: "+tc.Name, ok, detail)
	}
	if name := e.ToolNotCalled; name != "" {
		var called []string
		for _, s := range eventsOf[session.ToolStart](rec.events) {
			if name == "*" || s.Tool == name {
				called = append(called, s.Tool+" "+s.Arguments)
			}
		}
		add("tool_not_called: "+name, len(called) == 0, "called: "+strings.Join(called, "; "))
	}
	if to := e.ToolOutput; to != nil {
		var seen []string
		ok := false
		for _, t := range eventsOf[session.ToolEnd](rec.events) {
			if to.Name != "" && t.Tool != to.Name {
				continue
			}
			seen = append(seen, t.Tool+" → "+clip(t.Output))
			if (to.Contains == "" || strings.Contains(t.Output, to.Contains)) &&
				(to.Matches == "" || sc.regexps[to.Matches].MatchString(t.Output)) {
				ok = true
			}
		}
		detail := "no tool output"
		if len(seen) > 0 {
			detail = "outputs: " + strings.Join(seen, "; ")
		}
		add("tool_output"+suffix(to.Name), ok, detail)
	}
	if to := e.Handoff; to != "" {
		var got []string
		ok := false
		for _, h := range eventsOf[session.Handoff](rec.events) {
			got = append(got, h.FromAgent+" → "+h.ToAgent)
			ok = ok || h.ToAgent == to
		}
		add("handoff: "+to, ok, "handoffs: "+orNone(got))
	}
	if e.Agent != "" {
		add("agent: "+e.Agent, rec.agent == e.Agent, "active agent is "+rec.agent)
	}
	if t := e.Transcript; t != nil {
		text := assistantText(rec.events)
		var why []string
		if t.Contains != "" && !strings.Contains(text, t.Contains) {
			why = append(why, fmt.Sprintf("does not contain %q", t.Contains))
		}
		if t.NotContains != "" && strings.Contains(text, t.NotContains) {
			why = append(why, fmt.Sprintf("contains %q", t.NotContains))
		}
		if t.Matches != "" && !sc.regexps[t.Matches].MatchString(text) {
			why = append(why, fmt.Sprintf("does not match /%s/", t.Matches))
		}
		add("transcript", len(why) == 0, strings.Join(why, ", ")+"; the assistant said: "+quoteOrNone(text))
	}
	trips := eventsOf[session.GuardrailTripped](rec.events)
	if g := e.GuardrailTripped; g != "" {
		ok := false
		var names []string
		for _, tr := range trips {
			names = append(names, tr.Guardrails...)
			for _, n := range tr.Guardrails {
				ok = ok || g == "*" || n == g
			}
		}
		add("guardrail_tripped: "+g, ok, "tripped: "+orNone(names))
	}
	if e.NoGuardrail {
		var names []string
		for _, tr := range trips {
			names = append(names, tr.Guardrails...)
		}
		add("no_guardrail", len(trips) == 0, "tripped: "+strings.Join(names, ", "))
	}
	if e.NoError {
		var msgs []string
		for _, er := range eventsOf[session.Error](rec.events) {
			msgs = append(msgs, er.Source+": "+er.Message)
		}
		add("no_error", len(msgs) == 0, "errors: "+strings.Join(msgs, "; "))
	}
	if e.MaxCost != nil {
		add(fmt.Sprintf("max_cost: $%.4f", *e.MaxCost), rec.cost <= *e.MaxCost, fmt.Sprintf("cost so far $%.4f", rec.cost))
	}
	if e.MaxTokens > 0 {
		add(fmt.Sprintf("max_tokens: %d", e.MaxTokens), rec.tokens <= e.MaxTokens, fmt.Sprintf("%d tokens so far", rec.tokens))
	}
	if e.MaxLatency > 0 {
		worst := time.Duration(0)
		for _, l := range rec.latencies {
			worst = max(worst, l)
		}
		add("max_latency: "+e.MaxLatency.String(), worst <= e.MaxLatency.D(), "slowest turn "+worst.Round(time.Millisecond).String())
	}
	if e.Judge != "" {
		c := Check{Step: i, What: "judge: " + e.Judge}
		switch {
		case rec.judge == nil:
			c.Result, c.Detail = Skipped, "no judge on this endpoint: the simulator and replays cannot judge; run against a real endpoint with OPENAI_API_KEY set"
		default:
			ok, why, err := rec.judge(e.Judge)
			switch {
			case err != nil:
				c.Result, c.Detail = Failed, "judge failed: "+err.Error()
			case ok:
				c.Result, c.Detail = Passed, why
			default:
				c.Result, c.Detail = Failed, why
			}
		}
		out = append(out, c)
	}
	return out
}

func toolCalled(tc *ToolCall, evs []session.Event) (bool, string) {
	var seen []string
	for _, s := range eventsOf[session.ToolStart](evs) {
		seen = append(seen, s.Tool+" "+s.Arguments)
		if s.Tool != tc.Name {
			continue
		}
		var args map[string]any
		if err := json.Unmarshal([]byte(s.Arguments), &args); err != nil && (tc.Arguments != nil || tc.ArgumentsSchema != nil) {
			continue
		}
		if tc.Arguments != nil && !subset(tc.Arguments, args) {
			continue
		}
		if tc.ArgumentsSchema != nil {
			sch, err := compileSchema(tc.ArgumentsSchema)
			if err != nil {
				return false, err.Error()
			}
			var inst any
			if err := json.Unmarshal([]byte(s.Arguments), &inst); err != nil || sch.Validate(inst) != nil {
				continue
			}
		}
		return true, ""
	}
	return false, "tool calls: " + orNone(seen)
}

// subset reports whether every key of want is in got with an equal value; values
// are compared as JSON (numbers by value), nested objects by subset too.
func subset(want, got map[string]any) bool {
	for k, wv := range want {
		gv, ok := got[k]
		if !ok {
			return false
		}
		if wm, ok := wv.(map[string]any); ok {
			gm, ok := gv.(map[string]any)
			if !ok || !subset(wm, gm) {
				return false
			}
			continue
		}
		if !jsonEqual(wv, gv) {
			return false
		}
	}
	return true
}

func jsonEqual(a, b any) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	if err1 != nil || err2 != nil {
		return false
	}
	var na, nb any
	_ = json.Unmarshal(ja, &na)
	_ = json.Unmarshal(jb, &nb)
	return reflect.DeepEqual(na, nb)
}

func compileSchema(m map[string]any) (*toolschema.Schema, error) {
	s, _, err := toolschema.CompileValue(m)
	return s, err
}

// assistantText joins the final assistant transcripts of evs.
func assistantText(evs []session.Event) string {
	var parts []string
	for _, t := range eventsOf[session.Transcript](evs) {
		if t.Final && t.Role == "assistant" && strings.TrimSpace(t.Text) != "" {
			parts = append(parts, t.Text)
		}
	}
	return strings.Join(parts, " ")
}

func eventsOf[T session.Event](evs []session.Event) []T {
	var out []T
	for _, e := range evs {
		if t, ok := e.(T); ok {
			out = append(out, t)
		}
	}
	return out
}

func clip(s string) string {
	if r := []rune(s); len(r) > 120 {
		return string(r[:120]) + "…"
	}
	return s
}

func suffix(name string) string {
	if name == "" {
		return ""
	}
	return ": " + name
}

func orNone(xs []string) string {
	if len(xs) == 0 {
		return "none"
	}
	return strings.Join(xs, "; ")
}

func quoteOrNone(s string) string {
	if s == "" {
		return "(nothing)"
	}
	return fmt.Sprintf("%q", clip(s))
}
