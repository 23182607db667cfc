package rules

import (
	"fmt"
	"strconv"
	"time"

	"github.com/prometheus/alertmanager/pkg/labels"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/incident"
)

// catalog is the compiled service catalog.
type catalog struct {
	services   []service
	dependents map[string][]string // service -> services that depend on it
	dependsOn  map[string][]string // service -> services it depends on
	// labels are the correlation labels (correlation.labels): an alert
	// the catalog does not know belongs to the service its first one
	// names.
	labels []string
}

type service struct {
	config.Service
	match []labels.Matchers
}

func compileCatalog(cfg []config.Service, correlationLabels []string) catalog {
	c := catalog{dependents: map[string][]string{}, dependsOn: map[string][]string{}, labels: correlationLabels}
	for _, s := range cfg {
		svc := service{Service: s}
		for _, set := range s.Match {
			svc.match = append(svc.match, labels.Matchers(set))
		}
		c.services = append(c.services, svc)
		for _, d := range s.DependsOn {
			c.dependents[d] = append(c.dependents[d], s.Name)
			c.dependsOn[s.Name] = append(c.dependsOn[s.Name], d)
		}
	}
	return c
}

// Membership says which service an alert belongs to for correlation,
// and which rule of the configuration made it so.
type Membership struct {
	Service string
	// Rule names the rule: `services[api].match[1] {namespace="web",
	// app=~"api"}`, or `correlation label team`.
	Rule string
	// Catalog is true when the service catalog mapped the alert, false
	// for a correlation label.
	Catalog bool
}

// MapService labels an alert with the service the catalog maps it to —
// `service`, and `owner` and `tier` where the catalog says — and reports
// whether the catalog knew it. The first service that matches wins. An
// alert the catalog does not know keeps the labels it came with.
func (r *Rules) MapService(a *alert.Alert) bool {
	m, ok := r.Membership(a)
	return ok && m.Catalog
}

// Membership maps an alert as MapService does and says which service it
// belongs to for correlation, and why: the service catalog, or else the
// first configured correlation label it carries. A `service` label alone
// never makes an alert belong anywhere: in kube-prometheus it names the
// scrape target (node-exporter, kube-state-metrics), not a business
// service.
func (r *Rules) Membership(a *alert.Alert) (Membership, bool) {
	for _, s := range r.catalog.services {
		for i, ms := range s.match {
			if !matches(ms, a.Labels) {
				continue
			}
			a.Labels[alert.LabelService] = s.Name
			if s.Owner != "" {
				a.Labels["owner"] = s.Owner
			}
			if s.Tier > 0 {
				a.Labels["tier"] = strconv.Itoa(s.Tier)
			}
			return Membership{Service: s.Name, Rule: fmt.Sprintf("services[%s].match[%d] %s", s.Name, i, ms), Catalog: true}, true
		}
	}
	for _, l := range r.catalog.labels {
		if v := a.Labels[l]; v != "" {
			return Membership{Service: v, Rule: "correlation label " + l}, true
		}
	}
	return Membership{}, false
}

// HasCatalog reports whether a service catalog is configured.
func (r *Rules) HasCatalog() bool { return len(r.catalog.services) > 0 }

// Dependents lists the services that depend on service.
func (r *Rules) Dependents(service string) []string { return r.catalog.dependents[service] }

// DependsOn lists the services service depends on.
func (r *Rules) DependsOn(service string) []string { return r.catalog.dependsOn[service] }

// Correlation returns the correlation policy, and whether route takes
// part in correlation.
func (r *Rules) Correlation(route *Route) (incident.CorrelationPolicy, bool) {
	c := r.correlation
	p := incident.CorrelationPolicy{Window: time.Duration(c.Window), Cooldown: time.Duration(c.Cooldown), MaxMembers: c.MaxMembers, MaxAge: time.Duration(c.MaxAge)}
	return p, c.Enabled && route.Config.Correlates()
}
