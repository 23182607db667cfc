// Package builtin lists alertgate's sources: the one registry the HTTP
// server mounts, the metrics initialise and replay authenticates against.
package builtin

import (
	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/router/source"
	"github.com/alertgate/alertgate/router/source/alertmanager"
	"github.com/alertgate/alertgate/router/source/cloudwatch"
	"github.com/alertgate/alertgate/router/source/eventbridge"
	"github.com/alertgate/alertgate/router/source/newrelic"
)

// Registry returns alertgate's sources.
func Registry() source.Registry {
	return source.Registry{
		{
			Name:     alert.SourceAlertmanager,
			Auth:     source.AuthToken,
			Endpoint: func(s *config.Sources) config.Endpoint { return s.Alertmanager.Endpoint() },
			New: func(s *config.Sources, d source.Deps) source.Receiver {
				return alertmanager.Parser{Now: d.Now, MaxAlerts: s.Alertmanager.MaxAlerts}
			},
		},
		{
			Name:     alert.SourceCloudWatch,
			Auth:     source.AuthPayload,
			Endpoint: func(s *config.Sources) config.Endpoint { return s.CloudWatch.Endpoint() },
			New: func(s *config.Sources, d source.Deps) source.Receiver {
				cw := s.CloudWatch
				return cloudwatch.New(cloudwatch.Config{
					TopicARNs:   cw.TopicARNs,
					AutoConfirm: cw.AutoConfirm,
					HTTPClient:  d.HTTPClient,
					Roots:       d.Roots,
					Logger:      d.Logger,
					Now:         d.Now,
					SkipVerify:  cw.SkipSignatureVerification,
				})
			},
		},
		{
			Name:     alert.SourceNewRelic,
			Auth:     source.AuthToken,
			Endpoint: func(s *config.Sources) config.Endpoint { return s.NewRelic.Endpoint() },
			New: func(s *config.Sources, d source.Deps) source.Receiver {
				return newrelic.Parser{Now: d.Now, MaxAlerts: s.NewRelic.MaxAlerts}
			},
		},
		{
			Name:     alert.SourceEventBridge,
			Auth:     source.AuthToken,
			Endpoint: func(s *config.Sources) config.Endpoint { return s.EventBridgeEndpoint() },
			New: func(_ *config.Sources, d source.Deps) source.Receiver {
				return eventbridge.Parser{Now: d.Now}
			},
		},
	}
}
