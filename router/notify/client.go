package notify

import (
	"log/slog"
	"net/http"
	"time"
)

// Client is what the integrations that alertgate added for Teams, email,
// Opsgenie and webhooks share: how they send, how fast, where they log
// and what time it is.
type Client struct {
	// HTTPClient sends the requests; nil means a client with a 10 s
	// timeout.
	HTTPClient *http.Client
	// PerTargetRate is the requests per second to one receiver's target;
	// 0 means the integration's default.
	PerTargetRate float64
	// Logger receives warnings; nil discards them.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// WithDefaults fills what c leaves out; rate is the integration's
// default pace.
func (c Client) WithDefaults(rate float64) Client {
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if c.PerTargetRate <= 0 {
		c.PerTargetRate = rate
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Pacer paces each target to c's rate, in bursts of at most one second's
// worth.
func (c Client) Pacer() *Pacer { return NewPacer(c.PerTargetRate, max(1, int(c.PerTargetRate)), c.Now) }
