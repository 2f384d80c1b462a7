package agent

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that no input panics and that Parse returns exactly one
// of a config and an Errors value whose entries all carry the file name. The
// default test run only executes the seed corpus; fuzz with
// go test -fuzz FuzzParse ./internal/agent.
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
