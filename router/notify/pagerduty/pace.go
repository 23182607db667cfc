package pagerduty

import (
	"time"

	"github.com/alertgate/alertgate/router/notify"
)

// newPacer paces each routing key to perSecond with a small burst: a
// handful of incidents opening together go out at once, while a storm
// stays under the limit PagerDuty measures over a sliding minute (about
// 120 events a minute per integration key, whichever receivers share it).
func newPacer(perSecond float64, now func() time.Time) *notify.Pacer {
	return notify.NewPacer(perSecond, min(10, int(perSecond/2)), now)
}
