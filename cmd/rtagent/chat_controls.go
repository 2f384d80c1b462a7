package main

import (
	"context"
	"os"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/rtagent/rtagent/internal/agent"
	"github.com/rtagent/rtagent/internal/app"
	"github.com/rtagent/rtagent/internal/tui"
)

// chatControls adapts the chat's app.Console to the UI's Controls (issue 12
// items 13–16).
type chatControls struct{ c *app.Console }

func uiState(st app.ConsoleState) tui.ControlState {
	return tui.ControlState{Voice: st.Voice, PushToTalk: st.PushToTalk, Input: st.Input, Output: st.Output}
}

func (cc chatControls) State() tui.ControlState { return uiState(cc.c.State()) }

func (cc chatControls) SetVoice(on bool) (tui.ControlState, error) {
	st, err := cc.c.SetVoice(on)
	return uiState(st), err
}

func (cc chatControls) SetPushToTalk(on bool) (tui.ControlState, error) {
	st, err := cc.c.SetPushToTalk(on)
	return uiState(st), err
}

func (cc chatControls) AudioDevices() ([]string, []string, error) { return cc.c.AudioDevices() }

func (cc chatControls) UseDevices(in, out string) (tui.ControlState, error) {
	st, err := cc.c.UseDevices(in, out)
	return uiState(st), err
}

func (cc chatControls) Reload() (tui.ReloadResult, error) {
	cfg, pending, err := cc.c.Reload()
	if err != nil {
		return tui.ReloadResult{}, err
	}
	names, info := agentInfo(cfg)
	return tui.ReloadResult{Agents: names, AgentInfo: info, Pending: pending}, nil
}

func (cc chatControls) SessionConfig() (string, error) { return cc.c.SessionConfig() }

// agentInfo describes the agents of cfg to the UI: names for the picker, and
// descriptions, tools and handoffs.
func agentInfo(cfg *agent.Config) ([]string, map[string]tui.AgentInfo) {
	var names []string
	infos := map[string]tui.AgentInfo{}
	for _, a := range cfg.Agents {
		names = append(names, a.Name)
		info := tui.AgentInfo{Description: a.HandoffDescription}
		for _, t := range a.Tools {
			info.Tools = append(info.Tools, t.Name)
		}
		for _, h := range a.Handoffs {
			info.Handoffs = append(info.Handoffs, h.Agent)
		}
		infos[a.Name] = info
	}
	return names, infos
}

// watchInterval is how often chat --watch looks at the agents file.
const watchInterval = time.Second

// watchAgents asks the UI to reload the agents file whenever its modification
// time or size changes (chat --watch), until stop is closed; done is closed
// when it returns. Polling keeps rtagent free of a file-notification
// dependency, and catches editors that replace the file.
func watchAgents(ctx context.Context, path string, p *tea.Program, stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	stamp := func() (time.Time, int64, bool) {
		fi, err := os.Stat(path)
		if err != nil {
			return time.Time{}, 0, false
		}
		return fi.ModTime(), fi.Size(), true
	}
	lastT, lastN, _ := stamp()
	t := time.NewTicker(watchInterval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		case <-t.C:
			mt, n, ok := stamp()
			if !ok || mt.Equal(lastT) && n == lastN {
				continue // missing while an editor saves: wait for it to be back
			}
			lastT, lastN = mt, n
			p.Send(tui.ReloadRequestMsg{Reason: "agents file changed"})
		}
	}
}
