package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// DefaultJudgeModel judges `judge:` expectations unless --judge-model says otherwise.
const DefaultJudgeModel = "gpt-4.1-mini"

// DefaultOpenAIBaseURL is the OpenAI REST API the judge calls.
const DefaultOpenAIBaseURL = "https://api.openai.com/v1"

// maxJudgeResponse bounds a judge's HTTP response read.
const maxJudgeResponse = 1 << 20

// Judge evaluates a plain-language statement about a conversation with a text
// model through the OpenAI Chat Completions API, asking for a JSON verdict
// {pass, reason} (structured outputs). It is safe for concurrent use.
type Judge struct {
	BaseURL string // e.g. https://api.openai.com/v1
	APIKey  string
	Model   string
	Client  *http.Client // nil: a client with a one-minute timeout
}

const judgeInstructions = "You judge automated tests of a voice agent. You get the transcript of a conversation " +
	"between a user and one or more agents (lines in parentheses are tool calls, handoffs and other events) and " +
	"a statement about it. Decide whether the statement is true of the conversation as written; do not assume " +
	"anything that is not in it. Answer with pass (true when the statement holds) and a one-sentence reason."

// verdictSchema is the JSON Schema of the answer (strict structured output).
var verdictSchema = json.RawMessage(`{"type":"object","properties":{"pass":{"type":"boolean"},"reason":{"type":"string"}},"required":["pass","reason"],"additionalProperties":false}`)

type chatMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type chatRequest struct {
	Model          string         `json:"model"`
	Messages       []chatMessage  `json:"messages"`
	Temperature    *float64       `json:"temperature,omitempty"`
	ResponseFormat responseFormat `json:"response_format"`
}

type responseFormat struct {
	Type       string     `json:"type"`
	JSONSchema jsonSchema `json:"json_schema"`
}

type jsonSchema struct {
	Name   string          `json:"name"`
	Strict bool            `json:"strict"`
	Schema json.RawMessage `json:"schema"`
}

type chatResponse struct {
	Choices []struct {
		Message struct {
			Content string `json:"content"`
			Refusal string `json:"refusal"`
		} `json:"message"`
	} `json:"choices"`
}

type apiError struct {
	Error struct {
		Message string `json:"message"`
		Type    string `json:"type"`
		Code    any    `json:"code"`
	} `json:"error"`
}

// Evaluate asks the model whether statement holds of conversation.
func (j *Judge) Evaluate(ctx context.Context, conversation, statement string) (pass bool, reason string, err error) {
	req := chatRequest{
		Model: j.Model,
		Messages: []chatMessage{
			{Role: "system", Content: judgeInstructions},
			{Role: "user", Content: "Conversation:\n" + conversation + "\n\nStatement: " + statement},
		},
		ResponseFormat: responseFormat{Type: "json_schema", JSONSchema: jsonSchema{Name: "verdict", Strict: true, Schema: verdictSchema}},
	}
	if !reasoningModel(j.Model) { // reasoning models accept only the default temperature
		zero := 0.0
		req.Temperature = &zero
	}
	body, err := json.Marshal(req)
	if err != nil {
		return false, "", err
	}
	url := strings.TrimSuffix(j.BaseURL, "/") + "/chat/completions"
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return false, "", fmt.Errorf("judge: %w", err)
	}
	hreq.Header.Set("Content-Type", "application/json")
	hreq.Header.Set("Authorization", "Bearer "+j.APIKey)
	client := j.Client
	if client == nil {
		client = &http.Client{Timeout: time.Minute}
	}
	resp, err := client.Do(hreq)
	if err != nil {
		// The error names the URL, never the key (it travels in a header).
		return false, "", fmt.Errorf("judge (%s): %w", j.Model, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxJudgeResponse))
	if err != nil {
		return false, "", fmt.Errorf("judge (%s): reading the answer: %w", j.Model, err)
	}
	if resp.StatusCode/100 != 2 {
		var ae apiError
		msg := strings.TrimSpace(string(data))
		if json.Unmarshal(data, &ae) == nil && ae.Error.Message != "" {
			msg = ae.Error.Message
		}
		if len(msg) > 300 {
			msg = msg[:300] + "…"
		}
		return false, "", fmt.Errorf("judge (%s): %s %s: %s", j.Model, RedactURL(url), resp.Status, msg)
	}
	var cr chatResponse
	if err := json.Unmarshal(data, &cr); err != nil {
		return false, "", fmt.Errorf("judge (%s): the answer is not a chat completion: %w", j.Model, err)
	}
	if len(cr.Choices) == 0 {
		return false, "", fmt.Errorf("judge (%s): the answer has no choices", j.Model)
	}
	m := cr.Choices[0].Message
	if m.Refusal != "" {
		return false, "", fmt.Errorf("judge (%s) refused: %s", j.Model, m.Refusal)
	}
	var v struct {
		Pass   *bool  `json:"pass"`
		Reason string `json:"reason"`
	}
	if err := json.Unmarshal([]byte(m.Content), &v); err != nil || v.Pass == nil {
		return false, "", fmt.Errorf("judge (%s): want a JSON verdict {pass, reason}, got %q", j.Model, clipText(m.Content, 200))
	}
	return *v.Pass, v.Reason, nil
}

// reasoningModel reports whether model is one of the reasoning families, which
// reject a temperature other than the default.
func reasoningModel(model string) bool {
	for _, p := range []string{"o1", "o3", "o4", "gpt-5"} {
		if strings.HasPrefix(model, p) {
			return true
		}
	}
	return false
}

func clipText(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
