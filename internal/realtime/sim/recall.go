package sim

import "regexp"

// askFirst is the question the simulator answers from the conversation's context,
// so a replayed or seeded history can be seen to carry over (R14.4, R14.5).
var askFirst = regexp.MustCompile(`(?i)\bwhat did i (say|ask) first\b`)

// recallFirst answers "what did I say first" with the first user message of the
// conversation: "You first said: <text>." It returns "" for any other message.
func recallFirst(msg string, items []*item) string {
	if !askFirst.MatchString(msg) {
		return ""
	}
	for _, it := range items {
		if it.typ == "message" && it.role == "user" {
			if t := userText(it); t != "" && !askFirst.MatchString(t) {
				return "You first said: " + t
			}
		}
	}
	return "You have not said anything before."
}
