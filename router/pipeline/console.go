package pipeline

import (
	"context"
	"fmt"

	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/store"
)

// Config returns the running configuration.
func (e *Engine) Config() *config.Config { return e.setup.Load().cfg }

// GroupOf returns the current state of inc's group (its members, who
// acknowledged it, where it was escalated) while the group still holds
// that occurrence; found is false once the incident is over or its group
// formed again as a newer incident.
func (e *Engine) GroupOf(ctx context.Context, inc incident.Incident) (g store.GroupState, found bool, err error) {
	g, found, err = e.opts.Store.Group(ctx, inc.Group)
	if err != nil {
		return g, false, fmt.Errorf("reading the group of incident %s: %w", inc.ID, err)
	}
	return g, found && g.IncidentID() == inc.ID, nil
}
