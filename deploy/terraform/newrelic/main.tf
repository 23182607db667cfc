# New Relic alert policies → workflow → webhook channel → destination →
# alertgate. The channel's payload is New Relic's default webhook template,
# which alertgate's New Relic source reads (it also accepts users' edits of
# it, and the legacy alert-channel format).

resource "newrelic_notification_destination" "alertgate" {
  account_id = var.account_id
  name       = var.name
  type       = "WEBHOOK"

  property {
    key   = "url"
    value = "${trimsuffix(var.alertgate_url, "/")}/api/v1/alerts/newrelic"
  }

  auth_custom_header {
    key   = "Authorization"
    value = "Bearer ${var.alertgate_token}"
  }
}

resource "newrelic_notification_channel" "alertgate" {
  account_id     = var.account_id
  name           = var.name
  type           = "WEBHOOK"
  destination_id = newrelic_notification_destination.alertgate.id
  product        = "IINT"

  property {
    key   = "payload"
    label = "Payload Template"
    value = <<-EOT
      {
        "id": {{ json issueId }},
        "issueUrl": {{ json issuePageUrl }},
        "title": {{ json annotations.title.[0] }},
        "priority": {{ json priority }},
        "impactedEntities": {{ json entitiesData.names }},
        "totalIncidents": {{ json totalIncidents }},
        "state": {{ json state }},
        "trigger": {{ json triggerEvent }},
        "isCorrelated": {{ json isCorrelated }},
        "createdAt": {{ createdAt }},
        "updatedAt": {{ updatedAt }},
        "sources": {{ json accumulations.source }},
        "alertPolicyNames": {{ json accumulations.policyName }},
        "alertConditionNames": {{ json accumulations.conditionName }},
        "workflowName": {{ json workflowName }}
      }
    EOT
  }
}

resource "newrelic_workflow" "alertgate" {
  account_id = var.account_id
  name       = var.name
  # Muted issues are still sent: alertgate keeps its own silences and
  # maintenance windows, and a muted issue's CLOSED must still resolve.
  muting_rules_handling = "NOTIFY_ALL_ISSUES"

  issues_filter {
    name = "alertgate policies"
    type = "FILTER"

    predicate {
      attribute = "labels.policyIds"
      operator  = "EXACTLY_MATCHES"
      values    = var.policy_ids
    }
  }

  destination {
    channel_id = newrelic_notification_channel.alertgate.id
    # CLOSED resolves the alertgate incident; ACKNOWLEDGED is recorded on
    # its timeline.
    notification_triggers = ["ACTIVATED", "ACKNOWLEDGED", "PRIORITY_CHANGED", "CLOSED"]
  }
}
