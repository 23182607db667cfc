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

// Source yields the records of a trace, in order; Next returns io.EOF
// after the last.
type Source interface {
	Next() (Record, error)
}

// Reader reads a trace one line at a time, so that a replay's memory
// does not grow with the trace's length.
type Reader struct {
	sc   *bufio.Scanner
	line int
}

// maxLine bounds one line of a trace: a webhook body, with room for a
// large Alertmanager group.
const maxLine = 64 << 20

// NewReader returns a Reader of the JSON Lines trace in rd.
func NewReader(rd io.Reader) *Reader {
	sc := bufio.NewScanner(rd)
	sc.Buffer(nil, maxLine)
	return &Reader{sc: sc}
}

// Next returns the next record, or io.EOF.
func (r *Reader) Next() (Record, error) {
	for r.sc.Scan() {
		r.line++
		if len(r.sc.Bytes()) == 0 {
			continue
		}
		var rec Record
		if err := json.Unmarshal(r.sc.Bytes(), &rec); err != nil {
			return Record{}, fmt.Errorf("trace line %d: %w", r.line, err)
		}
		if rec.At.IsZero() || !rec.Source.Valid() {
			return Record{}, fmt.Errorf("trace line %d: needs at and a known source", r.line)
		}
		return rec, nil
	}
	if err := r.sc.Err(); err != nil {
		return Record{}, fmt.Errorf("trace line %d: %w", r.line+1, err)
	}
	return Record{}, io.EOF
}

// Read parses a whole trace.
func Read(rd io.Reader) ([]Record, error) {
	var out []Record
	r := NewReader(rd)
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
}

// Records is a Source over records already in memory.
func Records(records []Record) Source { return &sliceSource{records: records} }

type sliceSource struct {
	records []Record
	i       int
}

func (s *sliceSource) Next() (Record, error) {
	if s.i == len(s.records) {
		return Record{}, io.EOF
	}
	s.i++
	return s.records[s.i-1], nil
}

// body returns the original request body of a record.
func (r *Record) body() []byte {
	var s string
	if len(r.Body) > 0 && r.Body[0] == '"' && json.Unmarshal(r.Body, &s) == nil {
		return []byte(s)
	}
	return r.Body
}
