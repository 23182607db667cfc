package replay

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/alertgate/alertgate/alert"
)

// Record is one webhook of a trace.
type Record struct {
	At     time.Time    `json:"at"`
	Source alert.Source `json:"source"`
	// Header keeps only what a source needs to parse the body again (the
	// SNS message type); credentials are never recorded.
	Header map[string]string `json:"header,omitempty"`
	// Body is the request body: JSON as is, anything else as a string.
	Body json.RawMessage `json:"body"`
}

// recordedHeaders are the request headers kept in a trace.
var recordedHeaders = []string{"X-Amz-Sns-Message-Type"}

// Recorder writes accepted webhooks to a trace. It is safe for
// concurrent use.
type Recorder struct {
	mu  sync.Mutex
	w   *bufio.Writer
	err error
}

// NewRecorder returns a Recorder writing to w.
func NewRecorder(w io.Writer) *Recorder { return &Recorder{w: bufio.NewWriter(w)} }

// Record appends one webhook to the trace.
func (r *Recorder) Record(at time.Time, src alert.Source, h http.Header, body []byte) {
	rec := Record{At: at.UTC(), Source: src, Body: body}
	if !json.Valid(body) {
		rec.Body, _ = json.Marshal(string(body))
	}
	for _, k := range recordedHeaders {
		if v := h.Get(k); v != "" {
			if rec.Header == nil {
				rec.Header = map[string]string{}
			}
			rec.Header[k] = v
		}
	}
	line, err := json.Marshal(rec)
	if err != nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return
	}
	if _, r.err = r.w.Write(append(line, '\n')); r.err == nil {
		r.err = r.w.Flush()
	}
}

// Err returns the first write error, if any.
func (r *Recorder) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// Read parses a trace.
func Read(rd io.Reader) ([]Record, error) {
	var out []Record
	sc := bufio.NewScanner(rd)
	sc.Buffer(nil, 64<<20)
	for n := 1; sc.Scan(); n++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var r Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("trace line %d: %w", n, err)
		}
		if r.At.IsZero() || !r.Source.Valid() {
			return nil, fmt.Errorf("trace line %d: needs at and a known source", n)
		}
		out = append(out, r)
	}
	return out, sc.Err()
}

// body returns the original request body of a record.
func (r *Record) body() []byte {
	var s string
	if len(r.Body) > 0 && r.Body[0] == '"' && json.Unmarshal(r.Body, &s) == nil {
		return []byte(s)
	}
	return r.Body
}
