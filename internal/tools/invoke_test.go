package tools

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func raw(s string) json.RawMessage { return json.RawMessage(s) }

// funcTool is a Tool made of a function, for testing Invoke's rules.
type funcTool struct {
	def Definition
	fn  func(ctx context.Context, args json.RawMessage) (string, error)
}

func (t *funcTool) Definition() Definition { return t.def }
func (t *funcTool) Call(ctx context.Context, args json.RawMessage) (string, error) {
	return t.fn(ctx, args)
}

const orderSchema = `{"type":"object","properties":{"order_id":{"type":"string"},"qty":{"type":"integer","minimum":1}},` +
	`"required":["order_id"],"additionalProperties":false}`

func TestInvokeArguments(t *testing.T) {
	calls := 0
	tool := &funcTool{
		def: Definition{Name: "lookup_order", Parameters: raw(orderSchema)},
		fn: func(_ context.Context, args json.RawMessage) (string, error) {
			calls++
			return "got " + string(args), nil
		},
	}
	tests := []struct {
		args, want string
	}{
		{`{"order_id":"A1"}`, `got {"order_id":"A1"}`},
		{`{"order_id": "A1", "qty": 2}`, `got {"order_id": "A1", "qty": 2}`},
		{`{"order_id":`, "Invalid arguments for tool lookup_order: not valid JSON: unexpected end of JSON input"},
		{`{"order_id":"A1"} {}`, "Invalid arguments for tool lookup_order: not valid JSON: invalid character '{' after top-level value"},
		{`["A1"]`, "Invalid arguments for tool lookup_order: expected a JSON object, got an array"},
		{`"A1"`, "Invalid arguments for tool lookup_order: expected a JSON object, got a string"},
		{`{}`, "Invalid arguments for tool lookup_order: missing property 'order_id'"},
		{``, "Invalid arguments for tool lookup_order: missing property 'order_id'"},
		{`{"order_id":42}`, "Invalid arguments for tool lookup_order: at '/order_id': got number, want string"},
		{`{"order_id":"A1","qty":0}`, "Invalid arguments for tool lookup_order: at '/qty': minimum: 0 is less than 1"},
		{`{"order_id":"A1","extra":true}`, "Invalid arguments for tool lookup_order: additional properties 'extra' not allowed"},
	}
	for _, tc := range tests {
		calls = 0
		res := Invoke(context.Background(), tool, tc.args)
		if res.Output != tc.want {
			t.Errorf("args %s:\n got %q\nwant %q", tc.args, res.Output, tc.want)
		}
		valid := strings.HasPrefix(tc.want, "got ")
		if valid != (res.Err == nil) || valid != (calls == 1) {
			t.Errorf("args %s: err %v, calls %d", tc.args, res.Err, calls)
		}
		if !valid && !errors.Is(res.Err, ErrInvalidArguments) {
			t.Errorf("args %s: err %v does not wrap ErrInvalidArguments", tc.args, res.Err)
		}
	}
}

func TestInvokeEmptyArgumentsAreAnObject(t *testing.T) {
	tool := &funcTool{
		def: Definition{Name: "noargs", Parameters: raw(`{"type":"object","properties":{}}`)},
		fn:  func(_ context.Context, args json.RawMessage) (string, error) { return string(args), nil },
	}
	if res := Invoke(context.Background(), tool, " "); res.Err != nil || res.Output != "{}" {
		t.Errorf("got %+v", res)
	}
}

func TestInvokeTimeout(t *testing.T) {
	tool := &funcTool{
		def: Definition{Name: "slow", Timeout: 50 * time.Millisecond},
		fn: func(ctx context.Context, _ json.RawMessage) (string, error) {
			<-ctx.Done()
			return "", ctx.Err()
		},
	}
	res := Invoke(context.Background(), tool, "{}")
	if !res.TimedOut || res.Output != "Tool slow timed out after 0.05s" || !errors.Is(res.Err, ErrTimeout) {
		t.Errorf("got %+v", res)
	}
}

// A tool that ignores its context cannot hold Invoke beyond the timeout plus
// CleanupGrace.
func TestInvokeTimeoutToolIgnoresContext(t *testing.T) {
	release := make(chan struct{})
	finished := make(chan struct{})
	tool := &funcTool{
		def: Definition{Name: "stubborn", Timeout: 20 * time.Millisecond},
		fn: func(context.Context, json.RawMessage) (string, error) {
			defer close(finished)
			<-release
			return "late", nil
		},
	}
	res := Invoke(context.Background(), tool, "{}")
	close(release)
	<-finished
	if !res.TimedOut || res.Output != "Tool stubborn timed out after 0.02s" {
		t.Errorf("got %+v", res)
	}
	if res.Duration < CleanupGrace {
		t.Errorf("returned after %v, before the grace", res.Duration)
	}
}

func TestInvokeDefaultTimeoutMessage(t *testing.T) {
	if got := "Tool x timed out after " + seconds(DefaultTimeout) + "s"; got != "Tool x timed out after 30s" {
		t.Errorf("got %q", got)
	}
}

func TestInvokeCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	tool := &funcTool{
		def: Definition{Name: "waits"},
		fn: func(ctx context.Context, _ json.RawMessage) (string, error) {
			cancel()
			<-ctx.Done()
			return "", ctx.Err()
		},
	}
	res := Invoke(ctx, tool, "{}")
	if res.TimedOut || !errors.Is(res.Err, context.Canceled) || res.Output != "Error running tool waits: context canceled" {
		t.Errorf("got %+v", res)
	}
}

func TestInvokeErrorAndPanic(t *testing.T) {
	failing := &funcTool{
		def: Definition{Name: "failing"},
		fn:  func(context.Context, json.RawMessage) (string, error) { return "", errors.New("database is down") },
	}
	if res := Invoke(context.Background(), failing, "{}"); res.Output != "Error running tool failing: database is down" || res.Err == nil {
		t.Errorf("got %+v", res)
	}
	panicking := &funcTool{
		def: Definition{Name: "panicking"},
		fn:  func(context.Context, json.RawMessage) (string, error) { panic("boom") },
	}
	res := Invoke(context.Background(), panicking, "{}")
	var pe *PanicError
	if res.Output != "Error running tool panicking: panic: boom" || !errors.As(res.Err, &pe) || len(pe.Stack) == 0 {
		t.Errorf("got %+v", res)
	}
}

func TestInvokeOutputCap(t *testing.T) {
	big := strings.Repeat("ü", MaxOutputBytes) // 2 bytes each
	tool := &funcTool{
		def: Definition{Name: "big"},
		fn:  func(context.Context, json.RawMessage) (string, error) { return big, nil },
	}
	res := Invoke(context.Background(), tool, "{}")
	if len(res.Output) > MaxOutputBytes {
		t.Fatalf("output is %d bytes", len(res.Output))
	}
	kept := strings.Index(res.Output, "…")
	want := big[:kept] + "…[truncated: " + itoa(len(big)-kept) + " bytes omitted]"
	if res.Output != want {
		t.Errorf("output ends %q, want %q", res.Output[kept-4:], want[kept-4:])
	}
	exact := strings.Repeat("x", MaxOutputBytes)
	tool.fn = func(context.Context, json.RawMessage) (string, error) { return exact, nil }
	if res := Invoke(context.Background(), tool, "{}"); res.Output != exact {
		t.Error("an output of exactly MaxOutputBytes was cut")
	}
}

func TestInvokeConcurrent(t *testing.T) {
	tool, err := NewBuiltin("calculator", Definition{})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			res := Invoke(context.Background(), tool, `{"expression":"`+itoa(i)+` * 2"}`)
			if res.Output != itoa(i*2) {
				t.Errorf("%d * 2 = %q", i, res.Output)
			}
		})
	}
	wg.Wait()
}

func TestSerializeOutput(t *testing.T) {
	tests := []struct {
		in   any
		want string
	}{
		{nil, ""},
		{"as <is> & \"raw\"", "as <is> & \"raw\""},
		{map[string]any{"html": "<b>&</b>", "text": "héllo ☃"}, `{"html":"<b>&</b>","text":"héllo ☃"}`},
		{[]int{1, 2}, "[1,2]"},
		{42, "42"},
		{raw(`{"a":1}`), `{"a":1}`},
	}
	for _, tc := range tests {
		if got := SerializeOutput(tc.in); got != tc.want {
			t.Errorf("SerializeOutput(%#v) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := SerializeOutput(make(chan int)); !strings.HasPrefix(got, "0x") {
		t.Errorf("unencodable value: %q", got)
	}
}

func itoa(i int) string { return SerializeOutput(i) }
