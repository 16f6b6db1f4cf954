package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/groupd/groupd/admin"
	"github.com/groupd/groupd/domain"
	"github.com/groupd/groupd/events"
	"github.com/groupd/groupd/events/feed"
)

// EventsConfig configures the event log's retention and the sinks the
// dispatcher delivers it to (package events).
type EventsConfig struct {
	Retention time.Duration // how long events are kept
	Horizon   time.Duration // how long a delivery is retried before it is a dead letter

	OpenIMWebhooksFile string // OpenIM's webhooks.yml
	OpenIMWebhookURL   string // every after-callback to this URL (without a file)

	ZIMCallbackURL    string
	ZIMCallbackSecret string // empty: the ZIM ServerSecret

	FeedMax int // change feeds (GET /events) served at once

	NATSURL     string // NATS JetStream sink (events/nats.go)
	NATSStream  string
	NATSSubject string
}

type eventFlagValues struct{ retention, horizon string }

// eventFlags registers the event flags on fs.
func eventFlags(fs *flag.FlagSet, c *EventsConfig, env func(name, def string) string) *eventFlagValues {
	v := &eventFlagValues{}
	fs.StringVar(&v.retention, "events-retention", env("GROUPD_EVENTS_RETENTION", "7d"), "how long the event log keeps events (days, 7d, or a Go duration); older ones are deleted in the background (GROUPD_EVENTS_RETENTION)")
	fs.StringVar(&v.horizon, "events-retry", env("GROUPD_EVENTS_RETRY", "24h"), "how long a failing event delivery is retried (backoff 2s … 10m) before it becomes a dead letter (GROUPD_EVENTS_RETRY)")
	fs.StringVar(&c.OpenIMWebhooksFile, "openim-webhooks", env("GROUPD_OPENIM_WEBHOOKS", ""), "OpenIM webhooks.yml: after-callbacks (from the event log) and before-callbacks (synchronous, may refuse or amend a change) to its url, each as enabled there (GROUPD_OPENIM_WEBHOOKS)")
	fs.StringVar(&c.OpenIMWebhookURL, "openim-webhook-url", env("GROUPD_OPENIM_WEBHOOK_URL", ""), "send every OpenIM after-callback to this URL (url + \"/\" + callbackCommand); overrides the file's url (GROUPD_OPENIM_WEBHOOK_URL)")
	fs.StringVar(&c.ZIMCallbackURL, "zim-callback-url", env("GROUPD_ZIM_CALLBACK_URL", ""), "URL of the ZIM group callbacks (group_create, group_destroy, group_join, group_exit) (GROUPD_ZIM_CALLBACK_URL)")
	fs.IntVar(&c.FeedMax, "events-feed-max", envInt(env, "GROUPD_EVENTS_FEED_MAX", 1000), "change feeds (GET /events, Server-Sent Events) served at once; over it HTTP 503 (GROUPD_EVENTS_FEED_MAX)")
	fs.StringVar(&c.NATSURL, "events-nats", env("GROUPD_EVENTS_NATS", ""), "NATS URL (nats://127.0.0.1:4222): publish every event to JetStream, subject groupd.events.<groupID> (user events groupd.events.user.<userID>), Nats-Msg-Id = event ID (GROUPD_EVENTS_NATS)")
	fs.StringVar(&c.NATSStream, "events-nats-stream", env("GROUPD_EVENTS_NATS_STREAM", "GROUPD_EVENTS"), "JetStream stream of the events, created when missing (GROUPD_EVENTS_NATS_STREAM)")
	fs.StringVar(&c.NATSSubject, "events-nats-subject", env("GROUPD_EVENTS_NATS_SUBJECT", "groupd.events"), "prefix of the NATS subjects of the events (GROUPD_EVENTS_NATS_SUBJECT)")
	fs.StringVar(&c.ZIMCallbackSecret, "zim-callback-secret", env("GROUPD_ZIM_CALLBACK_SECRET", ""), "secret of the ZIM callback signature; empty: --zim-server-secret (GROUPD_ZIM_CALLBACK_SECRET)")
	return v
}

// parse checks the flag values.
func (v *eventFlagValues) parse(c *EventsConfig) error {
	var err error
	if c.Retention, err = parseTTL(v.retention); err != nil {
		return fmt.Errorf("--events-retention: %w", err)
	}
	if c.Horizon, err = parseTTL(v.horizon); err != nil {
		return fmt.Errorf("--events-retry: %w", err)
	}
	return nil
}

// startEvents starts the dispatcher on the database; it always runs, for
// retention, even without sinks.
func (m *Main) startEvents(db domain.Store) error {
	c := m.Config
	log := domain.EventLog(db)
	var sinks []events.Sink
	var hooks events.WebhookConfig
	if c.Events.OpenIMWebhooksFile != "" {
		var err error
		if hooks, err = events.LoadWebhookConfig(c.Events.OpenIMWebhooksFile); err != nil {
			return fmt.Errorf("--openim-webhooks: %w", err)
		}
		if c.Events.OpenIMWebhookURL != "" {
			hooks.URL = c.Events.OpenIMWebhookURL
		}
		m.openimWebhooks = hooks // its before-callbacks: package openim
	} else if c.Events.OpenIMWebhookURL != "" {
		hooks = events.AllAfterCallbacks(c.Events.OpenIMWebhookURL)
	}
	if hooks.URL != "" {
		sinks = append(sinks, events.NewOpenIMWebhooks(hooks))
	}
	if c.Events.ZIMCallbackURL != "" {
		secret := c.Events.ZIMCallbackSecret
		if secret == "" {
			secret = c.ZIMServerSecret
		}
		sinks = append(sinks, events.NewZIMCallbacks(events.ZIMConfig{URL: c.Events.ZIMCallbackURL,
			AppID: int64(c.ZIMAppID), Secret: secret}))
	}
	var closeNATS func()
	if c.Events.NATSURL != "" {
		ns, err := events.NewNATS(events.NATSConfig{URL: c.Events.NATSURL, Stream: c.Events.NATSStream, Subject: c.Events.NATSSubject})
		if err != nil {
			return fmt.Errorf("--events-nats: %w", err)
		}
		sinks = append(sinks, ns)
		closeNATS = ns.Close
	}
	d := events.New(log, events.Config{Sinks: sinks, Horizon: c.Events.Horizon, Retention: c.Events.Retention,
		Logger: m.Logger.With("component", "events")})
	if m.metrics != nil {
		if err := m.metrics.Registry.Register(d.Stats()); err != nil {
			return fmt.Errorf("events: metrics: %w", err)
		}
	}
	// New sinks start before the first request is answered, so that none
	// misses a change this server acknowledged.
	rctx, rcancel := context.WithTimeout(context.Background(), 30*time.Second)
	err := d.Register(rctx)
	rcancel()
	if err != nil {
		if closeNATS != nil {
			closeNATS()
		}
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		d.Run(ctx)
	}()
	m.evState = eventsState{stats: d.Stats()}
	for _, s := range sinks {
		m.evState.sinks = append(m.evState.sinks, s.Name())
	}
	m.stopEventsFn = func() {
		cancel()
		<-done
		if closeNATS != nil {
			closeNATS()
		}
	}
	names := make([]string, len(sinks))
	for i, s := range sinks {
		names[i] = s.Name()
	}
	m.Logger.Info("events: dispatcher started", "sinks", fmt.Sprint(names), "retention", c.Events.Retention.String(),
		"retry", c.Events.Horizon.String())
	return nil
}

// eventsState is what the admin API shows of the dispatcher.
type eventsState struct {
	sinks []string
	stats *events.Stats
}

// mountFeed serves the change feed at GET /events (package events/feed):
// tokens are checked through the OpenIM API on mux.
func (m *Main) mountFeed(mux *http.ServeMux, db domain.Store) *feed.Feed {
	f := feed.New(feed.Config{Log: db, Memberships: feed.DomainMemberships(db), Auth: feed.OpenIMAuth(mux),
		MaxFeeds: m.Config.Events.FeedMax, Logger: m.Logger.With("component", "events-feed")})
	mux.Handle("GET /events", f)
	// The operator's view of deliveries: sinks, dead letters, replay.
	api := admin.EventsAPI{Log: db, Sinks: m.evState.sinks}
	if st := m.evState.stats; st != nil {
		api.Stats = st.Snapshot
	}
	h := admin.RequireAdminToken(mux, api.Handler())
	mux.Handle("/admin/api/events", h)
	mux.Handle("/admin/api/events/", h)
	if m.metrics != nil {
		m.metrics.Registry.MustRegister(feed.Collector(f))
	}
	return f
}

func envInt(env func(name, def string) string, name string, def int) int {
	if n, err := strconv.Atoi(env(name, strconv.Itoa(def))); err == nil {
		return n
	}
	return def
}

// stopEvents stops the dispatcher (deliveries under way end; what they
// did not confirm is delivered again after the restart).
func (m *Main) stopEvents() {
	if m.stopEventsFn != nil {
		m.stopEventsFn()
		m.stopEventsFn = nil
	}
}
