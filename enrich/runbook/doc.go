// Package runbook loads, lints and matches runbooks: YAML files that tell
// the person paged at 3 a.m. what an alert means, what users see, and what
// to type first.
//
// A runbook names the alerts it covers with Alertmanager matchers over
// canonical labels (see package alert), grouped in alternatives so one
// runbook covers the Prometheus, CloudWatch and New Relic variants of the
// same problem:
//
//	id: http-5xx-ratio
//	title: HTTP 5xx ratio too high
//	match:
//	  - matchers: ['source="alertmanager"', 'alertname=~"HighErrorRate|HTTPErrorRatioHigh"']
//	  - matchers: ['source="cloudwatch"', 'namespace="AWS/ApplicationELB"', 'metric=~"HTTPCode_(Target|ELB)_5XX_Count"']
//	steps:
//	  - text: Find the failing target group
//	    command: aws elbv2 describe-target-health --target-group-arn ...
//
// Every file is checked against an embedded JSON Schema (schema.json, of
// which runbooks/schema.json is a byte-identical copy for editors) and then
// decoded strictly, so a typo in a key is an error rather than a silently
// missing step. Load is for serving and fails on any error; Lint is for
// `alertgate runbooks lint` and reports everything it finds with file and
// line, including runbooks that overlap and alerts no runbook covers.
//
// A Matcher picks, for an alert's labels, the single most specific runbook,
// deterministically, without allocating.
package runbook
