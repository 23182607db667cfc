//go:build !e2e

package main

import (
	"flag"
	"log/slog"
	"time"
)

// testingFlags are empty in the shipped binary: the end-to-end hooks
// (testing.go) exist only with the e2e build tag.
type testingFlags struct{}

func (*testingFlags) register(*flag.FlagSet) {}

// testingHooks returns the real clock and no test endpoint.
func testingHooks(*testingFlags, *slog.Logger) (hooks, error) {
	return hooks{now: time.Now}, nil
}
