terraform {
  required_version = ">= 1.5.0"

  required_providers {
    pagerduty = {
      source  = "PagerDuty/pagerduty"
      version = ">= 3.0.0, < 4.0.0"
    }
  }
}

# Credentials from PAGERDUTY_TOKEN (a REST API key with write access).
provider "pagerduty" {}
