package session

import (
	"github.com/rtagent/rtagent/internal/realtime"
)

// handle routes one model event (engine goroutine).
func (s *Session) handle(ev realtime.Event) {
	switch e := ev.(type) {
	case realtime.ConnectionChanged:
		s.onConnection(e)
	case realtime.SessionUpdated:
		s.onSessionUpdated(e)
	case realtime.Error:
		s.onModelError(e)
	case realtime.ItemEvent:
		s.onItem(e)
	case realtime.ItemDeleted:
		s.deleteItem(e.ItemID)
	case realtime.ItemTruncated:
		s.onItemTruncated(e)
	case realtime.InputTranscriptDelta:
		s.emit(Transcript{Role: "user", ItemID: e.ItemID, Delta: e.Delta})
	case realtime.InputTranscriptCompleted:
		s.onInputTranscript(e)
	case realtime.InputTranscriptFailed:
		s.onInputTranscriptFailed(e)
	case realtime.SpeechStarted:
		s.q.speechOpen = true
		s.emit(SpeechStarted{ItemID: e.ItemID, AudioMS: e.AudioStartMS})
		s.onSpeechStarted()
	case realtime.SpeechStopped:
		s.emit(SpeechStopped{ItemID: e.ItemID, AudioMS: e.AudioEndMS})
	case realtime.AudioCommitted:
		s.q.speechOpen = false
		s.onAudioCommitted()
	case realtime.AudioCleared:
		s.q.speechOpen = false // the utterance was discarded
	case realtime.InputTimeout:
		s.emit(InputAudioTimeout{ItemID: e.ItemID, AudioStartMS: e.AudioStartMS, AudioEndMS: e.AudioEndMS})
	case realtime.ResponseCreated:
		s.onResponseCreated(e)
	case realtime.ResponseDone:
		s.onResponseDone(e)
	case realtime.OutputItemAdded:
		s.onOutputItemAdded(e)
	case realtime.OutputItemDone:
		s.onOutputItemDone(e)
	case realtime.AudioDelta:
		s.onAudioDelta(e)
	case realtime.AudioDone:
		s.emit(AudioEnd{ResponseID: e.ResponseID, ItemID: e.ItemID, ContentIndex: e.ContentIndex})
	case realtime.TranscriptDelta:
		s.onTranscriptDelta(e)
	case realtime.TranscriptDone:
		s.onTranscriptDone(e)
	case realtime.FunctionCallArgumentsDelta:
	case realtime.FunctionCallArgumentsDone:
		s.onArgumentsDone(e)
	case realtime.RateLimitsUpdated:
	case realtime.ResponseTriggers:
		s.onResponseTriggers(e)
	case realtime.Raw:
		if s.cfg.RawEvents {
			s.emit(RawEvent{Direction: e.Direction, Type: e.Type, Data: e.Data})
		} else {
			s.log.Debug("raw model event", "type", e.Type)
		}
	default:
		s.log.Debug("unhandled model event", "event", ev)
	}
}

// onSessionUpdated stores the effective session (R2.6) and announces readiness once
// per connection (R1.12).
func (s *Session) onSessionUpdated(e realtime.SessionUpdated) {
	eff := e.Info.Settings
	if e.Bare { // no session object: an acknowledgement; keep what is known (issue 9 #8)
		eff = s.lastSettings
		if s.effective != nil {
			eff = *s.effective
		}
	}
	s.effective = &eff
	if s.clock != nil {
		s.clock.SetBytesPerMS(s.outputFormat().BytesPerMS())
	}
	if !e.Ready || s.ready {
		return
	}
	s.ready = true
	s.everReady = true
	s.scheduleRecycle(e.Info.ExpiresAt)
	s.emit(SessionReady{SessionID: e.Info.ID, ExpiresAt: e.Info.ExpiresAt, Settings: eff, Agent: s.active.Name})
	if s.link.reconnected {
		return // the conversation goes on: no history reset, no second greeting
	}
	s.emitHistoryUpdated(nil, "")
	if len(s.cfg.Seed) > 0 {
		items := ReplayItems(s.cfg.Seed, s.cfg.ReplayBudget, nil)
		s.link.replayLeft, s.link.replayed, s.link.seeding = len(items), map[string]bool{}, true
		s.send(realtime.Replay{Items: items})
	}
	if s.cfg.Greeting != "" {
		s.send(realtime.CreateResponse{Instructions: s.cfg.Greeting})
	}
}

// onModelError surfaces model errors; they never end the stream (R4.4, R12.2 #9).
func (s *Session) onModelError(e realtime.Error) {
	if e.Race {
		// A benign race the Model absorbed (R6.3, R6.5), not a user-facing error.
		s.log.Debug("model reported a benign race", "command", e.Command.String(), "code", e.Code, "event_id", e.EventID)
		return
	}
	src := e.Source
	if src == "" {
		src = SourceServer
	}
	var cmd string
	if e.Command != realtime.CommandUnknown {
		cmd = e.Command.String()
	}
	s.emit(Error{Source: src, Type: e.Type, Code: e.Code, Message: e.Message, Param: e.Param, EventID: e.EventID,
		Command: cmd, Fatal: e.Fatal})
}

// onAudioCommitted: for a non-interruptible agent the user's turn was committed while a
// response is active, so the server may fail to auto-create a response; queue a
// trigger (§5.7). The Model's coverage rule drops it if a response covers the item.
func (s *Session) onAudioCommitted() {
	if s.active.interruptible() || s.activeResp == "" || s.strict {
		return
	}
	if td := s.turnDetection(); td != nil && td.CreatesResponses() {
		s.send(realtime.CreateResponse{})
	}
}
