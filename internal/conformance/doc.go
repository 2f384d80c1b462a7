// Package conformance restates the behaviour cases of the reference SDKs' realtime
// test suites (openai-agents-python tests/realtime, openai-agents-js
// packages/agents-realtime/test) as tests of the real session over the real OpenAI
// model against a scripted WebSocket server on loopback: the server sends an exact
// server event sequence and records what the client sends back. Every case names
// the reference test it restates and the PROTOCOL rule it guards; docs/conformance.md
// lists them. The package also replays the recorded GA streams of
// testdata/realtime/streams through the session.
package conformance
