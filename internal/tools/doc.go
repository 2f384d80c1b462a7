// Package tools runs rtagent's function tools behind one interface.
//
// It owns the Tool interface and its kinds (builtin, command, HTTP), Invoke, the single
// place where the protocol's tool rules are applied for the session engine (argument
// parsing and JSON Schema validation, timeouts, panic recovery, model-visible error
// texts, the 32 KiB output cap; docs/protocol.md R8.4, R8.5, R8.9), output serialisation
// and the sticky approvals policy (R8.8). Process handling shared with the command
// guardrails lives in the proc subpackage.
//
// It must never know the wire or the session: no realtime events, no history, no
// prompting the user. It must never run a tool through a shell, pass the parent's
// environment to a command tool by default, or put a secret (an expanded header value)
// into an error, a log line or a model-visible output.
package tools
