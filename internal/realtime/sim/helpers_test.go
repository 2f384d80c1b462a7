package sim

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"

	"github.com/rtagent/rtagent/internal/testkit"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const readTimeout = 10 * time.Second

// evt is a test-side view of a server event: the fields the tests look at.
type evt struct {
	Type         string `json:"type"`
	EventID      string `json:"event_id"`
	ResponseID   string `json:"response_id"`
	ItemID       string `json:"item_id"`
	CallID       string `json:"call_id"`
	Name         string `json:"name"`
	Arguments    string `json:"arguments"`
	Delta        string `json:"delta"`
	Transcript   string `json:"transcript"`
	Text         string `json:"text"`
	AudioStartMs int    `json:"audio_start_ms"`
	AudioEndMs   int    `json:"audio_end_ms"`
	Obfuscation  string `json:"obfuscation"`
	Part         *struct {
		Type string `json:"type"`
	} `json:"part"`
	Error *struct {
		Type    string  `json:"type"`
		Code    string  `json:"code"`
		Message string  `json:"message"`
		Param   *string `json:"param"`
		EventID *string `json:"event_id"`
	} `json:"error"`
	Response *struct {
		ID            string `json:"id"`
		Status        string `json:"status"`
		StatusDetails *struct {
			Type   string `json:"type"`
			Reason string `json:"reason"`
		} `json:"status_details"`
		Output []evtItem `json:"output"`
		Usage  *struct {
			TotalTokens int `json:"total_tokens"`
		} `json:"usage"`
	} `json:"response"`
	Item    *evtItem `json:"item"`
	Session *struct {
		ID               string          `json:"id"`
		Model            string          `json:"model"`
		ExpiresAt        int64           `json:"expires_at"`
		OutputModalities []string        `json:"output_modalities"`
		Instructions     string          `json:"instructions"`
		Tools            json.RawMessage `json:"tools"`
		Audio            struct {
			Input struct {
				TurnDetection json.RawMessage `json:"turn_detection"`
				Transcription json.RawMessage `json:"transcription"`
			} `json:"input"`
			Output struct {
				Voice json.RawMessage `json:"voice"`
			} `json:"output"`
		} `json:"audio"`
	} `json:"session"`
	raw []byte
}

type evtItem struct {
	ID        string `json:"id"`
	Type      string `json:"type"`
	Status    string `json:"status"`
	Role      string `json:"role"`
	Name      string `json:"name"`
	CallID    string `json:"call_id"`
	Arguments string `json:"arguments"`
	Output    string `json:"output"`
	Content   []struct {
		Type       string  `json:"type"`
		Text       string  `json:"text"`
		Transcript *string `json:"transcript"`
		Audio      string  `json:"audio"`
	} `json:"content"`
}

// client is a real WebSocket client of the simulator that records every frame.
type client struct {
	t      testing.TB
	ws     *websocket.Conn
	server [][]byte // every server frame received
	sent   [][]byte // every valid client frame sent
	seq    int
}

func startSim(t testing.TB, opts Options) (*Server, string) {
	t.Helper()
	s := New(opts)
	url, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, url
}

func dialRaw(t testing.TB, url string, h http.Header) *client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), readTimeout)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	ws.SetReadLimit(64 << 20)
	c := &client{t: t, ws: ws}
	t.Cleanup(func() { ws.CloseNow() })
	return c
}

// dial connects with a key and the model and consumes session.created.
func dial(t testing.TB, url string) *client {
	t.Helper()
	h := http.Header{"Authorization": {"Bearer sk-test"}}
	c := dialRaw(t, url+"?model=gpt-realtime", h)
	if e := c.next(); e.Type != "session.created" {
		t.Fatalf("first event = %s, want session.created", e.Type)
	}
	return c
}

func (c *client) send(v any) string {
	c.t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		c.t.Fatal(err)
	}
	c.sent = append(c.sent, data)
	c.write(websocket.MessageText, data)
	var e struct {
		EventID string `json:"event_id"`
	}
	_ = json.Unmarshal(data, &e)
	return e.EventID
}

func (c *client) write(typ websocket.MessageType, data []byte) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), readTimeout)
	defer cancel()
	if err := c.ws.Write(ctx, typ, data); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// ev builds a client event with a fresh event_id.
func (c *client) ev(typ string, kv ...any) map[string]any {
	c.seq++
	m := map[string]any{"type": typ, "event_id": "test_" + strings.ReplaceAll(typ, ".", "_") + "_" + itoa(c.seq)}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func (c *client) next() evt {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), readTimeout)
	defer cancel()
	typ, data, err := c.ws.Read(ctx)
	if err != nil {
		c.t.Fatalf("read: %v (after %d frames)", err, len(c.server))
	}
	if typ != websocket.MessageText {
		c.t.Fatalf("server sent a binary frame")
	}
	c.server = append(c.server, data)
	var e evt
	if err := json.Unmarshal(data, &e); err != nil {
		c.t.Fatalf("server frame is not JSON: %v: %s", err, data)
	}
	e.raw = data
	return e
}

// until reads events up to and including the first of type typ.
func (c *client) until(typ string) []evt {
	c.t.Helper()
	var out []evt
	for {
		e := c.next()
		out = append(out, e)
		if e.Type == typ {
			return out
		}
	}
}

// turn reads one response to its end (rate_limits.updated follows response.done).
func (c *client) turn() []evt {
	c.t.Helper()
	return c.until("rate_limits.updated")
}

// expectClose reads until the server closes and checks the code and reason.
func (c *client) expectClose(code websocket.StatusCode, reason string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), readTimeout)
	defer cancel()
	for {
		_, data, err := c.ws.Read(ctx)
		if err != nil {
			var ce websocket.CloseError
			if !errors.As(err, &ce) {
				c.t.Fatalf("read ended with %v, want close %d", err, code)
			}
			if ce.Code != code || ce.Reason != reason {
				c.t.Fatalf("close = %d %q, want %d %q", ce.Code, ce.Reason, code, reason)
			}
			return
		}
		c.server = append(c.server, data)
	}
}

func (c *client) validate() {
	c.t.Helper()
	testkit.ValidateServerFrames(c.t, c.server)
	if len(c.sent) > 0 {
		testkit.ValidateClientFrames(c.t, c.sent)
	}
}

func types(evs []evt) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Type
	}
	return out
}

func find(t testing.TB, evs []evt, typ string) evt {
	t.Helper()
	for _, e := range evs {
		if e.Type == typ {
			return e
		}
	}
	t.Fatalf("no %s in %v", typ, types(evs))
	return evt{}
}

func findAll(evs []evt, typ string) []evt {
	var out []evt
	for _, e := range evs {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

// spoken returns the concatenated transcript/text deltas and decoded audio.
func spoken(t testing.TB, evs []evt) (string, []byte) {
	t.Helper()
	var text strings.Builder
	var audio []byte
	for _, e := range evs {
		switch e.Type {
		case "response.output_audio_transcript.delta", "response.output_text.delta":
			text.WriteString(e.Delta)
		case "response.output_audio.delta":
			b, err := base64.StdEncoding.DecodeString(e.Delta)
			if err != nil {
				t.Fatal(err)
			}
			audio = append(audio, b...)
		}
	}
	return text.String(), audio
}

func userMsg(c *client, text string) map[string]any {
	return c.ev("conversation.item.create", "item", map[string]any{
		"type": "message", "role": "user",
		"content": []any{map[string]any{"type": "input_text", "text": text}},
	})
}

func textSession(c *client, extra map[string]any) map[string]any {
	s := map[string]any{"type": "realtime", "output_modalities": []string{"text"}}
	for k, v := range extra {
		s[k] = v
	}
	return c.ev("session.update", "session", s)
}

func tool(name string, params map[string]any) map[string]any {
	if params == nil {
		params = map[string]any{"type": "object", "properties": map[string]any{}, "required": []string{}}
	}
	return map[string]any{"type": "function", "name": name, "description": "test tool " + name, "parameters": params}
}

// tone returns ms of a 440 Hz sine at amplitude a, PCM16 24 kHz.
func tone(ms int, a float64) []byte {
	n := ms * SampleRate / 1000
	out := make([]byte, 2*n)
	for i := range n {
		v := a * math.Sin(2*math.Pi*440*float64(i)/SampleRate)
		binary.LittleEndian.PutUint16(out[2*i:], uint16(int16(v*32767)))
	}
	return out
}

func silence(ms int) []byte { return make([]byte, ms*BytesPerMs) }

// appendAudio sends pcm in 40 ms chunks.
func (c *client) appendAudio(pcm []byte) {
	const chunk = 40 * BytesPerMs
	for i := 0; i < len(pcm); i += chunk {
		end := min(i+chunk, len(pcm))
		c.send(map[string]any{"type": "input_audio_buffer.append", "audio": base64.StdEncoding.EncodeToString(pcm[i:end])})
	}
}
