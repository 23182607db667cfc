package notify

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
)

// Outbox payloads are a version byte, the notification's JSON without
// its members, and the members, each its change, whether it flaps and
// its alert's binary encoding (alert.AppendBinary):
//
//	1 | len | JSON | count+1 (0: nil) | per member: len | change | flapping (0/1) | len | alert
//
// (lengths and counts as uvarints). A notification is encoded once, by
// the flusher, and decoded at each delivery attempt; the members are
// most of it (a storm's first flush carries a thousand alerts), and
// JSON costs several times the binary encoding both ways. Payloads that
// start with '{' are JSON, as earlier versions wrote them, and are still
// read.
const payloadVersion byte = 1

// Encode serializes n for the outbox.
func (n *Notification) Encode() ([]byte, error) {
	head := *n
	head.Members = nil
	js, err := json.Marshal(&head)
	if err != nil {
		return nil, fmt.Errorf("encode notification %s: %w", n.ID, err)
	}
	b := make([]byte, 0, len(js)+16+len(n.Members)*768)
	b = append(b, payloadVersion)
	b = binary.AppendUvarint(b, uint64(len(js)))
	b = append(b, js...)
	if n.Members == nil {
		return append(b, 0), nil
	}
	b = binary.AppendUvarint(b, uint64(len(n.Members))+1)
	var enc []byte
	for i := range n.Members {
		m := &n.Members[i]
		b = binary.AppendUvarint(b, uint64(len(m.Change)))
		b = append(b, m.Change...)
		flapping := byte(0)
		if m.Flapping {
			flapping = 1
		}
		b = append(b, flapping)
		if enc, err = m.Alert.AppendBinary(enc[:0]); err != nil {
			return nil, fmt.Errorf("encode notification %s: %w", n.ID, err)
		}
		b = binary.AppendUvarint(b, uint64(len(enc)))
		b = append(b, enc...)
	}
	return b, nil
}

// errPayload is the error of a binary payload that is cut short.
var errPayload = errors.New("malformed payload")

// Decode parses an outbox payload.
func Decode(b []byte) (*Notification, error) {
	var n Notification
	if len(b) > 0 && b[0] == '{' {
		if err := json.Unmarshal(b, &n); err != nil {
			return nil, fmt.Errorf("decode notification: %w", err)
		}
		return &n, nil
	}
	if err := decodeBinary(b, &n); err != nil {
		return nil, fmt.Errorf("decode notification: %w", err)
	}
	return &n, nil
}

func decodeBinary(b []byte, n *Notification) error {
	if len(b) == 0 || b[0] != payloadVersion {
		return fmt.Errorf("%w: unknown version", errPayload)
	}
	b = b[1:]
	next := func() ([]byte, bool) {
		size, k := binary.Uvarint(b)
		if k <= 0 || size > uint64(len(b)-k) {
			return nil, false
		}
		out := b[k : k+int(size)]
		b = b[k+int(size):]
		return out, true
	}
	js, ok := next()
	if !ok {
		return errPayload
	}
	if err := json.Unmarshal(js, n); err != nil {
		return err
	}
	count, k := binary.Uvarint(b)
	if k <= 0 {
		return errPayload
	}
	b = b[k:]
	if count == 0 {
		n.Members = nil
	} else {
		// Each member takes at least three bytes: a count beyond that is
		// a lie.
		if count-1 > uint64(len(b))/3 {
			return errPayload
		}
		n.Members = make([]Member, count-1)
	}
	for i := range n.Members {
		m := &n.Members[i]
		change, ok := next()
		if !ok || len(b) == 0 {
			return errPayload
		}
		m.Change, m.Flapping = string(change), b[0] == 1
		b = b[1:]
		enc, ok := next()
		if !ok {
			return errPayload
		}
		if err := m.Alert.UnmarshalBinary(enc); err != nil {
			return err
		}
	}
	if len(b) != 0 {
		return fmt.Errorf("%w: %d bytes left over", errPayload, len(b))
	}
	return nil
}
