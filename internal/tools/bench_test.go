package tools

import (
	"context"
	"testing"
)

// BenchmarkInvokeBuiltin measures Invoke's own cost per call: argument parsing and
// schema validation (cached schema), the timeout context, the call goroutine, panic
// guard and output cap, around the trivial echo tool.
func BenchmarkInvokeBuiltin(b *testing.B) {
	tool, err := NewBuiltin("echo", Definition{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if res := Invoke(ctx, tool, `{"text":"hello"}`); res.Output != "hello" {
			b.Fatalf("got %+v", res)
		}
	}
}

// BenchmarkInvokeCommand is a real /bin/cat round trip: fork and exec in a new process
// group, stdin, stdout and stderr pipes, wait and group kill.
func BenchmarkInvokeCommand(b *testing.B) {
	tool, err := NewCommand(Definition{Name: "cat"}, CommandConfig{Argv: []string{"/bin/cat"}})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if res := Invoke(ctx, tool, `{"text":"hello"}`); res.Output != `{"text":"hello"}` {
			b.Fatalf("got %+v", res)
		}
	}
}
