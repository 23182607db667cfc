package redis

import (
	"embed"
	"strings"

	goredis "github.com/redis/go-redis/v9"
)

// lua holds the scripts' sources. Each script is the concatenation of
// the shared files it needs and its own body, so helpers are written
// once and every script is still a single chunk for EVALSHA.
//
//go:embed lua/*.lua
var lua embed.FS

// scripts are the store's compiled Lua scripts. go-redis runs them with
// EVALSHA and falls back to EVAL (which loads them) on NOSCRIPT, so a
// restarted or flushed server costs one extra round trip per script and
// nothing else.
type scripts struct {
	observe        *goredis.Script
	settle         *goredis.Script
	claimGroups    *goredis.Script
	completeFlush  *goredis.Script
	postpone       *goredis.Script
	enqueue        *goredis.Script
	claimOutbox    *goredis.Script
	ack            *goredis.Script
	retry          *goredis.Script
	deadLetter     *goredis.Script
	group          *goredis.Script
	acknowledge    *goredis.Script
	scheduleTimer  *goredis.Script
	cancelTimers   *goredis.Script
	claimTimers    *goredis.Script
	completeTimer  *goredis.Script
	setSilence     *goredis.Script
	listSilences   *goredis.Script
	expireSilence  *goredis.Script
	advance        *goredis.Script
	recordIncident *goredis.Script
	listIncidents  *goredis.Script
	openIncidents  *goredis.Script
	groupSummaries *goredis.Script
	correlate      *goredis.Script
	index          *goredis.Script
}

func newScripts() scripts {
	dedup := []string{"common", "dedup", "groups"}
	return scripts{
		observe:        script(append(dedup, "observe")...),
		settle:         script(append(dedup, "settle")...),
		claimGroups:    script("common", "groups", "claim_groups"),
		completeFlush:  script("common", "groups", "timers", "complete_flush"),
		postpone:       script("common", "postpone"),
		enqueue:        script("common", "enqueue"),
		claimOutbox:    script("common", "claim_outbox"),
		ack:            script("common", "ack"),
		retry:          script("common", "retry"),
		deadLetter:     script("common", "dead_letter"),
		group:          script("common", "groups", "group"),
		acknowledge:    script("common", "timers", "acknowledge"),
		scheduleTimer:  script("common", "timers", "schedule_timer"),
		cancelTimers:   script("common", "timers", "cancel_timers"),
		claimTimers:    script("common", "timers", "claim_timers"),
		completeTimer:  script("common", "groups", "timers", "complete_timer"),
		setSilence:     script("common", "silences", "set_silence"),
		listSilences:   script("common", "silences", "list_silences"),
		expireSilence:  script("common", "silences", "expire_silence"),
		advance:        script("common", "advance"),
		recordIncident: script("common", "incidents", "record_incident"),
		listIncidents:  script("common", "incidents", "list_incidents"),
		openIncidents:  script("common", "incidents", "open_incidents"),
		groupSummaries: script("common", "groups", "group_summaries"),
		correlate:      script("common", "correlate"),
		index:          script("common", "index"),
	}
}

// script concatenates the named files of lua/. The files are embedded,
// so a missing one is a build mistake that every test would hit first.
func script(names ...string) *goredis.Script {
	return goredis.NewScript(scriptSource(names...))
}

// scriptSource is the source of script(names...).
func scriptSource(names ...string) string {
	var b strings.Builder
	for _, n := range names {
		src, err := lua.ReadFile("lua/" + n + ".lua")
		if err != nil {
			panic("redis store: embedded script missing: " + err.Error())
		}
		b.Write(src)
		b.WriteByte('\n')
	}
	return b.String()
}
