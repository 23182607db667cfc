# The PagerDuty side of alertgate: a service whose Events API v2 integration
# key is alertgate's receivers[].pagerduty.routing_key, escalating
# on-call → the rest of the team → the manager, with a schedule of a weekly
# rotation and an out-of-hours layer.
#
# alertgate sends one event per incident with a dedup_key, acknowledges and
# resolves it itself, and pages only what its policy says must page (out of
# hours, or unacknowledged in business hours), so the service needs no
# grouping or auto-resolve of its own.

locals {
  out_of_hours_emails = length(var.out_of_hours_emails) > 0 ? var.out_of_hours_emails : var.team_member_emails
  all_emails          = toset(concat(var.team_member_emails, local.out_of_hours_emails, [var.manager_email]))
  # Restrictions of the out-of-hours layer, in var.time_zone: weeknights
  # 19:00–10:00, and Friday 19:00 to Monday 10:00. Japanese public holidays
  # cannot be expressed in a PagerDuty restriction; alertgate's own
  # business_hours (holidays: jp) decides what pages on those days.
  out_of_hours = [
    { day = 1, start = "19:00:00", seconds = 15 * 3600 },
    { day = 2, start = "19:00:00", seconds = 15 * 3600 },
    { day = 3, start = "19:00:00", seconds = 15 * 3600 },
    { day = 4, start = "19:00:00", seconds = 15 * 3600 },
    { day = 5, start = "19:00:00", seconds = 63 * 3600 },
  ]
}

data "pagerduty_user" "person" {
  for_each = local.all_emails
  email    = each.value
}

resource "pagerduty_schedule" "oncall" {
  name      = "${var.name} on-call"
  time_zone = var.time_zone

  # Around the clock, one member a week.
  layer {
    name                         = "Weekly rotation"
    start                        = var.rotation_start
    rotation_virtual_start       = var.rotation_start
    rotation_turn_length_seconds = 7 * 24 * 3600
    users                        = [for e in var.team_member_emails : data.pagerduty_user.person[e].id]
  }

  # Out of hours only; where it has someone, this later layer takes
  # precedence over the weekly rotation.
  layer {
    name                         = "Out of hours"
    start                        = var.rotation_start
    rotation_virtual_start       = var.rotation_start
    rotation_turn_length_seconds = 7 * 24 * 3600
    users                        = [for e in local.out_of_hours_emails : data.pagerduty_user.person[e].id]

    dynamic "restriction" {
      for_each = local.out_of_hours
      content {
        type              = "weekly_restriction"
        start_day_of_week = restriction.value.day
        start_time_of_day = restriction.value.start
        duration_seconds  = restriction.value.seconds
      }
    }
  }
}

resource "pagerduty_escalation_policy" "team" {
  name      = "${var.name} escalation"
  num_loops = 2

  # 1. Whoever is on call.
  rule {
    escalation_delay_in_minutes = var.escalation_delay_minutes
    target {
      type = "schedule_reference"
      id   = pagerduty_schedule.oncall.id
    }
  }

  # 2. The rest of the team, all at once.
  rule {
    escalation_delay_in_minutes = var.escalation_delay_minutes
    dynamic "target" {
      for_each = var.team_member_emails
      content {
        type = "user_reference"
        id   = data.pagerduty_user.person[target.value].id
      }
    }
  }

  # 3. The manager.
  rule {
    escalation_delay_in_minutes = var.escalation_delay_minutes
    target {
      type = "user_reference"
      id   = data.pagerduty_user.person[var.manager_email].id
    }
  }
}

resource "pagerduty_service" "alertgate" {
  name              = var.name
  description       = "Pages from alertgate. Routing, deduplication and business hours are alertgate's; see its runbook links in each incident."
  escalation_policy = pagerduty_escalation_policy.team.id

  # alertgate resolves incidents when the alert resolves: never on a timer.
  auto_resolve_timeout = "null"
  # An acknowledged incident nobody resolves pages again after 4 hours.
  acknowledgement_timeout = 14400

  # Everything alertgate sends here is a page by its policy.
  incident_urgency_rule {
    type    = "constant"
    urgency = "high"
  }
}

resource "pagerduty_service_integration" "events_v2" {
  name    = "alertgate (Events API v2)"
  type    = "events_api_v2_inbound_integration"
  service = pagerduty_service.alertgate.id
}

# Two-way PagerDuty: incident events of the service go back to alertgate,
# so acknowledging, resolving, reassigning or escalating in PagerDuty
# updates alertgate's incident and its Slack message. PagerDuty shows the
# subscription's signing secret once, when it is created: put it in
# alertgate's notify.pagerduty.webhook_secrets
# (ALERTGATE_PAGERDUTY_WEBHOOK_SECRET in the Helm chart).
resource "pagerduty_webhook_subscription" "alertgate" {
  count       = var.alertgate_url == "" ? 0 : 1
  description = "alertgate two-way sync"
  type        = "webhook_subscription"
  active      = true
  events = [
    "incident.acknowledged",
    "incident.resolved",
    "incident.reassigned",
    "incident.escalated",
  ]
  delivery_method {
    type = "http_delivery_method"
    url  = "${trimsuffix(var.alertgate_url, "/")}/api/v1/pagerduty/webhook"
  }
  filter {
    id   = pagerduty_service.alertgate.id
    type = "service_reference"
  }
}
