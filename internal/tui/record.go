package tui

import (
	"strings"
	"time"
)

// EntryKind says what a conversation entry shows.
type EntryKind int

// Entry kinds.
const (
	EntryUser EntryKind = iota
	EntryAssistant
	EntryTool
	EntryHandoff
	EntryGuardrail
	EntryError
	EntryNotice
)

// ToolState is the life cycle of a tool card.
type ToolState int

// Tool states.
const (
	ToolAwaitingApproval ToolState = iota
	ToolRunning
	ToolDone
	ToolFailed
)

// Decisions the session applied by itself after the user chose "always".
const (
	DecisionAutoApproved = "approved automatically"
	DecisionAutoRejected = "rejected automatically"
)

// autoDecision reports whether d was applied by a sticky "always" choice.
func autoDecision(d string) bool { return d == DecisionAutoApproved || d == DecisionAutoRejected }

// rejected reports whether a tool call did not run because it was refused
// (by the user, a sticky choice or the --approve never policy).
func (e *Entry) rejected() bool {
	return e.State == ToolFailed && (strings.Contains(e.Decision, "rejected") || strings.HasPrefix(e.Error, "not approved"))
}

// Entry is one thing shown in the conversation: a turn, a tool card, a handoff,
// a guardrail trip, an error or a notice. Only the model's Update mutates it.
type Entry struct {
	Kind  EntryKind
	At    time.Time
	Agent string

	// Turns (user, assistant).
	ItemID      string
	ResponseID  string
	Text        string
	Final       bool
	Interrupted string // reason, when the assistant's audio was cut
	Status      string // assistant response status when not completed (cancelled, failed, …)

	// Tool cards.
	Tool      string
	CallID    string
	Arguments string
	Output    string
	Error     string
	State     ToolState
	Duration  time.Duration
	Decision  string // "approved", "always approved", "rejected", "always rejected", DecisionAuto…

	// Handoffs.
	From, To string
	Manual   bool

	// Guardrail trips and errors (Message), errors (Source, Code, Fatal).
	GuardrailKind string
	Guardrails    []string
	Message       string
	Source        string
	Code          string
	Fatal         bool

	rev   int           // bumped on every change; the render cache keys on it
	cache renderedEntry // the conversation pane's rendering (written in Update)
}

func (e *Entry) touch() { e.rev++ }

// Record is everything the conversation pane showed, in order; the Markdown
// transcript is rendered from it.
type Record struct {
	Title   string
	Started time.Time
	Entries []*Entry

	byItem map[string]*Entry // turn entries by item id
	byCall map[string]*Entry // tool cards by call id
}

func newRecord(title string, started time.Time) *Record {
	return &Record{
		Title:   title,
		Started: started,
		byItem:  map[string]*Entry{},
		byCall:  map[string]*Entry{},
	}
}

func (r *Record) add(e *Entry) *Entry {
	e.touch()
	r.Entries = append(r.Entries, e)
	if e.ItemID != "" && (e.Kind == EntryUser || e.Kind == EntryAssistant) {
		r.byItem[e.ItemID] = e
	}
	if e.CallID != "" && e.Kind == EntryTool {
		r.byCall[e.CallID] = e
	}
	return e
}

// turn returns the turn entry of an item, creating it when new. A user item
// first claims the oldest typed (local echo) entry with the same text.
func (r *Record) turn(kind EntryKind, itemID, text string, at time.Time) *Entry {
	if itemID != "" {
		if e, ok := r.byItem[itemID]; ok {
			return e
		}
	}
	if kind == EntryUser && text != "" {
		for _, e := range r.Entries {
			if e.Kind == EntryUser && e.ItemID == "" && e.Text == text {
				e.ItemID = itemID
				r.byItem[itemID] = e
				return e
			}
		}
	}
	return r.add(&Entry{Kind: kind, ItemID: itemID, At: at})
}

// tool returns the card of a call, creating it when new.
func (r *Record) tool(callID, agent, name, args string, at time.Time) *Entry {
	if e, ok := r.byCall[callID]; ok {
		return e
	}
	return r.add(&Entry{Kind: EntryTool, CallID: callID, Agent: agent, Tool: name, Arguments: args, At: at})
}
