// Package alertmanager turns Prometheus Alertmanager webhook notifications
// (payload version 4, as sent by a webhook_config receiver) into canonical
// alerts.
//
// One notification carries one alert group. Each alert in it becomes one
// alert.Alert whose fingerprint is Alertmanager's own label fingerprint, so
// the two members of an HA pair, an older Alertmanager that does not send
// the fingerprint field, and every repeat_interval re-send of the same
// labels all produce the same alertgate fingerprint; deduplication is normal
// traffic here, not an edge case. The parser is liberal: missing statuses,
// start times and names are derived from the rest of the notification, and
// only payloads that cannot be understood are rejected with a
// *source.Error naming the offending field.
package alertmanager
