package slack

import (
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/router/notify"
)

// keyLabels returns the labels worth a field, most telling first. They
// cover Prometheus (service … job), CloudWatch dimensions and New Relic.
func keyLabels() [20]string {
	return [...]string{
		"service", "namespace", "cluster", "instance", "pod", "node", "job",
		"region", "entity", "LoadBalancer", "TargetGroup", "DBClusterIdentifier",
		"DBInstanceIdentifier", "InstanceId", "AutoScalingGroupName",
		"FunctionName", "QueueName", "TableName", "host", "container",
	}
}

// fieldsBlock shows the alert counts, how long the incident has fired
// and the key labels.
func fieldsBlock(nt *notify.Notification) slack.Block {
	fields := []*slack.TextBlockObject{mrkdwn("*Alerts*\n" + counts(nt))}
	if d := incidentAge(nt); d != "" {
		label := "*Firing for*\n"
		if nt.Status == alert.StatusResolved {
			label = "*Lasted*\n"
		}
		fields = append(fields, mrkdwn(label+d))
	}
	for _, k := range keyLabels() {
		if len(fields) == maxFields {
			break
		}
		if v := labelValues(nt, k); v != "" {
			fields = append(fields, mrkdwn("*"+clip(k, 60)+"*\n"+v))
		}
	}
	return slack.NewSectionBlock(nil, fields, nil, slack.SectionBlockOptionBlockID(blockFields))
}

// labelValues shows a label's value: the group's, or the members'
// distinct values, a few of them.
func labelValues(nt *notify.Notification, k string) string {
	if v, ok := nt.GroupLabels[k]; ok && v != "" {
		return clip(v, fieldValueLen)
	}
	var vals []string
	more := 0
	seen := map[string]bool{}
	for _, m := range nt.Members {
		v := m.Labels[k]
		if v == "" || seen[v] {
			continue
		}
		seen[v] = true
		if len(vals) == maxFieldValues {
			more++
			continue
		}
		vals = append(vals, clip(v, fieldValueLen/maxFieldValues))
	}
	s := strings.Join(vals, ", ")
	if more > 0 {
		s += " +" + strconv.Itoa(more) + " more"
	}
	return s
}

// membersBlock lists the alerts of an incident that has several.
func membersBlock(nt *notify.Notification) slack.Block {
	if len(nt.Members) < 2 {
		return nil
	}
	varying := varyingLabels(nt)
	var b strings.Builder
	b.WriteString("*Alerts*")
	shown := 0
	for i := range nt.Members {
		line := "\n• " + memberLine(nt, &nt.Members[i], varying)
		if shown == maxMemberLines || b.Len()+len(line) > membersBudget-40 {
			break
		}
		b.WriteString(line)
		shown++
	}
	if rest := len(nt.Members) - shown; rest > 0 {
		b.WriteString("\n_…and " + strconv.Itoa(rest) + " more_")
	}
	return section(b.String(), slack.SectionBlockOptionBlockID(blockMembers))
}

// memberLine describes one alert: state, name, what tells it apart from
// its siblings, how long, and what changed.
func memberLine(nt *notify.Notification, m *notify.Member, varying []string) string {
	var b strings.Builder
	b.WriteString(memberEmoji(m))
	b.WriteString(" *")
	b.WriteString(clip(m.Name, 80))
	b.WriteString("*")
	if s := m.Summary(); s != m.Name {
		b.WriteString(" — ")
		b.WriteString(clip(s, 120))
	}
	for _, k := range varying {
		if v := m.Labels[k]; v != "" {
			b.WriteString(" · ")
			b.WriteString(clip(k, 30))
			b.WriteString("=")
			b.WriteString(clip(v, 60))
		}
	}
	if d := memberAge(nt, m); d != "" {
		b.WriteString(" · ")
		b.WriteString(d)
	}
	if m.Change != "" {
		b.WriteString(" _")
		b.WriteString(clip(m.Change, 20))
		b.WriteString("_")
	}
	if m.Flapping {
		b.WriteString(" _flapping_")
	}
	return b.String()
}

// varyingLabels are the key labels whose values differ between members,
// at most three: they are what tells the members apart.
func varyingLabels(nt *notify.Notification) []string {
	var out []string
	for _, k := range keyLabels() {
		first, differs := "", false
		for i, m := range nt.Members {
			if i == 0 {
				first = m.Labels[k]
			} else if m.Labels[k] != first {
				differs = true
				break
			}
		}
		if differs {
			out = append(out, k)
			if len(out) == 3 {
				break
			}
		}
	}
	return out
}
