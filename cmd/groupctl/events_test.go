package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/groupd/groupd/admin"
	"github.com/groupd/groupd/domain"
)

// TestEventsCommands: groupctl events dead and replay against the admin
// events API of a real handler stack.
func TestEventsCommands(t *testing.T) {
	c := newCtl(t)
	h := admin.RequireAdminToken(c.server.Mux, admin.EventsAPI{Log: c.server.Store, Sinks: []string{"openim-webhooks"}}.Handler())
	c.server.Mux.Handle("/admin/api/events", h)
	c.server.Mux.Handle("/admin/api/events/", h)
	c.ok("user", "register", "alice", "bob", "carol")
	ctx := context.Background()
	evs, err := c.server.Store.ReadEvents(ctx, domain.EventPos{}, 100)
	if err != nil || len(evs) != 3 {
		t.Fatalf("%d events, %v", len(evs), err)
	}
	var dls []domain.DeadLetter
	for _, e := range evs {
		dls = append(dls, domain.DeadLetter{Sink: "openim-webhooks", EventID: e.ID, Partition: e.Partition, Type: e.Type,
			Attempts: 9, Error: "HTTP 503", DeadAt: time.Now().UnixMilli()})
	}
	if err := c.server.Store.SaveSinkProgress(ctx, "openim-webhooks", evs[2].Pos(), nil, dls); err != nil {
		t.Fatal(err)
	}

	r := c.ok("events", "dead")
	for _, want := range []string{"DEAD LETTERS", "openim-webhooks", "user.registered", "HTTP 503", "u:alice"} {
		if !strings.Contains(r.stdout, want) {
			t.Fatalf("events dead lacks %q:\n%s", want, r.stdout)
		}
	}
	if r := c.run("events", "replay"); r.code != 2 {
		t.Fatalf("replay without IDs or --all: exit %d", r.code)
	}
	r = c.ok("events", "replay", "--sink", "openim-webhooks", itoa(evs[0].ID))
	if !strings.Contains(r.stdout, "marked 1 dead letter") {
		t.Fatalf("replay one: %s", r.stdout)
	}
	r = c.ok("--json", "events", "replay", "--all")
	var m struct{ Marked int }
	if json.Unmarshal([]byte(r.stdout), &m); m.Marked != 2 {
		t.Fatalf("replay --all: %s", r.stdout)
	}
	r = c.ok("events", "dead", "--json")
	var out struct{ DeadLetters []admin.DeadLetter }
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || len(out.DeadLetters) != 3 || !out.DeadLetters[2].Replay {
		t.Fatalf("events dead --json: %v %s", err, r.stdout)
	}
	// A user cannot: the secret is wrong.
	c.env = append(c.env, "GROUPD_SECRET=wrong-secret-0123456789")
	if r := c.run("events", "dead"); r.code != 1 {
		t.Fatalf("wrong secret: exit %d %s", r.code, r.stderr)
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }
