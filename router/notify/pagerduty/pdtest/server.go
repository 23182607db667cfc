package pdtest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"

	"github.com/alertgate/alertgate/internal/memhttp"
)

// Alert states, as Incident reports them.
const (
	StateTriggered    = "triggered"
	StateAcknowledged = "acknowledged"
	StateResolved     = "resolved"
)

// Event is one event the fake accepted (answered 202), decoded.
type Event struct {
	RoutingKey string   `json:"routing_key"`
	Action     string   `json:"event_action"`
	DedupKey   string   `json:"dedup_key,omitempty"`
	Client     string   `json:"client,omitempty"`
	ClientURL  string   `json:"client_url,omitempty"`
	Payload    *Payload `json:"payload,omitempty"`
	Links      []Link   `json:"links,omitempty"`
	Images     []Image  `json:"images,omitempty"`
	// Size is the length of the request body in bytes.
	Size int `json:"-"`
	// Dropped is true for an acknowledge or resolve that found no open
	// alert for its routing key and dedup key: PagerDuty accepts it and
	// does nothing.
	Dropped bool `json:"-"`
}

// Payload is the payload of a trigger event.
type Payload struct {
	Summary       string         `json:"summary"`
	Source        string         `json:"source"`
	Severity      string         `json:"severity"`
	Timestamp     string         `json:"timestamp,omitempty"`
	Component     string         `json:"component,omitempty"`
	Group         string         `json:"group,omitempty"`
	Class         string         `json:"class,omitempty"`
	CustomDetails map[string]any `json:"custom_details,omitempty"`
}

// Link is a link attached to an alert.
type Link struct {
	Href string `json:"href"`
	Text string `json:"text,omitempty"`
}

// Image is an image attached to an alert.
type Image struct {
	Src  string `json:"src"`
	Href string `json:"href,omitempty"`
	Alt  string `json:"alt,omitempty"`
}

// Server is a fake Events API v2. Its methods are safe for concurrent use.
type Server struct {
	srv *httptest.Server

	mu        sync.Mutex
	requests  int
	events    []Event
	alerts    map[alertKey]string
	lastState map[string]string
	valid     map[string]bool
	fail      failure
}

// alertKey identifies an alert: PagerDuty applies an acknowledge or
// resolve only when it arrives through the routing key that triggered it.
type alertKey struct{ routingKey, dedupKey string }

type failure struct {
	n          int
	status     int
	retryAfter string
}

// New starts a fake Events API that is closed when the test ends.
func New(t testing.TB) *Server {
	s := &Server{alerts: map[alertKey]string{}, lastState: map[string]string{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	t.Cleanup(s.srv.Close)
	return s
}

// URL returns the API base URL; events go to URL() + "/v2/enqueue".
func (s *Server) URL() string { return s.srv.URL }

// Client returns an HTTP client that reaches the server in memory,
// without the network, so that a notifier under test can run in a
// testing/synctest bubble.
func (s *Server) Client() *http.Client { return memhttp.Client(s.srv.URL, s.srv.Config.Handler) }

// Events returns the accepted events in the order they arrived.
func (s *Server) Events() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.events)
}

// Requests returns how many requests arrived, accepted or not.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// FailNext answers the next n requests with status, before looking at
// them, with a Retry-After header when retryAfter is not empty.
func (s *Server) FailNext(n, status int, retryAfter string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = failure{n: n, status: status, retryAfter: retryAfter}
}

// ValidRoutingKeys restricts the integrations that exist; events for any
// other well-formed key get PagerDuty's 400 "Invalid routing key". Until
// it is called, every well-formed key is accepted.
func (s *Server) ValidRoutingKeys(keys ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.valid = make(map[string]bool, len(keys))
	for _, k := range keys {
		s.valid[k] = true
	}
}

// Incident returns the state of the alert last touched with dedupKey
// (StateTriggered, StateAcknowledged or StateResolved), or "" if no event
// ever opened one.
func (s *Server) Incident(dedupKey string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastState[dedupKey]
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if f, ok := s.nextFailure(); ok {
		writeFailure(w, f)
		return
	}
	switch {
	case r.URL.Path != "/v2/enqueue":
		http.NotFound(w, r)
		return
	case r.Method != http.MethodPost:
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	ev, rej := decode(r)
	if rej != nil {
		writeJSON(w, http.StatusBadRequest, rej)
		return
	}
	if !s.known(ev.RoutingKey) {
		writeJSON(w, http.StatusBadRequest, invalid("Invalid routing key"))
		return
	}
	if ev.Action == actionTrigger && ev.DedupKey == "" {
		ev.DedupKey = newDedupKey()
	}
	s.apply(ev)
	writeJSON(w, http.StatusAccepted, response{Status: "success", Message: "Event processed", DedupKey: ev.DedupKey})
}

// nextFailure counts the request and consumes one injected failure.
func (s *Server) nextFailure() (failure, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	if s.fail.n <= 0 {
		return failure{}, false
	}
	s.fail.n--
	return s.fail, true
}

func (s *Server) known(routingKey string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.valid == nil || s.valid[routingKey]
}

// apply records ev and moves its alert as PagerDuty documents: a trigger
// opens an alert unless one is open (an acknowledged alert stays
// acknowledged); acknowledge and resolve change an open alert and are
// dropped otherwise; a trigger after a resolve opens a new alert.
func (s *Server) apply(ev Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := alertKey{ev.RoutingKey, ev.DedupKey}
	cur := s.alerts[k]
	open := cur == StateTriggered || cur == StateAcknowledged
	next := cur
	switch ev.Action {
	case actionTrigger:
		if !open {
			next = StateTriggered
		}
	case actionAcknowledge:
		ev.Dropped = !open
		if open {
			next = StateAcknowledged
		}
	case actionResolve:
		ev.Dropped = !open
		if open {
			next = StateResolved
		}
	}
	if next != "" {
		s.alerts[k] = next
		s.lastState[ev.DedupKey] = next
	}
	s.events = append(s.events, ev)
}

// response is the body of every JSON answer: success and error alike.
type response struct {
	Status   string   `json:"status"`
	Message  string   `json:"message"`
	DedupKey string   `json:"dedup_key,omitempty"`
	Errors   []string `json:"errors,omitempty"`
}

func invalid(errs ...string) *response {
	return &response{Status: "invalid event", Message: "Event object is invalid", Errors: errs}
}

func unrecognized(reason string) *response {
	return &response{Status: "Unrecognized object", Message: "Event object format is unrecognized", Errors: []string{reason}}
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// writeFailure answers like PagerDuty: 429 with a plain-text body, 5xx
// with the documented error object.
func writeFailure(w http.ResponseWriter, f failure) {
	if f.retryAfter != "" {
		w.Header().Set("Retry-After", f.retryAfter)
	}
	switch {
	case f.status == http.StatusTooManyRequests:
		http.Error(w, "Request Limit Exceeded", f.status)
	case f.status >= 500:
		writeJSON(w, f.status, response{Status: "Internal Server Error", Message: "The server experienced an error while processing the event"})
	default:
		w.WriteHeader(f.status)
	}
}

func newDedupKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
