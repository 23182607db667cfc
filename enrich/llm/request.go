package llm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	openai "github.com/sashabaranov/go-openai"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/config"
)

// maxResponseBytes bounds what is read of an answer: a summary is a few
// hundred bytes, and a misbehaving server must not exhaust memory.
const maxResponseBytes = 1 << 20

// temperature keeps summaries factual and stable between calls.
const temperature = 0.2

// newClient builds the go-openai client in plain OpenAI mode, which every
// OpenAI-compatible server (and Azure OpenAI's v1 endpoint) speaks:
// POST {BaseURL}/chat/completions with a bearer token.
func newClient(cfg Config) *openai.Client {
	cc := openai.DefaultConfig(cfg.APIKey.Reveal())
	cc.BaseURL = cfg.BaseURL
	cc.HTTPClient = limitedDoer{cfg.HTTPClient}
	return openai.NewClientWithConfig(cc)
}

// limitedDoer caps the response body go-openai reads.
type limitedDoer struct{ c *http.Client }

func (d limitedDoer) Do(req *http.Request) (*http.Response, error) {
	resp, err := d.c.Do(req)
	if err != nil {
		return nil, err
	}
	resp.Body = limitedBody{io.LimitReader(resp.Body, maxResponseBytes), resp.Body}
	return resp, nil
}

type limitedBody struct {
	io.Reader
	io.Closer
}

// chatRequest builds the request. max_tokens is what every
// OpenAI-compatible server understands; OpenAI's reasoning models reject
// it (and a temperature) and take max_completion_tokens instead, which
// go-openai's own validator tells us.
func chatRequest(model string, maxTokens int, system, user string) (openai.ChatCompletionRequest, error) {
	req := openai.ChatCompletionRequest{
		Model: model,
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: system},
			{Role: openai.ChatMessageRoleUser, Content: user},
		},
		MaxTokens:   maxTokens,
		Temperature: temperature,
	}
	if openai.NewReasoningValidator().Validate(req) == nil {
		return req, nil
	}
	req.MaxTokens, req.MaxCompletionTokens, req.Temperature = 0, maxTokens, 0
	if err := openai.NewReasoningValidator().Validate(req); err != nil {
		return req, fmt.Errorf("model %q: %w", model, err)
	}
	return req, nil
}

// complete sends the request and returns the first choice's text.
func complete(ctx context.Context, c *openai.Client, req openai.ChatCompletionRequest, key config.Secret) (string, error) {
	resp, err := c.CreateChatCompletion(ctx, req)
	if err != nil {
		return "", describe(err, key)
	}
	if len(resp.Choices) == 0 {
		return "", errors.New("chat completion: no choices in the answer")
	}
	return resp.Choices[0].Message.Content, nil
}

// StatusError is returned when the API answered with an HTTP error (429
// when rate limited, 5xx when failing, 4xx for a bad key or model).
type StatusError struct {
	// StatusCode is the HTTP status code.
	StatusCode int
	// Message is the server's error message, shortened.
	Message string
	// Err is the go-openai *APIError or *RequestError.
	Err error
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("chat completion: HTTP %d: %s", e.StatusCode, e.Message)
}

// Unwrap returns the go-openai error.
func (e *StatusError) Unwrap() error { return e.Err }

// describe turns go-openai's errors into a StatusError where the server
// answered, and wraps transport and context errors. A server that echoes
// the API key in its error message does not get it into our logs.
func describe(err error, key config.Secret) error {
	var apiErr *openai.APIError
	if errors.As(err, &apiErr) && apiErr.HTTPStatusCode > 0 {
		return &StatusError{StatusCode: apiErr.HTTPStatusCode, Message: clip(apiErr.Message, key), Err: err}
	}
	var reqErr *openai.RequestError
	if errors.As(err, &reqErr) && reqErr.HTTPStatusCode > 0 {
		// The body may be a proxy's HTML error page: keep a little of it.
		return &StatusError{StatusCode: reqErr.HTTPStatusCode, Message: clip(reqErr.HTTPStatus+": "+string(reqErr.Body), key), Err: err}
	}
	return fmt.Errorf("chat completion: %w", err)
}

// clip redacts the key from a server's message, then shortens it.
func clip(msg string, key config.Secret) string {
	if key.IsSet() {
		msg = strings.ReplaceAll(msg, key.Reveal(), key.String())
	}
	return alert.Truncate(strings.Join(strings.Fields(msg), " "), 200)
}
