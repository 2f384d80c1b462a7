package tools

import "strings"

// HandoffToolName returns the generated name of the tool that hands off to an agent
// (docs/protocol.md R9.1): "transfer_to_" and the agent's name with every character
// outside [A-Za-z0-9_] (whitespace included) replaced by "_", lower-cased.
// "Billing Support" → transfer_to_billing_support, "FAQ/Help" → transfer_to_faq_help.
// The configuration (its validation and `agents show`) and the session both use it.
func HandoffToolName(agentName string) string {
	var b strings.Builder
	b.WriteString("transfer_to_")
	for _, r := range agentName {
		switch {
		case r >= 'A' && r <= 'Z':
			b.WriteRune(r + ('a' - 'A'))
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}
