//go:build !linux

package proc

import "time"

// Elsewhere only the process group is killed; see reaper_linux.go.
type tracker struct{ leader int }

func startTracked(start func() (int, error)) (*tracker, error) {
	pid, err := start()
	if err != nil {
		return nil, err
	}
	return &tracker{leader: pid}, nil
}

func (t *tracker) finish(time.Time) { _ = killGroup(t.leader) }
