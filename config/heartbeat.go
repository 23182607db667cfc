package config

import (
	"fmt"
	"time"

	amcommon "github.com/prometheus/alertmanager/config/common"
	"github.com/prometheus/common/model"
)

// Heartbeat is a dead-man's switch: alerts that must keep arriving (an
// Alertmanager Watchdog, which fires forever while the chain works) or a
// source that must keep sending. When none has arrived for Interval,
// alertgate raises a critical HeartbeatMissing alert through Receiver;
// it resolves when the heartbeat is back.
type Heartbeat struct {
	Name string `yaml:"name"`
	// Matchers select the heartbeat's alerts (alertname="Watchdog").
	Matchers amcommon.Matchers `yaml:"matchers,omitempty"`
	// Source, if set, counts any alert of that source (alertmanager,
	// cloudwatch, newrelic, eventbridge) as a heartbeat.
	Source string `yaml:"source,omitempty"`
	// Interval is how long without one before it is missing.
	Interval model.Duration `yaml:"interval"`
	// Receiver is paged when it is missing.
	Receiver string `yaml:"receiver"`
}

func (c *Config) validateHeartbeats(v *validator) {
	known := c.receiverNames()
	seen := map[string]bool{}
	for i, h := range c.Heartbeats {
		path := fmt.Sprintf("heartbeats[%d]", i)
		switch {
		case h.Name == "":
			v.add(path+".name", "must not be empty")
		case seen[h.Name]:
			v.add(path+".name", "duplicate heartbeat %q", h.Name)
		}
		seen[h.Name] = true
		if len(h.Matchers) == 0 && h.Source == "" {
			v.add(path, "set matchers (the heartbeat's alerts) or source (any alert of it)")
		}
		switch h.Source {
		case "", "alertmanager", "cloudwatch", "newrelic", "eventbridge":
		default:
			v.add(path+".source", "must be alertmanager, cloudwatch, newrelic or eventbridge, got %q", h.Source)
		}
		if time.Duration(h.Interval) < time.Minute {
			v.add(path+".interval", "must be at least 1m, got %s", h.Interval)
		}
		if !known[h.Receiver] {
			v.add(path+".receiver", "unknown receiver %q", h.Receiver)
		}
	}
}
