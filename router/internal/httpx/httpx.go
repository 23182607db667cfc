// Package httpx holds the HTTP helpers the router and its sub-packages
// (console, amapi) share: JSON answers, JSON errors naming the field at
// fault, and reading a request body within a limit.
package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/alertgate/alertgate/router/source"
)

// Error is the JSON body of every error response.
type Error struct {
	Error string `json:"error"`
	Field string `json:"field,omitempty"`
}

// WriteJSON answers code with v as JSON.
func WriteJSON(w http.ResponseWriter, code int, v any) {
	jsonHeader(w, code)
	_ = json.NewEncoder(w).Encode(v)
}

// WriteEncoded answers code with b, JSON the caller encoded itself
// (ending in a newline, as WriteJSON's encoder ends it), with WriteJSON's
// headers.
func WriteEncoded(w http.ResponseWriter, code int, b []byte) {
	jsonHeader(w, code)
	_, _ = w.Write(b)
}

func jsonHeader(w http.ResponseWriter, code int) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
}

// WriteError answers code with an Error naming field (may be empty) and
// the reason.
func WriteError(w http.ResponseWriter, code int, field, reason string) {
	WriteJSON(w, code, Error{Error: reason, Field: field})
}

// WriteSourceError answers a validation error with its status and field
// when it is a *source.Error, and 400 otherwise.
func WriteSourceError(w http.ResponseWriter, err error) {
	var se *source.Error
	if errors.As(err, &se) {
		WriteError(w, se.Status, se.Field, se.Reason)
		return
	}
	WriteError(w, http.StatusBadRequest, "", err.Error())
}

// MethodNotAllowed answers 405 in JSON, like every other error.
func MethodNotAllowed(allow string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		WriteError(w, http.StatusMethodNotAllowed, "", r.Method+" not allowed, use "+allow)
	}
}

// ReadBody reads a request body of at most limit bytes, answering 413
// or 400 itself when it cannot.
func ReadBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, bool) {
	body, code, reason := ReadLimited(w, r, limit)
	if code != 0 {
		WriteError(w, code, "", reason)
		return nil, false
	}
	return body, true
}

// ReadLimited reads a request body of at most limit bytes. On failure it
// returns the status to answer and why, and answers nothing itself.
func ReadLimited(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, int, string) {
	if r.ContentLength > limit {
		return nil, http.StatusRequestEntityTooLarge, "request body larger than " + strconv.FormatInt(limit, 10) + " bytes"
	}
	// Read into a buffer of the announced size: growing one from nothing
	// was a tenth of what a webhook allocated.
	var buf bytes.Buffer
	if r.ContentLength > 0 {
		buf.Grow(int(r.ContentLength) + bytes.MinRead)
	}
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, limit))
	if err == nil {
		return buf.Bytes(), 0, ""
	}
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, http.StatusRequestEntityTooLarge, "request body larger than " + strconv.FormatInt(tooLarge.Limit, 10) + " bytes"
	}
	return nil, http.StatusBadRequest, "reading body: " + err.Error()
}
