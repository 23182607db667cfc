package redis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"

	goredis "github.com/redis/go-redis/v9"
)

// epochScript returns the store's epoch, creating it when it is missing:
// a Redis that restarted without persistence, or a failover that lost
// writes, has forgotten it, and the new value tells every replica so.
var epochScript = goredis.NewScript(`
local v = redis.call('GET', KEYS[1])
if not v then
  v = ARGV[1]
  redis.call('SET', KEYS[1], v)
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return v
`)

// Epoch returns an identifier of the store's current contents. It changes
// only when Redis lost what alertgate wrote (a restart without
// persistence, a failover that lost writes), so replicas can re-ingest
// what they accepted recently.
func (s *Store) Epoch(ctx context.Context) (string, error) {
	var b [8]byte
	_, _ = rand.Read(b[:])
	v, err := epochScript.Run(ctx, s.client, []string{s.keys.base + "epoch"}, hex.EncodeToString(b[:]), s.opts.Retention.Milliseconds()).Text()
	if err != nil {
		return "", fmt.Errorf("redis epoch: %w", err)
	}
	return v, nil
}
