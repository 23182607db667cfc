// Package memory is the embedded, in-process state store: alertgate's
// default, so a single replica runs with no external service. It has the
// same semantics as the Redis store (the storetest suite runs against
// both) but its state ends with the process.
package memory
