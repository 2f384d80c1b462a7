package redact

import (
	"bytes"
	"errors"
	"log/slog"
	"net/url"
	"strings"
	"testing"
)

func TestHandlerScrubsMessageAndAttrs(t *testing.T) {
	const sec = "hdr-secret-0123456789"
	var buf bytes.Buffer
	log := slog.New(Handler(slog.NewJSONHandler(&buf, nil), New(sec)))
	u, _ := url.Parse("wss://h/v1?token=" + sec)
	log.With("key", "Bearer "+sec).WithGroup("g").Info("connect "+sec,
		"err", errors.New("refused "+sec), "url", u, "n", 3, slog.Group("inner", "v", sec))
	out := buf.String()
	if strings.Contains(out, sec) {
		t.Fatalf("log holds the secret: %s", out)
	}
	if strings.Count(out, Placeholder) != 5 || !strings.Contains(out, `"n":3`) {
		t.Errorf("log: %s", out)
	}
}
