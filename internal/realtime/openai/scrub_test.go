package openai

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/rtagent/rtagent/internal/realtime"
)

// Secrets in the URL query or in custom headers never appear in a connect error.
func TestConnectErrorHidesURLAndHeaderSecrets(t *testing.T) {
	m := New(Config{
		URL:     "ws://127.0.0.1:1/v1/realtime?api-key=QUERYSECRET123",
		Headers: http.Header{"Authorization": {"Bearer HEADERSECRET456"}},
	})
	err := m.Connect(context.Background(), realtime.ConnectOptions{Settings: realtime.Settings{Model: "m"}})
	if err == nil {
		t.Fatal("connecting to a closed port succeeded")
	}
	for _, s := range []string{"QUERYSECRET123", "HEADERSECRET456"} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error leaks %s: %v", s, err)
		}
	}
	for ev := range m.Events() {
		if c, ok := ev.(realtime.Closed); ok && c.Err != nil && strings.Contains(c.Err.Error(), "SECRET") {
			t.Errorf("Closed leaks a secret: %v", c.Err)
		}
	}
}
