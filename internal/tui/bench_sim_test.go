//go:build linux || darwin

package tui

import (
	"context"
	"encoding/json"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/rtagent/rtagent/internal/realtime"
	"github.com/rtagent/rtagent/internal/realtime/sim"
	"github.com/rtagent/rtagent/internal/session"
	"github.com/rtagent/rtagent/internal/testkit/rig"
	"github.com/rtagent/rtagent/internal/tools"
)

// BenchmarkSimStream measures the UI on a live, real-time conversation: the
// offline simulator at Pace 1 (240 ms per word, audio paced in real time), the
// real OpenAI client over loopback, a session with audio output and no sink
// (the wall-clock playback estimator), and the root Model inside a real
// tea.Program (no input, 100×30, output discarded, so the renderer still diffs
// and writes every frame). Session events reach the program exactly as in
// `rtagent chat` (cmd/rtagent/chat.go): every event is p.Send(EventMsg{...})
// from one goroutine (audio is not an event; AudioStarted marks its first chunk). Turns are typed as key
// presses (Backend = the session); two turns in three call a tool.
//
// Latency: the time from a session event's arrival (as it is handed to
// p.Send) to the first View() whose content shows its text (the renderer
// writes that frame at its next 60 fps flush, ≤17 ms later). Facts (tool
// start/end cards) are recomposed in Update; transcript deltas wait for the
// 10 Hz tick. An event whose text was already visible is not counted.
//
// CPU: process CPU time (getrusage) over the conversation, as % of one core.
// The process also runs the simulator, the client and the session, so the same
// conversation is run again without the UI (events drained) and the UI's share
// is the difference. The microphone and speaker meters move every tick, as
// with a live microphone, so the tick redraws 10 times a second.
func BenchmarkSimStream(b *testing.B) {
	if testing.Short() {
		b.Skip("real-time streamed conversation (~20 s); skipped under -short")
	}
	const streamFor = 10 * time.Second
	var facts, deltas []time.Duration
	var tuiCPU, baseCPU, views, unrendered, skipped float64
	for b.Loop() {
		ui := runSimConversation(b, true, streamFor)
		base := runSimConversation(b, false, streamFor)
		facts = append(facts, ui.facts...)
		deltas = append(deltas, ui.deltas...)
		tuiCPU += ui.cpu
		baseCPU += base.cpu
		views += float64(ui.views) / ui.wall.Seconds()
		unrendered += float64(ui.unrendered)
		skipped += float64(ui.skipped)
	}
	n := float64(b.N)
	b.ReportMetric(pct(facts, 50), "fact-p50-ms")
	b.ReportMetric(pct(facts, 99), "fact-p99-ms")
	b.ReportMetric(pct(deltas, 50), "delta-p50-ms")
	b.ReportMetric(pct(deltas, 99), "delta-p99-ms")
	b.ReportMetric(float64(len(facts))/n, "facts/op")
	b.ReportMetric(float64(len(deltas))/n, "deltas/op")
	b.ReportMetric(unrendered/n, "unrendered/op")
	b.ReportMetric(skipped/n, "already-shown/op")
	b.ReportMetric(views/n, "views/s")
	b.ReportMetric(tuiCPU/n, "cpu-total-%")
	b.ReportMetric(baseCPU/n, "cpu-no-ui-%")
	b.ReportMetric((tuiCPU-baseCPU)/n, "cpu-ui-%")
	if unrendered > 0 {
		b.Errorf("%v events never showed in a frame", unrendered)
	}
}

// pct is the p-th percentile in milliseconds (nearest rank).
func pct(ds []time.Duration, p float64) float64 {
	if len(ds) == 0 {
		return math.NaN()
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	return float64(s[max(0, i)]) / float64(time.Millisecond)
}

type simRun struct {
	facts, deltas []time.Duration
	views         int
	unrendered    int
	skipped       int
	cpu           float64 // % of one core
	wall          time.Duration
}

// frameProbe records when each awaited text first shows in a View.
type frameProbe struct {
	mu      sync.Mutex
	last    string // the last frame seen, squashed
	pending []probeWait
	facts   []time.Duration
	deltas  []time.Duration
	views   int
	skipped int
}

type probeWait struct {
	needle string
	at     time.Time
	delta  bool
}

// squash drops styles and all white space, so wrapping and indentation do not
// matter when looking for a text in a frame.
func squash(s string) string {
	s = ansi.Strip(s)
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// await registers text from an event arriving now, unless it is already shown.
func (p *frameProbe) await(text string, delta bool) {
	n := squash(text)
	if n == "" {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if strings.Contains(p.last, n) {
		p.skipped++
		return
	}
	p.pending = append(p.pending, probeWait{needle: n, at: time.Now(), delta: delta})
}

func (p *frameProbe) seen(frame string) {
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.views++
	p.last = squash(frame) // await needs the last frame too
	kept := p.pending[:0]
	for _, w := range p.pending {
		if !strings.Contains(p.last, w.needle) {
			kept = append(kept, w)
			continue
		}
		if w.delta {
			p.deltas = append(p.deltas, now.Sub(w.at))
		} else {
			p.facts = append(p.facts, now.Sub(w.at))
		}
	}
	p.pending = kept
}

// probedModel is the root Model as the program sees it, with every View
// reported to the probe.
type probedModel struct {
	m     *Model
	probe *frameProbe
}

func (pm probedModel) Init() tea.Cmd { return pm.m.Init() }
func (pm probedModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	_, cmd := pm.m.Update(msg)
	return pm, cmd
}
func (pm probedModel) View() tea.View {
	v := pm.m.View()
	pm.probe.seen(v.Content)
	return v
}

// movingMeters is an AudioControl whose levels change every call, as a live
// microphone's do.
type movingMeters struct {
	mu sync.Mutex
	n  int
}

func (a *movingMeters) SetMuted(bool) {}
func (a *movingMeters) Muted() bool   { return false }
func (a *movingMeters) Levels() (float64, float64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.n++
	x := float64(a.n)
	return 0.3 + 0.2*math.Sin(x), 0.4 + 0.3*math.Cos(x/3)
}

// orderTool answers lookup_order with an output unique to the order id.
type orderTool struct{}

func (orderTool) Definition() tools.Definition {
	return tools.Definition{Name: "lookup_order", Description: "Look up an order",
		Parameters: json.RawMessage(`{"type":"object","properties":{"order_id":{"type":"string"}},"required":["order_id"]}`)}
}

func (orderTool) Call(_ context.Context, args json.RawMessage) (string, error) {
	var a struct {
		OrderID string `json:"order_id"`
	}
	if err := json.Unmarshal(args, &a); err != nil {
		return "", err
	}
	return `{"order":"` + a.OrderID + `","status":"shipped"}`, nil
}

// runSimConversation runs turns for about d (the turn in flight finishes),
// with the UI in a tea.Program or, when withUI is false, with the events
// drained and the text sent straight to the session.
func runSimConversation(b *testing.B, withUI bool, d time.Duration) simRun {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d+30*time.Second)
	defer cancel()
	base := realtime.Settings{
		Model:            "gpt-realtime-2.1",
		OutputModalities: []string{realtime.ModalityAudio},
		InputFormat:      realtime.PCM24k,
		OutputFormat:     realtime.PCM24k,
		Voice:            "marin",
	}
	r := rig.Open(b, rig.Config{Sim: sim.Options{Pace: 1}, APIKey: "sim", NoTrace: true}, func(m realtime.Model) (*session.Session, error) {
		return session.New(session.Config{
			Model:     m,
			Base:      base,
			Agents:    []*session.Agent{{Name: "concierge", Instructions: "Front desk.", Tools: []tools.Tool{orderTool{}}}},
			RawEvents: true, // as `rtagent chat`: the event log gets the wire events
		})
	})
	sess := r.Session
	events := sess.Events()
	pumpDone := make(chan struct{})
	r.Start(ctx, pumpDone)

	probe := &frameProbe{}
	var prog *tea.Program
	progDone := make(chan struct{})
	if withUI {
		m := New(Options{Backend: sess, Audio: &movingMeters{}, Agents: []string{"concierge"}, ActiveAgent: "concierge",
			Model: base.Model, Voice: base.Voice})
		prog = tea.NewProgram(probedModel{m: m, probe: probe}, tea.WithContext(ctx), tea.WithInput(nil),
			tea.WithOutput(io.Discard), tea.WithWindowSize(100, 30), tea.WithoutSignals())
		go func() {
			defer close(progDone)
			if _, err := prog.Run(); err != nil && ctx.Err() == nil {
				b.Errorf("program: %v", err)
			}
		}()
	} else {
		close(progDone)
	}

	// The event pump, as chatTUI's: stamp, then hand to the program.
	var (
		mu       sync.Mutex
		want     string // the token the current turn's answer contains
		answered bool
	)
	ready := make(chan struct{}, 1)
	turnDone := make(chan struct{}, 1)
	go func() {
		defer close(pumpDone)
		text := map[string]string{} // item → text so far
		for ev := range events {
			switch e := ev.(type) {
			case session.SessionReady:
				select {
				case ready <- struct{}{}:
				default:
				}
			case session.Transcript:
				if e.Role != "assistant" {
					break
				}
				if e.Final {
					mu.Lock()
					if want != "" && strings.Contains(e.Text, want) {
						answered = true
					}
					mu.Unlock()
				} else if withUI {
					text[e.ItemID] += e.Delta
					probe.await(text[e.ItemID], true)
				}
			case session.ToolStart:
				if withUI {
					probe.await(e.Arguments, false)
				}
			case session.ToolEnd:
				if withUI {
					probe.await(e.Output, false)
				}
			case session.AgentEnd:
				mu.Lock()
				if answered {
					answered, want = false, ""
					select {
					case turnDone <- struct{}{}:
					default:
					}
				}
				mu.Unlock()
			}
			if prog != nil {
				prog.Send(EventMsg{Event: ev})
			}
		}
	}()

	select {
	case <-ready:
	case <-ctx.Done():
		b.Fatal("the session never became ready")
	}
	var ru0, ru1 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	start := time.Now()
	for i := 0; time.Since(start) < d; i++ {
		var msg, token string
		if i%3 != 0 {
			token = "X-" + strconv.Itoa(i)
			msg = "lookup_order order_id=" + token
		} else {
			token = "turn" + strconv.Itoa(i)
			msg = "please repeat " + token + " alpha bravo charlie delta echo foxtrot golf hotel india"
		}
		mu.Lock()
		want = token
		mu.Unlock()
		if withUI {
			for _, r := range msg {
				prog.Send(tea.KeyPressMsg{Code: r, Text: string(r)})
			}
			prog.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
		} else if err := sess.SendText(msg); err != nil {
			b.Fatal(err)
		}
		select {
		case <-turnDone:
		case <-ctx.Done():
			b.Fatalf("turn %d (%q) never finished", i, msg)
		}
	}
	wall := time.Since(start)
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	if withUI {
		// Let the next tick show what the last turn left pending.
		deadline := time.Now().Add(time.Second)
		for time.Now().Before(deadline) {
			probe.mu.Lock()
			n := len(probe.pending)
			probe.mu.Unlock()
			if n == 0 {
				break
			}
			time.Sleep(10 * time.Millisecond) // polling the probe, with a deadline
		}
		prog.Quit()
	}
	<-progDone
	r.Close()

	cpu := time.Duration(ru1.Utime.Nano()-ru0.Utime.Nano()) + time.Duration(ru1.Stime.Nano()-ru0.Stime.Nano())
	probe.mu.Lock()
	defer probe.mu.Unlock()
	return simRun{
		facts: probe.facts, deltas: probe.deltas, views: probe.views,
		unrendered: len(probe.pending), skipped: probe.skipped,
		cpu: 100 * cpu.Seconds() / wall.Seconds(), wall: wall,
	}
}
