package session

import (
	"github.com/rtagent/rtagent/internal/realtime"
)

// audioKey names one content part of an item.
type audioKey struct {
	item string
	ci   int
}

// audioItem is the received-audio bookkeeping of one part (R7.2).
type audioItem struct {
	respID   string
	received int // bytes
}

// interruptOpts says who interrupts.
type interruptOpts struct {
	serverSpeech bool // a server speech_started: the server may cancel by itself (R7.7)
	forceCancel  bool // guardrails: cancel even when the server would (R10.4)
	noCancel     bool // stale guardrail trip: playback only (R10.5)
}

// onAudioDelta accepts or drops one audio delta (R7.10) and hands it to the sink.
func (s *Session) onAudioDelta(e realtime.AudioDelta) {
	if s.truncated[e.ItemID] {
		return
	}
	if r := s.responses[e.ResponseID]; r != nil && r.audioDropped {
		return
	}
	k := audioKey{e.ItemID, e.ContentIndex}
	it := s.audioItems[k]
	if it == nil {
		s.pruneAudio()
		it = &audioItem{respID: e.ResponseID}
		s.audioItems[k] = it
		s.audioOrder = append(s.audioOrder, k)
	}
	it.received += len(e.Data)
	s.sink.Enqueue(e.ResponseID, e.ItemID, e.ContentIndex, e.Data)
	if r := s.lookupResponse(e.ResponseID); r != nil && !r.audioStarted {
		r.audioStarted = true
		s.emit(AudioStarted{ResponseID: e.ResponseID, ItemID: e.ItemID, ContentIndex: e.ContentIndex})
	}
}

// pruneAudio forgets parts that were heard in full: everything when nothing plays,
// else the parts before the one playing. Called when a new part starts arriving.
func (s *Session) pruneAudio() {
	if len(s.audioOrder) == 0 {
		return
	}
	st := s.sink.State()
	if !st.Active {
		clear(s.audioItems)
		s.audioOrder = s.audioOrder[:0]
		return
	}
	for i, k := range s.audioOrder {
		if k.item == st.ItemID && k.ci == st.ContentIndex {
			for _, old := range s.audioOrder[:i] {
				delete(s.audioItems, old)
			}
			s.audioOrder = append(s.audioOrder[:0], s.audioOrder[i:]...)
			return
		}
	}
}

// onSpeechStarted is server VAD barge-in (R7.6). A non-interruptible agent ignores it
// (R7.8); the server then keeps the response too (interrupt_response:false).
func (s *Session) onSpeechStarted() {
	if !s.active.interruptible() {
		return
	}
	s.interrupt(ReasonBargeIn, interruptOpts{serverSpeech: true})
}

// truncation is one planned conversation.item.truncate.
type truncation struct {
	key      audioKey
	respID   string
	endMS    int
	playedMS int
}

// interrupt runs the interrupt procedure R7.6.
func (s *Session) interrupt(reason string, o interruptOpts) {
	var plan []truncation
	if len(s.audioOrder) > 0 {
		if s.sink.State().Active {
			// R7.6 step 1–2: snapshot before the flush (Interrupt does both).
			if snap := s.sink.Interrupt(); snap.Active {
				plan = s.planTruncation(snap)
			} else {
				plan = s.planDrained() // it ran dry between the two calls
			}
		} else {
			plan = s.planDrained()
		}
	}
	// Step 3: mark dropped, audio_interrupted once per item.
	for _, t := range plan {
		s.truncated[t.key.item] = true
		if r := s.responses[t.respID]; r != nil && !r.done {
			r.audioDropped = true
		}
		s.emit(AudioInterrupted{ResponseID: t.respID, ItemID: t.key.item, ContentIndex: t.key.ci, PlayedMS: t.playedMS, Reason: reason})
	}
	// Step 4: cancel when required (R7.7), before the truncates.
	if r := s.responses[s.activeResp]; r != nil && !r.done && !o.noCancel {
		serverCancels := o.serverSpeech && s.turnDetection().Interrupts()
		if o.forceCancel || !serverCancels {
			s.send(realtime.CancelResponse{})
		}
		// Either way the response is ending: its late audio is stale (R7.10).
		r.audioDropped = true
	}
	// Step 5: truncate.
	for _, t := range plan {
		s.send(realtime.TruncateItem{ItemID: t.key.item, ContentIndex: t.key.ci, AudioEndMS: t.endMS})
	}
	// Step 6: reset the tracker. With no audio playing every tracked part was heard.
	clear(s.audioItems)
	s.audioOrder = s.audioOrder[:0]
}

// planTruncation applies R7.4/R7.5 to the snapshot taken before the flush.
func (s *Session) planTruncation(snap realtime.PlaybackState) []truncation {
	bpm := s.outputFormat().BytesPerMS()
	cur := -1
	for i, k := range s.audioOrder {
		if k.item == snap.ItemID && k.ci == snap.ContentIndex {
			cur = i
			break
		}
	}
	var plan []truncation
	for i, k := range s.audioOrder {
		it := s.audioItems[k]
		if s.truncated[k.item] || (cur >= 0 && i < cur) {
			continue // R7.5 #3; parts before the playing one were heard in full
		}
		if i != cur {
			// R7.5 #5/#6: received but never started → truncate at 0.
			plan = append(plan, truncation{key: k, respID: it.respID})
			continue
		}
		receivedMS := it.received / bpm
		playedMS := snap.PlayedBytes / bpm
		if r := s.responses[it.respID]; playedMS >= receivedMS && (r == nil || r.done) {
			continue // R7.5 #2: everything was heard
		}
		plan = append(plan, truncation{key: k, respID: it.respID, endMS: min(max(playedMS, 0), receivedMS), playedMS: playedMS})
	}
	return plan
}

// planDrained applies R7.4/R7.5 when the sink is idle: everything received was
// played (an underrun: the model paused, the network jittered). A part whose
// response is still open is truncated at its received length, or the server keeps
// text the user never heard; a part of a finished response was heard in full
// (R7.5 #1/#2) and is skipped.
func (s *Session) planDrained() []truncation {
	bpm := s.outputFormat().BytesPerMS()
	var plan []truncation
	for _, k := range s.audioOrder {
		it := s.audioItems[k]
		if it == nil || s.truncated[k.item] {
			continue
		}
		if r := s.responses[it.respID]; r == nil || r.done {
			continue
		}
		ms := it.received / bpm
		plan = append(plan, truncation{key: k, respID: it.respID, endMS: ms, playedMS: ms})
	}
	return plan
}

// onItemTruncated marks the item and refreshes it from the server (R7.9).
func (s *Session) onItemTruncated(e realtime.ItemTruncated) {
	s.truncated[e.ItemID] = true
	s.markTruncated(e.ItemID, e.AudioEndMS)
	s.send(realtime.RetrieveItem{ItemID: e.ItemID})
}
