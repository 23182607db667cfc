package redis

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/store"
	"github.com/alertgate/alertgate/router/store/memory"
	"github.com/alertgate/alertgate/router/store/redis/redistest"
	goredis "github.com/redis/go-redis/v9"
)

func TestTimers_ConcurrentReplicasClaimEachTimerOnce(t *testing.T) {
	srv := redistest.Start(t)
	replicas := []*Store{newStore(t, srv, "timers:", testOptions), newStore(t, srv, "timers:", testOptions)}
	ctx := t.Context()
	const n = 200
	for i := range n {
		tm := store.Timer{Group: fmt.Sprintf("g%03d", i), Receiver: "oncall", At: t0}
		if err := replicas[i%2].ScheduleTimer(ctx, tm); err != nil {
			t.Fatal(err)
		}
	}
	var claimed sync.Map
	var total, dup atomic.Int64
	var wg sync.WaitGroup
	for i := range 16 {
		s := replicas[i%2]
		wg.Go(func() {
			for {
				got, err := s.ClaimTimers(ctx, t0.Add(time.Second), 3)
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				for _, tm := range got {
					if _, loaded := claimed.LoadOrStore(tm.Group, true); loaded {
						dup.Add(1)
					}
					total.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if total.Load() != n || dup.Load() != 0 {
		t.Errorf("claimed %d timers with %d twice, want %d and none twice", total.Load(), dup.Load(), n)
	}
}

func TestIncident_ConcurrentWritersLoseNothing(t *testing.T) {
	srv := redistest.Start(t)
	replicas := []*Store{newStore(t, srv, "inc:", testOptions), newStore(t, srv, "inc:", testOptions)}
	id := incident.ID("g", t0)
	const n = 100
	var wg sync.WaitGroup
	for i := range n {
		s := replicas[i%2]
		wg.Go(func() {
			at := t0.Add(time.Duration(n-i) * time.Second)
			u := incident.Incident{ID: id, Notified: at, AckedBy: fmt.Sprintf("user%d", i), AckedAt: at, Severity: alert.SeverityInfo}
			if i == n/2 {
				u.Severity, u.Title = alert.SeverityCritical, "5xx"
			}
			ev := incident.Event{At: at, Type: incident.EventNotified, Actor: u.AckedBy}
			if err := s.RecordIncident(t.Context(), u, ev); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	inc, ev, ok, err := replicas[0].Incident(t.Context(), id)
	if err != nil || !ok {
		t.Fatalf("Incident = %v, %v", ok, err)
	}
	if len(ev) != n || !inc.Notified.Equal(t0.Add(time.Second)) || inc.Severity != alert.SeverityCritical || inc.Title != "5xx" {
		t.Errorf("incident = %+v with %d events; want %d events, notified at t0+1s, critical, titled", inc, len(ev), n)
	}
	var i int
	if _, err := fmt.Sscanf(inc.AckedBy, "user%d", &i); err != nil || !inc.AckedAt.Equal(t0.Add(time.Duration(n-i)*time.Second)) {
		t.Errorf("acknowledgement %s at %v is not one writer's", inc.AckedBy, inc.AckedAt)
	}
}

func TestIncidents_ListingOrdersTiesAsMemory(t *testing.T) {
	srv := redistest.Start(t)
	ctx := t.Context()
	red, mem := newStore(t, srv, "ties:", testOptions), memory.New(testOptions)
	// Groups formed by one webhook open at the same millisecond.
	for i, g := range []string{"c", "a", "e", "b", "d", "f"} {
		opened := t0
		if i >= 4 {
			opened = t0.Add(time.Hour)
		}
		u := incident.Incident{ID: incident.ID(g, opened), Group: g, Opened: opened, Status: incident.StatusOpen}
		if err := red.RecordIncident(ctx, u); err != nil {
			t.Fatal(err)
		}
		_ = mem.RecordIncident(ctx, u)
	}
	for _, limit := range []int{0, 1, 2, 3, 4, 6, 10} {
		t.Run(fmt.Sprintf("limit=%d", limit), func(t *testing.T) {
			got, err := red.Incidents(ctx, t0.Add(2*time.Hour), t0, limit)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := mem.Incidents(ctx, t0.Add(2*time.Hour), t0, limit)
			if g, w := incidentIDs(got), incidentIDs(want); !slices.Equal(g, w) {
				t.Errorf("Incidents = %v, want %v (memory's)", g, w)
			}
		})
	}
}

func incidentIDs(l []incident.Incident) []string {
	out := []string{}
	for _, inc := range l {
		out = append(out, inc.ID)
	}
	return out
}

// TestGroups_MemberRecordsOfEarlierVersionsAreRead upgrades a Redis with
// groups in flight: members recorded with their alert JSON inline, with
// or without Member.Joined, are flushed, keep their alert when the flush
// rewrites them, and take new observations.
func TestGroups_MemberRecordsOfEarlierVersionsAreRead(t *testing.T) {
	srv := redistest.Start(t)
	s := newStore(t, srv, "old:", testOptions)
	ctx := t.Context()
	if _, err := s.Observe(ctx, t0, []store.Observation{firing("a", team), firing("b", team)}); err != nil {
		t.Fatal(err)
	}
	// Rewrite the members as earlier versions wrote them: a without
	// joined, b with it, both with the alert JSON last instead of the
	// source, and no body.
	mk, bk := s.keys.members(team.Key), s.keys.bodies(team.Key)
	cut := func(rec string) string { return rec[:strings.LastIndexByte(rec, '|')] }
	for fp, old := range map[string]func(rec, js string) string{
		"a": func(rec, js string) string { return cut(cut(rec)) + "|" + js },
		"b": func(rec, js string) string { return cut(rec) + "|" + js },
	} {
		js, err := json.Marshal(firing(fp, team).Alert)
		if err != nil {
			t.Fatal(err)
		}
		rec := s.client.HGet(ctx, mk, fp).Val()
		if err := s.client.HSet(ctx, mk, fp, old(rec, string(js))).Err(); err != nil {
			t.Fatal(err)
		}
		if err := s.client.HDel(ctx, bk, fp).Err(); err != nil {
			t.Fatal(err)
		}
	}
	flushes, err := s.ClaimGroups(ctx, t0.Add(team.Wait), 10)
	if err != nil || len(flushes) != 1 || len(flushes[0].Members) != 2 {
		t.Fatalf("ClaimGroups = %+v, %v", flushes, err)
	}
	a, b := flushes[0].Members[0], flushes[0].Members[1]
	if !a.Joined.IsZero() || a.Alert.Fingerprint != "a" || a.Alert.Name != "HighErrorRate" || a.Version != 1 || a.Reason != incident.ReasonNew {
		t.Errorf("member without joined = %+v, want a, version 1, new, joined unknown", a)
	}
	if !b.Joined.Equal(t0) || b.Alert.Fingerprint != "b" || b.Alert.Name != "HighErrorRate" || b.Version != 1 {
		t.Errorf("member with joined = %+v, want b, version 1, joined %s", b, t0)
	}
	if err := s.CompleteFlush(ctx, t0.Add(team.Wait), flushes[0], nil); err != nil {
		t.Fatal(err)
	}
	// a resolves: its record is rewritten, b's stays as the flush left it.
	resolved := firing("a", team)
	resolved.Alert.Status, resolved.Alert.EndsAt = alert.StatusResolved, t0.Add(time.Hour)
	if _, err := s.Observe(ctx, t0.Add(time.Hour), []store.Observation{resolved}); err != nil {
		t.Fatal(err)
	}
	g, found, err := s.Group(ctx, team.Key)
	if err != nil || !found || len(g.Members) != 2 {
		t.Fatalf("Group = %+v, %v, %v", g, found, err)
	}
	if a, b := g.Members[0], g.Members[1]; a.Alert.Status != alert.StatusResolved || a.Version != 2 ||
		b.Alert.Name != "HighErrorRate" || b.Flushed != alert.StatusFiring || b.Version != 1 {
		t.Errorf("after the flush and a's resolve: a = %+v, b = %+v", a, b)
	}
}

func TestSilences_KeptUntilTheLongestHasExpired(t *testing.T) {
	srv := redistest.Start(t)
	s := newStore(t, srv, "sil:", testOptions)
	ctx := t.Context()
	long := 60 * 24 * time.Hour
	sil := incident.Silence{ID: "maintenance", Matchers: []string{`cluster="old"`}, StartsAt: t0.Add(long / 2), EndsAt: t0.Add(long), CreatedAt: t0}
	if err := s.SetSilence(ctx, sil); err != nil {
		t.Fatal(err)
	}
	ttl := func() time.Duration { return s.client.PTTL(ctx, s.keys.silences).Val() }
	want := long + store.SilenceRetention
	if got := ttl(); got < want-time.Minute || got > want {
		t.Errorf("TTL after SetSilence = %s, want about %s", got, want)
	}
	if _, err := s.Silences(ctx, t0.Add(long/4)); err != nil {
		t.Fatal(err)
	}
	if got, want := ttl(), want-long/4; got < want-time.Minute || got > want {
		t.Errorf("TTL after Silences = %s, want about %s", got, want)
	}
}

func TestLogger_WritesGoRedisLinesToSlog(t *testing.T) {
	tests := []struct {
		name  string
		level slog.Level
		want  string
	}{
		{name: "warn enabled", level: slog.LevelInfo, want: `level=WARN msg="redis: connection pool: failed to dial after 5 attempts"`},
		{name: "warn disabled", level: slog.LevelError, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			l := Logger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: tt.level})))
			l.Printf(t.Context(), "redis: connection pool: failed to dial after %d attempts", 5)
			if got := buf.String(); !strings.Contains(got, tt.want) || (tt.want == "") != (got == "") {
				t.Errorf("logged %q, want %q", got, tt.want)
			}
		})
	}
}

// TestObserve_StateOfAnEarlierVersionIsRead upgrades a Redis with alerts
// tracked: a state written by an earlier version, as text or as a
// MessagePack array, decides the next observation as it would have.
func TestObserve_StateOfAnEarlierVersionIsRead(t *testing.T) {
	srv := redistest.Start(t)
	at := func(d time.Duration) int64 { return t0.Add(d).UnixMilli() }
	// Notified firing at t0 (once), suppressed twice since, not flapping,
	// one transition.
	fields := []any{"firing", at(0), 0, at(0), at(time.Minute), at(0), "firing", 1, 2, 0, 0}
	for _, tt := range []struct {
		name  string
		write func(ctx context.Context, s *Store, key string) error
	}{
		{"text", func(ctx context.Context, s *Store, key string) error {
			text := make([]string, 0, len(fields)+1)
			for _, f := range fields {
				text = append(text, fmt.Sprint(f))
			}
			text = append(text, fmt.Sprint(at(0)))
			return s.client.HSet(ctx, key, "s", strings.Join(text, "|")).Err()
		}},
		{"msgpack", func(ctx context.Context, s *Store, key string) error {
			// The array as cmsgpack packed it, transitions last.
			const pack = `redis.call('HSET', KEYS[1], 's', cmsgpack.pack({ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]),
  tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), ARGV[7], tonumber(ARGV[8]), tonumber(ARGV[9]),
  tonumber(ARGV[10]), tonumber(ARGV[11]), {tonumber(ARGV[12])}}))`
			return s.client.Eval(ctx, pack, []string{key}, append(fields, at(0))...).Err()
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t, srv, "oldstate-"+tt.name+":", testOptions)
			ctx := t.Context()
			if err := tt.write(ctx, s, s.keys.base+"alert:a"); err != nil && !errors.Is(err, goredis.Nil) {
				t.Fatal(err)
			}
			v, err := s.Observe(ctx, t0.Add(2*time.Minute), []store.Observation{firing("a", team)})
			if err != nil || len(v) != 1 || v[0].Reason != incident.ReasonDuplicate || v[0].Suppressed != 3 {
				t.Fatalf("Observe = %+v, %v; want a duplicate, suppressed 3 times", v, err)
			}
			v, err = s.Observe(ctx, t0.Add(5*time.Hour), []store.Observation{firing("a", team)})
			if err != nil || len(v) != 1 || v[0].Reason != incident.ReasonRepeat {
				t.Fatalf("Observe after the repeat interval = %+v, %v; want a repeat", v, err)
			}
		})
	}
}

// TestObserve_FirstFiringStateFollowsItsInputs checks, within one script
// call, that first_firing_state (which keeps the last state it packed)
// packs anew whenever the start or the clock reading changes, back and
// forth.
func TestObserve_FirstFiringStateFollowsItsInputs(t *testing.T) {
	srv := redistest.Start(t)
	client := newClient(t, srv)
	src := scriptSource("common", "dedup") + `
C.flap = {transitions = 0, window = 1800000, quiet = 600000, longTransitions = 0, longWindow = 7200000, hold = 0}
local out = {}
for i = 1, #ARGV, 2 do
  local startsAt, now = tonumber(ARGV[i]), tonumber(ARGV[i + 1])
  local st = decode_state(nil)
  decide(st, {status = 'firing', startsAt = startsAt, endsAt = 0}, 3600000, now)
  out[#out + 1] = first_firing_state(startsAt, now) == encode_state(st) and 1 or 0
end
return out
`
	now := t0.UnixMilli()
	a, b := now-60000, now-120000
	inputs := [][2]int64{{a, now}, {a, now}, {b, now}, {b, now + 1}, {a, now}, {0, now}, {0, now + 1}}
	var args []any
	for _, in := range inputs {
		args = append(args, in[0], in[1])
	}
	got, err := client.Eval(t.Context(), src, nil, args...).Int64Slice()
	if err != nil {
		t.Fatal(err)
	}
	for i, ok := range got {
		if ok != 1 {
			t.Errorf("call %d (startsAt %d, now %d): first_firing_state is not the state decide leaves", i+1, inputs[i][0], inputs[i][1])
		}
	}
}

// TestObserve_FirstFiringStateIsWhatDecideMakes checks observe.lua's
// shortcut for a firing alert never seen against the general path: the
// state first_firing_state packs is the one decide leaves, for every
// flap policy and start.
func TestObserve_FirstFiringStateIsWhatDecideMakes(t *testing.T) {
	srv := redistest.Start(t)
	client := newClient(t, srv)
	src := scriptSource("common", "dedup") + `
C.flap = {transitions = tonumber(ARGV[3]), window = 1800000, quiet = 600000,
  longTransitions = tonumber(ARGV[3]), longWindow = 7200000, hold = tonumber(ARGV[4])}
local now, startsAt = tonumber(ARGV[1]), tonumber(ARGV[2])
local st = decode_state(nil)
local v = decide(st, {status = 'firing', startsAt = startsAt, endsAt = 0}, 3600000, now)
return {encode_state(st), first_firing_state(startsAt, now), v.action, v.reason, v.suppressed}
`
	now := t0.UnixMilli()
	for _, startsAt := range []int64{0, now - 5*60*1000, now + 1000} {
		for _, transitions := range []int{0, 4} {
			for _, hold := range []int64{0, 120000} {
				got, err := client.Eval(t.Context(), src, nil, now, startsAt, transitions, hold).Slice()
				if err != nil {
					t.Fatal(err)
				}
				if got[0] != got[1] {
					t.Errorf("startsAt %d, transitions %d, hold %d: first_firing_state = %x, decide leaves %x",
						startsAt, transitions, hold, got[1], got[0])
				}
				if got[2] != "notify" || got[3] != "new" || got[4] != int64(0) {
					t.Errorf("startsAt %d: decide's verdict %v %v %v, want notify new 0 (what observe.lua returns)",
						startsAt, got[2], got[3], got[4])
				}
			}
		}
	}
}

// TestObserve_HeadIsWhatTheScriptUnpacks checks an observation's packed
// head against Lua's struct.unpack of the format observe.lua reads.
func TestObserve_HeadIsWhatTheScriptUnpacks(t *testing.T) {
	client := newClient(t, redistest.Start(t))
	a := alert.Alert{Fingerprint: "f", Status: alert.StatusResolved,
		StartsAt: time.UnixMilli(1767603600123), EndsAt: time.UnixMilli(1767607200456)}
	for _, o := range []store.Observation{
		{Alert: a, RepeatInterval: 4 * time.Hour, Groups: []incident.GroupRef{team, team}, Inhibits: []string{"k"}},
		{Alert: alert.Alert{Fingerprint: "g", Status: alert.StatusFiring}},
	} {
		head, err := appendObservationHead(nil, &o)
		if err != nil {
			t.Fatal(err)
		}
		got, err := client.Eval(t.Context(), `
local status, startsAt, endsAt, rep, n, m, next = struct.unpack('<BdddHH', ARGV[1])
return {status, tostring(startsAt), tostring(endsAt), tostring(rep), n, m, next}`, nil, head).Slice()
		if err != nil {
			t.Fatal(err)
		}
		status := map[alert.Status]int64{alert.StatusFiring: 1, alert.StatusResolved: 2}[o.Alert.Status]
		want := []any{status, fmt.Sprint(ms(o.Alert.StartsAt)), fmt.Sprint(ms(o.Alert.EndsAt)),
			fmt.Sprint(o.RepeatInterval.Milliseconds()), int64(len(o.Groups)), int64(len(o.Inhibits)), int64(len(head) + 1)}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: the script unpacks %v, want %v", o.Alert.Fingerprint, got, want)
		}
	}
	if _, err := appendObservationHead(nil, &store.Observation{Alert: alert.Alert{Fingerprint: "h", Status: "pending"}}); err == nil {
		t.Error("a status that is neither firing nor resolved was packed")
	}
}
