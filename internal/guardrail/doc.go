// Package guardrail checks text the agent is about to say (output guardrails) or has
// heard (input guardrails, an rtagent extension): docs/protocol.md §10.
//
// It owns the Guardrail interface and its kinds (deny_regex, deny_words, an external
// command) and the Debouncer that decides when accumulated transcript text is due for
// a check (R10.2).
//
// It must never act on a trip: cancelling responses, truncating audio, emitting events
// and sending the "guardrail triggered" message belong to the session engine. It must
// never run a command through a shell or pass it the parent's full environment
// (process handling is internal/tools/proc's).
package guardrail
