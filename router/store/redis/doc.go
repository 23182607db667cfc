// Package redis is the Redis state store: several alertgate replicas that
// share one Redis (a Kubernetes Deployment with 2–3 pods behind a
// Service, say) behave as one. It has the semantics of the memory store;
// the storetest suite runs against both.
//
// # Atomicity
//
// Every decision is one Lua script (lua/*.lua, embedded), so it is
// atomic across replicas: of two replicas observing the same alert at
// once, exactly one is told to notify, and of two replicas claiming the
// same due group or escalation timer, exactly one gets it. The
// deduplication logic in lua/dedup.lua mirrors dedup.Decide and
// dedup.Settle statement by statement; lua/groups.lua mirrors memory's
// join and touch, lua/record_incident.lua incident.Incident.Merge, and each
// other script the memory method it is named after. Observe costs one
// round trip for a whole batch, however large, and so do CompleteFlush
// and Correlate; ClaimGroups costs two, the claim and one read of the
// claimed groups' members; the Now board's reads, OpenIncidents and
// GroupSummaries, take one each (per Cluster shard), whatever the number
// of incidents and members. Reads of several keys (Inhibitors, Incident,
// the members of claimed groups) are one MULTI/EXEC round trip.
//
// # Group commit
//
// Concurrent Observe calls, and concurrent Correlate calls, share script
// calls (batch.go): a call that finds a batch under way queues, and the
// queue goes out as one script call when that batch returns. The script
// decides the calls one after the other, each with its own clock
// reading, exactly as separate calls would have been; under load many
// webhooks cost one round trip and one script run instead of one each.
//
// Times come from the caller's clock and are stored as Unix milliseconds
// (so they are truncated to the millisecond; 0 stands for the zero
// time). Redis's own clock decides nothing, except how long an outbox
// entry has been idle before another consumer reclaims it (XAUTOCLAIM
// measures that on the server) and when an at-most-once mark expires.
//
// # Keys
//
// Every key is <prefix><tag><name>, prefix "alertgate:" by default. The
// hash tag puts keys in one Redis Cluster slot, which is what lets a
// script read and write any of them (including keys it derives at run
// time, such as the groups a due-set entry names). With one partition
// (Options.Partitions, the default off a cluster) every key has the tag
// {ag}. With several, the keys of the alert, flapping, inhibit, group,
// members, bodies, groups:due, timers:due, timer and outbox rows below belong to
// the partition of their group and have its tag ({ag-<p>-<k>}, spaced
// evenly over the slots: partition.go), so a cluster's masters share
// them; the other rows keep {ag}. An outbox entry's ID then starts with
// its partition ("3/1767603600000-0").
//
// Every key has a TTL, refreshed whenever the store writes it, so the
// state of a prefix nobody uses any more disappears by itself. Alert and
// group state is kept for Options.Retention; incidents and what belongs
// to them (threads, sequence numbers, timelines, daily counters) for
// Options.IncidentRetention; correlated incidents for Options.Retention
// after their last change, and the pointers to them (corrsvc, corrfp)
// for Options.Retention after the incident's last join, which refreshes
// every member's pointer, not only the joiner's, as memory's gc keeps
// them; silences until the last of them has been expired for
// store.SilenceRetention (and at least Options.Retention):
//
//	key                   type    content
//	alert:<fingerprint>   hash    s: the alert's dedup state (dedup.AlertState) as
//	                              status|startsAt|resolvedAt|firstSeen|lastSeen|
//	                              lastNotified|notifiedStatus|notifications|
//	                              suppressed|flapping(0/1)|settleAt|transitions
//	                              (comma-separated times);
//	                              a: status|alert (binary: alert.AppendBinary) of
//	                              the observation that began flapping or held a
//	                              resolve, or was last flap-suppressed (what
//	                              Settle tells);
//	                              g: the groups it joined when it last notified,
//	                              a MessagePack array of key, wait, interval,
//	                              GroupRef JSON per group
//	flapping              zset    fingerprints of flapping alerts, scored by the
//	                              time they settle if nothing changes
//	inhibit:<key>         set     fingerprints of the firing alerts that hold the
//	                              inhibition key (Observation.Inhibits)
//	group:<key>           hash    ref (GroupRef JSON), interval, seq, lastFlush,
//	                              opened, while claimed lease and leaseUntil, once
//	                              acknowledged ackedBy and ackedAt, once escalated
//	                              escalated (MessagePack array of receivers); the
//	                              tally: resolved (members not firing) and
//	                              src:<source> (members from each source)
//	members:<key>         hash    fingerprint -> member record
//	                              version|reason|flushed|flapping|status|joined|
//	                              source
//	                              (earlier versions: the alert JSON last)
//	bodies:<key>          hash    fingerprint -> the member's alert, binary
//	                              (alert.AppendBinary), as the observation carried
//	                              it: no script reads it (lua/groups.lua says why)
//	groups:due            zset    keys of groups with a flush to do, scored by
//	                              when it is due (leased groups stay until their
//	                              flush completes or is postponed)
//	timers:due            zset    <group> NUL <receiver> of each escalation timer,
//	                              scored by when it fires (leased timers stay
//	                              until completed)
//	timer:<group>         hash    receiver -> lease|leaseUntil of the group's
//	                              timers (empty lease, 0: not claimed)
//	silences              hash    id -> startsAt|endsAt|incident.Silence JSON; the
//	                              times are the record's (the JSON's are zero), so
//	                              scripts change them without parsing JSON
//	outbox                stream  notifications: fields payload, attempts,
//	                              enqueued, lastError; consumer group "alertgate"
//	                              with one consumer per replica. Acked entries
//	                              are deleted, so its length is the backlog.
//	outbox:retry          zset    entries waiting to be retried, scored by when;
//	                              each member a MessagePack array of old ID,
//	                              payload, attempts, enqueued, lastError
//	outbox:dead           list    dead letters (notify.DeadLetter JSON), newest
//	                              first, trimmed to notify.MaxDeadLetters
//	incident:<id>         hash    the incident.Incident: one field per struct field
//	                              (times in ms, labels as JSON) and severityRank
//	timeline:<id>         list    the incident's events (incident.Event JSON) in the
//	                              order recorded, trimmed to incident.MaxTimelineEvents
//	incidents             zset    incident IDs, scored by when they opened
//	incidents:open        zset    IDs of the incidents not resolved, scored by
//	                              when they opened
//	incidents:resolved    zset    IDs of the resolved ones, scored by when they
//	                              resolved
//	incidents:cards       hash    id -> card of each open incident: its hash's
//	                              fields as <length>:<bytes>, in one string
//	thread:<incident>     hash    target -> incident.Thread JSON
//	seq:<incident>        hash    target -> the newest notification sequence
//	                              number applied there (Advance)
//	counters:<day>        hash    counter name -> count, for the UTC day
//	                              (incident.Day)
//	cache:<key>           string  a cached value (LLM summaries), with the
//	                              TTL its writer chose
//	mark:<key>            string  an at-most-once marker (Store.Mark: a
//	                              person's action applied), with its TTL
//	index:<key>           zset    the entries of an Index key, scored by when
//	                              they expire; expired ones are dropped as the
//	                              key is written, and the key lives as long as
//	                              its latest entry
//	epoch                 string  a random value created when missing: if it
//	                              changes, Redis lost alertgate's state and
//	                              replicas re-ingest recent alerts (TTL
//	                              Retention, refreshed on every check)
//	corrsvc:<service>     string  key of the service's latest correlated incident
//	corr:<key>            hash    a correlated incident: service, opened,
//	                              lastJoin, resolvedAt (0 while open), members
//	                              (the member count); key is incident.CorrelatedKey
//	corrmembers:<key>     set     fingerprints of the incident's firing members
//	corrfp:<fingerprint>  string  key of the correlated incident the alert is a
//	                              member of (deleted when it resolves)
//
// All times are Unix milliseconds. Retention must exceed the longest
// repeat interval (store.Options says why); alerts re-notify at least
// that often, which refreshes their group keys too.
//
// # Outbox
//
// The outbox is a stream with a consumer group, so a notification is
// handed to one replica at a time and survives the replica: entries a
// replica claimed but neither acknowledged nor retried within
// Options.ReclaimAfter go to another replica. An entry is removed
// (XACK+XDEL) when it is acknowledged, retried (it moves to outbox:retry
// and comes back under a new ID) or dead-lettered.
//
// # Connections
//
// NewClient builds a go-redis client from a Config (single server, URL,
// Sentinel or Cluster, optionally TLS); go-redis reconnects by itself,
// and the store keeps no state of its own beyond the scripts' hashes, so
// it works again as soon as Redis does. A restarted Redis without
// persistence has of course forgotten everything. go-redis reports what
// it retries (failed dials, say) through a process-wide logger of its
// own; main sends those lines to slog with
// goredis.SetLogger(redis.Logger(log)).
package redis
