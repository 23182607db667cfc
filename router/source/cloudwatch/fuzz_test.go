package cloudwatch_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/alertgate/alertgate/router/source"
	"github.com/alertgate/alertgate/router/source/cloudwatch"
	"github.com/alertgate/alertgate/router/source/cloudwatch/snstest"
)

// FuzzReceive feeds arbitrary bodies to Receive twice: as they are, which
// exercises envelope parsing and rejection, and re-signed by the fake SNS
// when they decode as an envelope, which gets mutated alarms past the
// signature check into normalization. Whatever the input, Receive must not
// panic, must fail only with a *source.Error or an ErrUpstream, and must
// return only valid alerts.
func FuzzReceive(f *testing.F) {
	paths, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	s := snstest.New(f)
	r := newReceiver(s, autoConfirm)
	f.Fuzz(func(t *testing.T, body []byte) {
		checkReceive(t, r, nil, body)
		var m snstest.Message
		if json.Unmarshal(body, &m) != nil {
			return
		}
		m.SigningCertURL = ""
		checkReceive(t, r, m.Header(), s.SignedBody(&m, "2"))
	})
}

func checkReceive(t *testing.T, r *cloudwatch.Receiver, h http.Header, body []byte) {
	t.Helper()
	b, err := r.Receive(context.Background(), h, body)
	var se *source.Error
	switch {
	case err == nil:
	case errors.As(err, &se):
		if se.Status != http.StatusBadRequest && se.Status != http.StatusForbidden {
			t.Fatalf("source error with status %d: %v", se.Status, se)
		}
		return
	case errors.Is(err, cloudwatch.ErrUpstream):
		return
	default:
		t.Fatalf("error %v (%T) is neither a *source.Error nor ErrUpstream", err, err)
	}
	for i, a := range b.Alerts {
		if err := a.Validate(); err != nil {
			t.Fatalf("alert %d does not validate: %v", i, err)
		}
	}
	if len(b.Alerts) == 0 && b.Note == "" {
		t.Fatal("batch without alerts has no note")
	}
}
