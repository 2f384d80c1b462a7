package tools

import (
	"context"
	"encoding/json"
	"time"
)

// DefaultTimeout applies to a tool whose Definition has no Timeout (R8.5).
const DefaultTimeout = 30 * time.Second

// MaxOutputBytes caps every model-visible output (R8.9, rtagent choice).
const MaxOutputBytes = 32 << 10

// Definition is what the model is told about a tool and how rtagent runs it.
type Definition struct {
	Name, Description string
	// Parameters is the JSON Schema (an object) the arguments must match.
	Parameters json.RawMessage
	// Timeout bounds one call; 0 means DefaultTimeout.
	Timeout time.Duration
	// NeedsApproval asks the user before every call (R8.8).
	NeedsApproval bool
	// Silent sends the output without asking for a spoken follow-up (R8.11).
	Silent bool
}

// Tool is one runnable function tool.
type Tool interface {
	Definition() Definition
	// Call runs the tool. arguments is the model's JSON argument string. The returned
	// string is the model-visible output. Errors are turned into model-visible outputs
	// by the caller (Invoke).
	Call(ctx context.Context, arguments json.RawMessage) (string, error)
}

// CheckDefinition reports whether def is usable: a name and a parameters schema
// that compiles (the check every constructor runs; for tools built elsewhere, such
// as MCP tools).
func CheckDefinition(def Definition) error { return checkDefinition(def) }
