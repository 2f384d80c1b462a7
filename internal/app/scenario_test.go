package app

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/rtagent/rtagent/internal/scenario"
	"github.com/rtagent/rtagent/internal/testkit"
)

func runSuite(t *testing.T, o ScenarioOptions, paths ...string) []*scenario.Result {
	t.Helper()
	files, err := scenario.Discover(paths)
	if err != nil {
		t.Fatal(err)
	}
	all, err := scenario.LoadAll(files)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	if o.Getenv == nil {
		o.Getenv = func(string) string { return "" }
	}
	return scenario.RunAll(ctx, all, NewScenarioOpener(o), scenario.Options{Parallel: 2})
}

func report(rs []*scenario.Result) string {
	var buf bytes.Buffer
	scenario.WriteText(&buf, rs, scenario.Summarize(rs, 0))
	return buf.String()
}

// The example scenarios pass on the simulator through the real opener.
func TestExampleScenariosPass(t *testing.T) {
	rs := runSuite(t, ScenarioOptions{}, filepath.Join(testkit.Root(t), "examples", "tests"))
	if len(rs) < 5 {
		t.Fatalf("%d results", len(rs))
	}
	for _, r := range rs {
		if r.Failed() {
			t.Fatalf("example failed:\n%s", report(rs))
		}
	}
}
