// Package mcp runs the tools of MCP servers (Model Context Protocol) as rtagent
// function tools, on the official Go SDK (github.com/modelcontextprotocol/go-sdk).
//
// A Manager owns the servers of one session. Open starts every server at once (not
// lazily) and waits, each bounded by its start timeout, until it has answered
// initialize and listed its tools or has failed; the session starts either way. Each
// server then has one supervising goroutine that:
//   - re-lists the tools when the server sends notifications/tools/list_changed and
//     signals Changed, so the session can send a session.update at its next safe point;
//   - restarts a server that crashed or stopped answering, with exponential backoff
//     (DefaultBackoff), giving up after MaxAttempts consecutive failures;
//   - logs the server's stderr (stdio servers) line by line: nothing of a server ever
//     reaches the terminal.
//
// Tools turns an agent's MCP uses (server, allow/deny lists, approvals) into
// tools.Tool values, so MCP calls take the same path as every other tool
// (tools.Invoke: argument validation, timeout, output cap; the session: approvals,
// tool cards, events, transcript). A call's result becomes text: text content as is,
// other content summarised ("[image: image/png, 1234 bytes]"), never dumped raw.
// Faults become the model-visible error of tools.Invoke, and the session goes on: a
// server that is down ("MCP server fs is not running: ..."), a call past its timeout
// (after which the server is pinged and restarted if it does not answer), an error
// result.
//
// Names: an MCP tool is declared under its own name, or prefix+name when the server
// has a prefix; characters outside [A-Za-z0-9_-] become "_" (docs/protocol.md R8.1). A tool
// whose declared name is already taken (the agent's own tools and handoffs, then
// earlier servers in the agent's list) is left out and reported; set a prefix on
// the server to keep both.
//
// It must never write to the terminal, put an expanded header or environment value
// into an error or a log line, or decide approvals (the session does).
package mcp
