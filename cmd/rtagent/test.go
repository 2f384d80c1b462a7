package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime"
	"time"

	"github.com/spf13/cobra"

	"github.com/rtagent/rtagent/internal/agent"
	"github.com/rtagent/rtagent/internal/app"
	"github.com/rtagent/rtagent/internal/scenario"
)

type testOptions struct {
	Paths      []string
	Jobs       int
	Run        string
	Count      int
	Shard      string
	JUnit      string
	Format     string
	TraceDir   string
	JudgeModel string

	run   *regexp.Regexp
	shard scenario.Shard
}

func newTestCmd(f *factory) *cobra.Command {
	opts := &testOptions{}
	cmd := &cobra.Command{
		Use:   "test [PATH...]",
		Short: "Run scenario suites (*.test.yaml) against your agents",
		Long: "Finds the *.test.yaml scenario files under the paths (default: the current directory),\n" +
			"runs them in parallel, each with its own session (on the offline simulator unless a\n" +
			"scenario names another endpoint), and checks their expectations. Exit status: 0 all\n" +
			"passed, 1 a scenario failed, 2 invalid scenario files or flags.",
		Example: `  rtagent test examples/tests
  rtagent test --run refund -j 4 --junit report.xml
  rtagent test --shard 2/4 --junit shard-2.xml     # one job of a CI matrix
  rtagent test --count 10 --format jsonl            # flakiness against the real API`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			if err := opts.validate(); err != nil {
				return err
			}
			return runTest(cmd.Context(), f, opts)
		},
	}
	fl := cmd.Flags()
	fl.IntVarP(&opts.Jobs, "jobs", "j", runtime.NumCPU(), "scenarios run at once")
	fl.StringVar(&opts.Run, "run", "", "run only the scenarios whose name or path matches this regular expression")
	fl.IntVar(&opts.Count, "count", 1, "run each scenario this many times")
	fl.StringVar(&opts.Shard, "shard", "", "run the K-th of N deterministic slices of the suite (K/N, for CI matrices)")
	fl.StringVar(&opts.JUnit, "junit", "", "write a JUnit XML report to this file")
	fl.StringVar(&opts.Format, "format", "text", "output format: text or jsonl")
	fl.StringVar(&opts.TraceDir, "trace-dir", "", "write each scenario's trace (.trace.jsonl) and transcript (.md) to this directory")
	fl.StringVar(&opts.JudgeModel, "judge-model", app.DefaultJudgeModel, "the text model that evaluates judge: expectations on real endpoints")
	return cmd
}

func (o *testOptions) validate() error {
	if o.Format != "text" && o.Format != "jsonl" {
		return usageErrorf("--format must be text or jsonl, not %q", o.Format)
	}
	if o.Jobs < 1 {
		return usageErrorf("-j must be at least 1, not %d", o.Jobs)
	}
	if o.Count < 1 {
		return usageErrorf("--count must be at least 1, not %d", o.Count)
	}
	if o.Run != "" {
		re, err := regexp.Compile(o.Run)
		if err != nil {
			return usageErrorf("--run: not a valid regular expression: %v", err)
		}
		o.run = re
	}
	if o.Shard != "" {
		s, err := scenario.ParseShard(o.Shard)
		if err != nil {
			return usageErrorf("--shard: %v", err)
		}
		o.shard = s
	}
	if o.JudgeModel == "" {
		return usageErrorf("--judge-model must name a model")
	}
	return nil
}

func runTest(ctx context.Context, f *factory, opts *testOptions) error {
	files, err := scenario.Discover(opts.Paths)
	if err != nil {
		return usageErrorf("%v", err)
	}
	if len(files) == 0 {
		return usageErrorf("no scenario files (*%s) under %v", scenario.Suffix, pathsOrDot(opts.Paths))
	}
	all, err := scenario.LoadAll(files)
	if err != nil {
		var ve agent.Errors
		if errors.As(err, &ve) && len(ve) > 0 {
			return &configError{Err: err} // file:line:column, one problem a line
		}
		return usageErrorf("%v", err)
	}
	sel := scenario.Select(all, scenario.Options{Run: opts.run, Shard: opts.shard})
	if err := checkAgentsFiles(sel); err != nil {
		return err
	}
	if opts.TraceDir != "" {
		if err := os.MkdirAll(opts.TraceDir, 0o755); err != nil {
			return usageErrorf("--trace-dir: %v", err)
		}
	}
	open := app.NewScenarioOpener(app.ScenarioOptions{
		Getenv: f.Getenv, Logger: f.Logger, UserAgent: "rtagent/" + versionString(),
		JudgeModel: opts.JudgeModel, TraceDir: opts.TraceDir,
	})
	out := io.Writer(f.IO.Out)
	if opts.Format != "jsonl" { // the report quotes model text: neutralised (JSONL escapes it)
		tw := newTerminalWriter(f.IO.Out)
		defer tw.Flush()
		out = tw
	}
	var writeErr error
	start := time.Now()
	results := scenario.RunAll(ctx, sel, open, scenario.Options{
		Count: opts.Count, Parallel: opts.Jobs,
		Done: func(r *scenario.Result) { // serialised by RunAll
			if opts.Format == "jsonl" {
				writeErr = errors.Join(writeErr, scenario.WriteJSONL(out, r))
				return
			}
			_, err := fmt.Fprintln(out, scenario.ProgressLine(r))
			writeErr = errors.Join(writeErr, err)
		},
	})
	wall := time.Since(start)
	sum := scenario.Summarize(results, wall)
	if opts.Format == "jsonl" {
		writeErr = errors.Join(writeErr, writeSummaryJSONL(out, sum, len(sel)*opts.Count))
	} else {
		if len(sel) == 0 {
			fmt.Fprintf(out, "no scenarios selected (%d found)\n", len(all))
		}
		scenario.WriteText(out, results, sum)
	}
	if opts.JUnit != "" {
		if err := writeJUnit(opts, results, wall); err != nil {
			return err
		}
	}
	if writeErr != nil {
		return fmt.Errorf("writing the report: %w", writeErr)
	}
	if ctx.Err() != nil {
		return errInterrupted
	}
	if sum.Failed > 0 {
		return errSilent{code: exitFailure} // the report said why
	}
	return nil
}

// checkAgentsFiles validates the agents file of every selected scenario once
// (with its vars) before anything runs: an invalid one is a configuration error
// (exit 2, file:line:column), not a failure of each scenario that uses it.
func checkAgentsFiles(scs []*scenario.Scenario) error {
	seen := map[string]bool{}
	var errs []error
	for _, sc := range scs {
		vars, _ := json.Marshal(sc.Vars) // map keys marshal sorted
		key := sc.AgentsPath + "\x00" + string(vars)
		if seen[key] {
			continue
		}
		seen[key] = true
		if _, err := app.LoadAgents(sc.AgentsPath, sc.Vars); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return &configError{Err: errors.Join(errs...)}
}

func writeJUnit(opts *testOptions, rs []*scenario.Result, wall time.Duration) (err error) {
	suite := "rtagent test"
	if opts.shard.N > 1 {
		suite += fmt.Sprintf(" (shard %d/%d)", opts.shard.K, opts.shard.N)
	}
	fh, err := os.Create(opts.JUnit)
	if err != nil {
		return usageErrorf("--junit: %v", err)
	}
	defer func() { err = closeInto(err, fileErr("--junit", opts.JUnit, fh.Close())) }()
	return fileErr("--junit", opts.JUnit, scenario.WriteJUnit(fh, suite, rs, wall))
}

func writeSummaryJSONL(w io.Writer, s scenario.Summary, selected int) error {
	return json.NewEncoder(w).Encode(struct {
		Type          string `json:"type"`
		Runs          int    `json:"runs"`
		Passed        int    `json:"passed"`
		Failed        int    `json:"failed"`
		SkippedChecks int    `json:"skipped_checks"`
		DurationNS    int64  `json:"duration_ns"`
	}{"summary", selected, s.Passed, s.Failed, s.Skipped, s.Duration.Nanoseconds()})
}

func pathsOrDot(p []string) []string {
	if len(p) == 0 {
		return []string{"."}
	}
	return p
}
