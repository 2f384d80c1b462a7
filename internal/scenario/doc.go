// Package scenario is `rtagent test`: scenario files (*.test.yaml) that script a
// conversation with an agents.yaml and state what must happen — tools called,
// handoffs, transcripts, guardrails, cost and latency budgets — and the runner
// that plays them against the simulator, a URL or a recorded trace, many at once
// in one process, with text, JSONL and JUnit reports.
//
// It owns the file format (strict decoding with file:line:column through
// internal/agent), the evaluation of expectations over session events, and the
// suite mechanics (discovery, selection, sharding, repetition, parallelism). It
// never builds a session itself: the caller passes an Opener (internal/app
// provides the real one), so the same runner serves the CLI and the tests.
package scenario
