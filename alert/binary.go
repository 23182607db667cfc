package alert

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// binaryVersion starts the binary encoding. It can never start a JSON
// document, so a reader can tell the two apart by the first byte.
const binaryVersion byte = 1

// AppendBinary appends a compact binary encoding of the alert to b
// (encoding.BinaryAppender). It is what the Redis store keeps of every
// alert it tracks and hands back to each flush, so it is several times
// cheaper to write and read than JSON; UnmarshalBinary gives back what a
// JSON round trip would (times lose their monotonic reading and keep
// their offset, empty annotations and raw payload become nil). Labels and
// annotations are written in their maps' order, not sorted: equal alerts
// may encode differently, and nothing compares encodings.
func (a *Alert) AppendBinary(b []byte) ([]byte, error) {
	b = append(b, binaryVersion)
	for _, s := range []string{string(a.Source), a.Name, string(a.Status), string(a.Severity)} {
		b = appendString(b, s)
	}
	b = appendMap(b, a.Labels, a.Labels != nil)
	b = appendMap(b, a.Annotations, len(a.Annotations) > 0)
	var err error
	for _, t := range []time.Time{a.StartsAt, a.EndsAt} {
		if b, err = appendTime(b, t); err != nil {
			return nil, fmt.Errorf("encode alert %s: %w", a.Fingerprint, err)
		}
	}
	for _, s := range []string{a.GeneratorURL, a.SourceURL, a.GroupKey, string(a.Fingerprint), a.SourceID, string(a.Raw)} {
		b = appendString(b, s)
	}
	return b, nil
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// appendMap writes a map's size plus one (0 for a map left out: nil),
// then its pairs, in the map's own order.
func appendMap(b []byte, m map[string]string, present bool) []byte {
	if !present {
		return append(b, 0)
	}
	b = binary.AppendUvarint(b, uint64(len(m))+1)
	for k, v := range m {
		b = appendString(appendString(b, k), v)
	}
	return b
}

// appendTime writes the zero time as an empty string, any other as
// time.Time's own binary form.
func appendTime(b []byte, t time.Time) ([]byte, error) {
	if t.IsZero() {
		return append(b, 0), nil
	}
	var buf [16]byte
	tb, err := t.AppendBinary(buf[:0])
	if err != nil {
		return nil, err
	}
	return appendString(b, string(tb)), nil
}

// errBinary is the error of an encoding that is cut short or malformed.
var errBinary = errors.New("malformed binary alert")

// UnmarshalBinary decodes what AppendBinary wrote
// (encoding.BinaryUnmarshaler). It never keeps b.
func (a *Alert) UnmarshalBinary(b []byte) error {
	d := decoder{s: string(b)}
	if d.byte() != binaryVersion {
		return fmt.Errorf("%w: unknown version", errBinary)
	}
	var x Alert
	x.Source, x.Name, x.Status, x.Severity = Source(d.str()), d.str(), Status(d.str()), Severity(d.str())
	x.Labels, x.Annotations = d.strMap(), d.strMap()
	if len(x.Annotations) == 0 {
		x.Annotations = nil // as JSON's omitempty leaves them
	}
	x.StartsAt, x.EndsAt = d.time(), d.time()
	x.GeneratorURL, x.SourceURL, x.GroupKey, x.Fingerprint, x.SourceID = d.str(), d.str(), d.str(), Fingerprint(d.str()), d.str()
	if raw := d.str(); raw != "" {
		x.Raw = []byte(raw)
	}
	if d.err != nil {
		return d.err
	}
	if d.s != "" {
		return fmt.Errorf("%w: %d bytes left over", errBinary, len(d.s))
	}
	*a = x
	return nil
}

// decoder reads an encoding; the strings it returns share the memory of
// s (one copy of the input for the whole alert). After the first error
// it returns zero values.
type decoder struct {
	s   string
	err error
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = errBinary
	}
	d.s = ""
}

func (d *decoder) byte() byte {
	if d.s == "" {
		d.fail()
		return 0
	}
	c := d.s[0]
	d.s = d.s[1:]
	return c
}

func (d *decoder) uvarint() uint64 {
	var v uint64
	for shift := 0; shift < 64 && d.s != ""; shift += 7 {
		c := d.s[0]
		d.s = d.s[1:]
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v
		}
	}
	d.fail()
	return 0
}

func (d *decoder) str() string {
	n := d.uvarint()
	if n > uint64(len(d.s)) {
		d.fail()
		return ""
	}
	s := d.s[:n]
	d.s = d.s[n:]
	return s
}

func (d *decoder) strMap() map[string]string {
	n := d.uvarint()
	if n == 0 || d.err != nil {
		return nil
	}
	// Each pair takes at least two bytes: a count beyond that is a lie.
	if n-1 > uint64(len(d.s))/2 {
		d.fail()
		return nil
	}
	m := make(map[string]string, n-1)
	for range n - 1 {
		k := d.str()
		m[k] = d.str()
	}
	return m
}

func (d *decoder) time() time.Time {
	s := d.str()
	if s == "" {
		return time.Time{}
	}
	var t time.Time
	if err := t.UnmarshalBinary([]byte(s)); err != nil {
		d.fail()
		return time.Time{}
	}
	return t
}
