// Package storm generates a realistic day of alert traffic for alertgate,
// deterministically from a seed, together with the ground truth of which
// real incidents happened that day, and measures how much of that traffic
// alertgate turns into notifications.
//
// The day is what a platform team's gateway sees: steady background
// warnings that Alertmanager re-sends every repeat_interval, from an HA
// pair that often sends everything twice; a nightly batch window; a node
// failure at night whose pods' alerts should be inhibited; a deploy in the
// afternoon that makes every api pod answer 5xx while CloudWatch and New
// Relic report the same outage; a flapping CloudWatch alarm; New Relic
// issues going through their updates; and a database alarm at night that
// the api's own alerts follow. The trace is in replay's format (one
// accepted webhook per line), so `alertgate replay` and replay.Run read
// it, and the truth lists each real incident with the labels of its
// alerts, so a measurement can tell whether anyone was told about it.
//
// The measurement (Measure) replays a trace through a configuration and
// reports raw alerts in, notifications out per target, the compression,
// the incidents nobody was told about, and the pages that woke someone
// for less than a critical alert outside business hours.
package storm
