package agent

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that no input panics and that Parse returns exactly one
// of a config and an Errors value whose entries all carry the file name. The
// default test run only executes the seed corpus; fuzz with `make fuzz`, or
// go test -fuzz FuzzParse -fuzzminimizetime 1000x ./internal/agent.
//
// Why the minimisation bound: the seeds are multi-KiB agents files, and one
// execution on them costs about a millisecond (full validation compiles JSON
// Schemas and templates). Every input that reaches new coverage is
// minimised, by default for up to 60 s, and Go's byte minimiser tries
// removing every subrange: quadratic in the input's length. With the
// default the fuzzer sat at "0/sec" for a minute after each new input (the
// minimiser's executions are counted only when it returns); with 1000x it
// keeps fuzzing.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/invalid/*.yaml")
	seeds = append(seeds, "testdata/valid/agents.yaml")
	for _, p := range seeds {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("a: &a [*a, *a]\nagents: *a\n"))
	f.Add([]byte("agents: [{name: a, instructions: '{{'}]"))
	f.Add([]byte("\t- :"))
	f.Add([]byte("agents:\n  - name: a\n    instructions: x: y\n"))
	f.Add([]byte("agents:\n  - name: a\n\tinstructions: x\n"))
	f.Add([]byte("model:\n  name: x\nagents:\n  - name: a\n    instructions: x\n    tools:\n   - name: b\n"))
	f.Add([]byte("agents: [{name: a, instructions: \"caf\xe9 \x1b[2J\"}]\n"))
	f.Add([]byte("a: [1, 2\nb: \"c\n"))
	lookPath := func(p string) (string, error) { return "/bin/" + filepath.Base(p), nil }
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(data, "fuzz.yaml", LoadOptions{LookPath: lookPath, Now: testNow})
		if (cfg == nil) == (err == nil) {
			t.Fatalf("cfg=%v err=%v: want exactly one", cfg != nil, err)
		}
		if err != nil {
			var errs Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("error is not a non-empty Errors: %T %v", err, err)
			}
			for _, e := range errs {
				if e.File == "" || e.Msg == "" {
					t.Fatalf("incomplete error %+v", e)
				}
			}
			return
		}
		a, err := cfg.StartAgent("")
		if err != nil {
			t.Fatalf("valid config without a start agent: %v", err)
		}
		if _, err := a.RenderInstructions(nil, testNow); err != nil {
			t.Fatalf("render: %v", err)
		}
	})
}
