package tmpl

import (
	"regexp"

	"github.com/prometheus/alertmanager/template"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/router/notify"
)

// Data is the notification as Alertmanager's templates and webhook
// consumers know a notification: receiver, status, alerts, group,
// common and route labels. Route labels are left as configured; Render
// renders them.
func Data(n *notify.Notification, externalURL string) *template.Data {
	d := &template.Data{
		// Alertmanager quotes the receiver name for regex use, and so
		// consumers of its payload see it that way.
		Receiver:           regexp.QuoteMeta(n.Target.Receiver),
		Status:             string(n.Status),
		Alerts:             make(template.Alerts, 0, len(n.Members)),
		NotificationReason: Reason(n),
		GroupLabels:        kv(n.GroupLabels),
		CommonLabels:       template.KV{},
		CommonAnnotations:  template.KV{},
		RouteLabels:        kv(n.RouteLabels),
		ExternalURL:        externalURL,
	}
	if d.Status == "" {
		d.Status = string(alert.StatusFiring)
	}
	for i := range n.Members {
		d.Alerts = append(d.Alerts, templateAlert(&n.Members[i]))
	}
	if len(d.Alerts) > 0 {
		common(d)
	}
	return d
}

func templateAlert(m *notify.Member) template.Alert {
	return template.Alert{
		Status:       string(m.Status),
		Labels:       kv(m.Labels),
		Annotations:  kv(m.Annotations),
		StartsAt:     m.StartsAt,
		EndsAt:       m.EndsAt,
		GeneratorURL: m.GeneratorURL,
		Fingerprint:  string(m.Fingerprint),
	}
}

// common fills the labels and annotations every alert shares.
func common(d *template.Data) {
	for k, v := range d.Alerts[0].Labels {
		d.CommonLabels[k] = v
	}
	for k, v := range d.Alerts[0].Annotations {
		d.CommonAnnotations[k] = v
	}
	for _, a := range d.Alerts[1:] {
		for k, v := range d.CommonLabels {
			if a.Labels[k] != v {
				delete(d.CommonLabels, k)
			}
		}
		for k, v := range d.CommonAnnotations {
			if a.Annotations[k] != v {
				delete(d.CommonAnnotations, k)
			}
		}
	}
}

// Reason is Alertmanager's notification_reason for the notification.
func Reason(n *notify.Notification) string {
	switch n.Kind {
	case notify.KindTrigger:
		return "first notification"
	case notify.KindRepeat:
		return "repeat interval elapsed"
	case notify.KindResolve:
		return "all alerts resolved"
	case notify.KindUpdate:
		for _, m := range n.Members {
			if m.Change == "new" {
				return "new alerts added"
			}
		}
		return "some alerts resolved"
	}
	return "unknown"
}

func kv(m map[string]string) template.KV {
	out := make(template.KV, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
