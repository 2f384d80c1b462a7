package transcript

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/rtagent/rtagent/internal/session"
)

// The Markdown transcript carries the conversation in a machine-readable form
// too, for `--resume` (docs/protocol.md R14.5): before each visible turn, tool
// call or handoff, one HTML comment line — invisible where Markdown is rendered —
//
//	<!-- rtagent {"kind":"user","text":"…"} -->
//	<!-- rtagent {"kind":"assistant","agent":"billing","text":"…"} -->
//	<!-- rtagent {"kind":"tool","agent":"…","call_id":"…","name":"…","arguments":"…","output":"…"} -->
//	<!-- rtagent {"kind":"agent","agent":"billing"} -->
//
// The JSON escapes <, > and &, so a comment can never be closed early by text.
const (
	machinePrefix = "<!-- rtagent "
	machineSuffix = " -->"
)

// maxResumeSize bounds a transcript read for --resume.
const maxResumeSize = 64 << 20

// record is one machine-readable line.
type record struct {
	Kind      string `json:"kind"` // user, assistant, tool, agent
	Agent     string `json:"agent,omitempty"`
	Text      string `json:"text,omitempty"`
	CallID    string `json:"call_id,omitempty"`
	Name      string `json:"name,omitempty"`
	Arguments string `json:"arguments,omitempty"`
	Output    string `json:"output,omitempty"`
}

// machineLine is the machine-readable line for ev, or "".
func machineLine(ev session.Event) string {
	var r record
	switch e := ev.(type) {
	case session.Transcript:
		if !e.Final || strings.TrimSpace(e.Text) == "" || (e.Role != "user" && e.Role != "assistant") {
			return ""
		}
		r = record{Kind: e.Role, Agent: e.Agent, Text: e.Text}
	case session.ToolEnd:
		r = record{Kind: "tool", Agent: e.Agent, CallID: e.CallID, Name: e.Tool, Arguments: e.Arguments, Output: e.Output}
	case session.Handoff:
		r = record{Kind: "agent", Agent: e.ToAgent}
	default:
		return ""
	}
	b, err := json.Marshal(r)
	if err != nil {
		return ""
	}
	return machinePrefix + escapeControls(string(b)) + machineSuffix + "\n"
}

// escapeControls writes DEL and the C1 controls, which encoding/json leaves raw,
// as JSON escapes: the line then carries no control character at all.
func escapeControls(s string) string {
	if !strings.ContainsFunc(s, isHighControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if isHighControl(r) {
			fmt.Fprintf(&b, `\u%04x`, r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isHighControl(r rune) bool { return r >= 0x7f && r <= 0x9f }

// Conversation is what a transcript says happened, for seeding a new session.
type Conversation struct {
	Items []session.HistoryItem
	Agent string // the agent active at the end ("" when the transcript never says)
}

// ReadConversation reads the machine-readable lines of a transcript rtagent wrote.
// Problems name the file and line.
func ReadConversation(path string) (*Conversation, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("resume: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("resume: %s is not a regular file", path)
	}
	if fi.Size() > maxResumeSize {
		return nil, fmt.Errorf("resume: %s is larger than %d MiB", path, maxResumeSize>>20)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("resume: %w", err)
	}
	conv := &Conversation{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), maxResumeSize)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, machinePrefix) || !strings.HasSuffix(line, machineSuffix) {
			continue
		}
		var r record
		raw := strings.TrimSuffix(strings.TrimPrefix(line, machinePrefix), machineSuffix)
		if err := json.Unmarshal([]byte(raw), &r); err != nil {
			return nil, fmt.Errorf("%s:%d: unreadable conversation record: %v", path, n, err)
		}
		switch r.Kind {
		case "user":
			conv.Items = append(conv.Items, session.HistoryItem{Kind: "user", Parts: []session.HistoryPart{{Type: "input_text", Text: r.Text}}})
		case "assistant":
			conv.Items = append(conv.Items, session.HistoryItem{Kind: "assistant", Agent: r.Agent, Status: "completed", Parts: []session.HistoryPart{{Type: "text", Text: r.Text}}})
			if r.Agent != "" {
				conv.Agent = r.Agent
			}
		case "tool":
			conv.Items = append(conv.Items, session.HistoryItem{Kind: "tool", Agent: r.Agent, CallID: r.CallID, Name: r.Name, Arguments: r.Arguments, Output: r.Output, HasOutput: true})
		case "agent":
			conv.Agent = r.Agent
		default:
			return nil, fmt.Errorf("%s:%d: unknown conversation record kind %q", path, n, r.Kind)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("resume: %s: %w", path, err)
	}
	if len(conv.Items) == 0 {
		return nil, fmt.Errorf("resume: %s has no conversation rtagent can read (was it written by rtagent --transcript?)", path)
	}
	return conv, nil
}
