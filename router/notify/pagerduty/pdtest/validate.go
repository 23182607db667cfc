package pdtest

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits the fake enforces, from PagerDuty's Events API v2 documentation.
const (
	// MaxBodyBytes is the event size limit ("512 KB"), read as the
	// stricter 512,000 bytes.
	MaxBodyBytes = 512_000
	// MaxSummaryLen is the limit on payload.summary, in characters.
	MaxSummaryLen = 1024
	// MaxDedupKeyLen is the limit on dedup_key, in characters.
	MaxDedupKeyLen = 255
	// RoutingKeyLen is the length of every integration key.
	RoutingKeyLen = 32
)

const (
	actionTrigger     = "trigger"
	actionAcknowledge = "acknowledge"
	actionResolve     = "resolve"
)

// decode reads and validates one event. A rejection is the 400 body to
// answer; its errors list every problem found, as PagerDuty's do.
func decode(r *http.Request) (Event, *response) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return Event{}, unrecognized("Content-Type must be application/json")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		return Event{}, unrecognized("could not read the request body")
	}
	if len(body) > MaxBodyBytes {
		return Event{}, invalid("Event exceeds the maximum size of 512 KB")
	}
	var obj fields
	if err := json.Unmarshal(body, &obj); err != nil || obj == nil {
		return Event{}, unrecognized("JSON parse error")
	}
	var c checker
	ev := c.event(obj)
	if len(c.errs) > 0 {
		return Event{}, invalid(c.errs...)
	}
	ev.Size = len(body)
	return ev, nil
}

// fields is a JSON object whose members are checked one by one, so that
// a wrong type becomes a message naming the field rather than a parse
// error.
type fields map[string]json.RawMessage

type checker struct{ errs []string }

func (c *checker) add(format string, args ...any) {
	c.errs = append(c.errs, fmt.Sprintf(format, args...))
}

func (c *checker) event(obj fields) Event {
	ev := Event{
		RoutingKey: c.routingKey(obj),
		Action:     c.action(obj),
		DedupKey:   c.str(obj, "dedup_key", "dedup_key"),
		Client:     c.str(obj, "client", "client"),
		ClientURL:  c.str(obj, "client_url", "client_url"),
		Links:      c.links(obj["links"]),
		Images:     c.images(obj["images"]),
	}
	if utf8.RuneCountInString(ev.DedupKey) > MaxDedupKeyLen {
		c.add("'dedup_key' is too long (maximum %d characters)", MaxDedupKeyLen)
	}
	if (ev.Action == actionAcknowledge || ev.Action == actionResolve) && strings.TrimSpace(ev.DedupKey) == "" {
		c.add("'dedup_key' is missing or blank")
	}
	if ev.ClientURL != "" && !isURL(ev.ClientURL) {
		c.add("'client_url' is not a valid URL")
	}
	if ev.Action == actionTrigger {
		ev.Payload = c.payload(obj["payload"])
	}
	return ev
}

func (c *checker) routingKey(obj fields) string {
	k := c.required(obj, "routing_key", "routing_key")
	if k == "" {
		return ""
	}
	if utf8.RuneCountInString(k) != RoutingKeyLen {
		c.add("Length of 'routing_key' is incorrect (should be %d characters)", RoutingKeyLen)
	}
	for _, r := range k {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			c.add("'routing_key' cannot contain non-alphanumeric characters.")
			break
		}
	}
	return k
}

func (c *checker) action(obj fields) string {
	a := c.required(obj, "event_action", "event_action")
	switch a {
	case "", actionTrigger, actionAcknowledge, actionResolve:
	default:
		c.add("'event_action' is invalid (must be trigger, acknowledge or resolve)")
	}
	return a
}

func (c *checker) payload(raw json.RawMessage) *Payload {
	var f fields
	if isNull(raw) {
		c.add("'payload' is missing or blank")
		return nil
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		c.add("'payload' must be an object")
		return nil
	}
	p := &Payload{
		Summary:   c.required(f, "payload.summary", "summary"),
		Source:    c.required(f, "payload.source", "source"),
		Severity:  c.required(f, "payload.severity", "severity"),
		Timestamp: c.str(f, "payload.timestamp", "timestamp"),
		Component: c.str(f, "payload.component", "component"),
		Group:     c.str(f, "payload.group", "group"),
		Class:     c.str(f, "payload.class", "class"),
	}
	if n := utf8.RuneCountInString(p.Summary); n > MaxSummaryLen {
		c.add("'payload.summary' is too long (%d characters, maximum %d)", n, MaxSummaryLen)
	}
	switch p.Severity {
	case "", "critical", "error", "warning", "info":
	default:
		c.add("'payload.severity' is invalid (must be critical, error, warning or info)")
	}
	if p.Timestamp != "" && !isTimestamp(p.Timestamp) {
		c.add("'payload.timestamp' is not a valid ISO 8601 timestamp")
	}
	if d := f["custom_details"]; !isNull(d) {
		if err := json.Unmarshal(d, &p.CustomDetails); err != nil {
			c.add("'payload.custom_details' must be an object")
		}
	}
	return p
}

func (c *checker) links(raw json.RawMessage) []Link {
	items, ok := c.objects(raw, "links")
	if !ok {
		return nil
	}
	out := make([]Link, 0, len(items))
	for i, it := range items {
		path := fmt.Sprintf("links[%d].", i)
		l := Link{Href: c.required(it, path+"href", "href"), Text: c.str(it, path+"text", "text")}
		if l.Href != "" && !isURL(l.Href) {
			c.add("'%shref' is not a valid URL", path)
		}
		out = append(out, l)
	}
	return out
}

func (c *checker) images(raw json.RawMessage) []Image {
	items, ok := c.objects(raw, "images")
	if !ok {
		return nil
	}
	out := make([]Image, 0, len(items))
	for i, it := range items {
		path := fmt.Sprintf("images[%d].", i)
		img := Image{
			Src:  c.required(it, path+"src", "src"),
			Href: c.str(it, path+"href", "href"),
			Alt:  c.str(it, path+"alt", "alt"),
		}
		if img.Src != "" && !isURL(img.Src) {
			c.add("'%ssrc' is not a valid URL", path)
		}
		out = append(out, img)
	}
	return out
}

// objects decodes an optional array of objects.
func (c *checker) objects(raw json.RawMessage, name string) ([]fields, bool) {
	if isNull(raw) {
		return nil, false
	}
	var items []fields
	if err := json.Unmarshal(raw, &items); err != nil {
		c.add("'%s' must be an array of objects", name)
		return nil, false
	}
	return items, true
}

// str returns the optional string member name of f; path names it in
// messages.
func (c *checker) str(f fields, path, name string) string {
	raw, ok := f[name]
	if !ok || isNull(raw) {
		return ""
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		c.add("'%s' must be a string", path)
		return ""
	}
	return s
}

// required is str for a member that must be present and not blank.
func (c *checker) required(f fields, path, name string) string {
	before := len(c.errs)
	s := c.str(f, path, name)
	if strings.TrimSpace(s) == "" && len(c.errs) == before {
		c.add("'%s' is missing or blank", path)
	}
	return s
}

func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}

func isURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme != "" && u.Host != ""
}

// isTimestamp accepts ISO 8601 date-times as PagerDuty's examples write
// them ("2015-07-17T08:42:58.315+0000") and as RFC 3339 does.
func isTimestamp(s string) bool {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700"} {
		if _, err := time.Parse(layout, s); err == nil {
			return true
		}
	}
	return false
}
