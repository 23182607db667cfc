package email

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"html/template"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/textproto"
	"strings"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/router/notify"
)

// content is what one email says.
type content struct {
	subject, html, text string
}

// defaultContent lays the notification out in alertgate's own words.
func defaultContent(n *notify.Notification) content {
	subject := fmt.Sprintf("[%s:%d] %s", n.StateWord(), len(n.Firing()), n.TitleOrName())
	var html bytes.Buffer
	_ = htmlBody.Execute(&html, view(n))
	return content{subject: alert.Truncate(subject, 200), html: html.String(), text: textBody(n)}
}

type viewData struct {
	Headline, Change, Description, OnCall, AckedBy, Incident string
	Runbook                                                  *notify.Runbook
	Members                                                  []string
	More                                                     int
	Links                                                    []notify.Link
	Notes                                                    []string
	Announcement                                             string
	Color                                                    string
}

const maxMembers = 50

func view(n *notify.Notification) viewData {
	v := viewData{Headline: n.Headline(), Description: n.Description(), OnCall: n.Enrichment.OnCall, AckedBy: n.AckedBy,
		Incident: n.IncidentID, Runbook: n.Enrichment.Runbook, Links: notify.Links(n), Notes: n.Notes, Announcement: n.Announcement, Color: "#d93025"}
	if n.Kind != notify.KindTrigger {
		v.Change = n.Change()
	}
	switch {
	case n.Status == alert.StatusResolved:
		v.Color = "#188038"
	case n.Severity == alert.SeverityWarning:
		v.Color = "#e37400"
	case n.Severity == alert.SeverityInfo:
		v.Color = "#1a73e8"
	}
	for i := range n.Members {
		if i == maxMembers {
			v.More = len(n.Members) - maxMembers
			break
		}
		v.Members = append(v.Members, notify.MemberLine(&n.Members[i]))
	}
	return v
}

// htmlBody escapes every value (html/template): alert text cannot inject
// markup or links.
var htmlBody = template.Must(template.New("email").Parse(`<!DOCTYPE html>
<html><body style="font-family: sans-serif; font-size: 14px">
<h2 style="color: {{.Color}}">{{.Headline}}</h2>
{{if .Change}}<p><b>{{.Change}}</b></p>{{end}}
{{if .Announcement}}<pre>{{.Announcement}}</pre>{{end}}
{{if .Description}}<p>{{.Description}}</p>{{end}}
{{if .Links}}<p>{{range $i, $l := .Links}}{{if $i}} · {{end}}<a href="{{$l.URL}}">{{$l.Title}}</a>{{end}}</p>{{end}}
{{with .Runbook}}<h3>Runbook: {{if .URL}}<a href="{{.URL}}">{{or .Title .ID}}</a>{{else}}{{or .Title .ID}}{{end}}</h3>
{{if .Steps}}<ol>{{range .Steps}}<li><pre style="white-space: pre-wrap">{{.}}</pre></li>{{end}}</ol>{{end}}{{end}}
<table style="border-collapse: collapse">
{{if .OnCall}}<tr><td><b>On call</b></td><td>{{.OnCall}}</td></tr>{{end}}
{{if .AckedBy}}<tr><td><b>Acknowledged by</b></td><td>{{.AckedBy}}</td></tr>{{end}}
{{if .Incident}}<tr><td><b>Incident</b></td><td>{{.Incident}}</td></tr>{{end}}
</table>
<h3>Alerts</h3>
<ul>{{range .Members}}<li>{{.}}</li>{{end}}{{if .More}}<li>…and {{.More}} more</li>{{end}}</ul>
{{range .Notes}}<p style="color: #e37400">⚠ {{.}}</p>{{end}}
</body></html>
`))

func textBody(n *notify.Notification) string {
	v := view(n)
	var b strings.Builder
	b.WriteString(v.Headline + "\n\n")
	for _, s := range []string{v.Change, v.Announcement, v.Description} {
		if s != "" {
			b.WriteString(s + "\n\n")
		}
	}
	for _, l := range v.Links {
		b.WriteString(l.Title + ": " + l.URL + "\n")
	}
	if rb := v.Runbook; rb != nil {
		b.WriteString("\nRunbook: " + rb.Title + " " + rb.URL + "\n")
		for i, s := range rb.Steps {
			fmt.Fprintf(&b, "  %d. %s\n", i+1, s)
		}
	}
	for _, kv := range [][2]string{{"On call", v.OnCall}, {"Acknowledged by", v.AckedBy}, {"Incident", v.Incident}} {
		if kv[1] != "" {
			b.WriteString("\n" + kv[0] + ": " + kv[1])
		}
	}
	b.WriteString("\n\nAlerts:\n")
	for _, m := range v.Members {
		b.WriteString("  - " + m + "\n")
	}
	if v.More > 0 {
		fmt.Fprintf(&b, "  - …and %d more\n", v.More)
	}
	for _, note := range v.Notes {
		b.WriteString("\n! " + note)
	}
	return b.String()
}

// messageID is the Message-ID of the incident's first email, which later
// ones reply to, so mail clients thread an incident.
func messageID(n *notify.Notification, domain string) string {
	return "<" + strings.NewReplacer("<", "", ">", "", "@", "").Replace(n.Occurrence()) + "@" + domain + ">"
}

// compose builds the whole RFC 5322 message.
func compose(n *notify.Notification, from string, to []string, c content, now time.Time, domain string) ([]byte, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	h.Set("From", from)
	h.Set("To", strings.Join(to, ", "))
	h.Set("Subject", mime.QEncoding.Encode("utf-8", strings.Join(strings.Fields(c.subject), " ")))
	h.Set("Date", now.Format(time.RFC1123Z))
	h.Set("MIME-Version", "1.0")
	h.Set("Content-Type", "multipart/alternative; boundary="+mw.Boundary())
	h.Set("X-Alertgate-Incident", n.Occurrence())
	thread := messageID(n, domain)
	if n.Kind == notify.KindTrigger {
		h.Set("Message-ID", thread)
	} else {
		h.Set("Message-ID", "<"+random()+"@"+domain+">")
		h.Set("In-Reply-To", thread)
		h.Set("References", thread)
	}
	var head bytes.Buffer
	for _, k := range []string{"From", "To", "Subject", "Date", "Message-ID", "In-Reply-To", "References", "MIME-Version", "Content-Type", "X-Alertgate-Incident"} {
		if v := h.Get(k); v != "" {
			fmt.Fprintf(&head, "%s: %s\r\n", k, v)
		}
	}
	head.WriteString("\r\n")
	for _, part := range []struct{ typ, body string }{{"text/plain", c.text}, {"text/html", c.html}} {
		if part.body == "" {
			continue
		}
		w, err := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {part.typ + "; charset=UTF-8"}, "Content-Transfer-Encoding": {"quoted-printable"}})
		if err != nil {
			return nil, err
		}
		qp := quotedprintable.NewWriter(w)
		if _, err := qp.Write([]byte(part.body)); err != nil {
			return nil, err
		}
		if err := qp.Close(); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	return append(head.Bytes(), buf.Bytes()...), nil
}

func random() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
