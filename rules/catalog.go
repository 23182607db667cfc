package rules

import (
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
}

type service struct {
	config.Service
	match []labels.Matchers
}

func compileCatalog(cfg []config.Service) catalog {
	c := catalog{dependents: map[string][]string{}}
	for _, s := range cfg {
		svc := service{Service: s}
		for _, set := range s.Match {
			svc.match = append(svc.match, labels.Matchers(set))
		}
		c.services = append(c.services, svc)
		for _, d := range s.DependsOn {
			c.dependents[d] = append(c.dependents[d], s.Name)
		}
	}
	return c
}

// MapService labels an alert with the service the catalog maps it to —
// `service`, and `owner` and `tier` where the catalog says — and reports
// whether the catalog knew it. The first service that matches wins. An
// alert the catalog does not know keeps the labels it came with.
func (r *Rules) MapService(a *alert.Alert) bool {
	for _, s := range r.catalog.services {
		for _, ms := range s.match {
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
			return true
		}
	}
	return false
}

// HasCatalog reports whether a service catalog is configured.
func (r *Rules) HasCatalog() bool { return len(r.catalog.services) > 0 }

// Dependents lists the services that depend on service.
func (r *Rules) Dependents(service string) []string { return r.catalog.dependents[service] }

// Correlation returns the correlation policy, and whether route takes
// part in correlation.
func (r *Rules) Correlation(route *Route) (incident.CorrelationPolicy, bool) {
	c := r.correlation
	p := incident.CorrelationPolicy{Window: time.Duration(c.Window), Cooldown: time.Duration(c.Cooldown), MaxMembers: c.MaxMembers}
	return p, c.Enabled && route.Config.Correlates()
}
