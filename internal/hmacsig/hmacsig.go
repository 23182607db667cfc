// Package hmacsig computes alertgate's body signature, the one inbound
// webhooks may carry and outbound webhooks send:
// "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>".
// The timestamp inside the signed text lets a receiver reject replays.
package hmacsig

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"
)

// Header is the HTTP header that carries the signature.
const Header = "X-Alertgate-Signature"

// Sign computes the v1 signature of body at timestamp ts (unix seconds).
func Sign(secret []byte, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Value is the header value signing body at time at.
func Value(secret []byte, at time.Time, body []byte) string {
	ts := strconv.FormatInt(at.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(Sign(secret, ts, body))
}
