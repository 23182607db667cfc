package opsgenie

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/router/notify"
)

// fake is the Alert API v2 as its documentation describes it: GenieKey
// authorization, field limits, 202 with a requestId, alerts kept by
// alias with their state.
type fake struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	alerts map[string]*state
	status int
}

type state struct {
	status  string // open, acked, closed
	count   int
	message string
	notes   []string
	body    map[string]any
}

var actionPath = regexp.MustCompile(`^/v2/alerts/([^/]+)/(close|acknowledge|notes)$`)

func newFake(t *testing.T) *fake {
	f := &fake{t: t, alerts: map[string]*state{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fake) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.status != 0 {
		w.Header().Set("Retry-After", "3")
		w.WriteHeader(f.status)
		_, _ = w.Write([]byte(`{"message":"Request throttled or invalid","took":0.0,"requestId":"x"}`))
		return
	}
	if r.Header.Get("Authorization") != "GenieKey key-123" {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"message":"Key format is not valid!","took":0.0,"requestId":"x"}`))
		return
	}
	body, _ := io.ReadAll(r.Body)
	var b map[string]any
	if r.Method != http.MethodPost || json.Unmarshal(body, &b) != nil {
		f.t.Errorf("%s %s with %s", r.Method, r.URL, body)
	}
	switch m := actionPath.FindStringSubmatch(r.URL.Path); {
	case r.URL.Path == "/v2/alerts":
		f.create(b)
	case m != nil:
		if r.URL.Query().Get("identifierType") != "alias" {
			f.t.Errorf("%s without identifierType=alias", r.URL)
		}
		a := f.alerts[m[1]]
		if a == nil {
			f.t.Errorf("%s on unknown alias %q", m[2], m[1])
			break
		}
		switch m[2] {
		case "close":
			a.status = "closed"
		case "acknowledge":
			a.status = "acked"
		case "notes":
			a.notes = append(a.notes, b["note"].(string))
		}
	default:
		w.WriteHeader(http.StatusNotFound)
		return
	}
	w.WriteHeader(http.StatusAccepted)
	_, _ = w.Write([]byte(`{"result":"Request will be processed","took":0.302,"requestId":"43a29c5c-3dbf-4fa4-9c26-f4f71023e120"}`))
}

func (f *fake) create(b map[string]any) {
	msg, _ := b["message"].(string)
	alias, _ := b["alias"].(string)
	if msg == "" || len([]rune(msg)) > 130 || alias == "" || len(alias) > 512 {
		f.t.Errorf("message %q alias %q out of limits", msg, alias)
	}
	if p := b["priority"]; p != nil && !regexp.MustCompile(`^P[1-5]$`).MatchString(p.(string)) {
		f.t.Errorf("priority %v", p)
	}
	if tags, _ := b["tags"].([]any); len(tags) > 20 {
		f.t.Errorf("%d tags", len(tags))
	}
	size := 0
	for k, v := range b["details"].(map[string]any) {
		size += len(k) + len(v.(string))
	}
	if size > 8000 {
		f.t.Errorf("details of %d characters", size)
	}
	a := f.alerts[alias]
	if a == nil || a.status == "closed" {
		a = &state{status: "open", message: msg, body: b}
		f.alerts[alias] = a
	}
	a.count++
}

func notifier(f *fake, t config.OpsgenieTarget) *Notifier {
	return New(Config{APIURL: f.srv.URL, APIKey: "key-123", Client: notify.Client{PerTargetRate: 1000},
		Target: func(string) (config.OpsgenieTarget, bool) { return t, true }})
}

func note(kind notify.Kind) *notify.Notification {
	n := &notify.Notification{Incident: "g1", IncidentID: "g1-abc", Kind: kind, Status: alert.StatusFiring, Severity: alert.SeverityCritical,
		Title: strings.Repeat("Checkout failing ", 20), Target: notify.Target{Type: config.TargetOpsgenie, Receiver: "team"}, AckedBy: "Sato",
		GroupLabels: map[string]string{"service": "checkout", "big": strings.Repeat("x", 9000)}}
	for range 3 {
		n.Members = append(n.Members, notify.Member{Alert: alert.Alert{Name: "CheckoutErrors", Status: alert.StatusFiring, Labels: map[string]string{"alertname": "CheckoutErrors"}}})
	}
	return n
}

func TestNotify_IncidentLifecycleIsOneAlert(t *testing.T) {
	f := newFake(t)
	n := notifier(f, config.OpsgenieTarget{Responders: []config.OpsgenieResponder{{Type: "team", Name: "platform"}}, Tags: []string{"prod"}})
	for _, k := range []notify.Kind{notify.KindTrigger, notify.KindUpdate, notify.KindRepeat, notify.KindAcknowledge} {
		if err := n.Notify(t.Context(), note(k)); err != nil {
			t.Fatalf("%s: %v", k, err)
		}
	}
	a := f.alerts["g1-abc"]
	if a == nil || a.status != "acked" || a.count != 3 || len(a.notes) != 1 {
		t.Fatalf("alert = %+v, want one acknowledged alert created 3 times with a note", a)
	}
	if a.body["priority"] != "P1" || a.body["entity"] != "checkout" || a.body["responders"].([]any)[0].(map[string]any)["name"] != "platform" {
		t.Errorf("create body %v", a.body)
	}
	if err := n.Notify(t.Context(), note(notify.KindResolve)); err != nil || a.status != "closed" {
		t.Errorf("resolve: %v, status %s", err, a.status)
	}
}

func TestNotify_ClassifiesAnswers(t *testing.T) {
	for _, tt := range []struct {
		status    int
		key       config.Secret
		permanent bool
		after     time.Duration
	}{
		{http.StatusTooManyRequests, "key-123", false, 3 * time.Second},
		{http.StatusUnprocessableEntity, "key-123", true, 0},
		{http.StatusServiceUnavailable, "key-123", false, 0},
		{0, "wrong-key", true, 0},
	} {
		f := newFake(t)
		f.status = tt.status
		n := notifier(f, config.OpsgenieTarget{APIKey: tt.key})
		err := n.Notify(t.Context(), note(notify.KindTrigger))
		var ne *notify.Error
		classified := errors.As(err, &ne)
		if err == nil || classified != (tt.permanent || tt.after > 0) || classified && (ne.Permanent != tt.permanent || ne.RetryAfter != tt.after) {
			t.Errorf("%d: %v", tt.status, err)
		}
		if err != nil && strings.Contains(err.Error(), string(tt.key)) {
			t.Errorf("error reveals the key: %v", err)
		}
	}
}
