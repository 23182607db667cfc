package console

import (
	"context"

	"github.com/alertgate/alertgate/web"
)

// addHeartbeats lists the configured heartbeats under the board: each
// one's state, last arrival and due time. When they cannot be read the
// board says so and shows the incidents all the same.
func (s *Server) addHeartbeats(ctx context.Context, b *web.Board) {
	list, err := s.deps.Engine.Heartbeats(ctx)
	if err != nil {
		b.HeartbeatsUnread = true
		return
	}
	for _, hb := range list {
		b.Heartbeats = append(b.Heartbeats, web.HeartbeatRow{Name: hb.Name, Receiver: hb.Receiver, Interval: hb.Interval,
			LastSeen: hb.LastSeen, Due: hb.Due, State: hb.State})
	}
}
