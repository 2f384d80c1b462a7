package audio

import (
	"math"
	"sync"
	"sync/atomic"
)

// EchoMode is how microphone audio is treated while the assistant is speaking
// (docs/protocol.md R7.12).
type EchoMode int

const (
	// EchoGateMode sends a mic frame during playback only if it is loud enough to be
	// the user rather than the echo (the default when AEC is off).
	EchoGateMode EchoMode = iota
	// EchoFullDuplex streams all mic audio (headphones, or AEC is trusted alone).
	EchoFullDuplex
	// EchoHalfDuplex sends no mic audio while assistant audio plays.
	EchoHalfDuplex
)

func (m EchoMode) String() string {
	switch m {
	case EchoGateMode:
		return "gate"
	case EchoFullDuplex:
		return "headphones"
	case EchoHalfDuplex:
		return "half-duplex"
	}
	return "unknown"
}

// Gate constants from docs/protocol.md R7.12 / §16.
const (
	GateFloor  = 0.015
	GateFactor = 0.6
	GateOffset = 0.002
	GateEMAOld = 0.9
	GateEMANew = 0.1
)

// EchoGate decides whether a mic frame is sent while assistant audio plays. The player
// feeds it the RMS of every buffer it plays (ObservePlayback) and whether assistant
// audio is active; the capture asks Admit for every frame. Safe for concurrent use.
type EchoGate struct {
	mode    EchoMode
	mu      sync.Mutex
	ema     float64
	playing atomic.Bool
}

// NewEchoGate returns a gate in the given mode.
func NewEchoGate(mode EchoMode) *EchoGate { return &EchoGate{mode: mode} }

// Mode returns the gate's mode.
func (g *EchoGate) Mode() EchoMode { return g.mode }

// ObservePlayback folds one played buffer's RMS (normalised 0..1) into the EMA
// (0.9 old / 0.1 new) and records whether assistant audio is queued or playing.
func (g *EchoGate) ObservePlayback(rms float64, playing bool) {
	g.mu.Lock()
	g.ema = GateEMAOld*g.ema + GateEMANew*rms
	g.mu.Unlock()
	g.playing.Store(playing)
}

// Threshold is the current RMS a mic frame needs during playback:
// max(0.015, 0.6·EMA + 0.002).
func (g *EchoGate) Threshold() float64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return math.Max(GateFloor, GateFactor*g.ema+GateOffset)
}

// AdmitRMS reports whether a frame with this RMS is sent now.
func (g *EchoGate) AdmitRMS(rms float64) bool {
	if !g.playing.Load() {
		return true
	}
	switch g.mode {
	case EchoFullDuplex:
		return true
	case EchoHalfDuplex:
		return false
	}
	return rms >= g.Threshold()
}

// Admit reports whether the mic frame s is sent now.
func (g *EchoGate) Admit(s []int16) bool { return g.AdmitRMS(RMS(s)) }
