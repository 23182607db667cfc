output "integration_key" {
  description = "Events API v2 routing key: alertgate's ALERTGATE_PAGERDUTY_ROUTING_KEY (receivers[].pagerduty.routing_key)."
  value       = pagerduty_service_integration.events_v2.integration_key
  sensitive   = true
}

output "schedule_id" {
  description = "alertgate's oncall[].pagerduty.schedule_id, to show who is on call."
  value       = pagerduty_schedule.oncall.id
}

output "service_id" {
  description = "The PagerDuty service alertgate pages."
  value       = pagerduty_service.alertgate.id
}

output "escalation_policy_id" {
  description = "on-call → team → manager."
  value       = pagerduty_escalation_policy.team.id
}

output "webhook_subscription_id" {
  description = "The webhook subscription of two-way PagerDuty (empty without alertgate_url); its secret is shown in PagerDuty once."
  value       = var.alertgate_url == "" ? "" : pagerduty_webhook_subscription.alertgate[0].id
}
