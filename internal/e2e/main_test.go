// Tests run the real PortAudio library on the ALSA file device. Race runs need checkptr
// off inside the binding:
//
//	go test -race -gcflags=github.com/gordonklaus/portaudio=-d=checkptr=0 ./internal/e2e/
package e2e

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/rtagent/rtagent/internal/testkit"

	"github.com/rtagent/rtagent/internal/audio"
	"github.com/rtagent/rtagent/internal/realtime/sim"
)

// simHelperEnv makes the test binary a simulator process (for the CPU and RSS
// benchmarks, which must measure the client alone). Its value is the pace.
const simHelperEnv = "RTAGENT_E2E_SIM_HELPER"

func TestMain(m *testing.M) {
	audio.RunProbeIfChild() // audio.Probe runs this binary as its child
	if pace, ok := os.LookupEnv(simHelperEnv); ok {
		os.Exit(runSimHelper(pace))
	}
	testkit.UseFakeAudio()
	goleak.VerifyTestMain(m)
}

// runSimHelper serves the simulator, prints its URL and exits when stdin closes.
func runSimHelper(pace string) int {
	p, err := strconv.ParseFloat(pace, 64)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	srv := sim.New(sim.Options{Pace: p})
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(url)
	_, _ = io.Copy(io.Discard, os.Stdin)
	_ = srv.Close()
	return 0
}

// startSimProcess runs the simulator in a child process. stop ends it and returns the
// child's CPU time (user+sys).
func startSimProcess(tb testing.TB, pace float64) (url string, stop func() time.Duration) {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^$")
	cmd.Env = append(os.Environ(), simHelperEnv+"="+strconv.FormatFloat(pace, 'f', -1, 64))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		tb.Fatalf("simulator process: %v", err)
	}
	var stopped bool
	var cpu time.Duration
	stop = func() time.Duration {
		if stopped {
			return cpu
		}
		stopped = true
		_ = stdin.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if ps := cmd.ProcessState; ps != nil {
			cpu = ps.UserTime() + ps.SystemTime()
		}
		return cpu
	}
	tb.Cleanup(func() { stop() })
	return strings.TrimSpace(line), stop
}
