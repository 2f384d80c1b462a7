package app

import (
	"net/http"
	"testing"

	"github.com/rtagent/rtagent/internal/agent"
	"github.com/rtagent/rtagent/internal/redact"
)

// Every configured secret is in the process-wide registry once Open has the
// endpoint: the API key, header values, a token in the URL query, ${NAME} values
// of HTTP tool and MCP server headers; the simulator's placeholder key is not.
func TestRegisterSecrets(t *testing.T) {
	env := map[string]string{"TOOL_TOKEN": "tool-SECRET-4a1b2c3d4e", "MCP_KEY": "mcp-SECRET-9f8e7d6c5b"}
	cfg := &agent.Config{
		Agents: []agent.Agent{{Name: "a", Tools: []agent.Tool{{Name: "t", HTTP: &agent.HTTPTool{
			URL: "https://example.invalid", Headers: map[string]string{"Authorization": "Bearer ${TOOL_TOKEN}"}}}}}},
		MCPServers: []agent.MCPServer{{Name: "m", URL: "https://mcp.invalid", Headers: map[string]string{"X-Key": "k=${MCP_KEY}"}}},
	}
	ep := endpoint{
		URL:     "wss://example.invalid/v1/realtime?model=gpt-realtime&token=url-SECRET-77aa88bb",
		APIKey:  "sk-SECRET-key-0123456789",
		Headers: http.Header{"X-Team": {"hdr-SECRET-55cc66dd"}},
	}
	registerSecrets(ep, cfg, func(k string) string { return env[k] })
	s := redact.Process()
	for _, v := range []string{"sk-SECRET-key-0123456789", "hdr-SECRET-55cc66dd", "url-SECRET-77aa88bb",
		"tool-SECRET-4a1b2c3d4e", "mcp-SECRET-9f8e7d6c5b", "k=mcp-SECRET-9f8e7d6c5b"} {
		if got := s.String("x " + v + " y"); got != "x "+redact.Placeholder+" y" {
			t.Errorf("%s not registered: %q", v, got)
		}
	}
	registerSecrets(endpoint{APIKey: simKey}, nil, func(string) string { return "" })
	if got := s.String(simKey); got != simKey {
		t.Errorf("the simulator's placeholder key was registered: %q", got)
	}
}

// "$${NAME}" in a header is a literal: NAME's value is no secret of that header,
// nor is the literal text.
func TestRegisterSecretsLiteral(t *testing.T) {
	env := map[string]string{"LIT_NAME": "literal-NOT-a-secret-1234"}
	cfg := &agent.Config{
		Agents: []agent.Agent{{Name: "a", Tools: []agent.Tool{{Name: "t", HTTP: &agent.HTTPTool{
			URL: "https://example.invalid", Headers: map[string]string{"X-Doc": "see $${LIT_NAME}"}}}}}},
		MCPServers: []agent.MCPServer{{Name: "m", URL: "https://mcp.invalid", Headers: map[string]string{"X-Doc": "use $${LIT_NAME} here"}}},
	}
	registerSecrets(endpoint{APIKey: simKey}, cfg, func(k string) string { return env[k] })
	s := redact.Process()
	for _, v := range []string{"literal-NOT-a-secret-1234", "see ${LIT_NAME}", "use ${LIT_NAME} here"} {
		if got := s.String("x " + v + " y"); got != "x "+v+" y" {
			t.Errorf("%q was registered as a secret: %q", v, got)
		}
	}
}
