output "topic_arn" {
  description = "Put this in alertgate's sources.cloudwatch.topic_arns, and in the alarm_actions and ok_actions of your alarms."
  value       = aws_sns_topic.alarms.arn
}

output "subscription_arn" {
  description = "The HTTPS subscription of alertgate to the topic."
  value       = aws_sns_topic_subscription.alertgate.arn
}

output "undelivered_queue_url" {
  description = "SQS queue holding the messages SNS could not deliver to alertgate."
  value       = aws_sqs_queue.undelivered.url
}

output "api_destination_arn" {
  description = "The EventBridge API destination delivering alarm state changes to alertgate (empty without eventbridge_token)."
  value       = local.eventbridge ? aws_cloudwatch_event_api_destination.alertgate[0].arn : ""
}
