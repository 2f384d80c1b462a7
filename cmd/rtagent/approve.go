package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/rtagent/rtagent/internal/session"
)

// approvalPrompt answers tool_approval_required events for `run --approve ask`: it
// asks y/n on the controlling terminal (standard input may be the script). Without a
// terminal the call is refused with an output that tells the model why.
// It also says who decided: "user" or "no_terminal".
func approvalPrompt(f *factory, policy string) func(session.ToolApprovalRequired) (approve, always bool, why, by string) {
	if policy != "ask" {
		return nil // the session applies always/never itself
	}
	var mu sync.Mutex
	return func(e session.ToolApprovalRequired) (bool, bool, string, string) {
		mu.Lock()
		defer mu.Unlock()
		tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
		if err != nil {
			return false, false, fmt.Sprintf("Tool %s needs approval, but no terminal was available to ask the user (rtagent run --approve always allows it).", e.Tool), "no_terminal"
		}
		defer tty.Close()
		ok, always, why := askApproval(tty, tty, e)
		return ok, always, why, "user"
	}
}

// askApproval asks and reads the answer: y yes, n no, a always, v never (the same
// four answers as everywhere else). Anything else asks again; end of input is no.
func askApproval(in *os.File, out *os.File, e session.ToolApprovalRequired) (approve, always bool, why string) {
	fmt.Fprintf(out, "rtagent: %s wants to run %s %s — allow? [y]es, [n]o, [a]lways, ne[v]er: ", e.Agent, e.Tool, terminalText(e.Arguments))
	r := bufio.NewReader(in)
	for {
		line, err := r.ReadString('\n')
		switch strings.ToLower(strings.TrimSpace(line)) {
		case "y", "yes":
			return true, false, ""
		case "a", "always":
			return true, true, ""
		case "v", "never":
			return false, true, ""
		case "n", "no":
			return false, false, ""
		}
		if err != nil {
			return false, false, ""
		}
		fmt.Fprint(out, "rtagent: answer y, n, a or v: ")
	}
}
