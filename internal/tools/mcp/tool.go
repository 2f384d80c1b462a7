package mcp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/rtagent/rtagent/internal/tools"
	"github.com/rtagent/rtagent/internal/tools/proc"
)

// Tool is one MCP tool as an rtagent function tool.
type Tool struct {
	m      *Manager
	s      *server
	remote string // the server's name for it
	def    tools.Definition
}

func newTool(m *Manager, s *server, rt RemoteTool, name string, approval bool) *Tool {
	return &Tool{m: m, s: s, remote: rt.Name, def: tools.Definition{
		Name:          name,
		Description:   rt.Description,
		Parameters:    rt.InputSchema,
		Timeout:       s.cfg.Timeout,
		NeedsApproval: approval,
	}}
}

// Definition implements tools.Tool.
func (t *Tool) Definition() tools.Definition { return t.def }

// Server is the name of the tool's MCP server.
func (t *Tool) Server() string { return t.s.cfg.Name }

// RemoteName is the tool's name on its server.
func (t *Tool) RemoteName() string { return t.remote }

// Call implements tools.Tool: one tools/call on the server's current session.
// An error result (isError) is an error with the result's text.
func (t *Tool) Call(ctx context.Context, arguments json.RawMessage) (string, error) {
	sess, p, err := t.s.current()
	if err != nil {
		return "", err
	}
	res, err := sess.CallTool(ctx, &mcp.CallToolParams{Name: t.remote, Arguments: arguments})
	if err != nil {
		if ctx.Err() != nil {
			// Timed out or cancelled: tools.Invoke reports it. A server that does not
			// answer a ping either is restarted.
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				t.m.goProbe(t.s, sess, p)
			}
			return "", ctx.Err()
		}
		if errors.Is(err, mcp.ErrConnectionClosed) {
			return "", fmt.Errorf("MCP server %s: connection lost during the call", t.s.cfg.Name)
		}
		return "", fmt.Errorf("MCP server %s: %s", t.s.cfg.Name, oneLine(err.Error()))
	}
	limit := t.s.cfg.MaxOutputBytes
	if limit <= 0 {
		limit = tools.MaxOutputBytes
	}
	out := proc.Clip(resultText(res), limit)
	if res.IsError {
		if out == "" {
			out = "the tool reported an error without a message"
		}
		return "", errors.New(out)
	}
	return out, nil
}

// resultText renders a call result: text content as is, every other content type
// summarised, parts joined by newlines; with no content, the structured content as
// JSON.
func resultText(res *mcp.CallToolResult) string {
	var parts []string
	for _, c := range res.Content {
		parts = append(parts, contentText(c))
	}
	if len(parts) == 0 && res.StructuredContent != nil {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false) // R8.9
		if enc.Encode(res.StructuredContent) == nil {
			parts = append(parts, strings.TrimRight(b.String(), "\n"))
		}
	}
	return strings.Join(parts, "\n")
}

func contentText(c mcp.Content) string {
	switch c := c.(type) {
	case *mcp.TextContent:
		return c.Text
	case *mcp.ImageContent:
		return fmt.Sprintf("[image: %s, %d bytes]", orUnknown(c.MIMEType), len(c.Data))
	case *mcp.AudioContent:
		return fmt.Sprintf("[audio: %s, %d bytes]", orUnknown(c.MIMEType), len(c.Data))
	case *mcp.ResourceLink:
		name := c.Name
		if c.Title != "" {
			name = c.Title
		}
		return fmt.Sprintf("[resource link: %s <%s>]", name, c.URI)
	case *mcp.EmbeddedResource:
		r := c.Resource
		if r == nil {
			return "[resource]"
		}
		if r.Text != "" {
			return fmt.Sprintf("[resource %s]\n%s", r.URI, r.Text)
		}
		return fmt.Sprintf("[resource: %s, %s, %d bytes]", r.URI, orUnknown(r.MIMEType), len(r.Blob))
	case nil:
		return ""
	default:
		return fmt.Sprintf("[%T content]", c)
	}
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown type"
	}
	return s
}

// remoteTool checks a listed tool: a usable name and an input schema that is a JSON
// Schema object of type object that compiles.
func remoteTool(t *mcp.Tool) (RemoteTool, error) {
	if t.Name == "" {
		return RemoteTool{}, errors.New("tool has no name")
	}
	raw, err := json.Marshal(t.InputSchema)
	if err != nil {
		return RemoteTool{}, fmt.Errorf("input schema: %v", err)
	}
	var obj map[string]any
	if json.Unmarshal(raw, &obj) != nil || obj == nil {
		return RemoteTool{}, errors.New("input schema is not a JSON object")
	}
	if obj["type"] != "object" {
		return RemoteTool{}, errors.New(`input schema must have "type": "object"`)
	}
	if err := tools.CheckDefinition(tools.Definition{Name: t.Name, Parameters: raw}); err != nil {
		return RemoteTool{}, errors.New(strings.TrimPrefix(err.Error(), "tool "+t.Name+": "))
	}
	desc := t.Description
	if desc == "" {
		desc = t.Title
	}
	rt := RemoteTool{Name: t.Name, Description: desc, InputSchema: raw}
	if a := t.Annotations; a != nil {
		rt.ReadOnly = a.ReadOnlyHint
	}
	return rt, nil
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
