package config

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/model"
)

// Validate checks the whole configuration and returns every problem it
// finds (joined), each naming its key path, so check-config can list them
// all at once.
func (c *Config) Validate() error {
	var v validator
	c.validateServer(&v)
	c.validateConsole(&v)
	c.validateSources(&v)
	c.validatePublishedSecrets(&v)
	c.validateStore(&v)
	c.validateReceivers(&v)
	c.validateRoute(&v)
	c.validateTime(&v)
	c.validateEscalations(&v)
	c.validateInhibitRules(&v)
	c.validateMaintenance(&v)
	c.validateOnCall(&v)
	c.validateOverlaps(&v)
	c.validateNotify(&v)
	c.validateOutputs(&v)
	c.validateTemplates(&v)
	c.validateHeartbeats(&v)
	c.validateEnrich(&v)
	c.validateServices(&v)
	c.validateNoise(&v)
	return v.err()
}

// validator collects errors.
type validator struct{ errs []error }

func (v *validator) add(path, format string, args ...any) {
	v.errs = append(v.errs, Errorf(path, format, args...))
}

func (v *validator) positive(path string, d model.Duration) {
	if d <= 0 {
		v.add(path, "must be a positive duration, got %s", d)
	}
}

func (v *validator) nonNegative(path string, d model.Duration) {
	if d < 0 {
		v.add(path, "must not be negative, got %s", d)
	}
}

func (v *validator) err() error { return errors.Join(v.errs...) }

const maxBodyLimit = 64 << 20

func (c *Config) validateServer(v *validator) {
	s := c.Server
	if s.Listen == "" {
		v.add("server.listen", "must not be empty")
	}
	if s.MaxBodyBytes <= 0 || s.MaxBodyBytes > maxBodyLimit {
		v.add("server.max_body_bytes", "must be between 1 and %d, got %d", maxBodyLimit, s.MaxBodyBytes)
	}
	v.positive("server.read_header_timeout", s.ReadHeaderTimeout)
	v.positive("server.read_timeout", s.ReadTimeout)
	v.positive("server.write_timeout", s.WriteTimeout)
	v.positive("server.idle_timeout", s.IdleTimeout)
	v.positive("server.shutdown_timeout", s.ShutdownTimeout)
}

// publishedSecrets are the example tokens of config/alertgate.yml, the
// compose files and the README: anyone can read them, so they protect
// nothing outside a dry run.
var publishedSecrets = []string{"dev-admin-token", "dev-alertmanager-token", "dev-newrelic-token"}

// validatePublishedSecrets refuses the published example tokens once
// notifications are real: a configuration copied from the example keeps
// them unless the variables they default from are set, and then anyone
// could page the on-call or silence alerts.
func (c *Config) validatePublishedSecrets(v *validator) {
	if c.Notify.DryRun {
		return
	}
	secrets := map[string]Secret{"server.admin_token": c.Server.AdminToken}
	for name, s := range c.Sources.Webhooks() {
		if !s.Disabled {
			secrets["sources."+name+".token"] = s.Token
			secrets["sources."+name+".hmac_secret"] = s.HMACSecret
		}
	}
	for _, path := range slices.Sorted(maps.Keys(secrets)) {
		for _, published := range publishedSecrets {
			if secrets[path].Equal(published) {
				v.add(path, "is %q, the example token published with alertgate: anyone can send it; set your own (the example reads it from an environment variable) or run with notify.dry_run: true", published)
			}
		}
	}
}

var topicARN = regexp.MustCompile(`^arn:aws(-cn|-us-gov)?:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]{1,256}$`)

func (c *Config) validateSources(v *validator) {
	for _, name := range slices.Sorted(maps.Keys(c.Sources.Webhooks())) {
		s := c.Sources.Webhooks()[name]
		path := "sources." + name
		if s.Disabled {
			continue
		}
		if !s.Token.IsSet() && !s.HMACSecret.IsSet() && !s.AllowUnauthenticated {
			v.add(path+".token", "must be set, or hmac_secret (or set allow_unauthenticated: true for a local trial)")
		}
		if s.RateLimit.RequestsPerSecond < 0 {
			v.add(path+".rate_limit.requests_per_second", "must not be negative (0 means unlimited)")
		}
		if s.MaxAlerts <= 0 {
			v.add(path+".max_alerts", "must be positive, got %d", s.MaxAlerts)
		}
	}
	cw := c.Sources.CloudWatch
	if cw.Disabled {
		return
	}
	if cw.SkipSignatureVerification && !c.Notify.DryRun {
		v.add("sources.cloudwatch.skip_signature_verification", "only allowed with notify.dry_run: true (it would let anyone who can reach alertgate page people)")
	}
	if len(cw.TopicARNs) == 0 {
		v.add("sources.cloudwatch.topic_arns", "must list the SNS topics to accept (or set disabled: true)")
	}
	for i, arn := range cw.TopicARNs {
		if !topicARN.MatchString(arn) {
			v.add(fmt.Sprintf("sources.cloudwatch.topic_arns[%d]", i), "%q is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)", arn)
		}
	}
}

func (c *Config) validateStore(v *validator) {
	s := c.Store
	switch s.Backend {
	case "memory", "redis":
	default:
		v.add("store.backend", "must be memory or redis, got %q", s.Backend)
	}
	v.positive("store.retention", s.Retention)
	v.positive("store.incident_retention", s.IncidentRetention)
	if s.LeaseTTL < model.Duration(5*time.Second) {
		v.add("store.lease_ttl", "must be at least 5s: a flush (with enrichment) must fit in it")
	}
	if s.MaxAlerts <= 0 {
		v.add("store.max_alerts", "must be positive")
	}
	if maxRepeat := c.longestRepeat(); s.Retention < maxRepeat {
		v.add("store.retention", "%s is shorter than the longest repeat interval (%s): re-sent alerts would look new", s.Retention, maxRepeat)
	}
	f := c.Dedup.Flap
	if f.Transitions < 2 {
		v.add("dedup.flap.transitions", "must be at least 2")
	}
	v.positive("dedup.flap.window", f.Window)
	v.positive("dedup.flap.quiet", f.Quiet)
	if f.LongTransitions < 0 || f.LongTransitions == 1 {
		v.add("dedup.flap.long_transitions", "must be 0 (off) or at least 2, got %d", f.LongTransitions)
	}
	if f.LongTransitions > 0 && f.LongWindow < f.Window {
		v.add("dedup.flap.long_window", "%s is shorter than dedup.flap.window (%s)", f.LongWindow, f.Window)
	}
	v.nonNegative("dedup.flap.resolve_hold", f.ResolveHold)
	if s.Backend != "redis" {
		return
	}
	r := s.Redis
	n := 0
	for _, set := range []bool{r.Address != "", r.URL.IsSet(), len(r.Sentinel.Addresses) > 0, len(r.Cluster.Addresses) > 0} {
		if set {
			n++
		}
	}
	if n != 1 {
		v.add("store.redis", "set exactly one of address, url, sentinel and cluster")
	}
	if len(r.Sentinel.Addresses) > 0 && r.Sentinel.MasterName == "" {
		v.add("store.redis.sentinel.master_name", "must be set with sentinel addresses")
	}
	if p := r.Cluster.Partitions; p < 0 || p > 1024 {
		v.add("store.redis.cluster.partitions", "must be between 1 and 1024 (0: the default, 16)")
	}
}

// longestRepeat is the longest repeat interval any route uses.
func (c *Config) longestRepeat() model.Duration {
	longest := c.Dedup.RepeatInterval
	if c.Route != nil {
		c.Route.visit("route", func(_ string, r *Route) {
			if r.RepeatInterval != nil && *r.RepeatInterval > longest {
				longest = *r.RepeatInterval
			}
		})
	}
	return longest
}

func (c *Config) validateReceivers(v *validator) {
	if len(c.Receivers) == 0 {
		v.add("receivers", "at least one receiver is required")
	}
	seen := map[string]bool{}
	for i, r := range c.Receivers {
		path := fmt.Sprintf("receivers[%d]", i)
		switch {
		case r.Name == "":
			v.add(path+".name", "must not be empty")
		case seen[r.Name]:
			v.add(path+".name", "duplicate receiver name %q", r.Name)
		}
		seen[r.Name] = true
		if len(r.Targets()) == 0 {
			v.add(path, "receiver %q has no target (pagerduty, slack, webhook, teams, email, opsgenie or log)", r.Name)
		}
		if r.PagerDuty != nil && !r.PagerDuty.RoutingKey.IsSet() && !c.Notify.DryRun {
			v.add(path+".pagerduty.routing_key", "must be set (or run with notify.dry_run: true)")
		}
		if r.Slack != nil && r.Slack.Channel == "" && !r.Slack.WebhookURL.IsSet() {
			v.add(path+".slack.channel", "set a channel (bot token mode) or webhook_url (incoming webhook mode)")
		}
		if r.Slack != nil && !r.Slack.WebhookURL.IsSet() && !c.Notify.Slack.Token.IsSet() && !c.Notify.DryRun {
			v.add(path+".slack", "needs notify.slack.token, or a webhook_url (or run with notify.dry_run: true)")
		}
	}
}

func (c *Config) validateRoute(v *validator) {
	if c.Route == nil {
		v.add("route", "a root route is required")
		return
	}
	if c.Route.Receiver == "" {
		v.add("route.receiver", "the root route must name a receiver")
	}
	if len(c.Route.Matchers)+len(c.Route.Match)+len(c.Route.MatchRE) > 0 {
		v.add("route.matchers", "the root route must not have matchers: it catches every alert")
	}
	known := c.receiverNames()
	c.Route.visit("route", func(path string, r *Route) {
		if r.Receiver != "" && !known[r.Receiver] {
			v.add(path+".receiver", "unknown receiver %q", r.Receiver)
		}
		if r.GroupInterval != nil && time.Duration(*r.GroupInterval) <= 0 {
			v.add(path+".group_interval", "must be positive")
		}
		if r.RepeatInterval != nil && time.Duration(*r.RepeatInterval) <= 0 {
			v.add(path+".repeat_interval", "must be positive")
		}
		if err := checkGroupBy(r.GroupBy); err != "" {
			v.add(path+".group_by", "%s", err)
		}
	})
}

// visit walks the tree top-down with each node's key path.
func (r *Route) visit(path string, f func(string, *Route)) {
	f(path, r)
	for i, c := range r.Routes {
		c.visit(fmt.Sprintf("%s.routes[%d]", path, i), f)
	}
}

func checkGroupBy(labels []string) string {
	seen := map[string]bool{}
	for _, l := range labels {
		switch {
		case l == "..." && len(labels) > 1:
			return "cannot have ... and other labels at the same time"
		case l != "..." && !model.LabelName(l).IsValid():
			return fmt.Sprintf("invalid label name %q", l)
		case seen[l]:
			return fmt.Sprintf("duplicated label %q", l)
		}
		seen[l] = true
	}
	return ""
}

func (c *Config) validateNotify(v *validator) {
	n := c.Notify
	for path, u := range map[string]string{"notify.pagerduty.url": n.PagerDuty.URL, "notify.slack.api_url": n.Slack.APIURL} {
		if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
			v.add(path, "must be an http(s) URL, got %q", u)
		}
	}
	v.positive("notify.pagerduty.timeout", n.PagerDuty.Timeout)
	v.positive("notify.slack.timeout", n.Slack.Timeout)
	if n.PagerDuty.PerKeyRate <= 0 {
		v.add("notify.pagerduty.per_key_rate", "must be positive")
	}
	if n.Outbox.Workers <= 0 {
		v.add("notify.outbox.workers", "must be positive")
	}
	if n.Outbox.MinBackoff <= 0 || n.Outbox.MaxBackoff < n.Outbox.MinBackoff {
		v.add("notify.outbox.max_backoff", "need 0 < min_backoff <= max_backoff")
	}
	v.positive("notify.outbox.max_age", n.Outbox.MaxAge)
	v.positive("notify.outbox.reclaim_after", n.Outbox.ReclaimAfter)
	known := c.receiverNames()
	for i, r := range c.Receivers {
		if r.Fallback == "" {
			continue
		}
		if !known[r.Fallback] || r.Fallback == r.Name {
			v.add(fmt.Sprintf("receivers[%d].fallback", i), "must name another receiver, got %q", r.Fallback)
		}
	}
}

func (c *Config) validateEnrich(v *validator) {
	l := c.Enrich.LLM
	if l.BaseURL == "" {
		return
	}
	if !strings.HasPrefix(l.BaseURL, "https://") && !strings.HasPrefix(l.BaseURL, "http://") {
		v.add("enrich.llm.base_url", "must be an http(s) URL")
	}
	if l.Model == "" {
		v.add("enrich.llm.model", "must be set with base_url")
	}
	switch l.Language {
	case "en", "ja":
	default:
		v.add("enrich.llm.language", "must be en or ja, got %q", l.Language)
	}
	v.positive("enrich.llm.timeout", l.Timeout)
	if l.MaxTokens <= 0 || l.Concurrency <= 0 || l.BudgetPerMinute <= 0 {
		v.add("enrich.llm", "max_tokens, concurrency and budget_per_minute must be positive")
	}
}
