package scenario

import (
	"context"
	"fmt"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// BenchmarkSuite200 runs 200 five-turn scenarios on the unpaced simulator at
// -j 1, 2 and the core count, and reports scenarios per second and peak RSS.
// Goal (issue: rtagent test): 200 scenarios in ≤ 10 s, ≤ 2 MB per concurrent session.
func BenchmarkSuite200(b *testing.B) {
	steps := []Step{{Say: "hello"}, {Say: "echo text=one"}, {Say: "how are you"}, {Say: "echo text=two"}, {Say: "transfer to billing"}}
	var scs []*Scenario
	for i := range 200 {
		scs = append(scs, &Scenario{File: File{Name: fmt.Sprintf("s%03d", i), Timeout: 30 * 1e9, Agent: "concierge", Steps: steps}})
	}
	open := simOpener(b)
	for _, j := range []int{1, runtime.NumCPU(), 8} {
		b.Run(fmt.Sprintf("j=%d", j), func(b *testing.B) {
			for b.Loop() {
				start := time.Now()
				rs := RunAll(context.Background(), scs, open, Options{Parallel: j})
				for _, r := range rs {
					if r.Failed() {
						b.Fatalf("%s failed: %s %v", r.Name, r.Error, r.Checks)
					}
				}
				el := time.Since(start)
				b.ReportMetric(float64(len(scs))/el.Seconds(), "scenarios/s")
				b.ReportMetric(el.Seconds(), "s/200")
			}
			var ru syscall.Rusage
			if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
				b.ReportMetric(float64(ru.Maxrss)/1024, "peakRSS-MB")
			}
		})
	}
}
