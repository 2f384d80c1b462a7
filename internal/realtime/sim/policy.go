package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// Phrases of the policy (documented in doc.go).
const (
	GreetingText  = "Hello, how can I help?"
	IdleText      = "Are you still there?"
	NothingText   = "You said nothing."
	handoffPrefix = "transfer_to_"
)

// plan is what a response will produce: a message, or one or more function calls
// (several when the message names several tools: parallel tool calls).
type plan struct {
	text  string        // message text
	calls []plannedCall // function calls, in output order
}

// plannedCall is one function call of a plan.
type plannedCall struct {
	tool string // function name
	args string // JSON arguments
}

// policyInput is everything the policy looks at.
type policyInput struct {
	items        []*item
	tools        []toolDef
	toolChoice   json.RawMessage
	instructions *string // per-response instructions override
}

// decide applies the simulator policy (doc.go) to the conversation.
func decide(in policyInput) plan {
	if in.instructions != nil && strings.TrimSpace(*in.instructions) != "" {
		if q := firstQuoted(*in.instructions); q != "" {
			return plan{text: q}
		}
		return plan{text: GreetingText}
	}
	user, outputs := trigger(in.items)
	if len(outputs) > 0 {
		sentences := make([]string, 0, len(outputs))
		for _, out := range outputs {
			sentences = append(sentences, toolResultText(in.items, out))
		}
		return plan{text: strings.Join(sentences, " ")}
	}
	if user == nil {
		return plan{text: GreetingText}
	}
	if user.idle {
		return plan{text: IdleText}
	}
	msg := userText(user)
	choice := parseToolChoice(in.toolChoice)
	if choice.mode != "none" {
		if ts := matchTools(msg, in.tools, choice); len(ts) > 0 {
			var p plan
			for _, t := range ts {
				p.calls = append(p.calls, plannedCall{tool: t.Name, args: toolArguments(msg, t.Parameters)})
			}
			return p
		}
	}
	if acks := imageAcks(user); len(acks) > 0 {
		if strings.TrimSpace(msg) != "" {
			acks = append(acks, "You said: "+msg)
		}
		return plan{text: strings.Join(acks, " ")}
	}
	if strings.TrimSpace(msg) == "" {
		return plan{text: NothingText}
	}
	if first := recallFirst(msg, in.items); first != "" {
		return plan{text: first}
	}
	return plan{text: "You said: " + msg}
}

// trigger finds the latest user message and the function_call_output items that
// follow it, in conversation order.
func trigger(items []*item) (*item, []*item) {
	var outputs []*item
	for i := len(items) - 1; i >= 0; i-- {
		it := items[i]
		switch {
		case it.typ == "function_call_output":
			outputs = append([]*item{it}, outputs...)
		case it.typ == "message" && it.role == "user":
			return it, outputs
		}
	}
	return nil, outputs
}

// userText is what the user said: text parts, audio transcripts or "[N ms of audio]".
func userText(it *item) string {
	var parts []string
	for _, c := range it.content {
		switch c.typ {
		case "input_text":
			parts = append(parts, c.text)
		case "input_audio":
			if c.transcript != nil && *c.transcript != "" {
				parts = append(parts, *c.transcript)
			} else {
				parts = append(parts, audioTranscript(it.speechMs))
			}
		}
	}
	return strings.Join(strings.Fields(strings.Join(parts, " ")), " ")
}

// imageAcks is one "You sent an image of N bytes." per input_image part.
func imageAcks(it *item) []string {
	var out []string
	for _, c := range it.content {
		if c.typ == "input_image" {
			out = append(out, fmt.Sprintf("You sent an image of %d bytes.", dataURLSize(c.imageURL)))
		}
	}
	return out
}

// dataURLSize is the decoded size of a base64 data: URL (0 for anything else).
func dataURLSize(url string) int {
	_, data, ok := strings.Cut(url, ";base64,")
	if !ok || !strings.HasPrefix(url, "data:") {
		return 0
	}
	n := len(data) / 4 * 3
	switch {
	case strings.HasSuffix(data, "=="):
		n -= 2
	case strings.HasSuffix(data, "="):
		n--
	}
	return n
}

func audioTranscript(ms int) string { return fmt.Sprintf("[%d ms of audio]", ms) }

// toolResultText is the sentence for one function_call_output.
func toolResultText(items []*item, out *item) string {
	name := ""
	for _, it := range items {
		if it.typ == "function_call" && it.callID == out.callID {
			name = it.name
		}
	}
	var handoff struct {
		Assistant *string `json:"assistant"`
	}
	isJSON := json.Unmarshal([]byte(out.output), &handoff) == nil
	if isJSON && handoff.Assistant != nil && (name == "" || strings.HasPrefix(name, handoffPrefix)) {
		return "Hi, this is " + *handoff.Assistant + "."
	}
	if strings.HasPrefix(name, handoffPrefix) {
		return "Hi, this is " + strings.ReplaceAll(strings.TrimPrefix(name, handoffPrefix), "_", " ") + "."
	}
	if name == "" {
		name = "Tool call " + out.callID
	}
	return name + " returned: " + out.output
}

type toolChoice struct {
	mode string // auto, none, required, function
	name string
}

func parseToolChoice(raw json.RawMessage) toolChoice {
	var s string
	if json.Unmarshal(raw, &s) == nil && s != "" {
		return toolChoice{mode: s}
	}
	var o struct {
		Type string `json:"type"`
		Name string `json:"name"`
	}
	if json.Unmarshal(raw, &o) == nil && o.Type == "function" {
		return toolChoice{mode: "function", name: o.Name}
	}
	return toolChoice{mode: "auto"}
}

// normalizeWords lower-cases s and turns every run of non-alphanumerics into one
// space, with a space at both ends, so " x " finds x as whole words.
func normalizeWords(s string) string {
	var b strings.Builder
	b.WriteByte(' ')
	space := true
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
			space = false
		} else if !space {
			b.WriteByte(' ')
			space = true
		}
	}
	if !space {
		b.WriteByte(' ')
	}
	return b.String()
}

// matchTools picks the tools the message names. A handoff wins alone: the
// earliest mentioned, then the longer name, then declaration order. Otherwise every
// other tool the message names is called, in order of mention (parallel tool calls);
// where two names overlap in the message the longer one counts. tool_choice
// "required" falls back to the first tool, and a named tool_choice forces that tool.
func matchTools(msg string, tools []toolDef, choice toolChoice) []*toolDef {
	if choice.mode == "function" {
		for i := range tools {
			if tools[i].Name == choice.name {
				return []*toolDef{&tools[i]}
			}
		}
	}
	norm := normalizeWords(msg)
	type mention struct {
		t       *toolDef
		at, len int
	}
	mentions := func(handoffs bool) []mention {
		var out []mention
		for i := range tools {
			t := &tools[i]
			if strings.HasPrefix(t.Name, handoffPrefix) != handoffs {
				continue
			}
			phrase := t.Name
			if handoffs {
				phrase = strings.TrimPrefix(t.Name, handoffPrefix)
			}
			p := strings.TrimSpace(normalizeWords(phrase))
			if p == "" {
				continue
			}
			if at := strings.Index(norm, " "+p+" "); at >= 0 {
				out = append(out, mention{t, at, len(p)})
			}
		}
		// Earliest mention first, then the longer name; stable keeps declaration order.
		sort.SliceStable(out, func(i, j int) bool {
			if out[i].at != out[j].at {
				return out[i].at < out[j].at
			}
			return out[i].len > out[j].len
		})
		return out
	}
	if hs := mentions(true); len(hs) > 0 {
		return []*toolDef{hs[0].t}
	}
	var picked []*toolDef
	end := -1 // end of the last picked mention in norm
	seen := map[string]bool{}
	for _, m := range mentions(false) {
		if m.at < end || seen[m.t.Name] {
			continue // inside a longer name already picked, or named twice
		}
		picked = append(picked, m.t)
		seen[m.t.Name] = true
		end = m.at + 1 + m.len
	}
	if len(picked) > 0 {
		return picked
	}
	if choice.mode == "required" && len(tools) > 0 {
		return []*toolDef{&tools[0]}
	}
	return nil
}

var kvPattern = regexp.MustCompile(`([A-Za-z_][A-Za-z0-9_.\-]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s,;]+))`)

// keyValues extracts key=value pairs from a message, in order. Unquoted values
// lose trailing sentence punctuation.
func keyValues(msg string) ([]string, map[string]string) {
	var keys []string
	vals := map[string]string{}
	for _, m := range kvPattern.FindAllStringSubmatch(msg, -1) {
		k := m[1]
		v := m[2] + m[3]
		if m[4] != "" {
			v = strings.TrimRight(m[4], ".!?)")
		}
		if _, seen := vals[k]; !seen {
			keys = append(keys, k)
		}
		vals[k] = v
	}
	return keys, vals
}

type propSchema struct {
	Type     json.RawMessage   `json:"type"`
	Default  json.RawMessage   `json:"default"`
	Examples []json.RawMessage `json:"examples"`
	Example  json.RawMessage   `json:"example"`
	Enum     []json.RawMessage `json:"enum"`
}

func (p propSchema) typeName() string {
	var s string
	if json.Unmarshal(p.Type, &s) == nil {
		return s
	}
	var list []string
	if json.Unmarshal(p.Type, &list) == nil {
		for _, t := range list {
			if t != "null" {
				return t
			}
		}
		if len(list) > 0 {
			return list[0]
		}
	}
	return ""
}

// toolArguments builds the JSON arguments of a call (doc.go, rule 2): declared
// properties in schema order, from key=value pairs, else default, examples[0],
// example, first enum value, else (required only) an empty value of the type.
func toolArguments(msg string, params json.RawMessage) string {
	keys, vals := keyValues(msg)
	var schema struct {
		Properties map[string]propSchema `json:"properties"`
		Required   []string              `json:"required"`
	}
	_ = json.Unmarshal(params, &schema)
	order := propertyOrder(params)

	var b bytes.Buffer
	b.WriteByte('{')
	n := 0
	add := func(k string, v json.RawMessage) {
		if n > 0 {
			b.WriteByte(',')
		}
		b.Write(jsonString(k))
		b.WriteByte(':')
		b.Write(compact(v))
		n++
	}
	if len(order) == 0 {
		for _, k := range keys {
			add(k, jsonString(vals[k]))
		}
	}
	for _, k := range order {
		p := schema.Properties[k]
		if v, ok := vals[k]; ok {
			add(k, typedValue(v, p.typeName()))
			continue
		}
		switch {
		case len(p.Default) > 0:
			add(k, p.Default)
		case len(p.Examples) > 0:
			add(k, p.Examples[0])
		case len(p.Example) > 0:
			add(k, p.Example)
		case len(p.Enum) > 0:
			add(k, p.Enum[0])
		case containsString(schema.Required, k):
			add(k, emptyValue(p.typeName()))
		}
	}
	b.WriteByte('}')
	return b.String()
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func typedValue(v, typ string) json.RawMessage {
	switch typ {
	case "integer":
		if _, err := strconv.ParseInt(v, 10, 64); err == nil {
			return json.RawMessage(v)
		}
	case "number":
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			out, _ := json.Marshal(f)
			return out
		}
	case "boolean":
		if bv, err := strconv.ParseBool(v); err == nil {
			return json.RawMessage(strconv.FormatBool(bv))
		}
	case "array", "object":
		if json.Valid([]byte(v)) {
			return json.RawMessage(v)
		}
	}
	return jsonString(v)
}

func emptyValue(typ string) json.RawMessage {
	switch typ {
	case "integer", "number":
		return json.RawMessage("0")
	case "boolean":
		return json.RawMessage("false")
	case "array":
		return json.RawMessage("[]")
	case "object":
		return json.RawMessage("{}")
	case "null":
		return json.RawMessage("null")
	}
	return json.RawMessage(`""`)
}

// jsonString encodes s without HTML escaping.
func jsonString(s string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return bytes.TrimRight(b.Bytes(), "\n")
}

// propertyOrder returns the keys of params.properties in document order.
func propertyOrder(params json.RawMessage) []string {
	if len(params) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(params))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil
		}
		key, _ := t.(string)
		if key != "properties" {
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				return nil
			}
			continue
		}
		if t, err := dec.Token(); err != nil || t != json.Delim('{') {
			return nil
		}
		var keys []string
		for dec.More() {
			t, err := dec.Token()
			if err != nil {
				return nil
			}
			k, _ := t.(string)
			keys = append(keys, k)
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				return nil
			}
		}
		return keys
	}
	return nil
}

// firstQuoted returns the first "double-quoted" (or “curly-quoted”) text in s.
func firstQuoted(s string) string {
	for _, q := range [][2]string{{`"`, `"`}, {"“", "”"}} {
		i := strings.Index(s, q[0])
		if i < 0 {
			continue
		}
		rest := s[i+len(q[0]):]
		j := strings.Index(rest, q[1])
		if j > 0 {
			return strings.TrimSpace(rest[:j])
		}
	}
	return ""
}
