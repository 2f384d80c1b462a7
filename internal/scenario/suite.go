package scenario

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/rtagent/rtagent/internal/agent"
)

// Discover returns the scenario files under paths (files are taken as given,
// directories are walked for *.test.yaml), sorted and without duplicates.
func Discover(paths []string) ([]string, error) {
	if len(paths) == 0 {
		paths = []string{"."}
	}
	seen := map[string]bool{}
	var out []string
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("test path: %w", err)
		}
		if !fi.IsDir() {
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && path != p && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules") {
				return filepath.SkipDir
			}
			if !d.IsDir() && strings.HasSuffix(d.Name(), Suffix) && !seen[path] {
				seen[path] = true
				out = append(out, path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("test path: %w", err)
		}
	}
	slices.Sort(out)
	return out, nil
}

// Shard is K/N: this job runs the K-th of N deterministic slices of a suite.
type Shard struct{ K, N int }

// ParseShard parses "K/N" (1 ≤ K ≤ N).
func ParseShard(s string) (Shard, error) {
	k, n, ok := strings.Cut(s, "/")
	ki, err1 := strconv.Atoi(k)
	ni, err2 := strconv.Atoi(n)
	if !ok || err1 != nil || err2 != nil || ni < 1 || ki < 1 || ki > ni {
		return Shard{}, fmt.Errorf("want K/N with 1 ≤ K ≤ N, e.g. 2/4; got %q", s)
	}
	return Shard{K: ki, N: ni}, nil
}

// Options select and run a suite.
type Options struct {
	Run      *regexp.Regexp // select scenarios whose name or path matches
	Shard    Shard          // zero: everything
	Count    int            // runs of each scenario (default 1)
	Parallel int            // scenarios at once (default 1)
	// Done is called after each run, from the runner's goroutines, serialised.
	Done func(*Result)
}

// LoadAll loads every file; problems of all files are returned together.
func LoadAll(files []string) ([]*Scenario, error) {
	var all []*Scenario
	var errs agent.Errors
	var other []error
	for _, f := range files {
		sc, err := Load(f)
		var ve agent.Errors
		switch {
		case errors.As(err, &ve):
			errs = append(errs, ve...)
		case err != nil:
			other = append(other, err)
		default:
			all = append(all, sc)
		}
	}
	if len(other) > 0 {
		return nil, errors.Join(append(other, errsOrNil(errs))...)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return all, nil
}

func errsOrNil(e agent.Errors) error {
	if len(e) == 0 {
		return nil
	}
	return e
}

// Select applies the name filter and the shard, in file order. Sharding is by
// position in the sorted list, so every job of a CI matrix agrees.
func Select(all []*Scenario, o Options) []*Scenario {
	var out []*Scenario
	for _, sc := range all {
		if o.Run == nil || o.Run.MatchString(sc.Name) || o.Run.MatchString(sc.Path) {
			out = append(out, sc)
		}
	}
	if o.Shard.N > 1 {
		var mine []*Scenario
		for i, sc := range out {
			if i%o.Shard.N == o.Shard.K-1 {
				mine = append(mine, sc)
			}
		}
		out = mine
	}
	return out
}

// RunAll runs every scenario Count times, Parallel at once, and returns the
// results in suite order (scenario, then run).
func RunAll(ctx context.Context, scs []*Scenario, open Opener, o Options) []*Result {
	count, par := max(o.Count, 1), max(o.Parallel, 1)
	type job struct{ i, run int }
	results := make([]*Result, len(scs)*count)
	jobs := make(chan job)
	var wg sync.WaitGroup
	var doneMu sync.Mutex
	for range min(par, len(results)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				res := Run(ctx, scs[j.i], open, j.run)
				results[j.i*count+j.run-1] = res
				if o.Done != nil {
					doneMu.Lock()
					o.Done(res)
					doneMu.Unlock()
				}
			}
		}()
	}
	for i := range scs {
		for run := 1; run <= count; run++ {
			select {
			case jobs <- job{i, run}:
			case <-ctx.Done():
			}
		}
	}
	close(jobs)
	wg.Wait()
	out := results[:0]
	for _, r := range results {
		if r != nil {
			out = append(out, r)
		}
	}
	return out
}
