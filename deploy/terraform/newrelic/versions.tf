terraform {
  required_version = ">= 1.5.0"

  required_providers {
    newrelic = {
      source = "newrelic/newrelic"
      # auth_custom_header on notification destinations.
      version = ">= 3.54.0, < 4.0.0"
    }
  }
}

# Credentials from NEW_RELIC_API_KEY (a User key) and NEW_RELIC_REGION.
provider "newrelic" {
  account_id = var.account_id
}
