package memory

import (
	"cmp"
	"container/heap"
	"time"
)

// dueIndex finds the groups whose flush is due without looking at the
// others: a storm opens thousands of groups, and ClaimGroups runs many
// times a second under the lock ingest waits on. It holds an entry for
// each time a group became due, or claimable again (a lease that may
// expire), earliest first. An entry is checked against its group when it
// is taken: one the group has moved past since (flushed, postponed,
// claimed, deleted) is dropped, as the group's current due time has an
// entry of its own.
type dueIndex []dueEntry

type dueEntry struct {
	at  time.Time
	key string
}

func (d dueIndex) Len() int { return len(d) }
func (d dueIndex) Less(i, j int) bool {
	return cmp.Or(d[i].at.Compare(d[j].at), cmp.Compare(d[i].key, d[j].key)) < 0
}
func (d dueIndex) Swap(i, j int) { d[i], d[j] = d[j], d[i] }
func (d *dueIndex) Push(x any)   { *d = append(*d, x.(dueEntry)) }
func (d *dueIndex) Pop() any {
	old := *d
	e := old[len(old)-1]
	*d = old[:len(old)-1]
	return e
}

// add notes that group key is due, or may be claimed again, at at.
func (d *dueIndex) add(key string, at time.Time) {
	heap.Push(d, dueEntry{at: at, key: key})
}

// next removes and returns the earliest entry due by now.
func (d *dueIndex) next(now time.Time) (dueEntry, bool) {
	if len(*d) == 0 || (*d)[0].at.After(now) {
		return dueEntry{}, false
	}
	return heap.Pop(d).(dueEntry), true
}
