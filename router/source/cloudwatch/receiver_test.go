package cloudwatch_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/internal/golden"
	"github.com/alertgate/alertgate/router/source/cloudwatch"
	"github.com/alertgate/alertgate/router/source/cloudwatch/snstest"
)

func TestReceive_NormalizesTestdataAsInGoldenFiles(t *testing.T) {
	s := snstest.New(t)
	for _, name := range testdataEnvelopes(t) {
		t.Run(name, func(t *testing.T) {
			m := load(t, name)
			got := mustReceive(t, newReceiver(s, autoConfirm, clockAt(t, m)), s, m)
			for _, a := range got.Alerts {
				if err := a.Validate(); err != nil {
					t.Errorf("alert does not validate: %v", err)
				}
			}
			golden.AssertJSON(t, name, got)
		})
	}
}

func TestReceive_MapsAlarmStatesToStatus(t *testing.T) {
	s := snstest.New(t)
	r := newReceiver(s)
	at := time.Date(2026, 3, 4, 5, 6, 7, 123e6, time.UTC)
	tests := []struct {
		state      string
		wantStatus alert.Status
		wantEnds   time.Time
	}{
		{"ALARM", alert.StatusFiring, time.Time{}},
		{"OK", alert.StatusResolved, at},
		{"ok", alert.StatusResolved, at}, // hand-written publishes vary the case
	}
	for _, tt := range tests {
		t.Run(tt.state, func(t *testing.T) {
			got := mustReceive(t, r, s, snstest.AlarmNotification(topicTokyo, snstest.Alarm{State: tt.state, Time: at}))
			if len(got.Alerts) != 1 {
				t.Fatalf("got %d alerts, want 1 (note %q)", len(got.Alerts), got.Note)
			}
			a := got.Alerts[0]
			if a.Status != tt.wantStatus || !a.StartsAt.Equal(at) || !a.EndsAt.Equal(tt.wantEnds) {
				t.Errorf("status %s, startsAt %v, endsAt %v; want %s, %v, %v", a.Status, a.StartsAt, a.EndsAt, tt.wantStatus, at, tt.wantEnds)
			}
		})
	}
}

func TestReceive_InsufficientDataIsNotAnAlert(t *testing.T) {
	s := snstest.New(t)
	r := newReceiver(s)
	got := mustReceive(t, r, s, snstest.AlarmNotification(topicTokyo, snstest.Alarm{Name: "db-lag", State: "INSUFFICIENT_DATA"}))
	if len(got.Alerts) != 0 {
		t.Errorf("got %d alerts, want none", len(got.Alerts))
	}
	if !strings.Contains(got.Note, "INSUFFICIENT_DATA") || !strings.Contains(got.Note, "db-lag") {
		t.Errorf("note = %q, want it to name the alarm and INSUFFICIENT_DATA", got.Note)
	}
}

func TestReceive_FingerprintIsStableAcrossAlarmOKAlarm(t *testing.T) {
	s := snstest.New(t)
	r := newReceiver(s)
	fingerprint := func(a snstest.Alarm) alert.Fingerprint {
		t.Helper()
		b := mustReceive(t, r, s, snstest.AlarmNotification(topicTokyo, a))
		return b.Alerts[0].Fingerprint
	}
	first := fingerprint(snstest.Alarm{Name: "api-5xx", State: "ALARM"})
	for _, state := range []string{"OK", "ALARM"} {
		if got := fingerprint(snstest.Alarm{Name: "api-5xx", State: state}); got != first {
			t.Errorf("%s fingerprint %s, want %s as for the first ALARM", state, got, first)
		}
	}
	if other := fingerprint(snstest.Alarm{Name: "api-latency"}); other == first {
		t.Errorf("another alarm has the same fingerprint %s", other)
	}
}

func TestReceive_FingerprintWithoutAlarmArnUsesAccountRegionAndName(t *testing.T) {
	s := snstest.New(t)
	r := newReceiver(s)
	msg := func(state, account string) *snstest.Message {
		return snstest.Notification(topicVirginia, "",
			`{"AlarmName":"jobs-backlog","AWSAccountId":"`+account+`","NewStateValue":"`+state+`","Region":"US - N. Virginia"}`)
	}
	alarmFP := mustReceive(t, r, s, msg("ALARM", "123456789012")).Alerts[0].Fingerprint
	okFP := mustReceive(t, r, s, msg("OK", "123456789012")).Alerts[0].Fingerprint
	otherFP := mustReceive(t, r, s, msg("ALARM", "210987654321")).Alerts[0].Fingerprint
	if alarmFP != okFP {
		t.Errorf("OK fingerprint %s differs from ALARM fingerprint %s", okFP, alarmFP)
	}
	if otherFP == alarmFP {
		t.Errorf("same alarm name in another account has the same fingerprint %s", otherFP)
	}
}

func TestReceive_DimensionsBecomeLabelsWithoutOverwriting(t *testing.T) {
	s := snstest.New(t)
	r := newReceiver(s)
	got := mustReceive(t, r, s, snstest.AlarmNotification(topicTokyo, snstest.Alarm{
		Name: "queue-depth",
		Dimensions: []snstest.Dimension{
			{Name: "QueueName", Value: "jobs"},
			{Name: "severity", Value: "page-everyone"},
			{Name: "region", Value: "mars-north-1"},
			{Name: "Cluster Name", Value: "prod"},
			{Name: "2fa.Provider", Value: "otp"},
		},
	})).Alerts[0]
	want := map[string]string{
		"alertname":     "queue-depth",
		"source":        "cloudwatch",
		"severity":      "warning",
		"region":        "ap-northeast-1",
		"account":       "123456789012",
		"namespace":     "AWS/EC2",
		"metric":        "CPUUtilization",
		"QueueName":     "jobs",
		"Cluster_Name":  "prod",
		"_2fa_Provider": "otp",
	}
	for k, v := range want {
		if got.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, got.Labels[k], v)
		}
	}
	if len(got.Labels) != len(want) {
		t.Errorf("labels = %v, want exactly %v", got.Labels, want)
	}
}

func TestReceive_SeverityComesFromDescriptionOrName(t *testing.T) {
	s := snstest.New(t)
	r := newReceiver(s)
	tests := []struct {
		name, alarm, description string
		want                     alert.Severity
	}{
		{"description severity=critical", "api", "Too many 5xx. severity=critical", alert.SeverityCritical},
		{"description severity: P1", "api", "severity: P1", alert.SeverityCritical},
		{"description wins over name", "[critical] api", "severity=info", alert.SeverityInfo},
		{"leading tag in name", "[Info] nightly batch", "", alert.SeverityInfo},
		{"word in name", "api-CRITICAL-5xx", "", alert.SeverityCritical},
		{"word in name with underscores", "db_warning_cpu", "", alert.SeverityWarning},
		{"unknown hint falls through to name", "critical api", "severity=whatever", alert.SeverityCritical},
		{"no hint defaults to warning", "noncritical api", "", alert.SeverityWarning},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mustReceive(t, r, s, snstest.AlarmNotification(topicTokyo, snstest.Alarm{Name: tt.alarm, Description: tt.description})).Alerts[0]
			if got.Severity != tt.want || got.Labels["severity"] != string(tt.want) {
				t.Errorf("severity %q, label %q; want %q", got.Severity, got.Labels["severity"], tt.want)
			}
		})
	}
}

func TestReceive_LinksToTheAlarmInTheConsoleOfItsRegion(t *testing.T) {
	s := snstest.New(t)
	r := newReceiver(s)
	got := mustReceive(t, r, s, snstest.AlarmNotification(topicTokyo, snstest.Alarm{Name: "web 5xx > 1%"})).Alerts[0]
	const home = "https://ap-northeast-1.console.aws.amazon.com/cloudwatch/home?region=ap-northeast-1"
	if got.SourceURL != home {
		t.Errorf("SourceURL = %q, want %q", got.SourceURL, home)
	}
	if want := home + "#alarmsV2:alarm/web%205xx%20%3E%201%25"; got.GeneratorURL != want {
		t.Errorf("GeneratorURL = %q, want %q", got.GeneratorURL, want)
	}
}

func TestReceive_PlainTextPublishIsAFiringAlertThatDeduplicates(t *testing.T) {
	s := snstest.New(t)
	r := newReceiver(s)
	first := mustReceive(t, r, s, snstest.Notification(topicTokyo, "Backup failed", "backup of orders-db failed\nexit 2")).Alerts[0]
	again := mustReceive(t, r, s, snstest.Notification(topicTokyo, "Backup failed", "backup of orders-db failed\nexit 3")).Alerts[0]
	other := mustReceive(t, r, s, snstest.Notification(topicTokyo, "Disk full", "disk full")).Alerts[0]
	noSubject := mustReceive(t, r, s, snstest.Notification(topicTokyo, "", "hello")).Alerts[0]
	if first.Status != alert.StatusFiring || first.Name != "Backup failed" || first.Labels["topic"] != "alertgate-alarms" {
		t.Errorf("got status %s, name %q, topic %q", first.Status, first.Name, first.Labels["topic"])
	}
	if first.Annotations["summary"] != "backup of orders-db failed" {
		t.Errorf("summary = %q, want the first line", first.Annotations["summary"])
	}
	if first.Fingerprint != again.Fingerprint {
		t.Errorf("repeat has fingerprint %s, want %s", again.Fingerprint, first.Fingerprint)
	}
	if first.Fingerprint == other.Fingerprint {
		t.Errorf("other subject has the same fingerprint %s", other.Fingerprint)
	}
	if noSubject.Name != "SNS message" {
		t.Errorf("name without subject = %q, want %q", noSubject.Name, "SNS message")
	}
}

// Without a Subject, nothing but the text tells two publishes apart: a
// different message is a different alert, the same one again (an SNS
// retry, a script run twice) the same alert.
func TestReceive_PlainTextPublishesWithoutSubjectAreToldApartByTheirText(t *testing.T) {
	s := snstest.New(t)
	r := newReceiver(s)
	disk := mustReceive(t, r, s, snstest.Notification(topicTokyo, "", "disk full on db-1")).Alerts[0]
	backup := mustReceive(t, r, s, snstest.Notification(topicTokyo, "", "backup of orders-db failed")).Alerts[0]
	again := mustReceive(t, r, s, snstest.Notification(topicTokyo, "", "disk full on db-1")).Alerts[0]
	otherTopic := mustReceive(t, r, s, snstest.Notification(topicVirginia, "", "disk full on db-1")).Alerts[0]
	if disk.Fingerprint == backup.Fingerprint {
		t.Errorf("two different messages share fingerprint %s: the second would be suppressed as a duplicate", disk.Fingerprint)
	}
	if disk.Fingerprint != again.Fingerprint {
		t.Errorf("the same message again has fingerprint %s, want %s", again.Fingerprint, disk.Fingerprint)
	}
	if disk.Fingerprint == otherTopic.Fingerprint {
		t.Errorf("the same message on another topic shares fingerprint %s", disk.Fingerprint)
	}
}

func TestReceive_LongFieldsAreTruncatedToAlertLimits(t *testing.T) {
	s := snstest.New(t)
	r := newReceiver(s)
	long := strings.Repeat("x", 3*alert.MaxAnnotationLen)
	tests := map[string]*snstest.Message{
		"alarm": snstest.AlarmNotification(topicTokyo, snstest.Alarm{
			Name: "big", Description: long, Reason: long,
			Dimensions: []snstest.Dimension{{Name: strings.Repeat("d", 500), Value: long}},
		}),
		"plain": snstest.Notification(topicTokyo, "big", long),
	}
	for name, m := range tests {
		t.Run(name, func(t *testing.T) {
			a := mustReceive(t, r, s, m).Alerts[0]
			if err := a.Validate(); err != nil {
				t.Fatal(err)
			}
			if n := len(a.Annotations["summary"]); n > 1024 {
				t.Errorf("summary is %d bytes, want at most 1024", n)
			}
			if len(a.Raw) > alert.MaxRawLen {
				t.Errorf("raw is %d bytes, want at most %d", len(a.Raw), alert.MaxRawLen)
			}
		})
	}
}

func TestReceive_RecordsTheSNSMessageID(t *testing.T) {
	s := snstest.New(t)
	r := newReceiver(s)
	for name, m := range map[string]*snstest.Message{
		"alarm": snstest.AlarmNotification(topicTokyo, snstest.Alarm{}),
		"plain": snstest.Notification(topicTokyo, "", "hi"),
	} {
		t.Run(name, func(t *testing.T) {
			a := mustReceive(t, r, s, m).Alerts[0]
			if a.Annotations["sns_message_id"] != m.MessageID {
				t.Errorf("sns_message_id = %q, want %q", a.Annotations["sns_message_id"], m.MessageID)
			}
		})
	}
}

func TestReceive_SubscriptionConfirmation(t *testing.T) {
	tests := []struct {
		name              string
		autoConfirm       bool
		wantConfirmations int
		wantNote          string
	}{
		{"auto-confirm visits the SubscribeURL", true, 1, "subscription to " + topicTokyo + " confirmed"},
		{"manual confirmation only logs the SubscribeURL", false, 0, "awaits confirmation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := snstest.New(t)
			var logs bytes.Buffer
			r := newReceiver(s, func(c *cloudwatch.Config) {
				c.AutoConfirm = tt.autoConfirm
				c.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			})
			m := snstest.SubscriptionConfirmation(topicTokyo)
			got := mustReceive(t, r, s, m)
			if len(got.Alerts) != 0 || !strings.Contains(got.Note, tt.wantNote) {
				t.Errorf("batch = %+v, want no alerts and a note containing %q", got, tt.wantNote)
			}
			if n := len(s.Confirmations()); n != tt.wantConfirmations {
				t.Errorf("%d confirmations, want %d", n, tt.wantConfirmations)
			}
			if !tt.autoConfirm && !strings.Contains(logs.String(), "subscribe_url=") {
				t.Errorf("logs do not carry the SubscribeURL:\n%s", logs.String())
			}
		})
	}
}

func TestReceive_SubscriptionConfirmationFailures(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		internal bool
	}{
		{"AWS 5xx is internal so SNS retries", 503, true},
		{"AWS throttling is internal so SNS retries", 429, true},
		{"AWS refusing the token is forbidden", 403, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := snstest.New(t)
			r := newReceiver(s, autoConfirm)
			mustReceive(t, r, s, snstest.AlarmNotification(topicTokyo, snstest.Alarm{})) // caches the certificate
			s.FailWith(tt.status)
			_, err := receive(t, r, s, snstest.SubscriptionConfirmation(topicTokyo))
			if tt.internal {
				wantInternal(t, err)
				return
			}
			wantSourceError(t, err, 403, "SubscribeURL")
		})
	}
}

func TestReceive_NeverVisitsASubscribeURLOnAnotherHost(t *testing.T) {
	for _, u := range []string{
		"https://evil.example.com/?Action=ConfirmSubscription&Token=x",
		"http://sns.ap-northeast-1.amazonaws.com/?Action=ConfirmSubscription&Token=x",
		"https://sns.ap-northeast-1.amazonaws.com.evil.example/?Action=ConfirmSubscription",
		"https://sns.ap-northeast-1.amazonaws.com:8443/?Action=ConfirmSubscription",
		"https://user@sns.ap-northeast-1.amazonaws.com/?Action=ConfirmSubscription",
	} {
		t.Run(u, func(t *testing.T) {
			s := snstest.New(t)
			r := newReceiver(s, autoConfirm)
			m := snstest.SubscriptionConfirmation(topicTokyo)
			m.SubscribeURL = u
			_, err := receive(t, r, s, m)
			wantSourceError(t, err, 403, "SubscribeURL")
			for _, req := range s.Requests() {
				if !strings.HasSuffix(req, snstest.CertPath) {
					t.Errorf("requested %s", req)
				}
			}
		})
	}
}

func TestReceive_UnsubscribeConfirmationIsOnlyANote(t *testing.T) {
	s := snstest.New(t)
	r := newReceiver(s, autoConfirm)
	got := mustReceive(t, r, s, snstest.UnsubscribeConfirmation(topicTokyo))
	if len(got.Alerts) != 0 || !strings.Contains(got.Note, "deactivated") {
		t.Errorf("batch = %+v, want no alerts and a note", got)
	}
	if n := len(s.Confirmations()); n != 0 {
		t.Errorf("%d confirmations, want none", n)
	}
}

func TestReceive_IsSafeForConcurrentUse(t *testing.T) {
	s := snstest.New(t)
	r := newReceiver(s)
	bodies := make([][]byte, 8)
	headers := make([]http.Header, 8)
	for i := range bodies {
		m := snstest.AlarmNotification(topicTokyo, snstest.Alarm{Name: "alarm-" + string(rune('a'+i))})
		bodies[i], headers[i] = s.SignedBody(m, "2"), m.Header()
	}
	var wg sync.WaitGroup
	for i := range bodies {
		wg.Go(func() {
			if _, err := r.Receive(context.Background(), headers[i], bodies[i]); err != nil {
				t.Errorf("Receive: %v", err)
			}
		})
	}
	wg.Wait()
}
