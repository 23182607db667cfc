// Package tmpl gives notifications Alertmanager's shape: the template
// data (receiver, status, alerts, group, common and route labels) that
// Alertmanager's templates and webhook consumers read, and the
// per-receiver templates that replace alertgate's default texts, with
// Alertmanager's template language, functions and default templates
// (github.com/prometheus/alertmanager/template), so the templates of an
// imported Alertmanager configuration keep working.
package tmpl
