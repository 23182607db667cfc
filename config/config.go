package config

import (
	"time"

	amcommon "github.com/prometheus/alertmanager/config/common"
	"github.com/prometheus/alertmanager/timeinterval"
	"github.com/prometheus/common/model"
)

// Config is the whole alertgate configuration file.
type Config struct {
	Server    Server     `yaml:"server"`
	Sources   Sources    `yaml:"sources"`
	Store     Store      `yaml:"store"`
	Dedup     Dedup      `yaml:"dedup"`
	Notify    Notify     `yaml:"notify"`
	Enrich    Enrich     `yaml:"enrich"`
	Receivers []Receiver `yaml:"receivers"`
	Route     *Route     `yaml:"route"`

	TimeIntervals []TimeInterval `yaml:"time_intervals"`
	// MuteTimeIntervals is Alertmanager's older name for time_intervals;
	// both define intervals any route may name.
	MuteTimeIntervals  []TimeInterval         `yaml:"mute_time_intervals"`
	BusinessHours      *BusinessHours         `yaml:"business_hours"`
	InhibitRules       []amcommon.InhibitRule `yaml:"inhibit_rules"`
	MaintenanceWindows []MaintenanceWindow    `yaml:"maintenance_windows"`
	OnCall             []OnCall               `yaml:"oncall"`
	Services           []Service              `yaml:"services"`
	Correlation        Correlation            `yaml:"correlation"`
	Noise              Noise                  `yaml:"noise"`
	// Heartbeats are dead-man's switches: alerts or sources that must
	// keep arriving.
	Heartbeats []Heartbeat `yaml:"heartbeats"`
	// Templates are files of Alertmanager templates (globs, relative to
	// the configuration file) that receivers' template fields may use.
	Templates []string `yaml:"templates"`

	// dir is the directory of the configuration file, for relative paths.
	dir string
}

// Server configures the HTTP listener and its protections.
type Server struct {
	// Listen is the address for the webhook and API endpoints.
	Listen string `yaml:"listen"`
	// OpsListen, if set, serves /metrics, /-/healthy and /-/ready on a
	// separate address (a cluster-internal port) instead of Listen.
	OpsListen string `yaml:"ops_listen"`
	// MaxBodyBytes caps a request body; larger bodies get 413.
	MaxBodyBytes int64 `yaml:"max_body_bytes"`
	// ReadHeaderTimeout bounds slow clients sending headers (slowloris).
	ReadHeaderTimeout model.Duration `yaml:"read_header_timeout"`
	// ReadTimeout bounds reading a whole request.
	ReadTimeout model.Duration `yaml:"read_timeout"`
	// WriteTimeout bounds writing a response.
	WriteTimeout model.Duration `yaml:"write_timeout"`
	// IdleTimeout closes idle keep-alive connections.
	IdleTimeout model.Duration `yaml:"idle_timeout"`
	// ShutdownTimeout is how long SIGTERM waits for in-flight requests and
	// deliveries before exiting.
	ShutdownTimeout model.Duration `yaml:"shutdown_timeout"`
	// AdminToken protects the operator API (silences, incidents, report,
	// reload). Without it that API is disabled.
	AdminToken Secret `yaml:"admin_token"`
	// ExternalURL is where people reach alertgate
	// (https://alertgate.example.com): notifications link to each
	// incident's console page under it, and templates and webhook
	// payloads carry it as externalURL.
	ExternalURL string `yaml:"external_url"`
	// Console configures the web console and who may use it.
	Console Console `yaml:"console"`
}

// Sources configures the webhook endpoints.
type Sources struct {
	Alertmanager WebhookSource    `yaml:"alertmanager"`
	NewRelic     WebhookSource    `yaml:"newrelic"`
	CloudWatch   CloudWatchSource `yaml:"cloudwatch"`
	// EventBridge is the endpoint of EventBridge API destinations; it is
	// off unless configured.
	EventBridge *WebhookSource `yaml:"eventbridge"`
}

// WebhookSource configures a source that authenticates with a bearer token.
type WebhookSource struct {
	// Disabled turns the endpoint off (404).
	Disabled bool `yaml:"disabled"`
	// Token is the bearer token senders must present. An empty token
	// means the endpoint accepts unauthenticated requests, which
	// Validate only allows together with AllowUnauthenticated.
	Token Secret `yaml:"token"`
	// AllowUnauthenticated accepts requests without a token; for local
	// trials only.
	AllowUnauthenticated bool `yaml:"allow_unauthenticated"`
	// MaxAlerts caps alerts per request (413 above).
	MaxAlerts int `yaml:"max_alerts"`
	// HMACSecret accepts requests signed with X-Alertgate-Signature
	// (HMAC-SHA256 over "<unix time>.<body>") instead of the bearer token.
	HMACSecret Secret `yaml:"hmac_secret"`
	// RateLimit paces the source's requests per replica (429 above).
	RateLimit *RateLimit `yaml:"rate_limit"`
}

// Webhooks are the sources that authenticate with a token or an HMAC
// signature, by name: the one list defaults and validation go through.
func (s *Sources) Webhooks() map[string]*WebhookSource {
	w := map[string]*WebhookSource{"alertmanager": &s.Alertmanager, "newrelic": &s.NewRelic}
	if s.EventBridge != nil {
		w["eventbridge"] = s.EventBridge
	}
	return w
}

// EventBridgeEndpoint returns the EventBridge endpoint's settings:
// disabled when sources.eventbridge is not configured.
func (s *Sources) EventBridgeEndpoint() Endpoint {
	if s.EventBridge == nil {
		return Endpoint{Disabled: true}
	}
	return s.EventBridge.Endpoint()
}

// Endpoint is what every source's endpoint has, whatever the source:
// whether it is on, how senders authenticate, how fast they may send.
type Endpoint struct {
	Disabled bool
	// Token is the bearer token senders present; empty for a source that
	// authenticates itself (SNS) or runs unauthenticated.
	Token Secret
	// HMACSecret accepts X-Alertgate-Signature.
	HMACSecret Secret
	RateLimit  *RateLimit
}

// Endpoint returns the webhook source's endpoint settings.
func (w *WebhookSource) Endpoint() Endpoint {
	return Endpoint{Disabled: w.Disabled, Token: w.Token, HMACSecret: w.HMACSecret, RateLimit: w.RateLimit}
}

// Endpoint returns the SNS endpoint's settings: SNS signs its messages,
// so there is no token.
func (c *CloudWatchSource) Endpoint() Endpoint {
	return Endpoint{Disabled: c.Disabled, RateLimit: c.RateLimit}
}

// RateLimit is a token bucket: RequestsPerSecond on average, Burst at
// once. Without rate_limit a source gets a default; with
// requests_per_second 0 it is unlimited.
type RateLimit struct {
	RequestsPerSecond float64 `yaml:"requests_per_second"`
	Burst             int     `yaml:"burst"`
}

// CloudWatchSource configures the SNS endpoint. SNS cannot send a bearer
// token; messages are authenticated by their signature and topic.
type CloudWatchSource struct {
	Disabled bool `yaml:"disabled"`
	// TopicARNs lists the SNS topics whose messages are accepted.
	TopicARNs []string `yaml:"topic_arns"`
	// AutoConfirm confirms subscriptions to allowed topics.
	AutoConfirm bool `yaml:"auto_confirm"`
	// SkipSignatureVerification accepts unsigned sample messages, for
	// local trials only: it is allowed only with notify.dry_run.
	SkipSignatureVerification bool `yaml:"skip_signature_verification"`
	// RateLimit paces SNS requests per replica (429 above; SNS retries).
	RateLimit *RateLimit `yaml:"rate_limit"`
}

// Store selects and configures the state store.
type Store struct {
	// Backend is "memory" (default, single replica) or "redis".
	Backend string `yaml:"backend"`
	// Retention is how long the state of an alert that is no longer seen
	// is kept; it must exceed the longest repeat interval.
	Retention model.Duration `yaml:"retention"`
	// IncidentRetention is how long incidents, timelines and report
	// counters are kept.
	IncidentRetention model.Duration `yaml:"incident_retention"`
	// MaxAlerts bounds the memory store; the least recently seen alerts
	// are forgotten beyond it.
	MaxAlerts int `yaml:"max_alerts"`
	// LeaseTTL is how long a replica may take to flush a group or fire an
	// escalation before another replica takes over (a crashed replica's
	// work is late by at most this much).
	LeaseTTL model.Duration `yaml:"lease_ttl"`
	// Redis configures the redis backend.
	Redis Redis `yaml:"redis"`
}

// Redis says how to reach Redis: exactly one of address, url, sentinel
// and cluster.
type Redis struct {
	Address  string `yaml:"address"`
	URL      Secret `yaml:"url"`
	Username string `yaml:"username"`
	Password Secret `yaml:"password"`
	DB       int    `yaml:"db"`
	// Prefix starts every key alertgate writes, default "alertgate:".
	Prefix string `yaml:"prefix"`
	TLS    struct {
		Enabled            bool   `yaml:"enabled"`
		InsecureSkipVerify bool   `yaml:"insecure_skip_verify"`
		CAFile             string `yaml:"ca_file"`
	} `yaml:"tls"`
	Sentinel struct {
		MasterName string   `yaml:"master_name"`
		Addresses  []string `yaml:"addresses"`
	} `yaml:"sentinel"`
	Cluster struct {
		Addresses []string `yaml:"addresses"`
		// Partitions is how many hash-tag partitions alert and group
		// state is split into, so the cluster's masters share it
		// (default 16; 1 keeps everything on one master).
		Partitions int `yaml:"partitions"`
	} `yaml:"cluster"`
	DialTimeout  model.Duration `yaml:"dial_timeout"`
	ReadTimeout  model.Duration `yaml:"read_timeout"`
	WriteTimeout model.Duration `yaml:"write_timeout"`
	PoolSize     int            `yaml:"pool_size"`
}

// Dedup configures how repeated and flapping alerts are suppressed.
type Dedup struct {
	// RepeatInterval is how long a still-firing alert stays quiet after a
	// notification, unless its route says otherwise.
	RepeatInterval model.Duration `yaml:"repeat_interval"`
	// Flap says when an alert is flapping: Transitions status changes
	// within Window, or LongTransitions within LongWindow (slow
	// flapping); it is then quiet until stable for Quiet (or its longest
	// recent cycle). ResolveHold holds the resolve of an alert that fired
	// for less than that long, so one that flips back is one episode.
	Flap struct {
		Transitions     int            `yaml:"transitions"`
		Window          model.Duration `yaml:"window"`
		Quiet           model.Duration `yaml:"quiet"`
		LongTransitions int            `yaml:"long_transitions"`
		LongWindow      model.Duration `yaml:"long_window"`
		ResolveHold     model.Duration `yaml:"resolve_hold"`
	} `yaml:"flap"`
}

// Enrich configures runbooks and LLM summaries.
type Enrich struct {
	// RunbooksDir holds the runbook YAML files; empty means none.
	RunbooksDir string `yaml:"runbooks_dir"`
	// RunbookBaseURL links runbooks without their own url: base + file
	// name (for example the runbooks directory in the team's git web UI).
	RunbookBaseURL string `yaml:"runbook_base_url"`
	// LLM configures summaries; without a base_url only the deterministic
	// summary is used.
	LLM LLM `yaml:"llm"`
}

// LLM configures an OpenAI-compatible chat completions endpoint.
type LLM struct {
	BaseURL string `yaml:"base_url"`
	Model   string `yaml:"model"`
	APIKey  Secret `yaml:"api_key"`
	// Timeout bounds one summary; past it the fallback is used.
	Timeout   model.Duration `yaml:"timeout"`
	MaxTokens int            `yaml:"max_tokens"`
	// Concurrency bounds simultaneous requests.
	Concurrency int `yaml:"concurrency"`
	// Language is en or ja.
	Language string `yaml:"language"`
	// BudgetPerMinute caps requests per minute per replica.
	BudgetPerMinute int `yaml:"budget_per_minute"`
	// CacheTTL keeps summaries for identical incident content.
	CacheTTL model.Duration `yaml:"cache_ttl"`
}

// Notify configures delivery.
type Notify struct {
	// DryRun logs every notification instead of sending it, and allows
	// receivers without credentials. For trials and CI.
	DryRun    bool            `yaml:"dry_run"`
	PagerDuty PagerDutyNotify `yaml:"pagerduty"`
	Slack     SlackNotify     `yaml:"slack"`
	Webhook   WebhookNotify   `yaml:"webhook"`
	Teams     TeamsNotify     `yaml:"teams"`
	Email     EmailNotify     `yaml:"email"`
	Opsgenie  OpsgenieNotify  `yaml:"opsgenie"`
	Outbox    Outbox          `yaml:"outbox"`
}

// PagerDutyNotify configures the PagerDuty Events API v2 client.
type PagerDutyNotify struct {
	// URL is the Events API base, default https://events.pagerduty.com
	// (EU accounts: https://events.eu.pagerduty.com).
	URL string `yaml:"url"`
	// Timeout bounds one request.
	Timeout model.Duration `yaml:"timeout"`
	// PerKeyRate is the events per second one replica sends to one
	// routing key; PagerDuty accepts about 120 a minute, so the default 1
	// leaves room for two replicas.
	PerKeyRate float64 `yaml:"per_key_rate"`
	// WebhookSecrets verify PagerDuty's webhooks (v3) to
	// /api/v1/pagerduty/webhook; several, so a secret can be rotated.
	// Without any the endpoint is off.
	WebhookSecrets []Secret `yaml:"webhook_secrets"`
}

// SlackNotify configures the Slack Web API client and interactivity.
type SlackNotify struct {
	// APIURL is the Web API base, default https://slack.com/api/.
	APIURL string `yaml:"api_url"`
	// Token is the bot token (xoxb-...) with chat:write.
	Token Secret `yaml:"token"`
	// SigningSecret verifies interactive requests (buttons).
	SigningSecret Secret `yaml:"signing_secret"`
	// Timeout bounds one request.
	Timeout model.Duration `yaml:"timeout"`
	// PerChannelInterval is the minimum time between two messages to one
	// channel; Slack allows about one a second.
	PerChannelInterval model.Duration `yaml:"per_channel_interval"`
}

// Outbox configures delivery retries.
type Outbox struct {
	// Workers is the number of concurrent deliveries per replica.
	Workers int `yaml:"workers"`
	// MinBackoff and MaxBackoff bound the exponential backoff.
	MinBackoff model.Duration `yaml:"min_backoff"`
	MaxBackoff model.Duration `yaml:"max_backoff"`
	// MaxAge is how long a notification is retried before it is
	// dead-lettered.
	MaxAge model.Duration `yaml:"max_age"`
	// ReclaimAfter is how long a notification claimed by a replica that
	// went away waits before another replica delivers it.
	ReclaimAfter model.Duration `yaml:"reclaim_after"`
}

// Receiver names where notifications go: a PagerDuty service, a Slack
// channel, a log line, or several of these.
type Receiver struct {
	Name string `yaml:"name"`
	// OnCall names the on-call schedule shown in this receiver's
	// notifications.
	OnCall string `yaml:"oncall,omitempty"`
	// Fallback names the receiver that gets a notification, with a loud
	// note, when delivery to this one fails permanently.
	Fallback  string           `yaml:"fallback,omitempty"`
	PagerDuty *PagerDutyTarget `yaml:"pagerduty,omitempty"`
	Slack     *SlackTarget     `yaml:"slack,omitempty"`
	Webhook   *WebhookTarget   `yaml:"webhook,omitempty"`
	Teams     *TeamsTarget     `yaml:"teams,omitempty"`
	Email     *EmailTarget     `yaml:"email,omitempty"`
	Opsgenie  *OpsgenieTarget  `yaml:"opsgenie,omitempty"`
	Log       *LogTarget       `yaml:"log,omitempty"`
}

// PagerDutyTarget is a PagerDuty service reached through its Events API v2
// integration.
type PagerDutyTarget struct {
	// RoutingKey is the integration key of the service.
	RoutingKey Secret `yaml:"routing_key"`
	// Summary is an Alertmanager template replacing the event's summary
	// (Alertmanager's description).
	Summary string `yaml:"summary,omitempty"`
}

// SlackTarget is a Slack channel, reached with the bot token, or an
// incoming webhook (simpler: no message updates, threads or buttons).
type SlackTarget struct {
	// Channel is the channel name or ID to post to.
	Channel string `yaml:"channel"`
	// WebhookURL selects incoming-webhook mode.
	WebhookURL Secret `yaml:"webhook_url"`
	// Title and Text are Alertmanager templates replacing the message's
	// title and summary.
	Title string `yaml:"title,omitempty"`
	Text  string `yaml:"text,omitempty"`
}

// LogTarget writes notifications to alertgate's own log.
type LogTarget struct{}

// TargetType names an integration a receiver delivers through.
type TargetType string

// The integrations.
const (
	TargetPagerDuty TargetType = "pagerduty"
	TargetSlack     TargetType = "slack"
	TargetWebhook   TargetType = "webhook"
	TargetTeams     TargetType = "teams"
	TargetEmail     TargetType = "email"
	TargetOpsgenie  TargetType = "opsgenie"
	TargetLog       TargetType = "log"
)

// TargetTypes lists every integration, in the order Targets lists a
// receiver's.
func TargetTypes() []TargetType {
	return []TargetType{TargetPagerDuty, TargetSlack, TargetWebhook, TargetTeams, TargetEmail, TargetOpsgenie, TargetLog}
}

// Targets lists the integrations a receiver has, in a fixed order.
func (r *Receiver) Targets() []TargetType {
	set := map[TargetType]bool{
		TargetPagerDuty: r.PagerDuty != nil,
		TargetSlack:     r.Slack != nil,
		TargetWebhook:   r.Webhook != nil,
		TargetTeams:     r.Teams != nil,
		TargetEmail:     r.Email != nil,
		TargetOpsgenie:  r.Opsgenie != nil,
		TargetLog:       r.Log != nil,
	}
	var t []TargetType
	for _, typ := range TargetTypes() {
		if set[typ] {
			t = append(t, typ)
		}
	}
	return t
}

// Default values, applied by Load to keys the file leaves out.
const (
	DefaultListen       = ":9095"
	DefaultMaxBodyBytes = 1 << 20
	DefaultMaxAlerts    = 1000
)

// applyDefaults fills keys the file leaves out. It is the only place
// defaults live, so the configuration reference in the README can be
// checked against it.
func (c *Config) applyDefaults() {
	s := &c.Server
	setDefault(&s.Listen, DefaultListen)
	setDefault(&s.MaxBodyBytes, DefaultMaxBodyBytes)
	setDefault(&s.ReadHeaderTimeout, model.Duration(5*time.Second))
	setDefault(&s.ReadTimeout, model.Duration(15*time.Second))
	setDefault(&s.WriteTimeout, model.Duration(15*time.Second))
	setDefault(&s.IdleTimeout, model.Duration(2*time.Minute))
	setDefault(&s.ShutdownTimeout, model.Duration(25*time.Second))
	s.Console.applyDefaults()
	for _, src := range c.Sources.Webhooks() {
		setDefault(&src.MaxAlerts, DefaultMaxAlerts)
		src.RateLimit = rateDefaults(src.RateLimit, 200, 400)
	}
	c.Sources.CloudWatch.RateLimit = rateDefaults(c.Sources.CloudWatch.RateLimit, 100, 200)
	setDefault(&c.Store.Backend, "memory")
	setDefault(&c.Store.Retention, model.Duration(7*24*time.Hour))
	setDefault(&c.Store.IncidentRetention, model.Duration(30*24*time.Hour))
	setDefault(&c.Store.MaxAlerts, 100000)
	setDefault(&c.Store.LeaseTTL, model.Duration(15*time.Second))
	setDefault(&c.Store.Redis.Prefix, "alertgate:")
	setDefault(&c.Dedup.Flap.Transitions, 4)
	setDefault(&c.Dedup.Flap.Window, model.Duration(30*time.Minute))
	setDefault(&c.Dedup.Flap.Quiet, model.Duration(15*time.Minute))
	setDefault(&c.Dedup.Flap.LongTransitions, 8)
	setDefault(&c.Dedup.Flap.LongWindow, model.Duration(2*time.Hour))
	n := &c.Notify
	setDefault(&n.PagerDuty.URL, "https://events.pagerduty.com")
	setDefault(&n.PagerDuty.Timeout, model.Duration(10*time.Second))
	setDefault(&n.PagerDuty.PerKeyRate, 1.0)
	setDefault(&n.Slack.APIURL, "https://slack.com/api/")
	setDefault(&n.Slack.Timeout, model.Duration(10*time.Second))
	setDefault(&n.Slack.PerChannelInterval, model.Duration(time.Second))
	n.applyOutputDefaults()
	setDefault(&n.Outbox.Workers, 4)
	setDefault(&n.Outbox.MinBackoff, model.Duration(time.Second))
	setDefault(&n.Outbox.MaxBackoff, model.Duration(5*time.Minute))
	setDefault(&n.Outbox.MaxAge, model.Duration(24*time.Hour))
	setDefault(&n.Outbox.ReclaimAfter, model.Duration(30*time.Second))
	l := &c.Enrich.LLM
	setDefault(&l.Timeout, model.Duration(4*time.Second))
	setDefault(&l.MaxTokens, 300)
	setDefault(&l.Concurrency, 4)
	setDefault(&l.Language, "en")
	setDefault(&l.BudgetPerMinute, 30)
	setDefault(&l.CacheTTL, model.Duration(6*time.Hour))
	setDefault(&c.Dedup.RepeatInterval, model.Duration(4*time.Hour))
	if c.BusinessHours != nil {
		c.BusinessHours.applyDefaults()
	}
	setDefault(&c.Correlation.Window, model.Duration(5*time.Minute))
	setDefault(&c.Correlation.Cooldown, c.Correlation.Window)
	setDefault(&c.Correlation.MaxMembers, 200)
	setDefault(&c.Correlation.MaxAge, model.Duration(6*time.Hour))
	c.Noise.applyDefaults(c.BusinessHours != nil)
	for i := range c.OnCall {
		if pd := c.OnCall[i].PagerDuty; pd != nil {
			setDefault(&pd.URL, "https://api.pagerduty.com")
			setDefault(&pd.CacheFor, model.Duration(5*time.Minute))
		}
		if r := c.OnCall[i].Rotation; r != nil {
			setDefault(&r.Location, c.Location())
		}
	}
}

// Location is the time zone people of this configuration read times in:
// that of business_hours, else UTC.
func (c *Config) Location() string {
	if c.BusinessHours != nil && c.BusinessHours.Location != "" {
		return c.BusinessHours.Location
	}
	return "UTC"
}

func (b *BusinessHours) applyDefaults() {
	if len(b.Weekdays) == 0 {
		b.Weekdays = []timeinterval.WeekdayRange{{InclusiveRange: timeinterval.InclusiveRange{Begin: 1, End: 5}}}
	}
	if len(b.Times) == 0 {
		b.Times = []timeinterval.TimeRange{{StartMinute: 10 * 60, EndMinute: 19 * 60}}
	}
}

func setDefault[T comparable](p *T, v T) {
	var zero T
	if *p == zero {
		*p = v
	}
}

func rateDefaults(l *RateLimit, rps float64, burst int) *RateLimit {
	if l == nil {
		return &RateLimit{RequestsPerSecond: rps, Burst: burst}
	}
	setDefault(&l.Burst, int(l.RequestsPerSecond)+1)
	return l
}
