# CloudWatch alarms → SNS topic → HTTPS subscription → alertgate.
#
# alertgate verifies every SNS message's signature and accepts only topics
# listed in sources.cloudwatch.topic_arns; with sources.cloudwatch.auto_confirm
# it confirms this subscription itself, which endpoint_auto_confirms tells
# Terraform to wait for. Deploy alertgate (with the topic ARN in its
# configuration) before applying this.

locals {
  endpoint    = "${trimsuffix(var.alertgate_url, "/")}/api/v1/alerts/cloudwatch"
  eventbridge = var.eventbridge_token != ""
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

resource "aws_sns_topic" "alarms" {
  name = var.topic_name
  tags = var.tags
}

data "aws_iam_policy_document" "topic" {
  statement {
    sid       = "AccountOwner"
    actions   = ["SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission", "SNS:RemovePermission", "SNS:DeleteTopic", "SNS:Subscribe", "SNS:ListSubscriptionsByTopic", "SNS:Publish"]
    resources = [aws_sns_topic.alarms.arn]

    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }

  statement {
    sid       = "CloudWatchAlarms"
    actions   = ["SNS:Publish"]
    resources = [aws_sns_topic.alarms.arn]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_sns_topic_policy" "alarms" {
  arn    = aws_sns_topic.alarms.arn
  policy = data.aws_iam_policy_document.topic.json
}

# SNS discards a message after its last retry unless the subscription has a
# dead-letter queue. Messages here never reached alertgate: replay them
# (they are the original SNS envelopes) or read them during the incident.
resource "aws_sqs_queue" "undelivered" {
  name                      = "${var.topic_name}-undelivered"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
  tags                      = var.tags
}

data "aws_iam_policy_document" "undelivered" {
  statement {
    sid       = "SNSDeadLetters"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.undelivered.arn]

    principals {
      type        = "Service"
      identifiers = ["sns.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_sns_topic.alarms.arn]
    }
  }
}

resource "aws_sqs_queue_policy" "undelivered" {
  queue_url = aws_sqs_queue.undelivered.id
  policy    = data.aws_iam_policy_document.undelivered.json
}

resource "aws_sns_topic_subscription" "alertgate" {
  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "https"
  endpoint  = local.endpoint

  # alertgate (auto_confirm: true) confirms the subscription; Terraform
  # waits for that instead of leaving it pending.
  endpoint_auto_confirms          = true
  confirmation_timeout_in_minutes = 5

  # The SNS envelope carries the signature alertgate verifies: never raw.
  raw_message_delivery = false

  # SNS's default for HTTPS is 3 retries 20 s apart, a minute in all. Retry
  # for about 45 minutes instead, so a rolling restart or a short outage of
  # alertgate loses nothing; alertgate deduplicates on MessageId.
  delivery_policy = jsonencode({
    healthyRetryPolicy = {
      minDelayTarget     = 5
      maxDelayTarget     = 120
      numRetries         = 30
      numNoDelayRetries  = 1
      numMinDelayRetries = 2
      numMaxDelayRetries = 20
      backoffFunction    = "exponential"
    }
    throttlePolicy = {
      maxReceivesPerSecond = 10
    }
  })

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.undelivered.arn
  })

  depends_on = [aws_sqs_queue_policy.undelivered]
}

# Anything in the dead-letter queue is an alarm nobody was told about.
# This alarm publishes to the same topic, so it reaches alertgate once
# alertgate is reachable again; send it to a second channel as well if you
# have one.
resource "aws_cloudwatch_metric_alarm" "undelivered" {
  alarm_name          = "${var.topic_name}-undelivered"
  alarm_description   = "severity=critical SNS could not deliver CloudWatch alarms to alertgate; they are in SQS queue ${aws_sqs_queue.undelivered.name}."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
  tags                = var.tags

  dimensions = {
    QueueName = aws_sqs_queue.undelivered.name
  }
}

# An example alarm in the shape alertgate understands: the severity is in
# the description ("severity=critical"), and OK transitions are published
# too, so alertgate resolves the incident. INSUFFICIENT_DATA is not sent:
# alertgate ignores it anyway.
resource "aws_cloudwatch_metric_alarm" "example_alb_5xx" {
  count = var.example_alb_arn_suffix == "" ? 0 : 1

  alarm_name          = "alb-target-5xx"
  alarm_description   = "severity=critical The load balancer's targets answer with 5xx."
  namespace           = "AWS/ApplicationELB"
  metric_name         = "HTTPCode_Target_5XX_Count"
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  threshold           = 10
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
  tags                = var.tags

  dimensions = {
    LoadBalancer = var.example_alb_arn_suffix
  }
}

# CloudWatch alarms through EventBridge, the other way to reach alertgate
# (and the only one for alarms whose actions cannot publish to SNS): an
# API destination with the bearer token of sources.eventbridge. alertgate
# gives an alarm seen both ways one fingerprint, so keeping the SNS path
# too only deduplicates.
resource "aws_cloudwatch_event_connection" "alertgate" {
  count              = local.eventbridge ? 1 : 0
  name               = "alertgate"
  description        = "alertgate's sources.eventbridge token"
  authorization_type = "API_KEY"
  auth_parameters {
    api_key {
      key   = "Authorization"
      value = "Bearer ${var.eventbridge_token}"
    }
  }
}

resource "aws_cloudwatch_event_api_destination" "alertgate" {
  count                            = local.eventbridge ? 1 : 0
  name                             = "alertgate"
  invocation_endpoint              = "${trimsuffix(var.alertgate_url, "/")}/api/v1/alerts/eventbridge"
  http_method                      = "POST"
  invocation_rate_limit_per_second = 20
  connection_arn                   = aws_cloudwatch_event_connection.alertgate[0].arn
}

resource "aws_cloudwatch_event_rule" "alarms" {
  count       = local.eventbridge ? 1 : 0
  name        = "alertgate-alarm-state-changes"
  description = "Every CloudWatch alarm state change, to alertgate."
  event_pattern = jsonencode({
    source        = ["aws.cloudwatch"]
    "detail-type" = ["CloudWatch Alarm State Change"]
  })
  tags = var.tags
}

data "aws_iam_policy_document" "eventbridge_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "eventbridge" {
  count              = local.eventbridge ? 1 : 0
  name               = "alertgate-eventbridge"
  assume_role_policy = data.aws_iam_policy_document.eventbridge_assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy" "eventbridge" {
  count = local.eventbridge ? 1 : 0
  name  = "invoke-alertgate"
  role  = aws_iam_role.eventbridge[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["events:InvokeApiDestination"]
      Resource = [aws_cloudwatch_event_api_destination.alertgate[0].arn]
    }]
  })
}

resource "aws_cloudwatch_event_target" "alertgate" {
  count    = local.eventbridge ? 1 : 0
  rule     = aws_cloudwatch_event_rule.alarms[0].name
  arn      = aws_cloudwatch_event_api_destination.alertgate[0].arn
  role_arn = aws_iam_role.eventbridge[0].arn

  # Retry for a day; what still fails lands in the same dead-letter queue
  # as undelivered SNS messages, watched by the alarm above.
  retry_policy {
    maximum_event_age_in_seconds = 86400
    maximum_retry_attempts       = 185
  }
  dead_letter_config {
    arn = aws_sqs_queue.undelivered.arn
  }
}
