variable "region" {
  description = "AWS region of the alarms and the SNS topic."
  type        = string
  default     = "ap-northeast-1"
}

variable "topic_name" {
  description = "Name of the SNS topic CloudWatch alarms publish to. Its ARN goes into alertgate's sources.cloudwatch.topic_arns."
  type        = string
  default     = "alertgate-cloudwatch"
}

variable "alertgate_url" {
  description = "Public HTTPS base URL of alertgate (the Helm chart's Ingress host), e.g. https://alertgate.example.com. SNS delivers to <alertgate_url>/api/v1/alerts/cloudwatch."
  type        = string

  validation {
    condition     = startswith(var.alertgate_url, "https://")
    error_message = "alertgate_url must be an https:// URL: SNS signs messages, but the transport must be private too."
  }
}

variable "example_alb_arn_suffix" {
  description = "ARN suffix (app/NAME/ID) of an Application Load Balancer for the example 5xx alarm; empty creates no example alarm."
  type        = string
  default     = ""
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}

variable "eventbridge_token" {
  description = "alertgate's sources.eventbridge.token. Set, it also sends every CloudWatch alarm state change to alertgate through an EventBridge API destination; empty creates none of that."
  type        = string
  default     = ""
  sensitive   = true
}
