variable "account_id" {
  description = "New Relic account id."
  type        = number
}

variable "alertgate_url" {
  description = "Public HTTPS base URL of alertgate, e.g. https://alertgate.example.com. New Relic posts to <alertgate_url>/api/v1/alerts/newrelic."
  type        = string

  validation {
    condition     = startswith(var.alertgate_url, "https://")
    error_message = "alertgate_url must be an https:// URL: the bearer token travels with every request."
  }
}

variable "alertgate_token" {
  description = "alertgate's sources.newrelic.token (ALERTGATE_NEWRELIC_TOKEN), sent as Authorization: Bearer <token>."
  type        = string
  sensitive   = true
}

variable "policy_ids" {
  description = "Ids of the alert policies whose issues the workflow sends to alertgate."
  type        = list(string)
}

variable "name" {
  description = "Name of the destination, channel and workflow."
  type        = string
  default     = "alertgate"
}
