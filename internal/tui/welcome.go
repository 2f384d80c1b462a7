package tui

import "strings"

// maxExamples bounds the prompts the welcome line suggests.
const maxExamples = 3

// welcomeLines are the first things in the conversation: where the session
// connects, the model and whether it is the simulator; then what to try.
func welcomeLines(opts Options) []string {
	var parts []string
	if opts.Endpoint != "" {
		parts = append(parts, opts.Endpoint)
	}
	if opts.Model != "" {
		parts = append(parts, "model "+opts.Model)
	}
	s := "welcome — " + strings.Join(parts, " · ")
	if len(parts) == 0 {
		s = "welcome"
	}
	if opts.Simulated {
		s += " (canned answers, simulated cost, speech not transcribed)"
	}
	out := []string{s}
	if ex := examples(opts); len(ex) > 0 {
		out = append(out, "try: “"+strings.Join(ex, "” · “")+"”")
	}
	return out
}

// examples are the caller's, else derived from the starting agent: a tool
// named in words (the simulator matches tool names; a model understands
// them) and a handoff.
func examples(opts Options) []string {
	if len(opts.Examples) > 0 {
		return opts.Examples[:min(len(opts.Examples), maxExamples)]
	}
	info := opts.AgentInfo[opts.ActiveAgent]
	var out []string
	tools, handoffs := info.Tools, info.Handoffs
	for len(out) < maxExamples && (len(tools) > 0 || len(handoffs) > 0) {
		if len(tools) > 0 {
			out = append(out, "use "+strings.ReplaceAll(tools[0], "_", " "))
			tools = tools[1:]
		}
		if len(handoffs) > 0 && len(out) < maxExamples {
			out = append(out, "transfer to "+handoffs[0])
			handoffs = handoffs[1:]
		}
	}
	return out
}
