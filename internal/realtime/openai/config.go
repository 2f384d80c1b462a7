package openai

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/rtagent/rtagent/internal/realtime"
)

// Defaults (docs/protocol.md R1.1, R1.2, R1.8, R1.10).
const (
	DefaultURL              = "wss://api.openai.com/v1/realtime"
	DefaultModel            = "gpt-realtime-2.1"
	DefaultReadLimit        = 32 << 20
	DefaultWriteTimeout     = 5 * time.Second
	DefaultHandshakeTimeout = 10 * time.Second
	DefaultUserAgent        = "rtagent/dev"
	DefaultVoice            = "marin" // sent when Settings.Voice is empty (R2.3 rule 1)
	DefaultPingInterval     = 15 * time.Second
	DefaultPongTimeout      = 10 * time.Second
	DefaultStallTimeout     = 15 * time.Second
)

// Config is the transport configuration of one Model. The zero value talks to the
// OpenAI API with OPENAI_API_KEY.
type Config struct {
	// URL replaces the default endpoint entirely (R1.6). ws:// is allowed. A missing
	// model query parameter is added from the settings' model.
	URL string
	// APIKey is the bearer token (OpenAI) or the api-key (Azure). Empty: taken from
	// OPENAI_API_KEY (OpenAI) or AZURE_OPENAI_API_KEY (Azure); still empty: no auth
	// header is sent (local compatible servers).
	APIKey string
	// Azure sends the key as the api-key header; URL is the deployment URL, whose model
	// query is the deployment name (R1.5). It never requires OPENAI_API_KEY.
	Azure bool
	// Headers, when set, are sent exactly, and no Authorization or api-key header is
	// added (R1.5; e.g. an Entra ID bearer token). User-Agent is added if missing.
	Headers http.Header
	// UserAgent defaults to DefaultUserAgent.
	UserAgent string

	// Trace receives every frame, both directions, as JSONL (see trace.go). Base64
	// audio is replaced by "<N bytes>" unless TraceAudio. Never headers or keys.
	Trace      io.Writer
	TraceAudio bool
	// Frames, if set, receives every frame, both directions, typed (direction,
	// time, type, compact JSON with audio always elided and secrets scrubbed): the
	// UI's event log. It is called from the trace goroutine, never from the reader
	// or the writer, in frame order; it must not block (queue and drop instead).
	Frames func(realtime.Frame)

	Logger     *slog.Logger // nil: discard
	HTTPClient *http.Client // nil: http.DefaultClient

	// Reconnect recovers from an unplanned loss (R14.3 #2); off when zero.
	Reconnect ReconnectPolicy
	// PingInterval between client pings (0: DefaultPingInterval; negative: none),
	// each answered within PongTimeout (0: DefaultPongTimeout), and StallTimeout
	// (0: DefaultStallTimeout; negative: off): a connection that receives nothing
	// this long while a response is active or wanted is dead.
	PingInterval time.Duration
	PongTimeout  time.Duration
	StallTimeout time.Duration

	ReadLimit        int64         // 0: DefaultReadLimit (R1.8)
	WriteTimeout     time.Duration // 0: DefaultWriteTimeout (per frame, R1.10)
	HandshakeTimeout time.Duration // 0: DefaultHandshakeTimeout (R1.10)
}

func (c Config) withDefaults() Config {
	if c.URL == "" {
		c.URL = DefaultURL
	}
	if c.UserAgent == "" {
		c.UserAgent = DefaultUserAgent
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.ReadLimit <= 0 {
		c.ReadLimit = DefaultReadLimit
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = DefaultWriteTimeout
	}
	if c.HandshakeTimeout <= 0 {
		c.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if c.PingInterval == 0 {
		c.PingInterval = DefaultPingInterval
	}
	if c.PongTimeout <= 0 {
		c.PongTimeout = DefaultPongTimeout
	}
	if c.StallTimeout == 0 {
		c.StallTimeout = DefaultStallTimeout
	}
	if c.Headers == nil && c.APIKey == "" {
		if c.Azure {
			c.APIKey = os.Getenv("AZURE_OPENAI_API_KEY")
		} else {
			c.APIKey = os.Getenv("OPENAI_API_KEY")
		}
	}
	return c
}

// dialURL returns the URL to dial and the connected model: the URL's model query
// when present (for Azure, the deployment name), else model, else DefaultModel.
func dialURL(raw, model string) (string, string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", "", fmt.Errorf("openai: invalid URL: %w", err)
	}
	switch u.Scheme {
	case "ws", "wss":
	case "http":
		u.Scheme = "ws"
	case "https":
		u.Scheme = "wss"
	default:
		return "", "", fmt.Errorf("openai: invalid URL scheme %q (want ws or wss)", u.Scheme)
	}
	q := u.Query()
	if m := q.Get("model"); m != "" {
		return u.String(), m, nil
	}
	if model == "" {
		model = DefaultModel
	}
	q.Set("model", model)
	u.RawQuery = q.Encode()
	return u.String(), model, nil
}

// header builds the handshake headers (R1.3–R1.5). It never sends OpenAI-Beta.
func (c Config) header() http.Header {
	h := http.Header{}
	if c.Headers != nil {
		for k, v := range c.Headers {
			h[k] = append([]string(nil), v...)
		}
	} else if c.APIKey != "" {
		if c.Azure {
			h.Set("api-key", c.APIKey)
		} else {
			h.Set("Authorization", "Bearer "+c.APIKey)
		}
	}
	if h.Get("User-Agent") == "" {
		h.Set("User-Agent", c.UserAgent)
	}
	h.Del("OpenAI-Beta")
	return h
}
