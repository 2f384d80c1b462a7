package agent

import (
	"reflect"
	"time"

	"go.yaml.in/yaml/v3"
)

// Defaults of mcp_servers entries.
const DefaultMCPStartTimeout = Duration(10 * time.Second)

// MCPServer is an MCP server whose tools agents can use (mcp_servers). Exactly one
// of Command (stdio) and URL (streamable HTTP) is set.
type MCPServer struct {
	Name           string            `yaml:"name" jsonschema:"required,pattern=^[a-zA-Z0-9_-]{1\\,64}$" jsonschema_description:"Unique server name, used in the agents' mcp lists."`
	Command        []string          `yaml:"command,omitempty" jsonschema:"minItems=1" jsonschema_description:"stdio server: program and arguments (no shell). A relative program path is relative to this YAML file, a bare name is looked up in PATH. Its stderr goes to the log file."`
	Env            map[string]string `yaml:"env,omitempty" jsonschema_description:"stdio server: extra environment (besides PATH, HOME, LANG, TZ, TMPDIR). Values may use ${NAME}, read when the server starts."`
	Cwd            string            `yaml:"cwd,omitempty" jsonschema_description:"stdio server: working directory, relative to this YAML file. Default: the YAML file's directory."`
	URL            string            `yaml:"url,omitempty" jsonschema_description:"Streamable HTTP server: absolute http or https URL of its MCP endpoint."`
	Headers        map[string]string `yaml:"headers,omitempty" jsonschema_description:"HTTP server: request headers. Values may use ${NAME} (secrets from the environment); never logged."`
	Prefix         string            `yaml:"prefix,omitempty" jsonschema:"pattern=^[a-zA-Z0-9_-]{0\\,32}$" jsonschema_description:"Prepended to the name of every tool of this server, to avoid name collisions. Default: none."`
	Timeout        Duration          `yaml:"timeout,omitempty" jsonschema_description:"Bound of one tool call, a Go duration. Default: 30s."`
	StartTimeout   Duration          `yaml:"start_timeout,omitempty" jsonschema_description:"Bound of starting the server, initialize and listing its tools. Default: 10s."`
	MaxOutputBytes int               `yaml:"max_output_bytes,omitempty" jsonschema:"minimum=1" jsonschema_description:"A call's output longer than this is cut with a marker. Default: 32768."`

	// Argv is Command with its program resolved to an absolute path.
	Argv []string `yaml:"-"`
}

// MCPUse is one entry of an agent's mcp list: a server name, or a mapping that
// also filters the server's tools and asks for approvals.
type MCPUse struct {
	Server        string      `yaml:"server" jsonschema:"required,minLength=1" jsonschema_description:"Name of an mcp_servers entry."`
	Allow         []string    `yaml:"allow,omitempty" jsonschema_description:"Only these tools of the server (its own tool names, without prefix)."`
	Deny          []string    `yaml:"deny,omitempty" jsonschema_description:"Not these tools of the server (its own tool names, without prefix)."`
	NeedsApproval MCPApproval `yaml:"needs_approval,omitempty" jsonschema_description:"true: ask the user before every call of this server's tools; a list: before the calls of these tools only."`
}

// MCPApproval is needs_approval of an mcp entry: true (every tool) or a list of
// tool names.
type MCPApproval struct {
	All   bool
	Tools []string
}

// For reports whether a call of the server's tool needs approval.
func (a MCPApproval) For(tool string) bool {
	if a.All {
		return true
	}
	for _, t := range a.Tools {
		if t == tool {
			return true
		}
	}
	return false
}

// decodeYAML accepts a bare server name or a mapping.
func (u *MCPUse) decodeYAML(dec *decoder, n *yaml.Node, path string) {
	if n.Kind == yaml.ScalarNode {
		if n.Tag != "!!str" {
			dec.errorf(n, path, "expected a server name or a mapping with server, allow, deny and needs_approval, got %s", describe(n))
			return
		}
		u.Server = n.Value
		dec.mark(path+".server", n)
		return
	}
	if n.Kind != yaml.MappingNode {
		dec.errorf(n, path, "expected a server name or a mapping with server, allow, deny and needs_approval, got %s", describe(n))
		return
	}
	type plain MCPUse // no decodeYAML method: decoded as a struct
	dec.decodeStruct(n, (*plain)(u), path)
}

// decodeYAML accepts true/false or a list of tool names.
func (a *MCPApproval) decodeYAML(dec *decoder, n *yaml.Node, path string) {
	switch {
	case n.Kind == yaml.ScalarNode && n.Tag == "!!bool":
		dec.decode(n, reflect.ValueOf(&a.All).Elem(), path)
	case n.Kind == yaml.SequenceNode:
		dec.decode(n, reflect.ValueOf(&a.Tools).Elem(), path)
	default:
		dec.errorf(n, path, "expected true, false or a list of tool names, got %s", describe(n))
	}
}

// MCPServer returns the mcp_servers entry with that name.
func (c *Config) MCPServer(name string) (*MCPServer, bool) {
	for i := range c.MCPServers {
		if c.MCPServers[i].Name == name {
			return &c.MCPServers[i], true
		}
	}
	return nil, false
}
