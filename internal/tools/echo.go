package tools

import (
	"context"
	"encoding/json"
)

// echoTool returns its text argument: a tool for demos and tests.
type echoTool struct{ def Definition }

func (t *echoTool) Definition() Definition { return t.def }

func (t *echoTool) Call(_ context.Context, arguments json.RawMessage) (string, error) {
	var args struct {
		Text string `json:"text"`
	}
	if err := decodeArguments(arguments, &args); err != nil {
		return "", err
	}
	return args.Text, nil
}
