package llm

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/alertgate/alertgate/config"
)

// Defaults applied by Config.WithDefaults.
const (
	DefaultTimeout         = 4 * time.Second
	DefaultMaxTokens       = 300
	DefaultConcurrency     = 4
	DefaultLanguage        = LanguageEnglish
	DefaultBudgetPerMinute = 30
	DefaultCacheTTL        = 6 * time.Hour
)

// The languages a summary can be written in.
const (
	LanguageEnglish  = "en"
	LanguageJapanese = "ja"
)

// Config configures a Summarizer. Zero fields take the defaults above.
type Config struct {
	// BaseURL is the API root the chat completions path is appended to:
	// https://api.openai.com/v1, http://localhost:8000/v1, or Azure
	// OpenAI's OpenAI-compatible https://RESOURCE.openai.azure.com/openai/v1
	// (where Model is the deployment name).
	BaseURL string
	// Model is the model (or Azure deployment) name sent with each request.
	Model string
	// APIKey is sent as a bearer token; it may be empty for local servers.
	// It is never logged.
	APIKey config.Secret
	// Timeout bounds one summary, from the cache lookup to the answer.
	Timeout time.Duration
	// MaxTokens caps the length of the answer the model may generate.
	MaxTokens int
	// Concurrency is how many requests may be in flight at once.
	Concurrency int
	// Language is "en" or "ja".
	Language string
	// BudgetPerMinute is how many requests this replica may send in any
	// 60-second window.
	BudgetPerMinute int
	// CacheTTL is how long a summary is reused for the same content.
	CacheTTL time.Duration
	// HTTPClient sends the requests; nil means a client without its own
	// timeout (the context carries the deadline).
	HTTPClient *http.Client
	// Now reads the clock for the budget and the cache; nil means
	// time.Now.
	Now func() time.Time
}

// WithDefaults returns c with zero fields set to their defaults.
func (c Config) WithDefaults() Config {
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.MaxTokens <= 0 {
		c.MaxTokens = DefaultMaxTokens
	}
	if c.Concurrency <= 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.Language == "" {
		c.Language = DefaultLanguage
	}
	if c.BudgetPerMinute <= 0 {
		c.BudgetPerMinute = DefaultBudgetPerMinute
	}
	if c.CacheTTL <= 0 {
		c.CacheTTL = DefaultCacheTTL
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// ErrConfig is wrapped by every error Validate returns.
var ErrConfig = errors.New("llm: invalid configuration")

// Validate reports the first invalid field, naming it. The configuration
// loader calls it; New accepts an invalid Config but then every Summarize
// returns the validation error, so the caller falls back.
func (c Config) Validate() error {
	u, err := url.Parse(c.BaseURL)
	switch {
	case c.BaseURL == "":
		return fmt.Errorf("%w: base_url must be set", ErrConfig)
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return fmt.Errorf("%w: base_url is not an absolute http(s) URL", ErrConfig)
	case c.Model == "":
		return fmt.Errorf("%w: model must be set", ErrConfig)
	case c.Language != "" && c.Language != LanguageEnglish && c.Language != LanguageJapanese:
		return fmt.Errorf("%w: language must be en or ja, got %q", ErrConfig, c.Language)
	}
	return nil
}
