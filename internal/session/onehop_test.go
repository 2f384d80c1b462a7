package session

import (
	"bufio"
	"bytes"
	"runtime"
	"strings"
	"testing"
)

// One hop (issue 13 #2): with the real Model the engine takes events straight from
// the Model's queue, so no pump goroutine of the realtime packages stands between
// the socket reader and the engine (reader → engine → sink).
func TestEngineReadsModelQueueWithoutPump(t *testing.T) {
	s, rec := e2e(t, Config{Agents: []*Agent{{Name: "A", Instructions: "Be brief."}}})
	if err := s.SendText("hello"); err != nil {
		t.Fatal(err)
	}
	waitEvent[Idle](t, rec, func(e Idle) bool { return e.Turns == 1 })
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	for _, g := range bytes.Split(buf, []byte("\n\n")) {
		sc := bufio.NewScanner(bytes.NewReader(g))
		for sc.Scan() {
			line := sc.Text()
			if strings.Contains(line, "internal/realtime") && strings.Contains(line, ").pump(") {
				t.Fatalf("a pump goroutine between the model and the engine:\n%s", g)
			}
		}
	}
}
