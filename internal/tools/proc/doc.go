// Package proc runs one external program for rtagent's command tools and command
// guardrails, and clips text to a byte budget with a visible marker.
//
// It owns the process discipline both callers share: argv executed directly (never a
// shell), input on stdin, a minimal explicit environment, the program in its own process
// group, the whole group killed with SIGKILL on cancellation and after the leader exits,
// descendants that left the group (setsid, double fork) found through this process
// being a child subreaper and killed too (Linux; see reaper_linux.go),
// bounded stdout capture that keeps draining so a chatty program never blocks, stderr
// forwarded line by line, and pipes that a stray grandchild holds open never hanging a
// caller beyond a short grace.
//
// It must be the only code in the process that starts children in a process group
// of their own (the reaper takes such a child for a tool's orphan). It must never
// run a shell, inherit the parent's full environment (API keys live
// there), or buffer unbounded output.
package proc
