// Package config is alertgate's configuration schema: typed structs, strict
// YAML loading (unknown keys are errors), ${ENV} expansion for secrets,
// defaults applied in one place, and validation that names the offending
// key and its line.
//
// The schema is data only. The packages that act on it (rules, router,
// notifiers, enrich) compile it into their own runtime types, the way
// Alertmanager's config package is compiled by dispatch and notify.
package config
