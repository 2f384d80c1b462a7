// Package proc runs one external program for rtagent's command tools and command
// guardrails, and clips text to a byte budget with a visible marker.
//
// It owns the process discipline both callers share: argv executed directly (never a
// shell), input on stdin, a minimal explicit environment, the program in its own process
// group, the whole group killed with SIGKILL on cancellation and after the leader exits,
// bounded stdout capture that keeps draining so a chatty program never blocks, stderr
// forwarded line by line, and pipes that a stray grandchild holds open never hanging a
// caller beyond a short grace.
//
// It must never run a shell, inherit the parent's full environment (API keys live
// there), or buffer unbounded output.
package proc
