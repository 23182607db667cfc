package snstest

import (
	"encoding/json"
	"fmt"
	"time"
)

// Dimension is a CloudWatch metric dimension.
type Dimension struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Alarm describes a CloudWatch metric alarm state change. Zero fields get
// defaults from AlarmNotification: the topic's account and region, state
// ALARM, metric AWS/EC2 CPUUtilization, time now.
type Alarm struct {
	Name        string
	Description string
	AccountID   string
	Region      string // region code, such as ap-northeast-1
	State       string // ALARM, OK or INSUFFICIENT_DATA
	OldState    string
	Reason      string
	Namespace   string
	Metric      string
	Dimensions  []Dimension
	Threshold   float64   // 80 if zero
	Time        time.Time // StateChangeTime
}

// alarmMessage is the JSON CloudWatch publishes for a metric alarm, with
// its keys in CloudWatch's order.
type alarmMessage struct {
	AlarmName                          string   `json:"AlarmName"`
	AlarmDescription                   *string  `json:"AlarmDescription"`
	AWSAccountID                       string   `json:"AWSAccountId"`
	AlarmConfigurationUpdatedTimestamp string   `json:"AlarmConfigurationUpdatedTimestamp"`
	NewStateValue                      string   `json:"NewStateValue"`
	NewStateReason                     string   `json:"NewStateReason"`
	StateChangeTime                    string   `json:"StateChangeTime"`
	Region                             string   `json:"Region"`
	AlarmArn                           string   `json:"AlarmArn"`
	OldStateValue                      string   `json:"OldStateValue"`
	OKActions                          []string `json:"OKActions"`
	AlarmActions                       []string `json:"AlarmActions"`
	InsufficientDataActions            []string `json:"InsufficientDataActions"`
	Trigger                            struct {
		MetricName                       string      `json:"MetricName"`
		Namespace                        string      `json:"Namespace"`
		StatisticType                    string      `json:"StatisticType"`
		Statistic                        string      `json:"Statistic"`
		Unit                             *string     `json:"Unit"`
		Dimensions                       []Dimension `json:"Dimensions"`
		Period                           int         `json:"Period"`
		EvaluationPeriods                int         `json:"EvaluationPeriods"`
		DatapointsToAlarm                int         `json:"DatapointsToAlarm"`
		ComparisonOperator               string      `json:"ComparisonOperator"`
		Threshold                        float64     `json:"Threshold"`
		TreatMissingData                 string      `json:"TreatMissingData"`
		EvaluateLowSampleCountPercentile string      `json:"EvaluateLowSampleCountPercentile"`
	} `json:"Trigger"`
}

// AlarmNotification returns an unsigned Notification of the alarm's state
// change, as CloudWatch publishes it to the topic.
func AlarmNotification(topicARN string, a Alarm) *Message {
	a = a.withDefaults(topicARN)
	return Notification(topicARN, fmt.Sprintf("%s: %q in %s", a.State, a.Name, regionName(a.Region)), a.JSON(topicARN))
}

// JSON returns the alarm as the Message CloudWatch publishes to topicARN.
func (a Alarm) JSON(topicARN string) string {
	a = a.withDefaults(topicARN)
	var m alarmMessage
	m.AlarmName = a.Name
	if a.Description != "" {
		m.AlarmDescription = &a.Description
	}
	m.AWSAccountID = a.AccountID
	m.AlarmConfigurationUpdatedTimestamp = cloudWatchTime(a.Time.Add(-24 * time.Hour))
	m.NewStateValue = a.State
	m.NewStateReason = a.Reason
	m.StateChangeTime = cloudWatchTime(a.Time)
	m.Region = regionName(a.Region)
	m.AlarmArn = fmt.Sprintf("arn:aws:cloudwatch:%s:%s:alarm:%s", a.Region, a.AccountID, a.Name)
	m.OldStateValue = a.OldState
	m.OKActions = []string{topicARN}
	m.AlarmActions = []string{topicARN}
	m.InsufficientDataActions = []string{}
	t := &m.Trigger
	t.MetricName, t.Namespace = a.Metric, a.Namespace
	t.StatisticType, t.Statistic = "Statistic", "AVERAGE"
	t.Dimensions = a.Dimensions
	if t.Dimensions == nil {
		t.Dimensions = []Dimension{}
	}
	t.Period, t.EvaluationPeriods, t.DatapointsToAlarm = 60, 3, 3
	t.ComparisonOperator, t.Threshold = "GreaterThanThreshold", a.Threshold
	t.TreatMissingData = "missing"
	b, err := json.Marshal(m)
	if err != nil {
		panic("snstest: marshal alarm: " + err.Error()) // plain data: cannot fail
	}
	return string(b)
}

func (a Alarm) withDefaults(topicARN string) Alarm {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&a.Name, "HighCPU")
	def(&a.AccountID, accountOf(topicARN))
	def(&a.Region, regionOf(topicARN))
	def(&a.State, "ALARM")
	def(&a.Namespace, "AWS/EC2")
	def(&a.Metric, "CPUUtilization")
	if a.State == "OK" {
		def(&a.OldState, "ALARM")
		def(&a.Reason, "Threshold Crossed: 3 out of the last 3 datapoints were not greater than the threshold (80.0) (minimum 3 datapoints for ALARM -> OK transition).")
	}
	def(&a.OldState, "OK")
	def(&a.Reason, "Threshold Crossed: 3 out of the last 3 datapoints were greater than the threshold (80.0) (minimum 3 datapoints for OK -> ALARM transition).")
	if a.Threshold == 0 {
		a.Threshold = 80
	}
	if a.Time.IsZero() {
		a.Time = time.Now()
	}
	return a
}

// cloudWatchTime formats t as CloudWatch does in alarm messages.
func cloudWatchTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000-0700") }

// regionName returns the display name CloudWatch puts in Region.
func regionName(code string) string {
	switch code {
	case "us-east-1":
		return "US East (N. Virginia)"
	case "us-west-2":
		return "US West (Oregon)"
	case "eu-west-1":
		return "EU (Ireland)"
	case "ap-northeast-1":
		return "Asia Pacific (Tokyo)"
	}
	return code
}
