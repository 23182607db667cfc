// Package deploy holds what it takes to run alertgate in production rather
// than its code: the container image (Dockerfile), a docker-compose setup
// with Redis, the Helm chart, an Alertmanager configuration, Terraform for
// SNS, New Relic and PagerDuty, a Grafana dashboard and Prometheus alerting
// rules on alertgate itself. README.md in this directory explains how the
// pieces fit together.
//
// The package has no code of its own. Its tests keep the files honest:
// every YAML and JSON file parses; the Alertmanager configuration loads
// through Alertmanager's own loader and the alert rules through
// Prometheus's; the alertgate configurations load through alertgate's;
// every metric the dashboard and the rules query exists on a running
// router's /metrics; and the Dockerfile builds the same static binary as
// `make build`.
package deploy
