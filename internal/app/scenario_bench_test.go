package app

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/rtagent/rtagent/internal/scenario"
	"github.com/rtagent/rtagent/internal/testkit"
)

// BenchmarkScenarios200 runs 200 five-turn scenarios (a tool call and a handoff
// among them) through the real opener — each with its own unpaced simulator and
// session over loopback, on the example agents.yaml — at -j 1, the core count
// and 8, and reports wall time, scenarios per second, peak RSS and the RSS each
// concurrent session adds (both client and its simulator server). Goal (issue 14): 200 scenarios in ≤ 10 s, ≤ 2 MB per
// concurrent session.
func BenchmarkScenarios200(b *testing.B) {
	dir := b.TempDir()
	root := testkit.Root(b)
	yaml := "name: five turns\nagents: " + filepath.Join(root, "agents.yaml") + "\nsteps:\n" +
		"  - say: hello\n" +
		"  - say: calculator expression=19.99*3\n    expect: {tool_output: {name: calculator, contains: '59.97'}}\n" +
		"  - say: how are you\n" +
		"  - say: what time is it? get_time\n" +
		"  - say: transfer to billing\n    expect: {handoff: billing, agent: billing}\n"
	path := filepath.Join(dir, "five.test.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		b.Fatal(err)
	}
	sc, err := scenario.Load(path)
	if err != nil {
		b.Fatal(err)
	}
	scs := make([]*scenario.Scenario, 200)
	for i := range scs {
		scs[i] = sc
	}
	open := NewScenarioOpener(ScenarioOptions{Getenv: func(string) string { return "" }})
	var peak1 int64 // peak RSS at -j 1, the base of the marginal cost of a session
	for _, j := range []int{1, runtime.NumCPU(), 8} {
		b.Run(fmt.Sprintf("j=%d", j), func(b *testing.B) {
			runtime.GC()
			base := rssBytes()
			for b.Loop() {
				stop := sampleRSS()
				start := time.Now()
				rs := scenario.RunAll(context.Background(), scs, open, scenario.Options{Parallel: j})
				el := time.Since(start)
				top := stop()
				for _, r := range rs {
					if r.Failed() {
						var buf bytes.Buffer
						scenario.WriteText(&buf, []*scenario.Result{r}, scenario.Summary{})
						b.Fatalf("scenario failed:\n%s", buf.String())
					}
				}
				b.ReportMetric(el.Seconds(), "s/200")
				b.ReportMetric(float64(len(scs))/el.Seconds(), "scenarios/s")
				b.ReportMetric(float64(top)/(1<<20), "peakRSS-MB")
				// Upper bound: everything the run added, shared by the j sessions.
				b.ReportMetric(float64(max(top-base, 0))/float64(j)/(1<<20), "MB/session")
				if j == 1 {
					peak1 = top
				} else if peak1 > 0 {
					// Marginal: what each session beyond the first adds to the peak.
					b.ReportMetric(float64(max(top-peak1, 0))/float64(j-1)/(1<<20), "MB/extra-session")
				}
			}
		})
	}
}

// rssBytes is the process's resident set size now (Linux; 0 elsewhere).
func rssBytes() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := bytes.CutPrefix(sc.Bytes(), []byte("VmRSS:")); ok {
			kb, _ := strconv.ParseInt(string(bytes.TrimSpace(bytes.TrimSuffix(bytes.TrimSpace(v), []byte("kB")))), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// sampleRSS samples the RSS every 5 ms until stop, which returns the peak.
func sampleRSS() (stop func() int64) {
	var top int64
	var wg sync.WaitGroup
	done := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			top = max(top, rssBytes())
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() int64 {
		close(done)
		wg.Wait()
		return max(top, rssBytes())
	}
}
