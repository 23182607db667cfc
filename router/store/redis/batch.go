package redis

import (
	"context"
	"slices"
	"sync"

	goredis "github.com/redis/go-redis/v9"
)

// batcher coalesces the concurrent calls of one kind (Observe,
// Correlate) into one script call: group commit. A call that finds
// fewer than maxFlying script calls under way sends what is queued,
// its own request included, as one batch; calls that arrive meanwhile
// queue, and when a batch returns the oldest of them is woken to send
// the next batch. So under concurrency many webhooks share one round
// trip and one script run, and a lone call goes at once.
//
// A batch's requests are decided one after another inside the script,
// in the order they queued: exactly as if each had been its own call,
// one after the other, which is all atomicity across replicas ever
// promised. If the script fails, every call of the batch gets the error.
type batcher[Req, Resp any] struct {
	// run sends one batch; it returns one response per request, in order.
	run func(ctx context.Context, reqs []Req) ([]Resp, error)
	// size weighs a request (its alerts), to bound what one batch carries.
	size func(Req) int
	// maxSize bounds a batch's total size (at least one request is
	// always sent): Redis serves nobody else while a script runs.
	maxSize int
	// maxFlying bounds the batches under way at once.
	maxFlying int

	mu     sync.Mutex
	queue  []*batchCall[Req, Resp]
	flying int
}

// batchCall is one queued request.
type batchCall[Req, Resp any] struct {
	req  Req
	resp Resp
	err  error
	// wake is signalled (it has room for one signal) when done or lead
	// is set; both are read and written under the batcher's lock.
	wake chan struct{}
	done bool // resp and err are set
	lead bool // the call is to send the next batch
}

func (c *batchCall[Req, Resp]) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// maxFlyingBatches is how many batches of one kind may be under way at
// once: two, so that one is prepared while the other is in Redis.
const maxFlyingBatches = 2

// maxBatchAlerts bounds the alerts of one batch: about a millisecond of
// Redis's time.
const maxBatchAlerts = 500

// do queues req and returns its response once its batch has run. A
// context that ends while the call waits ends the wait, not the batch.
func (b *batcher[Req, Resp]) do(ctx context.Context, req Req) (Resp, error) {
	c := &batchCall[Req, Resp]{req: req, wake: make(chan struct{}, 1)}
	b.mu.Lock()
	b.queue = append(b.queue, c)
	if b.flying < b.maxFlying {
		b.flying++
		c.lead = true
	}
	b.mu.Unlock()
	for {
		b.mu.Lock()
		done, lead := c.done, c.lead
		c.lead = false
		b.mu.Unlock()
		if lead {
			// Even when our request went out in another batch meanwhile,
			// the lead is ours to use or pass on.
			b.send(ctx)
			continue
		}
		if done {
			return c.resp, c.err
		}
		select {
		case <-c.wake:
		case <-ctx.Done():
			if b.abandon(c) {
				b.send(ctx)
			}
			var zero Resp
			return zero, ctx.Err()
		}
	}
}

// abandon takes a call whose context ended out of the queue, so it is
// not sent. It reports whether the call had just been made the leader:
// then the caller still sends the next batch (the others' requests),
// lest the queue stall.
func (b *batcher[Req, Resp]) abandon(c *batchCall[Req, Resp]) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if i := slices.Index(b.queue, c); i >= 0 {
		b.queue = slices.Delete(b.queue, i, i+1)
	}
	lead := c.lead
	c.lead = false
	return lead
}

// send runs the queued calls as one batch, then passes the lead to the
// oldest call still queued, or gives up its place if none is.
func (b *batcher[Req, Resp]) send(ctx context.Context) {
	b.mu.Lock()
	n, size := 0, 0
	for n < len(b.queue) && (n == 0 || size+b.size(b.queue[n].req) <= b.maxSize) {
		size += b.size(b.queue[n].req)
		n++
	}
	batch := slices.Clone(b.queue[:n])
	b.queue = slices.Delete(b.queue, 0, n)
	b.mu.Unlock()

	var resps []Resp
	var err error
	if len(batch) > 0 {
		reqs := make([]Req, len(batch))
		for i, c := range batch {
			reqs[i] = c.req
		}
		// The batch is everyone's: one caller giving up must not cancel
		// the others' decisions.
		resps, err = b.run(context.WithoutCancel(ctx), reqs)
	}

	b.mu.Lock()
	defer b.mu.Unlock()
	for i, c := range batch {
		c.err = err
		if err == nil {
			c.resp = resps[i]
		}
		c.done = true
		c.signal()
	}
	if len(b.queue) == 0 {
		b.flying--
		return
	}
	next := b.queue[0]
	next.lead = true
	next.signal()
}

// maxPipelineArgs bounds the arguments of the script calls that one
// pipeline of the caller batcher carries.
const maxPipelineArgs = 4096

// newCaller returns the batcher that coalesces the store's other script
// calls — a flush's completion, incident records, outbox acks, notifying
// order — into pipelines: concurrent flushes and deliveries, each a few
// calls in a row, share round trips instead of taking one each. Each call
// is its own script run, atomic on its own, as before; only the trip to
// Redis is shared.
func newCaller(s *Store) *batcher[scriptCall, *goredis.Cmd] {
	return &batcher[scriptCall, *goredis.Cmd]{
		run: func(ctx context.Context, calls []scriptCall) ([]*goredis.Cmd, error) {
			// Each reply carries its own error, a lost connection's too:
			// one call's failure is not its neighbours'.
			cmds, err := s.runScripts(ctx, calls)
			if err != nil {
				for _, c := range cmds {
					if c.Err() == nil && c.Val() == nil {
						c.SetErr(err) // no reply came
					}
				}
			}
			return cmds, nil
		},
		size:      func(c scriptCall) int { return 1 + len(c.args) },
		maxSize:   maxPipelineArgs,
		maxFlying: maxFlyingBatches,
	}
}

// call runs script on keys and args, sharing a round trip with the
// concurrent calls of the store's other callers (newCaller).
func (s *Store) call(ctx context.Context, script *goredis.Script, keys []string, args ...any) *goredis.Cmd {
	cmd, err := s.caller.do(ctx, scriptCall{script, keys, args})
	if err != nil {
		cmd = goredis.NewCmd(ctx)
		cmd.SetErr(err)
	}
	return cmd
}
