package tools

import "sync"

// Decision is a user's answer to an approval request (R8.8).
type Decision int

const (
	Approve Decision = iota + 1
	Reject
)

func (d Decision) String() string {
	switch d {
	case Approve:
		return "approve"
	case Reject:
		return "reject"
	}
	return "undecided"
}

// Approvals holds the sticky ("always") approval decisions of one session, by tool
// name. The zero value is ready to use; it is safe for concurrent use.
type Approvals struct {
	mu       sync.Mutex
	decision map[string]Decision
}

// Decide returns the remembered decision for tool, and whether there is one. Without
// one the caller must ask the user.
func (a *Approvals) Decide(tool string) (decision Decision, known bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	d, ok := a.decision[tool]
	return d, ok
}

// Remember makes a decision sticky for tool for the rest of the session; a later
// Remember replaces it.
func (a *Approvals) Remember(tool string, approve bool) {
	d := Reject
	if approve {
		d = Approve
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.decision == nil {
		a.decision = make(map[string]Decision)
	}
	a.decision[tool] = d
}
