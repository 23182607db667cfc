package alertmanager

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/prometheus/alertmanager/template"
)

// The fast path. encoding/json decodes a webhook several times over: the
// whole message once with every alert kept raw, then each alert again,
// then each raw fragment is validated once more for alert.Raw, all through
// reflection. That was most of alertgate's CPU per alert. fastDecode reads
// the shape Alertmanager actually sends in one pass and returns ok=false
// for anything else (a null, a duplicate or case-folded key, a number
// where a string belongs, malformed JSON), and the caller then takes the
// encoding/json path, which also words every error. So the fast path
// decides nothing on its own: for every input it accepts, the result is
// the one encoding/json gives (FuzzParse_FastPathMatchesReference holds
// it to that).

// fastMessage is what Parse needs of a webhook message.
type fastMessage struct {
	status, groupKey, externalURL string
	commonName                    string
	truncated                     uint64
	alerts                        []fastAlert
}

// fastAlert is one decoded alert and its original bytes.
type fastAlert struct {
	raw []byte
	ta  template.Alert
}

// maxFastDepth bounds the nesting of unknown values the fast path skips;
// deeper input takes the reference path, which has its own limit.
const maxFastDepth = 100

// Fields of the message and of an alert, as json tags name them. A key
// that equals one of them only case-insensitively sends the input to the
// reference path, because encoding/json would match it.
var (
	messageFields = []string{"alerts", "status", "version", "groupKey", "receiver", "notification_reason",
		"externalURL", "groupLabels", "commonLabels", "commonAnnotations", "routeLabels", "truncatedAlerts"}
	alertFields = []string{"status", "labels", "annotations", "startsAt", "endsAt", "generatorURL", "fingerprint"}
)

// fastDecode decodes body if it has the usual shape.
func fastDecode(body []byte) (fastMessage, bool) {
	s := scanner{b: body}
	var m fastMessage
	var seen [12]bool
	ok := s.object(func(key string) bool {
		if i := indexOf(messageFields, key); i >= 0 {
			if seen[i] {
				return false
			}
			seen[i] = true
		}
		switch key {
		case "alerts":
			return s.alerts(&m)
		case "status":
			return s.string(&m.status)
		case "groupKey":
			return s.string(&m.groupKey)
		case "externalURL":
			return s.string(&m.externalURL)
		case "version", "receiver", "notification_reason":
			var discard string
			return s.string(&discard)
		case "commonLabels":
			return s.kvGet("alertname", &m.commonName)
		case "groupLabels", "commonAnnotations", "routeLabels":
			return s.kvGet("", nil)
		case "truncatedAlerts":
			return s.uint(&m.truncated)
		}
		return s.unknown(key, messageFields)
	})
	return m, ok && s.end()
}

// alerts decodes the alerts array; every element must be an object.
func (s *scanner) alerts(m *fastMessage) bool {
	if !s.consume('[') {
		return false
	}
	if s.consume(']') {
		m.alerts = []fastAlert{}
		return true
	}
	for {
		s.ws()
		start := s.i
		var a fastAlert
		if !s.alert(&a.ta) {
			return false
		}
		a.raw = s.b[start:s.i]
		m.alerts = append(m.alerts, a)
		if s.consume(']') {
			return true
		}
		if !s.consume(',') {
			return false
		}
		s.multi = true
	}
}

func (s *scanner) alert(ta *template.Alert) bool {
	var seen [7]bool
	return s.object(func(key string) bool {
		i := indexOf(alertFields, key)
		if i >= 0 {
			if seen[i] {
				return false
			}
			seen[i] = true
		}
		switch key {
		case "status":
			return s.string(&ta.Status)
		case "generatorURL":
			return s.string(&ta.GeneratorURL)
		case "fingerprint":
			return s.string(&ta.Fingerprint)
		case "labels":
			var ok bool
			ta.Labels, ok = s.kv(&s.labels)
			return ok
		case "annotations":
			var ok bool
			ta.Annotations, ok = s.kv(&s.annotations)
			return ok
		case "startsAt":
			return s.time(&ta.StartsAt)
		case "endsAt":
			return s.time(&ta.EndsAt)
		}
		return s.unknown(key, alertFields)
	})
}

func indexOf(names []string, key string) int {
	for i, n := range names {
		if n == key {
			return i
		}
	}
	return -1
}

// scanner reads JSON from b.
type scanner struct {
	b []byte
	i int
	// labels and annotations remember the entries of the alert read
	// last, and room for the next one's (see kv); only once a second
	// alert follows the first (multi), so that a webhook of one alert
	// pays nothing for it.
	labels, annotations [2][]entry
	multi               bool
}

// entry is a key and value of an object of strings, with their bytes
// as sent.
type entry struct {
	rawKey, rawValue []byte
	key, value       string
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// consume skips white space and c, if c is next.
func (s *scanner) consume(c byte) bool {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// end reports whether only white space is left.
func (s *scanner) end() bool {
	s.ws()
	return s.i == len(s.b)
}

// object reads an object, calling field for each key with the scanner
// at the value. Keys must be plain ASCII without escapes.
func (s *scanner) object(field func(key string) bool) bool {
	if !s.consume('{') {
		return false
	}
	if s.consume('}') {
		return true
	}
	for {
		s.ws()
		raw, plain, ok := s.str()
		if !ok || !plain || !s.consume(':') {
			return false
		}
		s.ws()
		if !field(string(raw)) {
			return false
		}
		if s.consume('}') {
			return true
		}
		if !s.consume(',') {
			return false
		}
	}
}

// unknown skips the value of a key the type does not have, unless
// encoding/json would match it to a field regardless of case.
func (s *scanner) unknown(key string, fields []string) bool {
	for _, f := range fields {
		if strings.EqualFold(key, f) {
			return false
		}
	}
	return s.skip(0)
}

// str reads a string and returns its contents between the quotes. plain
// is true when it holds only printable ASCII without escapes, so that
// the contents are the value.
func (s *scanner) str() (raw []byte, plain, ok bool) {
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return nil, false, false
	}
	start := s.i + 1
	plain = true
	for i := start; i < len(s.b); i++ {
		switch c := s.b[i]; {
		case c == '"':
			s.i = i + 1
			return s.b[start:i], plain, true
		case c < 0x20:
			return nil, false, false
		case c == '\\':
			plain = false
			if i+1 >= len(s.b) {
				return nil, false, false
			}
			i++
			switch s.b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(s.b) || !isHex(s.b[i+1:i+5]) {
					return nil, false, false
				}
				i += 4
			default:
				return nil, false, false
			}
		case c >= utf8.RuneSelf:
			plain = false
		}
	}
	return nil, false, false
}

func isHex(b []byte) bool {
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// value converts a string read by str. Plain strings are their bytes;
// simple escapes and valid UTF-8 are decoded here, as encoding/json
// decodes them; anything else (invalid UTF-8, a \u surrogate) is
// unquoted by encoding/json itself, so it comes out exactly as there.
func value(raw []byte, plain bool) (string, bool) {
	if plain {
		return string(raw), true
	}
	if v, ok := unescape(raw); ok {
		return v, true
	}
	var v string
	quoted := make([]byte, 0, len(raw)+2)
	quoted = append(append(append(quoted, '"'), raw...), '"')
	return v, json.Unmarshal(quoted, &v) == nil
}

// null skips a null, if that is next. encoding/json leaves a string
// or time.Time as it was for null, and sets a map to nil.
func (s *scanner) null() bool {
	if bytes.HasPrefix(s.b[s.i:], []byte("null")) {
		s.i += 4
		return true
	}
	return false
}

// unescape decodes the escapes of a string str has checked, if it holds
// only valid UTF-8 and no surrogate escapes.
func unescape(raw []byte) (string, bool) {
	b := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); {
		c := raw[i]
		switch {
		case c == '\\':
			e := raw[i+1]
			i += 2
			switch e {
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r := hex4(raw[i : i+4])
				if utf16.IsSurrogate(r) {
					return "", false
				}
				b = utf8.AppendRune(b, r)
				i += 4
			default: // " \ /
				b = append(b, e)
			}
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			r, size := utf8.DecodeRune(raw[i:])
			if r == utf8.RuneError && size == 1 {
				return "", false
			}
			b = append(b, raw[i:i+size]...)
			i += size
		}
	}
	return string(b), true
}

func hex4(b []byte) rune {
	var r rune
	for _, c := range b {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		default:
			c -= 'A' - 10
		}
		r = r*16 + rune(c)
	}
	return r
}

// string reads a string value (or null, leaving v as it is) into v.
func (s *scanner) string(v *string) bool {
	if s.null() {
		return true
	}
	raw, plain, ok := s.str()
	if !ok {
		return false
	}
	*v, ok = value(raw, plain)
	return ok
}

// time reads a time as time.Time's UnmarshalJSON does (null leaves it).
func (s *scanner) time(t *time.Time) bool {
	if s.null() {
		return true
	}
	tok, ok := s.stringToken()
	return ok && t.UnmarshalJSON(tok) == nil
}

// stringToken reads a string and returns it with its quotes, as
// encoding/json hands it to an UnmarshalJSON method.
func (s *scanner) stringToken() ([]byte, bool) {
	start := s.i
	if _, _, ok := s.str(); !ok {
		return nil, false
	}
	return s.b[start:s.i], true
}

// kv reads an object of strings, as encoding/json decodes a template.KV:
// a repeated key keeps its last value. The alerts of a webhook share
// most label names and many values, which Alertmanager writes in the
// same (sorted) order: an entry sent as the one at the same place in
// the previous alert's object (memo[0]) was, byte for byte, takes that
// one's strings instead of new ones. memo[1] is spare room for the next
// object's entries. The first alert of a webhook is not remembered
// (s.multi).
//
// The entries are gathered before the map is made, at its size: grown
// one entry at a time, a map of more than eight entries (most alerts'
// labels) is made twice and its first eight moved.
func (s *scanner) kv(memo *[2][]entry) (map[string]string, bool) {
	if s.null() {
		return nil, true
	}
	prev := memo[0]
	var room [16]entry
	cur := room[:0]
	ok := s.entries(func(rawKey []byte, plain bool) bool {
		j := len(cur)
		var same *entry
		if j < len(prev) {
			same = &prev[j]
		}
		e := entry{rawKey: rawKey}
		if same != nil && bytes.Equal(same.rawKey, rawKey) {
			e.key = same.key
		} else {
			var ok bool
			if e.key, ok = value(rawKey, plain); !ok {
				return false
			}
		}
		if !s.null() { // null leaves the value empty
			raw, plain, ok := s.str()
			if !ok {
				return false
			}
			e.rawValue = raw
			if same != nil && bytes.Equal(same.rawValue, raw) {
				e.value = same.value
			} else if e.value, ok = value(raw, plain); !ok {
				return false
			}
		}
		cur = append(cur, e)
		return true
	})
	out := make(map[string]string, len(cur))
	for _, e := range cur {
		out[e.key] = e.value
	}
	if s.multi {
		// Copied into the memo's own room: cur may be room on the stack,
		// which storing it would move to the heap for every object.
		memo[0], memo[1] = append(memo[1][:0], cur...), prev
	}
	return out, ok
}

// kvGet reads an object of strings like kv, but keeps only the value of
// name in *v (nothing for a nil v): the same value kv()[name] would be,
// without building the map.
func (s *scanner) kvGet(name string, v *string) bool {
	if s.null() {
		return true
	}
	return s.object2(func(k string) bool {
		if v == nil || k != name {
			if s.null() {
				return true
			}
			_, _, ok := s.str()
			return ok
		}
		*v = ""
		return s.string(v)
	})
}

// object2 is object for maps: keys may hold escapes and any UTF-8.
func (s *scanner) object2(field func(key string) bool) bool {
	return s.entries(func(raw []byte, plain bool) bool {
		key, ok := value(raw, plain)
		return ok && field(key)
	})
}

// entries reads an object, calling field for each key as str returns
// it, with the scanner at the value.
func (s *scanner) entries(field func(raw []byte, plain bool) bool) bool {
	if !s.consume('{') {
		return false
	}
	if s.consume('}') {
		return true
	}
	for {
		s.ws()
		raw, plain, ok := s.str()
		if !ok || !s.consume(':') {
			return false
		}
		s.ws()
		if !field(raw, plain) {
			return false
		}
		if s.consume('}') {
			return true
		}
		if !s.consume(',') {
			return false
		}
	}
}

// uint reads a non-negative integer, as encoding/json decodes a uint64.
func (s *scanner) uint(v *uint64) bool {
	start := s.i
	for s.i < len(s.b) && '0' <= s.b[s.i] && s.b[s.i] <= '9' {
		s.i++
	}
	digits := s.b[start:s.i]
	if len(digits) == 0 || (len(digits) > 1 && digits[0] == '0') {
		return false
	}
	if s.i < len(s.b) {
		switch s.b[s.i] {
		case '.', 'e', 'E':
			return false
		}
	}
	n, err := strconv.ParseUint(string(digits), 10, 64)
	*v = n
	return err == nil
}

// skip reads any JSON value and discards it.
func (s *scanner) skip(depth int) bool {
	if depth > maxFastDepth || s.i >= len(s.b) {
		return false
	}
	switch c := s.b[s.i]; {
	case c == '{':
		return s.object2(func(string) bool { return s.skip(depth + 1) })
	case c == '[':
		s.i++
		if s.consume(']') {
			return true
		}
		for {
			s.ws()
			if !s.skip(depth + 1) {
				return false
			}
			if s.consume(']') {
				return true
			}
			if !s.consume(',') {
				return false
			}
		}
	case c == '"':
		_, _, ok := s.str()
		return ok
	case c == '-' || '0' <= c && c <= '9':
		return s.number()
	}
	for _, lit := range [...]string{"true", "false", "null"} {
		if bytes.HasPrefix(s.b[s.i:], []byte(lit)) {
			s.i += len(lit)
			return true
		}
	}
	return false
}

// number reads a number by JSON's grammar.
func (s *scanner) number() bool {
	b, i := s.b, s.i
	digits := func() int {
		n := 0
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case digits() == 0:
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	s.i = i
	return true
}
