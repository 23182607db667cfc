variable "name" {
  description = "Name of the PagerDuty service (and prefix of the schedule and escalation policy)."
  type        = string
  default     = "Platform (alertgate)"
}

variable "time_zone" {
  description = "Time zone of the schedule; the out-of-hours layer's restrictions are in it."
  type        = string
  default     = "Asia/Tokyo"
}

variable "team_member_emails" {
  description = "E-mail addresses of the team's PagerDuty users, in rotation order. They take weekly turns on call and are the second escalation level together."
  type        = list(string)

  validation {
    condition     = length(var.team_member_emails) > 0
    error_message = "team_member_emails must list at least one user."
  }
}

variable "out_of_hours_emails" {
  description = "Users of the out-of-hours rotation (nights, weekends), in order; empty means the whole team."
  type        = list(string)
  default     = []
}

variable "manager_email" {
  description = "E-mail address of the manager's PagerDuty user, the last escalation level."
  type        = string
}

variable "rotation_start" {
  description = "When the first member's first week starts (RFC 3339, a handover time). alertgate's example configuration hands over on Mondays at 10:00 Tokyo time."
  type        = string
  default     = "2026-01-05T10:00:00+09:00"
}

variable "escalation_delay_minutes" {
  description = "Minutes an incident stays unacknowledged at one level before it escalates to the next."
  type        = number
  default     = 15
}

variable "alertgate_url" {
  description = "Public HTTPS base URL of alertgate, for the webhook subscription of two-way PagerDuty; empty creates no subscription."
  type        = string
  default     = ""

  validation {
    condition     = var.alertgate_url == "" || startswith(var.alertgate_url, "https://")
    error_message = "alertgate_url must be an https:// URL."
  }
}
