package scenario

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// TraceFrame is one line of a --trace file.
type TraceFrame struct {
	TMS   int64           `json:"t_ms"`
	Dir   string          `json:"dir"` // client or server
	Event json.RawMessage `json:"event"`
	Line  int             `json:"-"`
	Type  string          `json:"-"`
}

// maxTraceSize bounds a trace read.
const maxTraceSize = 256 << 20

// LoadTrace reads a --trace file. Problems name the line.
func LoadTrace(path string) ([]TraceFrame, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("trace: %w", err)
	}
	if !fi.Mode().IsRegular() || fi.Size() > maxTraceSize {
		return nil, fmt.Errorf("trace %s: not a regular file of at most %d MiB", path, maxTraceSize>>20)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("trace: %w", err)
	}
	defer f.Close()
	var out []TraceFrame
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var fr TraceFrame
		if err := json.Unmarshal(line, &fr); err != nil {
			return nil, fmt.Errorf("%s:%d: not a trace line: %v", path, n, err)
		}
		if fr.Dir != "client" && fr.Dir != "server" {
			return nil, fmt.Errorf("%s:%d: dir must be client or server, got %q", path, n, fr.Dir)
		}
		var head struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(fr.Event, &head); err != nil || head.Type == "" {
			return nil, fmt.Errorf("%s:%d: the event has no type", path, n)
		}
		fr.Line, fr.Type = n, head.Type
		out = append(out, fr)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("trace %s: %w", path, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("trace %s: no frames", path)
	}
	return out, nil
}

// Divergence is a place where the client did not send what the recording did.
type Divergence struct {
	Line     int    `json:"line"` // trace line of the recorded client frame (0: none)
	Recorded string `json:"recorded,omitempty"`
	Got      string `json:"got,omitempty"`
	Detail   string `json:"detail"`
}

func (d Divergence) String() string {
	if d.Line > 0 {
		return fmt.Sprintf("trace line %d: %s", d.Line, d.Detail)
	}
	return d.Detail
}

// Replay serves the server side of a recorded trace on loopback: each recorded
// server frame is sent once the client frames recorded before it have arrived,
// and each client frame is compared with the recording, ignoring ids and
// timestamps. Audio appends are not compared (their chunking varies). Audio
// elided in the trace ("<N bytes>") is replayed as N bytes of silence; record
// with --trace-audio to replay the voice itself.
type Replay struct {
	frames []TraceFrame
	// ReadTimeout bounds the wait for each recorded client frame.
	ReadTimeout time.Duration
	// OnDivergence, if set, is called with each divergence as it is found, from
	// the connection's goroutine (rtagent replay prints them live).
	OnDivergence func(Divergence)

	mu    sync.Mutex
	divs  []Divergence
	conns int
	done  chan struct{} // closed when the first connection's replay ended
	srv   *http.Server
	wg    sync.WaitGroup
}

// NewReplay returns a replay of frames.
func NewReplay(frames []TraceFrame) *Replay {
	return &Replay{frames: frames, ReadTimeout: 10 * time.Second, done: make(chan struct{})}
}

// Start listens on addr and returns the WebSocket URL to give clients.
func (r *Replay) Start(addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/realtime", r.serve)
	r.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	r.wg.Add(1)
	go func() { defer r.wg.Done(); _ = r.srv.Serve(ln) }()
	return "ws://" + ln.Addr().String() + "/v1/realtime", nil
}

// Close stops the server and its connections.
func (r *Replay) Close() error {
	if r.srv == nil {
		return nil
	}
	err := r.srv.Close()
	r.wg.Wait()
	return err
}

// Done is closed when the recording has been played to its end (or the first
// connection ended).
func (r *Replay) Done() <-chan struct{} { return r.done }

// Divergences returns what differed so far.
func (r *Replay) Divergences() []Divergence {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.divs)
}

func (r *Replay) diverge(d Divergence) {
	r.mu.Lock()
	r.divs = append(r.divs, d)
	r.mu.Unlock()
	if r.OnDivergence != nil {
		r.OnDivergence(d)
	}
}

// Frames reports how many frames the recording has from the client and from
// the server.
func (r *Replay) Frames() (client, server int) {
	for _, f := range r.frames {
		if f.Dir == "client" {
			client++
		} else {
			server++
		}
	}
	return client, server
}

func (r *Replay) serve(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	r.conns++
	first := r.conns == 1
	r.mu.Unlock()
	ws, err := websocket.Accept(w, req, nil)
	if err != nil {
		return
	}
	defer ws.CloseNow()
	ws.SetReadLimit(64 << 20)
	if !first {
		r.diverge(Divergence{Detail: "the client opened a second connection; the recording has one"})
		ws.Close(websocket.StatusPolicyViolation, "rtagent replay: one connection per recording")
		return
	}
	defer close(r.done)
	ctx := req.Context()
	reads := make(chan []byte)
	readErr := make(chan error, 1)
	go func() {
		for {
			typ, data, err := ws.Read(ctx)
			if err != nil {
				readErr <- err
				close(reads)
				return
			}
			if typ != websocket.MessageText {
				continue
			}
			select {
			case reads <- data:
			case <-ctx.Done():
				return
			}
		}
	}()
	next := func() ([]byte, error) {
		t := time.NewTimer(r.ReadTimeout)
		defer t.Stop()
		for {
			select {
			case data, ok := <-reads:
				if !ok {
					return nil, <-readErr
				}
				if frameType(data) == "input_audio_buffer.append" {
					continue // chunking varies from run to run
				}
				return data, nil
			case <-t.C:
				return nil, fmt.Errorf("no client frame within %s", r.ReadTimeout)
			}
		}
	}
	for i, f := range r.frames {
		switch f.Dir {
		case "server":
			wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			err := ws.Write(wctx, websocket.MessageText, withSilence(f.Event))
			cancel()
			if err != nil && !clientFramesAfter(r.frames[i:]) {
				return // the client finished: only trailing server frames were left
			}
			if err != nil {
				r.diverge(Divergence{Line: f.Line, Detail: "the client went away before " + f.Type + ": " + err.Error()})
				return
			}
		case "client":
			if f.Type == "input_audio_buffer.append" {
				continue
			}
			got, err := next()
			if err != nil {
				r.diverge(Divergence{Line: f.Line, Recorded: f.Type, Detail: "expected " + f.Type + ", but " + err.Error()})
				return
			}
			if d := compareFrames(f.Event, got); d != "" {
				r.diverge(Divergence{Line: f.Line, Recorded: f.Type, Got: frameType(got), Detail: d})
			}
		}
	}
	// The recording is over: anything more the client sends is a divergence,
	// until it closes.
	for {
		got, err := next()
		if err != nil {
			return
		}
		r.diverge(Divergence{Got: frameType(got), Detail: "the client sent " + frameType(got) + " after the end of the recording"})
	}
}

func frameType(data []byte) string {
	var h struct {
		Type string `json:"type"`
	}
	_ = json.Unmarshal(data, &h)
	return h.Type
}

// ignored are keys whose values differ from run to run.
var ignored = map[string]bool{"event_id": true, "previous_item_id": true, "id": true, "item_id": true, "expires_at": true, "created_at": true}

// compareFrames describes the first difference between a recorded and a received
// client frame, or returns "".
func compareFrames(recorded, got []byte) string {
	var a, b any
	if err := json.Unmarshal(recorded, &a); err != nil {
		return "the recorded frame is not JSON"
	}
	if err := json.Unmarshal(got, &b); err != nil {
		return "the client frame is not JSON"
	}
	ta, tb := frameType(recorded), frameType(got)
	if ta != tb {
		return fmt.Sprintf("expected %s, got %s", ta, tb)
	}
	if p, va, vb, ok := firstDiff("", a, b); ok {
		return fmt.Sprintf("%s: %s: recorded %s, got %s", ta, strings.TrimPrefix(p, "."), short(va), short(vb))
	}
	return ""
}

func firstDiff(path string, a, b any) (string, any, any, bool) {
	switch av := a.(type) {
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok {
			return path, a, b, true
		}
		keys := map[string]bool{}
		for k := range av {
			keys[k] = true
		}
		for k := range bv {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			if ignored[k] {
				continue
			}
			if p, x, y, d := firstDiff(path+"."+k, av[k], bv[k]); d {
				return p, x, y, true
			}
		}
		return "", nil, nil, false
	case []any:
		bv, ok := b.([]any)
		if !ok {
			return path, a, b, true
		}
		for i := range max(len(av), len(bv)) {
			var x, y any
			if i < len(av) {
				x = av[i]
			}
			if i < len(bv) {
				y = bv[i]
			}
			if p, x, y, d := firstDiff(path+"["+strconv.Itoa(i)+"]", x, y); d {
				return p, x, y, true
			}
		}
		return "", nil, nil, false
	}
	if !reflect.DeepEqual(a, b) {
		return path, a, b, true
	}
	return "", nil, nil, false
}

func short(v any) string {
	if v == nil {
		return "nothing"
	}
	b, _ := json.Marshal(v)
	s := string(b)
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return s
}

var elided = regexp.MustCompile(`"<(\d+) bytes>"`)

// withSilence replaces elided audio ("<N bytes>") by N bytes of silence.
func withSilence(ev []byte) []byte {
	if !bytes.Contains(ev, []byte(" bytes>\"")) {
		return ev
	}
	return elided.ReplaceAllFunc(ev, func(m []byte) []byte {
		n, err := strconv.Atoi(string(elided.FindSubmatch(m)[1]))
		if err != nil || n < 0 || n > 16<<20 {
			return []byte(`""`)
		}
		return []byte(`"` + base64.StdEncoding.EncodeToString(make([]byte, n)) + `"`)
	})
}

// ErrDiverged is returned by Check when the client did not follow the recording.
var ErrDiverged = errors.New("the client diverged from the recording")

// clientFramesAfter reports whether frames hold a client frame the comparison
// counts (appends are not compared).
func clientFramesAfter(frames []TraceFrame) bool {
	for _, f := range frames {
		if f.Dir == "client" && f.Type != "input_audio_buffer.append" {
			return true
		}
	}
	return false
}
