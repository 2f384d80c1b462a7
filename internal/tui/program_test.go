package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/rtagent/rtagent/internal/session"
	"github.com/rtagent/rtagent/internal/testkit"
)

// TestProgramRuns drives the real Bubble Tea loop: events in through Send (in
// order, so they land before the keys), two Ctrl+C to quit, the final model's
// record out.
func TestProgramRuns(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	be := &fakeBackend{}
	m := New(Options{Backend: be, Audio: &fakeAudio{in: 0.5}, Agents: []string{"concierge"}, ActiveAgent: "concierge", NoColor: true})
	out := &testkit.SafeBuffer{}
	p := tea.NewProgram(m, tea.WithContext(ctx), tea.WithInput(strings.NewReader("")), tea.WithOutput(out),
		tea.WithWindowSize(80, 24), tea.WithoutSignals())
	done := make(chan tea.Model, 1)
	go func() {
		final, err := p.Run()
		if err != nil {
			t.Errorf("run: %v", err)
		}
		done <- final
	}()
	p.Send(EventMsg{Event: session.Transcript{Role: "assistant", Agent: "concierge", ItemID: "a1", Delta: "hel"}})
	p.Send(EventMsg{Event: session.Transcript{Role: "assistant", Agent: "concierge", ItemID: "a1", Final: true, Text: "hello from the loop"}})
	p.Send(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	p.Send(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	select {
	case final := <-done:
		fm, ok := final.(*Model)
		if !ok {
			t.Fatalf("final model is %T", final)
		}
		if !recordHas(fm.Record(), EntryAssistant, "hello from the loop") {
			t.Errorf("record misses the answer: %+v", fm.Record().Entries)
		}
	case <-ctx.Done():
		t.Fatal("program did not quit on ctrl+c twice")
	}
}
