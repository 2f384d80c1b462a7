// Command bench measures the real rtagent binary against a fake GA Realtime server
// on loopback (issue 13 item 8) and prints the figures:
//
//   - CPU seconds per minute of audio (user+system from the child's rusage) and peak
//     RSS, with its anonymous and file-backed parts sampled apart (memory.go), for 40 ms output_audio.delta frames sent as fast as possible and paced in
//     real time, with the WAV sink's --fast mode and its real-time clock, and with
//     --trace;
//   - server send → audio handed to the sink, p50/p99, measured in process (see
//     latency.go: the same openai.Model and session.Session the binary runs, with a
//     sink that timestamps each Enqueue);
//   - start-up: wall time of `run --sim --say hi` (median).
//
// Run it with `make bench`, or `go run ./internal/bench -h`.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

type options struct {
	bin         string
	agents      string
	runs        int
	fastSeconds int
	rtSeconds   int
	startupN    int
	only        string
}

func main() {
	var o options
	flag.StringVar(&o.bin, "bin", "", "rtagent binary to measure (default: go build ./cmd/rtagent into a temporary directory)")
	flag.StringVar(&o.agents, "agents", "agents.yaml", "agents file passed to the binary")
	flag.IntVar(&o.runs, "runs", 3, "runs per scenario (the median is printed)")
	flag.IntVar(&o.fastSeconds, "fast-seconds", 60, "seconds of audio in the as-fast-as-possible scenarios")
	flag.IntVar(&o.rtSeconds, "rt-seconds", 20, "seconds of audio in the real-time scenarios")
	flag.IntVar(&o.startupN, "startup-n", 21, "start-up runs (the median is printed)")
	flag.StringVar(&o.only, "only", "", "run only scenarios whose name contains this")
	flag.Parse()
	if err := run(context.Background(), o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// scenario is one way of running the binary against the fake server.
type scenario struct {
	name    string
	seconds int
	paced   bool     // the server sends in real time
	args    []string // extra rtagent flags
}

// result is one child run.
type result struct {
	cpu  time.Duration // user + system
	rss  int64         // bytes
	mem  memPeak       // sampled peaks of anonymous and file-backed memory
	wall time.Duration
}

func run(ctx context.Context, o options, out io.Writer) error {
	tmp, err := os.MkdirTemp("", "rtagent-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if o.bin == "" {
		o.bin = filepath.Join(tmp, "rtagent")
		b := exec.CommandContext(ctx, "go", "build", "-o", o.bin, "./cmd/rtagent")
		b.Stdout, b.Stderr = os.Stderr, os.Stderr
		if err := b.Run(); err != nil {
			return fmt.Errorf("go build ./cmd/rtagent: %w", err)
		}
	}
	if err := evict(o.bin); err != nil {
		return err
	}
	if o.agents, err = filepath.Abs(o.agents); err != nil {
		return err
	}
	fmt.Fprintf(out, "rtagent bench: %s, 40 ms deltas, median of %d runs\n\n", o.bin, o.runs)
	fmt.Fprintf(out, "%-34s %14s %10s %9s %9s %9s\n", "scenario", "CPU s/audio-min", "peak RSS", "anon", "file", "wall")
	scenarios := []scenario{
		{name: "fast: ASAP server, --fast sink", seconds: o.fastSeconds, args: []string{"--fast"}},
		{name: "fast+trace: as fast, --trace", seconds: o.fastSeconds, args: []string{"--fast", "--trace", "TRACE"}},
		{name: "realtime: paced server, --fast", seconds: o.rtSeconds, paced: true, args: []string{"--fast"}},
		{name: "realtime+clock: paced, WAV clock", seconds: o.rtSeconds, paced: true},
	}
	for _, sc := range scenarios {
		if o.only != "" && !strings.Contains(sc.name, o.only) {
			continue
		}
		var rs []result
		for range o.runs {
			r, err := runScenario(ctx, o, tmp, sc)
			if err != nil {
				return fmt.Errorf("%s: %w", sc.name, err)
			}
			rs = append(rs, r)
		}
		r := medianResult(rs)
		perMin := r.cpu.Seconds() * 60 / float64(sc.seconds)
		fmt.Fprintf(out, "%-34s %14.3f %7.1f MB %6.1f MB %6.1f MB %8.2fs\n", sc.name, perMin, float64(r.rss)/1e6,
			float64(r.mem.anon)/1e6, float64(r.mem.file)/1e6, r.wall.Seconds())
	}
	if o.only == "" || strings.Contains("latency", o.only) {
		p50, p99, n, err := measureLatency(ctx, o.rtSeconds)
		if err != nil {
			return fmt.Errorf("latency: %w", err)
		}
		fmt.Fprintf(out, "\nsend → sink latency, paced, in process (%d deltas): p50 %.3f ms, p99 %.3f ms\n", n, ms(p50), ms(p99))
	}
	if o.only == "" || strings.Contains("startup", o.only) {
		med, err := measureStartup(ctx, o, tmp)
		if err != nil {
			return fmt.Errorf("start-up: %w", err)
		}
		fmt.Fprintf(out, "start-up: run --sim --fast --say hi, median of %d: %.1f ms wall, %.1f ms CPU, %.1f MB peak RSS (%.1f MB anonymous, %.1f MB file-backed, sampled)\n",
			o.startupN, ms(med.wall), ms(med.cpu), float64(med.rss)/1e6, float64(med.mem.anon)/1e6, float64(med.mem.file)/1e6)
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// childEnv keeps the child's state (log file) in the temporary directory and gives
// it a key it never needs (the fake server ignores it).
func childEnv(tmp string) []string {
	return append(os.Environ(), "OPENAI_API_KEY=bench-dummy-key", "XDG_STATE_HOME="+tmp, "HOME="+tmp)
}

func runScenario(ctx context.Context, o options, tmp string, sc scenario) (result, error) {
	srv, err := startFakeServer(sc.seconds*int(time.Second/deltaDur), sc.paced)
	if err != nil {
		return result{}, err
	}
	defer srv.close()
	wav := filepath.Join(tmp, "out.wav")
	args := []string{"run", "--agents", o.agents, "--url", srv.url(), "--modality", "audio",
		"--audio-out", wav, "--say", "hi", "--timeout", "10m"}
	for _, a := range sc.args {
		if a == "TRACE" {
			a = filepath.Join(tmp, "trace.jsonl")
		}
		args = append(args, a)
	}
	r, err := runChild(ctx, o.bin, tmp, args)
	if err != nil {
		return r, err
	}
	if len(srv.sent()) == 0 {
		return r, errNoSends
	}
	st, err := os.Stat(wav)
	if err != nil {
		return r, err
	}
	if want := int64(sc.seconds) * 48000; st.Size() < want {
		return r, fmt.Errorf("%s holds %d bytes, want at least %d", wav, st.Size(), want)
	}
	return r, nil
}

func runChild(ctx context.Context, bin, tmp string, args []string) (result, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = childEnv(tmp)
	var stderr limitedBuffer
	cmd.Stdout = io.Discard
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return result{}, err
	}
	done := make(chan struct{})
	peaks := make(chan memPeak, 1)
	go func() { peaks <- sampleMemory(cmd.Process.Pid, 2*time.Millisecond, done) }()
	err := cmd.Wait()
	wall := time.Since(start)
	close(done)
	mem := <-peaks
	if err != nil {
		return result{}, fmt.Errorf("%s %v: %w: %s", filepath.Base(bin), args, err, stderr.b)
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return result{}, errors.New("no rusage for the child")
	}
	return result{
		cpu:  time.Duration(ru.Utime.Nano() + ru.Stime.Nano()),
		rss:  ru.Maxrss * 1024, // kilobytes on Linux
		mem:  mem,
		wall: wall,
	}, nil
}

type limitedBuffer struct{ b []byte }

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := 4096 - len(l.b); room > 0 {
		l.b = append(l.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

// medianResult takes the median of each figure on its own.
func medianResult(rs []result) result {
	var cpu, wall []time.Duration
	var rss, anon, file []int64
	for _, r := range rs {
		cpu, wall, rss = append(cpu, r.cpu), append(wall, r.wall), append(rss, r.rss)
		anon, file = append(anon, r.mem.anon), append(file, r.mem.file)
	}
	for _, s := range [][]int64{rss, anon, file} {
		slices.Sort(s)
	}
	slices.Sort(cpu)
	slices.Sort(wall)
	m := len(rs) / 2
	return result{cpu: cpu[m], wall: wall[m], rss: rss[m], mem: memPeak{anon: anon[m], file: file[m]}}
}

// measureStartup times `run --sim --fast --say hi` (--fast: the simulator does not
// pace its answer in real time, so the figure is start-up, not the answer's length).
func measureStartup(ctx context.Context, o options, tmp string) (result, error) {
	var rs []result
	for range o.startupN {
		r, err := runChild(ctx, o.bin, tmp, []string{"run", "--agents", o.agents, "--sim", "--fast", "--say", "hi"})
		if err != nil {
			return result{}, err
		}
		rs = append(rs, r)
	}
	return medianResult(rs), nil
}
