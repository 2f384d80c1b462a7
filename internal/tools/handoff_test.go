package tools

import "testing"

func TestHandoffToolName_R9_1(t *testing.T) {
	for in, want := range map[string]string{
		"billing":         "transfer_to_billing",
		"Billing Support": "transfer_to_billing_support",
		"FAQ/Help":        "transfer_to_faq_help",
		"tech\tsupport":   "transfer_to_tech_support",
		"Über-Agent 2":    "transfer_to__ber_agent_2",
		"ALREADY_ok_9":    "transfer_to_already_ok_9",
		"Café\tdesk":      "transfer_to_caf__desk",
		"a-b.c":           "transfer_to_a_b_c",
	} {
		if got := HandoffToolName(in); got != want {
			t.Errorf("HandoffToolName(%q) = %q, want %q", in, got, want)
		}
	}
}
