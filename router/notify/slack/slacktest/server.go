package slacktest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alertgate/alertgate/internal/memhttp"
)

// webhookPath is where the incoming webhook is served. Its last element
// stands for the secret part of a real webhook URL.
const webhookPath = "/services/T00000000/B00000000/fakewebhooksecret"

// Server is a fake Slack. It is safe for concurrent use.
type Server struct {
	srv   *httptest.Server
	token string

	mu       sync.Mutex
	channels []*channel          // in creation order
	byName   map[string]*channel // by name without "#", and by ID
	messages map[string]*message // by channel ID + "/" + ts
	webhook  []*message
	calls    []Call
	failures []failure
	tsBase   int64
	tsSeq    int64
}

type channel struct {
	id, name string
	top      []*message
}

type message struct {
	channel, ts, threadTS, text string
	blocks                      json.RawMessage
	edits                       int
	replies                     []*message
}

// failure is an injected answer for one request.
type failure struct {
	status     int
	retryAfter string
	code       string
}

// New starts a fake Slack that accepts token as the bot token and has
// the given channels (names such as "#alerts" or "alerts"; each gets an
// ID like C00000001). It is closed when the test ends.
func New(t testing.TB, token string, channels ...string) *Server {
	t.Helper()
	s := &Server{
		token:    token,
		byName:   map[string]*channel{},
		messages: map[string]*message{},
		tsBase:   time.Now().Unix(),
	}
	for i, name := range channels {
		c := &channel{id: fmt.Sprintf("C%08d", i+1), name: strings.TrimPrefix(name, "#")}
		s.channels = append(s.channels, c)
		s.byName[c.name] = c
		s.byName[c.id] = c
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/chat.postMessage", s.serveAPI(s.postMessage))
	mux.HandleFunc("POST /api/chat.update", s.serveAPI(s.update))
	mux.HandleFunc("/api/", s.serveAPI(func(*request) answer { return fail("unknown_method") }))
	mux.HandleFunc("POST "+webhookPath, s.serveWebhook)
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	return s
}

// APIURL is the Web API base URL, with the trailing slash slack-go
// expects.
func (s *Server) APIURL() string { return s.srv.URL + "/api/" }

// WebhookURL is the incoming webhook's URL.
func (s *Server) WebhookURL() string { return s.srv.URL + webhookPath }

// Client returns an HTTP client that reaches the server in memory,
// without the network, so that a notifier under test can run in a
// testing/synctest bubble. The server's URLs work over the network too.
func (s *Server) Client() *http.Client { return memhttp.Client(s.srv.URL, s.srv.Config.Handler) }

// ChannelID returns the ID of a channel given by name or ID, or "".
func (s *Server) ChannelID(channel string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.channel(channel); c != nil {
		return c.id
	}
	return ""
}

// FailNext makes the next n requests (to any method or the webhook) fail
// with HTTP status; retryAfter, when not empty, is sent as the
// Retry-After header. A 429 carries Slack's "ratelimited" body, other
// statuses an HTML page as Slack's load balancers send.
func (s *Server) FailNext(n int, status int, retryAfter string) {
	s.addFailures(n, failure{status: status, retryAfter: retryAfter})
}

// FailNextWith makes the next n requests fail with the Slack error code
// (such as "channel_not_found"): HTTP 200 with {"ok":false,"error":code}
// from the Web API, or the status and plain-text code an incoming webhook
// answers with.
func (s *Server) FailNextWith(n int, slackError string) {
	s.addFailures(n, failure{status: http.StatusOK, code: slackError})
}

func (s *Server) addFailures(n int, f failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.failures = append(s.failures, f)
	}
}

// nextFailure pops the next injected failure; the caller holds mu.
func (s *Server) nextFailure() (failure, bool) {
	if len(s.failures) == 0 {
		return failure{}, false
	}
	f := s.failures[0]
	s.failures = s.failures[1:]
	return f, true
}

// channel finds a channel by ID, name or #name; the caller holds mu.
func (s *Server) channel(nameOrID string) *channel {
	return s.byName[strings.TrimPrefix(nameOrID, "#")]
}

// newTS assigns the next message timestamp; the caller holds mu. Like
// Slack's, timestamps are seconds and microseconds, unique per channel,
// and increase.
func (s *Server) newTS() string {
	s.tsSeq++
	return fmt.Sprintf("%d.%06d", s.tsBase+s.tsSeq/1_000_000, s.tsSeq%1_000_000)
}
