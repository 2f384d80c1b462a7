package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// deltaDur is the audio in one response.output_audio.delta, as the GA API sends it.
const deltaDur = 40 * time.Millisecond

// fakeServer is a minimal GA Realtime server on loopback: it acknowledges the
// session.update and each created item, and answers every response.create with
// one audio response of n deltas of 40 ms (base64 PCM16 24 kHz, "type" first as the
// real API sends). paced sends delta i at start+i·40 ms; otherwise as fast as the
// socket takes them. It records when each delta was handed to the socket.
type fakeServer struct {
	n     int
	paced bool
	srv   *http.Server
	ln    net.Listener

	mu        sync.Mutex
	sends     []time.Time
	responded chan struct{} // closed once the first response's deltas are written
	once      sync.Once
}

func startFakeServer(n int, paced bool) (*fakeServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("fake server: listen: %w", err)
	}
	s := &fakeServer{n: n, paced: paced, ln: ln, responded: make(chan struct{})}
	s.srv = &http.Server{Handler: http.HandlerFunc(s.serve), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

func (s *fakeServer) url() string { return "ws://" + s.ln.Addr().String() + "/v1/realtime" }

func (s *fakeServer) close() { _ = s.srv.Close() }

// sent returns the send times of the deltas of the last response.
func (s *fakeServer) sent() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.sends...)
}

// deltaFrames builds the n delta frames once (a 440 Hz tone), so building them costs
// nothing while the client is measured.
func deltaFrames(n int) [][]byte {
	const samples = 24000 * int(deltaDur/time.Millisecond) / 1000
	pcm := make([]byte, 2*samples)
	out := make([][]byte, n)
	for i := range out {
		for j := range samples {
			v := int16(8000 * math.Sin(2*math.Pi*440*float64(i*samples+j)/24000))
			pcm[2*j], pcm[2*j+1] = byte(v), byte(uint16(v)>>8)
		}
		out[i] = []byte(`{"type":"response.output_audio.delta","event_id":"event_d` + strconv.Itoa(i) +
			`","response_id":"resp_1","item_id":"item_2","output_index":0,"content_index":0,"delta":"` +
			base64.StdEncoding.EncodeToString(pcm) + `"}`)
	}
	return out
}

func (s *fakeServer) serve(w http.ResponseWriter, r *http.Request) {
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer c.CloseNow()
	c.SetReadLimit(32 << 20)
	ctx := r.Context()
	frames := deltaFrames(s.n)
	ev := 0
	send := func(v map[string]any) error {
		ev++
		v["event_id"] = "event_" + strconv.Itoa(ev)
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		return c.Write(ctx, websocket.MessageText, b)
	}
	session := map[string]any{"type": "realtime", "id": "sess_bench", "model": "gpt-realtime",
		"output_modalities": []string{"audio"},
		"audio": map[string]any{
			"input":  map[string]any{"format": map[string]any{"type": "audio/pcm", "rate": 24000}},
			"output": map[string]any{"format": map[string]any{"type": "audio/pcm", "rate": 24000}, "voice": "marin"},
		}}
	if send(map[string]any{"type": "session.created", "session": session}) != nil {
		return
	}
	items := 0
	for {
		_, data, err := c.Read(ctx)
		if err != nil {
			return
		}
		var head struct {
			Type string          `json:"type"`
			Item json.RawMessage `json:"item"`
		}
		if json.Unmarshal(data, &head) != nil {
			return
		}
		switch head.Type {
		case "session.update":
			err = send(map[string]any{"type": "session.updated", "session": session})
		case "conversation.item.create":
			items++
			var it map[string]any
			_ = json.Unmarshal(head.Item, &it)
			it["id"] = "item_" + strconv.Itoa(items)
			it["status"] = "completed"
			err = send(map[string]any{"type": "conversation.item.added", "previous_item_id": nil, "item": it})
		case "response.create":
			err = s.respond(ctx, c, send, frames)
		}
		if err != nil {
			return
		}
	}
}

func (s *fakeServer) respond(ctx context.Context, c *websocket.Conn, send func(map[string]any) error, frames [][]byte) error {
	item := map[string]any{"id": "item_2", "type": "message", "role": "assistant", "status": "in_progress", "content": []any{}}
	for _, v := range []map[string]any{
		{"type": "response.created", "response": map[string]any{"id": "resp_1", "status": "in_progress", "output": []any{}}},
		{"type": "response.output_item.added", "response_id": "resp_1", "output_index": 0, "item": item},
		{"type": "conversation.item.added", "previous_item_id": "item_1", "item": item},
		{"type": "response.content_part.added", "response_id": "resp_1", "item_id": "item_2", "output_index": 0,
			"content_index": 0, "part": map[string]any{"type": "audio", "transcript": ""}},
	} {
		if err := send(v); err != nil {
			return err
		}
	}
	sends := make([]time.Time, len(frames))
	start := time.Now()
	for i, f := range frames {
		if s.paced {
			if d := time.Until(start.Add(time.Duration(i) * deltaDur)); d > 0 {
				time.Sleep(d) // the server's clock: real time, like the API
			}
		}
		sends[i] = time.Now()
		if err := c.Write(ctx, websocket.MessageText, f); err != nil {
			return err
		}
	}
	s.mu.Lock()
	s.sends = sends
	s.mu.Unlock()
	s.once.Do(func() { close(s.responded) })
	done := map[string]any{"id": "item_2", "type": "message", "role": "assistant", "status": "completed",
		"content": []any{map[string]any{"type": "output_audio", "transcript": "bench"}}}
	for _, v := range []map[string]any{
		{"type": "response.output_audio.done", "response_id": "resp_1", "item_id": "item_2", "output_index": 0, "content_index": 0},
		{"type": "response.output_audio_transcript.done", "response_id": "resp_1", "item_id": "item_2", "output_index": 0,
			"content_index": 0, "transcript": "bench"},
		{"type": "conversation.item.done", "previous_item_id": "item_1", "item": done},
		{"type": "response.output_item.done", "response_id": "resp_1", "output_index": 0, "item": done},
		{"type": "response.done", "response": map[string]any{"id": "resp_1", "status": "completed", "output": []any{done}}},
	} {
		if err := send(v); err != nil {
			return err
		}
	}
	return nil
}

var errNoSends = errors.New("the fake server sent no audio")
