output "destination_id" {
  description = "The webhook destination pointing at alertgate."
  value       = newrelic_notification_destination.alertgate.id
}

output "workflow_id" {
  description = "The workflow sending the policies' issues to alertgate."
  value       = newrelic_workflow.alertgate.id
}
