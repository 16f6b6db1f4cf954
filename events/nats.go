package events

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/groupd/groupd/domain"
)

// NATSConfig configures the NATS JetStream sink.
type NATSConfig struct {
	URL string // nats://127.0.0.1:4222 (comma-separated for a cluster)
	// Stream is the JetStream stream that stores the events (default
	// GROUPD_EVENTS); it is created when missing (subjects Subject + ".>",
	// file storage, the de-duplication window below) and reused when it
	// exists and covers them.
	Stream string
	// Subject is the subjects' prefix (default groupd.events): a group's
	// events go to <Subject>.<groupID>, a user's own to
	// <Subject>.user.<userID>.
	Subject string
	// Duplicates is the de-duplication window of a stream groupd creates
	// (default 20 minutes): an event published again within it (a
	// redelivery after a crash) is stored once.
	Duplicates time.Duration
	// MaxAge is how long a stream groupd creates keeps messages (default:
	// kept until removed by the operator's limits; 0).
	MaxAge time.Duration
	// Name is the sink's name in the store (default "nats").
	Name string
}

// NATSSink publishes every event to JetStream with the event ID as its
// Nats-Msg-Id, so JetStream de-duplicates redeliveries. Events go through
// the dispatcher like any sink: durable, in order per group, retried.
type NATSSink struct {
	cfg NATSConfig
	nc  *nats.Conn
	js  jetstream.JetStream

	mu    sync.Mutex
	ready bool // the stream exists and covers the subjects
}

// NewNATS connects to NATS (in the background: a server down at start
// only delays deliveries, which are retried).
func NewNATS(cfg NATSConfig) (*NATSSink, error) {
	if cfg.Stream == "" {
		cfg.Stream = "GROUPD_EVENTS"
	}
	if cfg.Subject == "" {
		cfg.Subject = "groupd.events"
	}
	if cfg.Duplicates == 0 {
		cfg.Duplicates = 20 * time.Minute
	}
	if cfg.Name == "" {
		cfg.Name = "nats"
	}
	nc, err := nats.Connect(cfg.URL, nats.Name("groupd"), nats.RetryOnFailedConnect(true),
		nats.MaxReconnects(-1), nats.ReconnectWait(time.Second))
	if err != nil {
		return nil, fmt.Errorf("nats: %w", err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("nats: jetstream: %w", err)
	}
	return &NATSSink{cfg: cfg, nc: nc, js: js}, nil
}

// Name implements Sink.
func (s *NATSSink) Name() string { return s.cfg.Name }

// Close ends the connection.
func (s *NATSSink) Close() { s.nc.Close() }

// JetStream is the sink's JetStream context (for tests and tools).
func (s *NATSSink) JetStream() jetstream.JetStream { return s.js }

// Subject is the subject of ev: <prefix>.<groupID>, or
// <prefix>.user.<userID> for a user's own events.
func (s *NATSSink) Subject(ev domain.Event) string { return NATSSubject(s.cfg.Subject, ev) }

// NATSSubject is the subject of ev under prefix. IDs are made subject
// tokens reversibly: bytes other than A-Z a-z 0-9 - _ are %XX (so "a.b",
// "a b", "*" and ">" are one token each, and no two IDs share one).
func NATSSubject(prefix string, ev domain.Event) string {
	if ev.GroupID == "" {
		if user, ok := strings.CutPrefix(ev.Partition, "u:"); ok {
			return prefix + ".user." + SubjectToken(user)
		}
	}
	return prefix + "." + SubjectToken(ev.GroupID)
}

// SubjectToken encodes id as one NATS subject token.
func SubjectToken(id string) string {
	if id == "" {
		return "%"
	}
	var b strings.Builder
	for i := 0; i < len(id); i++ {
		c := id[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// Deliver implements Sink: it returns once JetStream stored the event (or
// already had it: a duplicate).
func (s *NATSSink) Deliver(ctx context.Context, ev domain.Event) error {
	if err := s.ensureStream(ctx); err != nil {
		return err
	}
	data, err := MarshalEvent(ev)
	if err != nil {
		return Permanent(err)
	}
	msg := nats.NewMsg(s.Subject(ev))
	msg.Data = data
	msg.Header.Set(jetstream.MsgIDHeader, strconv.FormatInt(ev.ID, 10))
	msg.Header.Set("Groupd-Event-Type", ev.Type)
	if _, err := s.js.PublishMsg(ctx, msg, jetstream.WithExpectStream(s.cfg.Stream)); err != nil {
		return fmt.Errorf("nats: publish %s: %w", msg.Subject, err)
	}
	return nil
}

// ensureStream creates the stream, or checks that the existing one covers
// the subjects.
func (s *NATSSink) ensureStream(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ready {
		return nil
	}
	all := s.cfg.Subject + ".>"
	st, err := s.js.Stream(ctx, s.cfg.Stream)
	switch {
	case errors.Is(err, jetstream.ErrStreamNotFound):
		_, err = s.js.CreateStream(ctx, jetstream.StreamConfig{Name: s.cfg.Stream, Subjects: []string{all},
			Storage: jetstream.FileStorage, Duplicates: s.cfg.Duplicates, MaxAge: s.cfg.MaxAge,
			Description: "groupd events (issue 13): one subject per group, Nats-Msg-Id = event ID"})
		if err != nil && !errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			return fmt.Errorf("nats: create stream %s: %w", s.cfg.Stream, err)
		}
	case err != nil:
		return fmt.Errorf("nats: stream %s: %w", s.cfg.Stream, err)
	default:
		covered := false
		for _, sub := range st.CachedInfo().Config.Subjects {
			if sub == all || sub == ">" || subjectCovers(sub, all) {
				covered = true
			}
		}
		if !covered {
			return fmt.Errorf("nats: stream %s exists but its subjects %v do not cover %s", s.cfg.Stream,
				st.CachedInfo().Config.Subjects, all)
		}
	}
	s.ready = true
	return nil
}

// subjectCovers reports whether the filter pattern matches every subject
// of want (want ends in ">").
func subjectCovers(pattern, want string) bool {
	p, w := strings.Split(pattern, "."), strings.Split(want, ".")
	for i, t := range p {
		if t == ">" {
			return true
		}
		if i >= len(w) || w[i] == ">" || t != "*" && t != w[i] {
			return false
		}
	}
	return len(p) == len(w)
}
