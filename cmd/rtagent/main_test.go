package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/rtagent/rtagent/internal/audio"
	"github.com/rtagent/rtagent/internal/realtime/sim"
	"github.com/rtagent/rtagent/internal/scenario"
	"github.com/rtagent/rtagent/internal/testkit"
)

// TestMain lets testscript run the real rtagent command as a subprocess of the test
// binary: `exec rtagent ...` in testdata/script/*.txtar.
func TestMain(m *testing.M) {
	audio.RunProbeIfChild() // audio.Probe runs this binary as its child
	testscript.Main(m, map[string]func(){
		"rtagent": func() {
			os.Exit(execute(context.Background(), systemIO(), os.Args[1:]))
		},
	})
}

// TestScripts runs the end-to-end command-line scripts against the built-in simulator.
func TestScripts(t *testing.T) {
	root := testkit.Root(t)
	testscript.Run(t, testscript.Params{
		Dir: filepath.Join("testdata", "script"),
		Setup: func(env *testscript.Env) error {
			env.Setenv("ROOT", root)
			env.Setenv("KIT", filepath.Join(root, "testdata", "realtime"))
			env.Setenv("OPENAI_API_KEY", "")
			env.Setenv("XDG_STATE_HOME", filepath.Join(env.WorkDir, ".state"))
			// The example agents and their tools, as a user has them in a checkout.
			for _, p := range []string{"agents.yaml", "tools"} {
				if err := os.Symlink(filepath.Join(root, p), filepath.Join(env.WorkDir, p)); err != nil {
					return err
				}
			}
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"simserve":    simServe,
			"replayserve": replayServe,
		},
	})
}

// simServe starts the simulator on a free loopback port for the rest of the script,
// as `rtagent sim` would, and sets $SIMURL to its URL.
func simServe(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: simserve")
	}
	srv := sim.New(sim.Options{})
	url, err := srv.Start("127.0.0.1:0")
	ts.Check(err)
	ts.Defer(func() { _ = srv.Close() })
	ts.Setenv("SIMURL", url)
}

// replayServe serves a scripted server stream on a free loopback port for the rest
// of the script and sets $REPLAYURL: the server frames of the trace file (in the
// --trace format) are sent once the client frames before them have arrived. It is
// how a script meets server behaviour the simulator does not produce (a rejected
// message). The client frames are not checked: the script checks what rtagent does.
func replayServe(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: replayserve TRACE.jsonl")
	}
	frames, err := scenario.LoadTrace(ts.MkAbs(args[0]))
	ts.Check(err)
	rp := scenario.NewReplay(frames)
	url, err := rp.Start("127.0.0.1:0")
	ts.Check(err)
	ts.Defer(func() { _ = rp.Close() })
	ts.Setenv("REPLAYURL", url)
}
