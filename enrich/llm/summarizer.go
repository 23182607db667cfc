package llm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	openai "github.com/sashabaranov/go-openai"
	"golang.org/x/sync/singleflight"

	"github.com/alertgate/alertgate/router/notify"
)

// Cache is implemented by alertgate's stores (memory and Redis): a byte
// cache with a TTL. Entries are an optimization; an error is treated as a
// miss.
type Cache interface {
	CacheGet(ctx context.Context, now time.Time, key string) ([]byte, bool, error)
	CacheSet(ctx context.Context, now time.Time, key string, value []byte, ttl time.Duration) error
}

// History is what alertgate knows of the incident's past, for the model
// to judge whether this is new, recurring or flapping.
type History struct {
	// FiredLast7d is how often the incident fired in the last 7 days.
	FiredLast7d int
	// Flapping is true while the incident's alerts flap.
	Flapping bool
	// PreviousIncidents is how many earlier incidents had the same key.
	PreviousIncidents int
}

// ErrBudget is returned, without a request, when this replica already sent
// BudgetPerMinute requests in the last minute.
var ErrBudget = errors.New("llm: per-minute budget exhausted")

// cacheWriteTimeout bounds storing a summary once it is written.
const cacheWriteTimeout = time.Second

// Summarizer writes incident summaries with an LLM. It is safe for
// concurrent use.
type Summarizer struct {
	cfg    Config
	cfgErr error
	cache  Cache
	log    *slog.Logger
	client *openai.Client
	system string
	sem    chan struct{}
	budget *budget
	flying singleflight.Group

	calls, cacheHits, errs atomic.Uint64
}

// New returns a Summarizer. The caller builds one only when an LLM is
// configured; an invalid cfg (see Config.Validate) yields a Summarizer
// whose every Summarize returns the validation error, so a
// misconfiguration degrades to the fallback summary instead of failing
// startup of the paging path. cache may be nil (no caching); logger may be
// nil.
func New(cfg Config, cache Cache, logger *slog.Logger) *Summarizer {
	cfg = cfg.WithDefaults()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Summarizer{
		cfg:    cfg,
		cfgErr: cfg.Validate(),
		cache:  cache,
		log:    logger,
		client: newClient(cfg),
		system: systemPrompt(cfg.Language),
		sem:    make(chan struct{}, cfg.Concurrency),
		budget: newBudget(cfg.BudgetPerMinute, time.Minute, cfg.Now),
	}
}

// Stats reports how many requests were sent to the LLM, how many
// Summarize calls were answered without a request of their own (from the
// cache, or by joining an identical request in flight), and how many
// Summarize calls returned an error.
func (s *Summarizer) Stats() (calls, cacheHits, errors uint64) {
	return s.calls.Load(), s.cacheHits.Load(), s.errs.Load()
}

// Summarize returns 2–4 sentences for the notification, from the cache
// when the same incident content was summarized before. It honours ctx's
// deadline and its own Timeout, whichever is sooner; on any failure it
// returns an error and the caller uses its fallback.
//
// A request that outlives its caller's deadline is not cancelled: it
// finishes within Timeout of its start and its answer is cached, so the
// next notification of the incident (or its twin to another target) gets
// it.
func (s *Summarizer) Summarize(ctx context.Context, n *notify.Notification, h History) (string, error) {
	out, hit, err := s.summarize(ctx, n, h)
	switch {
	case err != nil:
		s.errs.Add(1)
		return "", err
	case hit:
		s.cacheHits.Add(1)
	}
	return out, nil
}

func (s *Summarizer) summarize(ctx context.Context, n *notify.Notification, h History) (string, bool, error) {
	if s.cfgErr != nil {
		return "", false, s.cfgErr
	}
	if n == nil {
		return "", false, errors.New("llm summary: nil notification")
	}
	if err := ctx.Err(); err != nil {
		return "", false, fmt.Errorf("llm summary for incident %s: %w", n.Incident, err)
	}
	deadline := time.Now().Add(s.cfg.Timeout)
	wctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()

	allowed := allowedURLs(n)
	key := cacheKey(s.cfg.Model, s.cfg.Language, n, allowed)
	if out, ok := s.cached(wctx, key); ok {
		return out, true, nil
	}
	req, err := s.request(n, h)
	if err != nil {
		return "", false, fmt.Errorf("llm summary for incident %s: %w", n.Incident, err)
	}
	// The request runs under a context detached from the caller's
	// cancellation, so that a follower with a later deadline is not failed
	// by a leader with an earlier one, and its answer is cached even when
	// every caller has given up.
	me := new(byte)
	incident := n.Incident
	ch := s.flying.DoChan(key, func() (any, error) {
		fctx, cancel := context.WithDeadline(context.WithoutCancel(ctx), deadline)
		defer cancel()
		return s.run(fctx, me, key, req, allowed, incident)
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return "", false, fmt.Errorf("llm summary for incident %s: %w", n.Incident, r.Err)
		}
		f := r.Val.(flight)
		return f.out, f.leader != me || f.fromCache, nil
	case <-wctx.Done():
		return "", false, fmt.Errorf("llm summary for incident %s: %w", n.Incident, wctx.Err())
	}
}

// flight is the answer of one request, shared by every caller that asked
// for the same key while it ran.
type flight struct {
	out       string
	fromCache bool
	// leader identifies the caller whose request it was.
	leader *byte
}

func (s *Summarizer) request(n *notify.Notification, h History) (openai.ChatCompletionRequest, error) {
	user, err := userPrompt(n, h)
	if err != nil {
		return openai.ChatCompletionRequest{}, err
	}
	return chatRequest(s.cfg.Model, s.cfg.MaxTokens, s.system, user)
}

// run completes one flight: a last cache check (a flight for the same key
// may have finished since the caller's lookup), the request, then the
// cache write. Callers get the answer once it is cached, so none can
// miss both the flight and the cache; a failure is shared only by those
// already waiting, and the next caller tries again.
func (s *Summarizer) run(ctx context.Context, leader *byte, key string, req openai.ChatCompletionRequest, allowed []string, incident string) (flight, error) {
	if out, ok := s.cached(ctx, key); ok {
		return flight{out: out, fromCache: true, leader: leader}, nil
	}
	out, err := s.generate(ctx, req, allowed)
	if err != nil {
		s.logFailure(incident, err)
		return flight{}, err
	}
	s.store(ctx, key, out)
	return flight{out: out, leader: leader}, nil
}

// generate sends the request within the concurrency limit and the budget,
// and sanitizes the answer.
func (s *Summarizer) generate(ctx context.Context, req openai.ChatCompletionRequest, allowed []string) (string, error) {
	select {
	case s.sem <- struct{}{}:
		defer func() { <-s.sem }()
	case <-ctx.Done():
		return "", fmt.Errorf("waiting for a request slot: %w", ctx.Err())
	}
	if !s.budget.allow() {
		return "", ErrBudget
	}
	s.calls.Add(1)
	raw, err := complete(ctx, s.client, req, s.cfg.APIKey)
	if err != nil {
		return "", err
	}
	out := Sanitize(raw, allowed)
	if out == "" {
		return "", errors.New("chat completion: empty answer after sanitizing")
	}
	return out, nil
}

func (s *Summarizer) cached(ctx context.Context, key string) (string, bool) {
	if s.cache == nil {
		return "", false
	}
	b, ok, err := s.cache.CacheGet(ctx, s.cfg.Now(), key)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("llm summary cache read failed", "key", key, "err", err)
		}
		return "", false
	}
	return string(b), ok && len(b) > 0
}

func (s *Summarizer) store(ctx context.Context, key, out string) {
	if s.cache == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cacheWriteTimeout)
	defer cancel()
	if err := s.cache.CacheSet(ctx, s.cfg.Now(), key, []byte(out), s.cfg.CacheTTL); err != nil {
		s.log.Warn("llm summary cache write failed", "key", key, "err", err)
	}
}

// logFailure logs at debug level for a spent budget, which is expected in
// a storm and would otherwise flood the log.
func (s *Summarizer) logFailure(incident string, err error) {
	level := slog.LevelWarn
	if errors.Is(err, ErrBudget) {
		level = slog.LevelDebug
	}
	s.log.Log(context.Background(), level, "llm summary failed, the fallback is used", "incident", incident, "model", s.cfg.Model, "err", err)
}
