// Package e2e holds alertgate's end-to-end tests. They build the real
// binary once (TestMain), start real redis-server processes and one or
// two alertgate replicas per test, drive them over HTTP exactly as
// Alertmanager, SNS and New Relic would, and check what reaches the
// fakes of PagerDuty, Slack and an OpenAI-compatible LLM. Time-dependent
// behaviour is driven through the test-only settable clock
// (serve --testing-clock); see README.md.
package e2e
