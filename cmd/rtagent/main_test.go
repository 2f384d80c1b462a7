package main

import (
	"context"
	"errors"
	stdio "io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/rtagent/rtagent/internal/audio"
	"github.com/rtagent/rtagent/internal/audio/vad"
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
			// A missing WebRTC library, for scripts of that path (vad.UseLibrary).
			if name := os.Getenv("RTAGENT_TEST_VAD_LIBRARY"); name != "" {
				vad.UseLibrary(name)
			}
			io := systemIO()
			// Every line `run --format jsonl` prints in a script is kept for
			// TestScripts to validate against the events schema.
			if path := os.Getenv("RTAGENT_TEST_EVENTS"); path != "" && isJSONLRun(os.Args[1:]) {
				f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
				if err != nil {
					panic(err)
				}
				defer f.Close()
				io.Out = stdio.MultiWriter(io.Out, f)
			}
			code := execute(context.Background(), io, os.Args[1:])
			os.Exit(code)
		},
	})
}

// TestScripts runs the end-to-end command-line scripts against the built-in simulator.
func TestScripts(t *testing.T) {
	root := testkit.Root(t)
	var checked atomic.Int64
	var ranRunText atomic.Bool // run_text.txtar prints JSONL
	t.Cleanup(func() {
		t.Logf("%d JSONL lines validated against the events schema", checked.Load())
		if !t.Failed() && ranRunText.Load() && checked.Load() == 0 {
			t.Errorf("no line of run --format jsonl was validated against the events schema")
		}
	})
	testscript.Run(t, testscript.Params{
		Dir: filepath.Join("testdata", "script"),
		Setup: func(env *testscript.Env) error {
			env.Setenv("ROOT", root)
			env.Setenv("KIT", filepath.Join(root, "testdata", "realtime"))
			env.Setenv("OPENAI_API_KEY", "")
			env.Setenv("XDG_STATE_HOME", filepath.Join(env.WorkDir, ".state"))
			env.Setenv("XDG_CONFIG_HOME", filepath.Join(env.WorkDir, ".config"))
			// Every JSONL line `run` prints validates against `rtagent schema --events`.
			if filepath.Base(env.WorkDir) == "script-run_text" {
				ranRunText.Store(true)
			}
			events := filepath.Join(env.WorkDir, ".events.jsonl")
			env.Setenv("RTAGENT_TEST_EVENTS", events)
			env.Defer(func() {
				data, err := os.ReadFile(events)
				if errors.Is(err, fs.ErrNotExist) {
					return
				}
				if err != nil {
					env.T().Fatal(err)
				}
				n, problems := validateEventLines(data)
				checked.Add(int64(n))
				if len(problems) > 0 {
					env.T().Fatal("lines of run --format jsonl that do not match the events schema:\n" + strings.Join(problems, "\n"))
				}
			})
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
// as `rtagent sim` would, and sets $SIMURL to its URL. With -close-after N it
// closes every connection with 1011 after its N-th server event.
func simServe(ts *testscript.TestScript, neg bool, args []string) {
	var opts sim.Options
	switch {
	case neg:
		ts.Fatalf("usage: simserve [-close-after N]")
	case len(args) == 2 && args[0] == "-close-after":
		n, err := strconv.Atoi(args[1])
		ts.Check(err)
		opts.Faults = sim.Faults{CloseAfterEvents: n, CloseCode: 1011, CloseReason: "simulated server error"}
	case len(args) != 0:
		ts.Fatalf("usage: simserve [-close-after N]")
	}
	srv := sim.New(opts)
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
