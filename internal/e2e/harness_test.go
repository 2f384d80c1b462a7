package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/rtagent/rtagent/internal/audio"
	"github.com/rtagent/rtagent/internal/realtime"
	"github.com/rtagent/rtagent/internal/realtime/sim"
	"github.com/rtagent/rtagent/internal/session"
	"github.com/rtagent/rtagent/internal/testkit"
	kitrig "github.com/rtagent/rtagent/internal/testkit/rig"
)

// waitTimeout bounds waits for something that must happen.
const waitTimeout = 20 * time.Second

// ---------------------------------------------------------------------------------
// Fake audio device

// fakeDir points the ALSA file device at a fresh directory (before any stream opens)
// with in.raw holding in (one second of silence when nil). Not for parallel tests.
func fakeDir(tb testing.TB, in []int16) string {
	tb.Helper()
	d := tb.TempDir()
	tb.Setenv("FAKEAUDIO_DIR", d)
	if in == nil {
		in = make([]int16, audio.SampleRate)
	}
	if err := os.WriteFile(filepath.Join(d, "in.raw"), audio.SamplesToBytes(nil, in), 0o644); err != nil {
		tb.Fatal(err)
	}
	return d
}

// readOut returns the samples of the newest out.raw[.NNNN] in dir.
func readOut(tb testing.TB, dir string) []int16 {
	tb.Helper()
	m, _ := filepath.Glob(filepath.Join(dir, "out.raw*"))
	if len(m) == 0 {
		tb.Fatalf("no out.raw in %s", dir)
	}
	sort.Strings(m)
	b, err := os.ReadFile(m[len(m)-1])
	if err != nil {
		tb.Fatal(err)
	}
	return audio.BytesToSamples(nil, b)
}

// playLog records every buffer the player hands to the device (OnPlayed): the
// samples and when the write returned.
type playLog struct {
	mu      sync.Mutex
	samples []int16
	writes  []playWrite
	keep    bool // keep the samples
}

type playWrite struct {
	start int // device sample index of the buffer's first sample
	n     int
	wall  time.Time // when OnPlayed ran (the write had returned)
	at    time.Time // when the player expects the first sample to be audible
}

func (l *playLog) onPlayed(at time.Time, pcm []int16) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	start := 0
	if n := len(l.writes); n > 0 {
		start = l.writes[n-1].start + l.writes[n-1].n
	}
	l.writes = append(l.writes, playWrite{start: start, n: len(pcm), wall: now, at: at})
	if l.keep {
		l.samples = append(l.samples, pcm...)
	}
}

func (l *playLog) snapshot() ([]int16, []playWrite) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]int16(nil), l.samples...), append([]playWrite(nil), l.writes...)
}

// writeOf returns the write holding device sample idx.
func writeOf(ws []playWrite, idx int) (playWrite, bool) {
	i := sort.Search(len(ws), func(i int) bool { return ws[i].start+ws[i].n > idx })
	if i == len(ws) || ws[i].start > idx {
		return playWrite{}, false
	}
	return ws[i], true
}

// openPlayer opens the real player on the fake device (clock paced: the file device
// does not block). It is closed at cleanup unless closed before.
func openPlayer(tb testing.TB, cfg audio.PlayerConfig) *audio.Player {
	tb.Helper()
	cfg.PaceToClock = true
	p, err := audio.OpenPlayer(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = p.Close() })
	return p
}

func drain(tb testing.TB, p *audio.Player) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := p.Drain(ctx); err != nil {
		tb.Fatalf("drain: %v", err)
	}
}

// ---------------------------------------------------------------------------------
// Signals

// tone is a constant-amplitude sine (amp of full scale): "speech" for the sim's VAD.
func tone(d time.Duration, freq, amp float64) []int16 {
	n := int(d.Seconds() * audio.SampleRate)
	s := make([]int16, n)
	for i := range s {
		s[i] = int16(math.Round(amp * 32767 * math.Sin(2*math.Pi*freq*float64(i)/audio.SampleRate)))
	}
	return s
}

func silence(d time.Duration) []int16 { return make([]int16, int(d.Seconds()*audio.SampleRate)) }

func pcm(s ...[]int16) []byte {
	var b []byte
	for _, x := range s {
		b = audio.SamplesToBytes(b, x)
	}
	return b
}

func speech(text string) []int16 { return audio.BytesToSamples(nil, sim.SynthesizeSpeech(text)) }

func firstNonZero(s []int16) int { return testkit.FirstNonZero(s) }

func lastNonZero(s []int16) int { return testkit.LastNonZero(s) }

// fadeSample is the player's fade-out (audio.FadeSamples linear, rounded half away
// from zero like the player).
func fadeSample(v int16, i int) int16 {
	f := float64(v) * float64(audio.FadeSamples-i) / audio.FadeSamples
	if f >= 0 {
		f += 0.5
	} else {
		f -= 0.5
	}
	return int16(max(min(f, 32767), -32768))
}

// ---------------------------------------------------------------------------------
// Settings

func ptr[T any](v T) *T { return &v }

// voiceBase is an audio session; td nil means manual turns.
func voiceBase(td *realtime.TurnDetection, transcribe bool) realtime.Settings {
	s := realtime.Settings{
		Model:            "gpt-realtime-2.1",
		OutputModalities: []string{realtime.ModalityAudio},
		InputFormat:      realtime.PCM24k,
		OutputFormat:     realtime.PCM24k,
		TurnDetection:    td,
		Voice:            "marin",
	}
	if transcribe {
		s.Transcription = &realtime.Transcription{Model: "gpt-4o-mini-transcribe"}
	}
	return s
}

func serverVAD(createResponse, interruptResponse bool) *realtime.TurnDetection {
	return &realtime.TurnDetection{
		Type:              realtime.TurnServerVAD,
		SilenceDurationMS: ptr(200),
		CreateResponse:    ptr(createResponse),
		InterruptResponse: ptr(interruptResponse),
	}
}

// ---------------------------------------------------------------------------------
// Loopback WebSocket proxy: timestamps every frame in both directions.

type proxyFrame struct {
	at   time.Time
	data []byte
}

type proxy struct {
	upstream string
	url      string
	srv      *http.Server
	wg       sync.WaitGroup

	mu     sync.Mutex
	closed bool
	conns  []*websocket.Conn

	// Hooks run on the proxy goroutines (set before the session starts).
	onClient func(at time.Time, data []byte)
	onServer func(at time.Time, data []byte)
	// injectServer, if set, returns extra frames written to the client right after a
	// server frame (fault injection: audio still in flight at a barge-in).
	injectServer func(data []byte) [][]byte
}

func startProxy(tb testing.TB, upstream string) *proxy {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	p := &proxy{upstream: upstream, url: "ws://" + ln.Addr().String() + "/v1/realtime"}
	p.srv = &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		_ = p.srv.Serve(ln)
	}()
	tb.Cleanup(p.close)
	return p
}

func (p *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		http.Error(w, "closed", http.StatusServiceUnavailable)
		return
	}
	p.wg.Add(1)
	p.mu.Unlock()
	defer p.wg.Done()

	hdr := http.Header{}
	for _, k := range []string{"Authorization", "User-Agent"} {
		if v := r.Header.Get(k); v != "" {
			hdr.Set(k, v)
		}
	}
	up, resp, err := websocket.Dial(r.Context(), p.upstream+"?"+r.URL.RawQuery, &websocket.DialOptions{HTTPHeader: hdr})
	if err != nil {
		code := http.StatusBadGateway
		if resp != nil {
			code = resp.StatusCode
		}
		http.Error(w, err.Error(), code)
		return
	}
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		_ = up.CloseNow()
		return
	}
	up.SetReadLimit(-1)
	c.SetReadLimit(-1)
	p.mu.Lock()
	p.conns = append(p.conns, c, up)
	p.mu.Unlock()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); p.pump(ctx, cancel, c, up, p.onClient, nil) }()
	go func() { defer wg.Done(); p.pump(ctx, cancel, up, c, p.onServer, p.injectServer) }()
	wg.Wait()
	_ = c.CloseNow()
	_ = up.CloseNow()
}

func (p *proxy) pump(ctx context.Context, cancel context.CancelFunc, src, dst *websocket.Conn, hook func(time.Time, []byte), inject func([]byte) [][]byte) {
	for {
		typ, data, err := src.Read(ctx)
		if err != nil {
			var ce websocket.CloseError
			if errors.As(err, &ce) {
				_ = dst.Close(ce.Code, ce.Reason)
			}
			cancel()
			return
		}
		if hook != nil {
			hook(time.Now(), data)
		}
		if err := dst.Write(ctx, typ, data); err != nil {
			cancel()
			return
		}
		if inject == nil {
			continue
		}
		for _, extra := range inject(data) {
			if hook != nil {
				hook(time.Now(), extra)
			}
			if err := dst.Write(ctx, websocket.MessageText, extra); err != nil {
				cancel()
				return
			}
		}
	}
}

func (p *proxy) close() {
	p.mu.Lock()
	p.closed = true
	conns := p.conns
	p.mu.Unlock()
	_ = p.srv.Close()
	for _, c := range conns {
		_ = c.CloseNow()
	}
	p.wg.Wait()
}

// frameType peeks at a frame's "type".
func frameType(data []byte) string {
	var h struct {
		Type string `json:"type"`
	}
	_ = json.Unmarshal(data, &h)
	return h.Type
}

// ---------------------------------------------------------------------------------
// Trace capture

// traceLine is one traced frame.
type traceLine = testkit.TraceFrame

func parseTrace(tb testing.TB, data []byte) []traceLine {
	tb.Helper()
	return testkit.ReadTrace(tb, data)
}

func framesOf(lines []traceLine, dir string, types ...string) [][]byte {
	return testkit.FramesOf(lines, dir, types...)
}

// ---------------------------------------------------------------------------------
// Session event recorder

type recorder struct {
	*testkit.Recorder[session.Event]
	mu     sync.Mutex
	counts map[string]int
}

// record drains s.Events(); keep (nil: all) selects the events retained for waits.
func record(s *session.Session, keep func(session.Event) bool) *recorder {
	r := &recorder{counts: map[string]int{}}
	r.Recorder = testkit.Record(s.Events(), func(ev session.Event) {
		r.mu.Lock()
		r.counts[ev.EventType()]++
		r.mu.Unlock()
	}, keep)
	return r
}

func (r *recorder) events() []session.Event { return r.Events() }

func (r *recorder) count(typ string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.counts[typ]
}

func (r *recorder) waitFor(tb testing.TB, what string, pred func([]session.Event) bool) {
	tb.Helper()
	if _, err := r.WaitFor(waitTimeout, pred); err != nil {
		tb.Fatalf("%v while waiting for %s; events:%s", err, what, fmtEvents(r.events()))
	}
}

// waitEventN waits for the n-th (1-based) event of type T matching pred.
func waitEventN[T session.Event](tb testing.TB, r *recorder, n int, pred func(T) bool) T {
	tb.Helper()
	var found T
	r.waitFor(tb, fmt.Sprintf("%d× %T", n, found), func(evs []session.Event) bool {
		var ok bool
		found, ok = testkit.NthOfType(evs, n, pred)
		return ok
	})
	return found
}

func waitEvent[T session.Event](tb testing.TB, r *recorder, pred func(T) bool) T {
	tb.Helper()
	return waitEventN(tb, r, 1, pred)
}

func eventsOf[T session.Event](evs []session.Event) []T { return testkit.OfType[T](evs) }

func fmtEvents(evs []session.Event) string {
	var b strings.Builder
	skipped := 0
	for _, ev := range evs {
		switch e := ev.(type) {
		case session.HistoryUpdated, session.HistoryAdded:
			skipped++
			continue
		default:
			fmt.Fprintf(&b, "\n  %s %+v", e.EventType(), e)
		}
	}
	fmt.Fprintf(&b, "\n  (+%d audio/history events)", skipped)
	return b.String()
}

// ---------------------------------------------------------------------------------
// Rig: simulator (+ proxy) + OpenAI model + session

type rigConfig struct {
	Pace  float64 // in-process simulator pace (when URL is empty)
	URL   string  // an already running simulator
	Base  realtime.Settings
	Sink  realtime.AudioSink
	Proxy bool // route through a timestamping proxy
	// NoTrace disables the trace writer (long benchmarks).
	NoTrace bool
	// Keep selects the events the recorder keeps (nil: all).
	Keep func(session.Event) bool
	// OnClient / OnServer are proxy hooks; InjectServer adds server frames.
	OnClient, OnServer func(time.Time, []byte)
	InjectServer       func([]byte) [][]byte
}

type rig struct {
	tb    testing.TB
	sink  *acceptedSink // cfg.Sink, counted (nil without a sink)
	sess  *session.Session
	rec   *recorder
	trace *testkit.SafeBuffer
	proxy *proxy
	kit   *kitrig.Rig[*session.Session]
}

func startRig(tb testing.TB, cfg rigConfig) *rig {
	tb.Helper()
	r := &rig{tb: tb}
	kcfg := kitrig.Config{Sim: sim.Options{Pace: cfg.Pace}, URL: cfg.URL, NoTrace: cfg.NoTrace, TraceAudio: true}
	if cfg.Proxy || cfg.OnClient != nil || cfg.OnServer != nil || cfg.InjectServer != nil {
		kcfg.Via = func(url string) string {
			r.proxy = startProxy(tb, url)
			r.proxy.onClient, r.proxy.onServer, r.proxy.injectServer = cfg.OnClient, cfg.OnServer, cfg.InjectServer
			return r.proxy.url
		}
	}
	var sink realtime.AudioSink
	if cfg.Sink != nil {
		r.sink = &acceptedSink{AudioSink: cfg.Sink}
		sink = r.sink
	}
	r.kit = kitrig.Open(tb, kcfg, func(m realtime.Model) (*session.Session, error) {
		return session.New(session.Config{
			Model:    m,
			Base:     cfg.Base,
			Agents:   []*session.Agent{{Name: "Assistant", Instructions: "Answer briefly."}},
			Audio:    sink,
			Approval: session.ApprovalAlways,
		})
	})
	r.sess, r.trace = r.kit.Session, r.kit.Trace
	keep := cfg.Keep
	if keep != nil {
		k := keep
		keep = func(e session.Event) bool {
			switch e.(type) {
			case session.SessionReady, session.Error, session.Closed:
				return true
			}
			return k(e)
		}
	}
	r.rec = record(r.sess, keep)
	r.kit.Start(context.Background(), r.rec.Done())
	waitEvent[session.SessionReady](tb, r.rec, nil)
	return r
}

// close ends the session and waits for its event stream (idempotent).
func (r *rig) close() { r.kit.Close() }

// clientTrace closes the session and returns the trace; it validates every client
// frame strictly against the kit (docs/protocol.md, validate_client.py --strict).
func (r *rig) closeAndValidate() []traceLine {
	r.tb.Helper()
	r.close()
	lines := parseTrace(r.tb, r.trace.Bytes())
	validateClient(r.tb, framesOf(lines, "client"))
	return lines
}

// noErrors fails on any error event of the session.
func (r *rig) noErrors() {
	r.tb.Helper()
	for _, e := range eventsOf[session.Error](r.rec.events()) {
		r.tb.Errorf("unexpected error event: %+v", e)
	}
}

// decodeAudioField returns the base64 audio of a frame's field.
func decodeAudioField(tb testing.TB, frame []byte, field string) []byte {
	tb.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(frame, &m); err != nil {
		tb.Fatal(err)
	}
	var s string
	if err := json.Unmarshal(m[field], &s); err != nil {
		tb.Fatalf("%s: %v", field, err)
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// acceptedSink counts what the session hands to the audio output (audio is not a
// session event): bytes per response, and chunks enqueued after the last Interrupt.
type acceptedSink struct {
	realtime.AudioSink
	mu       sync.Mutex
	bytes    int
	afterCut map[string]int // response id → chunks enqueued after the last Interrupt
	cut      bool
}

func (a *acceptedSink) Enqueue(responseID, itemID string, contentIndex int, pcm []byte) {
	a.mu.Lock()
	a.bytes += len(pcm)
	if a.cut {
		if a.afterCut == nil {
			a.afterCut = map[string]int{}
		}
		a.afterCut[responseID]++
	}
	a.mu.Unlock()
	a.AudioSink.Enqueue(responseID, itemID, contentIndex, pcm)
}

func (a *acceptedSink) Interrupt() realtime.PlaybackState {
	a.mu.Lock()
	a.cut, a.afterCut = true, nil
	a.mu.Unlock()
	return a.AudioSink.Interrupt()
}

// accepted returns the bytes enqueued so far and the chunks per response enqueued
// after the last Interrupt.
func (a *acceptedSink) accepted() (int, map[string]int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.bytes, maps.Clone(a.afterCut)
}
