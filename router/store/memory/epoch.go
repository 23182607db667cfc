package memory

import "context"

// Epoch identifies the store's contents; the memory store never loses
// them while its process lives, so it never changes.
func (s *Store) Epoch(ctx context.Context) (string, error) { return "memory", ctx.Err() }

// ProcessLocal marks the memory store as store.ProcessLocal.
func (s *Store) ProcessLocal() {}
