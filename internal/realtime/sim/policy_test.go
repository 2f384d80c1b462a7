package sim

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

func strp(s string) *string { return &s }

func userItem(text string) *item {
	return &item{typ: "message", role: "user", content: []content{{typ: "input_text", text: text}}}
}

// imageItem is a user message of text (if any) and input_image parts.
func imageItem(text string, urls ...string) *item {
	it := &item{typ: "message", role: "user"}
	if text != "" {
		it.content = append(it.content, content{typ: "input_text", text: text})
	}
	for _, u := range urls {
		it.content = append(it.content, content{typ: "input_image", imageURL: u})
	}
	return it
}

func TestDecide(t *testing.T) {
	tools := []toolDef{
		{Type: "function", Name: "lookup_order", Parameters: json.RawMessage(
			`{"type":"object","properties":{"order_id":{"type":"string"},"verbose":{"type":"boolean","default":true},"limit":{"type":"integer","examples":[5]},"tags":{"type":["array","null"]}},"required":["order_id","tags"]}`)},
		{Type: "function", Name: "get_time"},
		{Type: "function", Name: "transfer_to_billing_support"},
		{Type: "function", Name: "transfer_to_sales"},
	}
	call := func(tool, args string) plan { return plan{calls: []plannedCall{{tool: tool, args: args}}} }
	calls := func(pairs ...string) plan {
		var p plan
		for i := 0; i+1 < len(pairs); i += 2 {
			p.calls = append(p.calls, plannedCall{tool: pairs[i], args: pairs[i+1]})
		}
		return p
	}
	cases := []struct {
		name  string
		items []*item
		instr *string
		tools []toolDef
		tc    string
		want  plan
	}{
		{"echo", []*item{userItem("hello")}, nil, tools, "", plan{text: "You said: hello"}},
		{"recall the first message", []*item{userItem("my name is Ana"), userItem("hello"), userItem("What did I say first?")}, nil, tools, "", plan{text: "You first said: my name is Ana"}},
		{"recall with nothing before", []*item{userItem("what did I say first")}, nil, tools, "", plan{text: "You have not said anything before."}},
		{"no input", nil, nil, tools, "", plan{text: GreetingText}},
		{"instructions", []*item{userItem("hello")}, strp("Greet the user"), tools, "", plan{text: GreetingText}},
		{"quoted instructions", nil, strp(`Say "Welcome to Acme." now`), tools, "", plan{text: "Welcome to Acme."}},
		{"tool by name", []*item{userItem("please lookup_order order_id=A-1234.")}, nil, tools, "",
			call("lookup_order", `{"order_id":"A-1234","verbose":true,"limit":5,"tags":[]}`)},
		{"tool with spaces, typed values", []*item{userItem(`Lookup order order_id="A 1" verbose=false limit=9 tags=["x"]`)}, nil, tools, "",
			call("lookup_order", `{"order_id":"A 1","verbose":false,"limit":9,"tags":["x"]}`)},
		{"tool no params", []*item{userItem("What's the get time?")}, nil, tools, "", call("get_time", "{}")},
		{"tool no params passes pairs", []*item{userItem("get_time zone=UTC")}, nil, tools, "", call("get_time", `{"zone":"UTC"}`)},
		{"handoff by name", []*item{userItem("I need Billing Support now")}, nil, tools, "", call("transfer_to_billing_support", "{}")},
		{"handoff beats tool", []*item{userItem("get time, then transfer to sales")}, nil, tools, "", call("transfer_to_sales", "{}")},
		{"earliest handoff", []*item{userItem("sales or billing support?")}, nil, tools, "", call("transfer_to_sales", "{}")},
		{"whole words only", []*item{userItem("salesforce question")}, nil, tools, "", plan{text: "You said: salesforce question"}},
		{"tool_choice none", []*item{userItem("get time")}, nil, tools, `"none"`, plan{text: "You said: get time"}},
		{"tool_choice required", []*item{userItem("hi")}, nil, tools, `"required"`, call("lookup_order", `{"order_id":"","verbose":true,"limit":5,"tags":[]}`)},
		{"tool_choice named", []*item{userItem("hi")}, nil, tools, `{"type":"function","name":"get_time"}`, call("get_time", "{}")},
		{"empty", []*item{userItem("  ")}, nil, tools, "", plan{text: NothingText}},
		{"image", []*item{imageItem("", "data:image/png;base64,iVBORw0KGgo=")}, nil, tools, "", plan{text: "You sent an image of 8 bytes."}},
		{"two images and text", []*item{imageItem("what is this?", "data:image/png;base64,AAAA", "data:image/gif;base64,AAAAAA==")}, nil, tools, "",
			plan{text: "You sent an image of 3 bytes. You sent an image of 4 bytes. You said: what is this?"}},
		{"tool output", []*item{userItem("get time"), {typ: "function_call", name: "get_time", callID: "c1"},
			{typ: "function_call_output", callID: "c1", output: "12:00"}}, nil, tools, "", plan{text: "get_time returned: 12:00"}},
		{"two outputs", []*item{userItem("x"), {typ: "function_call", name: "a", callID: "c1"}, {typ: "function_call", name: "b", callID: "c2"},
			{typ: "function_call_output", callID: "c1", output: "1"}, {typ: "function_call_output", callID: "c2", output: "2"}}, nil, tools, "",
			plan{text: "a returned: 1 b returned: 2"}},
		{"handoff output", []*item{userItem("billing support"), {typ: "function_call", name: "transfer_to_billing_support", callID: "c1"},
			{typ: "function_call_output", callID: "c1", output: `{"assistant":"Billing Support"}`}}, nil, tools, "",
			plan{text: "Hi, this is Billing Support."}},
		{"new user message after output", []*item{{typ: "function_call", name: "get_time", callID: "c1"},
			{typ: "function_call_output", callID: "c1", output: "12:00"}, userItem("thanks")}, nil, tools, "", plan{text: "You said: thanks"}},
		{"audio without transcript", []*item{{typ: "message", role: "user", speechMs: 640, content: []content{{typ: "input_audio"}}}}, nil, tools, "",
			plan{text: "You said: [640 ms of audio]"}},
		{"audio transcript", []*item{{typ: "message", role: "user", content: []content{{typ: "input_audio", transcript: strp("hi there")}}}}, nil, tools, "",
			plan{text: "You said: hi there"}},
		{"two tools in one message", []*item{userItem("get time and lookup order order_id=B-2")}, nil, tools, "",
			calls("get_time", `{"order_id":"B-2"}`, "lookup_order", `{"order_id":"B-2","verbose":true,"limit":5,"tags":[]}`)},
		{"two tools in mention order", []*item{userItem("lookup_order id=1 then get_time")}, nil, tools, "",
			calls("lookup_order", `{"order_id":"","verbose":true,"limit":5,"tags":[]}`, "get_time", `{"id":"1"}`)},
		{"a tool named twice is called once", []*item{userItem("get time, get time again")}, nil, tools, "", call("get_time", "{}")},
		{"longer name wins an overlap", []*item{userItem("get time zone")}, nil, append(tools[:2:2], toolDef{Type: "function", Name: "get_time_zone"}), "",
			call("get_time_zone", "{}")},
		{"forced tool is alone", []*item{userItem("get time and lookup order")}, nil, tools, `{"type":"function","name":"get_time"}`, call("get_time", "{}")},
		{"idle", []*item{{typ: "message", role: "user", idle: true, content: []content{{typ: "input_audio"}}}}, nil, tools, "", plan{text: IdleText}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := policyInput{items: tc.items, tools: tc.tools, instructions: tc.instr}
			if tc.tc != "" {
				in.toolChoice = json.RawMessage(tc.tc)
			}
			if got := decide(in); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("decide = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestTruncateTranscript(t *testing.T) {
	const s = "You said: one two three"
	for _, tc := range []struct {
		ms   int
		want string
	}{{0, ""}, {1, "You"}, {240, "You"}, {241, "You said:"}, {500, "You said: one"}, {1200, s}} {
		if got := truncateTranscript(s, tc.ms); got != tc.want {
			t.Errorf("truncate(%d) = %q, want %q", tc.ms, got, tc.want)
		}
	}
}

func TestSynthesizer(t *testing.T) {
	a := SynthesizeSpeech("Hello there")
	if !bytes.Equal(a, SynthesizeSpeech("Hello  there")) {
		t.Fatal("not deterministic")
	}
	if len(a) != 2*int(WordDuration/time.Millisecond)*BytesPerMs {
		t.Fatalf("len = %d", len(a))
	}
	w := SynthesizeWord("hello")
	toneEnd := int(WordTone/time.Millisecond) * BytesPerMs
	if frameRMS(w[toneEnd/2:toneEnd/2+480], 48) < 0.15 {
		t.Fatal("tone too quiet")
	}
	if frameRMS(w[toneEnd:], 48) != 0 {
		t.Fatal("gap not silent")
	}
	if WordFrequency("a") == WordFrequency("b") && WordFrequency("b") == WordFrequency("c") {
		t.Fatal("frequency does not depend on the word")
	}
	if d := WordDurations("a b c"); len(d) != 3 || d[0] != WordDuration {
		t.Fatalf("durations = %v", d)
	}
}

func TestUnknownParamPaths(t *testing.T) {
	var v any
	_ = json.Unmarshal([]byte(`{"type":"realtime","audio":{"output":{"voice":{"id":"v","x":1}}}}`), &v)
	if got := unknownParam("session", v, sessionKeys); got != "session.audio.output.voice.x" {
		t.Fatalf("got %q", got)
	}
	_ = json.Unmarshal([]byte(`{"type":"realtime","tracing":"auto","tool_choice":"auto","prompt":null}`), &v)
	if got := unknownParam("session", v, sessionKeys); got != "" {
		t.Fatalf("got %q", got)
	}
}
