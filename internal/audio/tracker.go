package audio

import "github.com/rtagent/rtagent/internal/realtime"

// Output formats' bytes per millisecond (docs/protocol.md R7.1).
const (
	BytesPerMsPCM16 = SampleRate * 2 / 1000 // 48
	BytesPerMsG711  = 8000 / 1000           // 8
)

// BytesToMs converts a byte count to whole milliseconds (floor) at bpm bytes per ms.
// It returns 0 for a non-positive bpm.
func BytesToMs(n, bpm int) int {
	if bpm <= 0 || n <= 0 {
		return 0
	}
	return n / bpm
}

// itemKey identifies one audio content part.
type itemKey struct {
	responseID, itemID string
	contentIndex       int
}

// Tracker counts the bytes of assistant audio actually played, per
// (item_id, content_index) (docs/protocol.md R7.3): moving to another item resets the
// count. It is not safe for concurrent use; its owner locks.
type Tracker struct {
	cur    itemKey
	played int
	has    bool
}

// Played records n bytes of the given item as played.
func (t *Tracker) Played(responseID, itemID string, contentIndex int, n int) {
	t.add(itemKey{responseID, itemID, contentIndex}, n)
}

func (t *Tracker) add(k itemKey, n int) {
	if !t.has || k != t.cur {
		t.cur, t.played, t.has = k, 0, true
	}
	t.played += n
}

// State returns the current item and bytes played (Active is left false; the sink
// that owns the tracker knows whether audio is queued).
func (t *Tracker) State() realtime.PlaybackState {
	if !t.has {
		return realtime.PlaybackState{}
	}
	return realtime.PlaybackState{
		ResponseID:   t.cur.responseID,
		ItemID:       t.cur.itemID,
		ContentIndex: t.cur.contentIndex,
		PlayedBytes:  t.played,
	}
}

// PlayedMs is floor(played_bytes / bpm) for the current item.
func (t *Tracker) PlayedMs(bpm int) int { return BytesToMs(t.played, bpm) }

// Reset forgets the current item.
func (t *Tracker) Reset() { *t = Tracker{} }
