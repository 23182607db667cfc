package incident

import (
	"strconv"
	"time"

	"github.com/alertgate/alertgate/alert"
)

// CorrelationPolicy says how alerts of one service form one incident.
type CorrelationPolicy struct {
	// Window is how recently a dependent service's incident must have had
	// a new alert for an alert of its dependency to join it.
	Window time.Duration
	// Cooldown is how long after resolving an incident a new alert of its
	// service reopens it instead of starting another.
	Cooldown time.Duration
	// MaxMembers caps an incident; further alerts start a new one.
	MaxMembers int
	// MaxAge is how long after it opened an incident takes new alerts;
	// an alert of its service after that starts a new one, so that a new
	// problem is not buried in one that has fired for hours. Zero means
	// forever.
	MaxAge time.Duration
}

// Correlation is the incident an alert belongs to, and why.
type Correlation struct {
	// Key identifies the incident occurrence across replicas.
	Key string `json:"key"`
	// Service is the incident's service (the dependent's, when the alert
	// joined through a dependency).
	Service string `json:"service"`
	// Reason says why: new, same service, reopened, dependency of <svc>,
	// overflow.
	Reason string `json:"reason"`
}

// Correlation reasons.
const (
	JoinNew        = "new incident"
	JoinSame       = "same service"
	JoinReopened   = "reopened within the cool-down"
	JoinDependency = "dependency of "
	// JoinCause: the alert's service depends on the incident's, whose
	// incident opened first: the cause absorbs its effect.
	JoinCause    = "effect of "
	JoinOverflow = "previous incident full"
	// JoinAged: the service's incident is past its max age.
	JoinAged   = "previous incident too old"
	JoinMember = "already a member"
)

// CorrelatedKey names a new incident of a service, opened at now by the
// alert first.
func CorrelatedKey(service string, now time.Time, first alert.Fingerprint) string {
	return "svc-" + string(alert.NewFingerprint("correlate", service, strconv.FormatInt(now.UnixNano(), 36), string(first)))
}
