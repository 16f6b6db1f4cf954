// Package feed serves the event log as a live change feed: GET /events,
// Server-Sent Events (text/event-stream), for web and mobile clients that
// keep a screen fresh without polling.
//
//   - Each event is one SSE message: "id" is the event ID, "event" its type
//     (member.joined, group.updated, …), "data" the JSON of events.Payload.
//   - Resumable: a client reconnecting with Last-Event-ID (browsers'
//     EventSource send it by themselves) or ?after=<event ID> gets every
//     event after that one, for as long as the log keeps it (retention);
//     ?after=0 is everything kept; no cursor starts at the newest event. A
//     cursor the log no longer keeps is answered HTTP 410 Gone (the client
//     resyncs its state, then connects without a cursor).
//   - Who sees what: an app admin token every event; a user token the
//     events of the groups the user is in (from when they joined, read
//     through the domain and kept current by the joins, leaves, kicks and
//     dismissals the feed itself carries) and every event naming the user
//     in its UserIDs (their own joins, leaves, kicks, requests, profile).
//   - Bounded: at most MaxFeeds feeds at once (over it HTTP 503), a buffer
//     of Buffer events per feed; a client that does not keep up (its buffer
//     is full, or a write stalls WriteTimeout) is cut off, after a
//     "feed.closed" message when one can still be written, and resumes by
//     its cursor. A comment line every Heartbeat keeps proxies from closing
//     an idle stream (and carries the cursor past events the viewer does
//     not see, in an "id" line).
//   - One reader of the log for all live feeds (a hub polling every Poll
//     while anyone listens); a feed catching up reads the log itself.
package feed

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/groupd/groupd/domain"
	"github.com/groupd/groupd/events"
)

// Memberships returns the groups userID is in now, with the time (Unix ms)
// they joined each.
type Memberships func(ctx context.Context, userID string) (map[string]int64, error)

// DomainMemberships reads memberships from the domain's store.
func DomainMemberships(r domain.Reader) Memberships {
	return func(ctx context.Context, userID string) (map[string]int64, error) {
		out := map[string]int64{}
		var after int64
		for {
			ms, err := r.ListJoinedAfter(ctx, userID, after, 1000)
			if err != nil {
				return nil, err
			}
			for _, m := range ms {
				out[m.GroupID] = m.JoinTime
				after = m.Seq
			}
			if len(ms) < 1000 {
				return out, nil
			}
		}
	}
}

// Config configures a Feed. Zero fields take the defaults.
type Config struct {
	Log         domain.EventLog
	Memberships Memberships
	Auth        Authenticator
	// MaxFeeds bounds the feeds served at once (default 1000).
	MaxFeeds int
	// Buffer is the events held for a live feed (default 512); a feed
	// whose buffer is full is cut off.
	Buffer int
	// Heartbeat is how often an idle feed gets a comment line (default 15s).
	Heartbeat time.Duration
	// Poll is how often the log is read for new events (default 100ms).
	Poll time.Duration
	// WriteTimeout cuts off a client whose write stalls (default 10s).
	WriteTimeout time.Duration
	// Recheck is how often a feed's token is checked again (default 1m): a
	// revoked token ends its feed.
	Recheck time.Duration
	Logger  *slog.Logger
}

// Feed is the GET /events handler.
type Feed struct {
	cfg    Config
	sem    chan struct{}
	hub    *hub
	ctx    context.Context
	cancel context.CancelFunc

	active  atomic.Int64
	served  atomic.Int64
	cut     atomic.Int64 // slow consumers cut off
	refused atomic.Int64 // over MaxFeeds
}

// New returns a feed handler; Shutdown ends its feeds.
func New(cfg Config) *Feed {
	if cfg.MaxFeeds <= 0 {
		cfg.MaxFeeds = 1000
	}
	if cfg.Buffer <= 0 {
		cfg.Buffer = 512
	}
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = 15 * time.Second
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 100 * time.Millisecond
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = 10 * time.Second
	}
	if cfg.Recheck <= 0 {
		cfg.Recheck = time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	f := &Feed{cfg: cfg, sem: make(chan struct{}, cfg.MaxFeeds), ctx: ctx, cancel: cancel}
	f.hub = &hub{log: cfg.Log, poll: cfg.Poll, logger: cfg.Logger, ctx: ctx, subs: map[*sub]struct{}{}}
	return f
}

// Shutdown ends every feed (each gets a "feed.closed" message with reason
// "shutdown"); register it with http.Server.RegisterOnShutdown, since
// Shutdown does not end streaming requests.
func (f *Feed) Shutdown() { f.cancel() }

// Stats are the feed's counters.
type Stats struct {
	Active, Served, CutOff, Refused int64
}

// Stats returns the feed's counters.
func (f *Feed) Stats() Stats {
	return Stats{Active: f.active.Load(), Served: f.served.Load(), CutOff: f.cut.Load(), Refused: f.refused.Load()}
}

// Close reasons of the "feed.closed" message.
const (
	ReasonSlow     = "slow_consumer"
	ReasonExpired  = "token_expired"
	ReasonRevoked  = "token_invalid"
	ReasonShutdown = "shutdown"
)

func writeErr(w http.ResponseWriter, status, code int, name, dlt string) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	if status == http.StatusServiceUnavailable {
		h.Set("Retry-After", "1")
	}
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"errCode": code, "errMsg": name, "errDlt": dlt})
}

func (f *Feed) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		writeErr(w, http.StatusMethodNotAllowed, 1001, "ArgsError", "GET only")
		return
	}
	ctx := r.Context()
	token := r.Header.Get("token")
	if token == "" {
		token = r.URL.Query().Get("token")
	}
	v, err := f.cfg.Auth(ctx, token, r.RemoteAddr)
	if err != nil {
		var ae *AuthError
		if errors.As(err, &ae) {
			writeErr(w, ae.Status, ae.Code, ae.Name, ae.Detail)
		} else {
			writeErr(w, http.StatusInternalServerError, 500, "ServerInternalError", err.Error())
		}
		return
	}
	cursor := r.Header.Get("Last-Event-ID")
	if cursor == "" {
		cursor = r.URL.Query().Get("after")
	}
	var start domain.EventPos
	var lastID int64
	if cursor != "" {
		id, err := strconv.ParseInt(cursor, 10, 64)
		if err != nil || id < 0 {
			writeErr(w, http.StatusBadRequest, 1001, "ArgsError", "Last-Event-ID / after must be an event ID (a number ≥ 0)")
			return
		}
		pos, ok, err := f.cfg.Log.EventPosOf(ctx, id)
		if err != nil {
			writeErr(w, http.StatusServiceUnavailable, 500, "ServerInternalError", "read the event log: "+err.Error())
			return
		}
		if !ok {
			writeErr(w, http.StatusGone, 1004, "CursorExpired", fmt.Sprintf(
				"event %d is no longer kept (retention) or never was: resync, then connect without Last-Event-ID", id))
			return
		}
		start, lastID = pos, id
	} else if start, err = f.cfg.Log.EventHead(ctx); err != nil {
		writeErr(w, http.StatusServiceUnavailable, 500, "ServerInternalError", "read the event log: "+err.Error())
		return
	}
	select {
	case f.sem <- struct{}{}:
		defer func() { <-f.sem }()
	default:
		f.refused.Add(1)
		writeErr(w, http.StatusServiceUnavailable, 500, "ServerInternalError", fmt.Sprintf("server busy: %d event feeds are open, retry later", f.cfg.MaxFeeds))
		return
	}
	var flt *filter
	if !v.Admin {
		groups, err := f.cfg.Memberships(ctx, v.UserID)
		if err != nil {
			writeErr(w, http.StatusServiceUnavailable, 500, "ServerInternalError", "read memberships: "+err.Error())
			return
		}
		now := time.Now().UnixMilli()
		for g, t := range groups {
			groups[g] = min(t, now)
		}
		flt = &filter{user: v.UserID, groups: groups}
	}
	f.active.Add(1)
	f.served.Add(1)
	defer f.active.Add(-1)

	rc := http.NewResponseController(w)
	rc.SetReadDeadline(time.Time{}) // the server's read timeout must not end the stream
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	s := &stream{f: f, w: w, rc: rc, flt: flt, pos: start, sentID: lastID, scanID: lastID}
	s.buf.WriteString("retry: 2000\n: groupd events\n\n")
	if s.flush() != nil {
		return
	}
	reason := s.run(ctx, v, token, r.RemoteAddr)
	if reason != "" {
		if reason == ReasonSlow {
			f.cut.Add(1)
		}
		s.closed(reason)
	}
}

// stream is one client's feed.
type stream struct {
	f      *Feed
	w      http.ResponseWriter
	rc     *http.ResponseController
	flt    *filter
	pos    domain.EventPos // last event read
	scanID int64           // its ID
	sentID int64           // last id: line written
	buf    bytes.Buffer
}

// run streams until the client leaves (""), or a reason to close.
func (s *stream) run(ctx context.Context, v Viewer, token, remote string) string {
	f := s.f
	// Catch up from the log, then join the hub's live stream.
	for {
		n, err := s.readLog(ctx, domain.EventPos{})
		if err != nil {
			return s.failed(ctx, err)
		}
		if n < 500 {
			break
		}
	}
	sb, h0 := f.hub.subscribe(s.pos, f.cfg.Buffer)
	defer f.hub.unsubscribe(sb)
	for s.pos.Less(h0) {
		n, err := s.readLog(ctx, h0)
		if err != nil {
			return s.failed(ctx, err)
		}
		if n == 0 {
			break
		}
	}
	hb := time.NewTicker(f.cfg.Heartbeat)
	defer hb.Stop()
	recheck := time.NewTicker(f.cfg.Recheck)
	defer recheck.Stop()
	var expiry <-chan time.Time
	if !v.Expires.IsZero() {
		t := time.NewTimer(time.Until(v.Expires))
		defer t.Stop()
		expiry = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return ""
		case <-f.ctx.Done():
			return ReasonShutdown
		case <-sb.cut:
			return ReasonSlow
		case ev := <-sb.ch:
			s.add(ev)
			for more := true; more && s.buf.Len() < 64<<10; {
				select {
				case ev := <-sb.ch:
					s.add(ev)
				default:
					more = false
				}
			}
			if s.buf.Len() > 0 {
				if err := s.flush(); err != nil {
					return s.stalled(err)
				}
			}
		case <-hb.C:
			s.buf.WriteString(": heartbeat\n")
			if s.scanID != s.sentID {
				fmt.Fprintf(&s.buf, "id: %d\n", s.scanID)
				s.sentID = s.scanID
			}
			s.buf.WriteString("\n")
			if err := s.flush(); err != nil {
				return s.stalled(err)
			}
		case <-expiry:
			return ReasonExpired
		case <-recheck.C:
			if _, err := f.cfg.Auth(ctx, token, remote); err != nil {
				var ae *AuthError
				if errors.As(err, &ae) {
					return ReasonRevoked
				}
			}
		}
	}
}

// readLog reads and writes one batch of events after s.pos (up to upTo
// when set) and returns how many it read.
func (s *stream) readLog(ctx context.Context, upTo domain.EventPos) (int, error) {
	evs, err := s.f.cfg.Log.ReadEvents(ctx, s.pos, 500)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, ev := range evs {
		if upTo != (domain.EventPos{}) && upTo.Less(ev.Pos()) {
			break
		}
		s.add(ev)
		n++
		if s.buf.Len() > 64<<10 {
			if err := s.flush(); err != nil {
				return 0, err
			}
		}
	}
	if s.buf.Len() > 0 {
		if err := s.flush(); err != nil {
			return 0, err
		}
	}
	return n, nil
}

func (s *stream) failed(ctx context.Context, err error) string {
	if errors.Is(err, errWrite) {
		return s.stalled(err)
	}
	if ctx.Err() == nil && s.f.ctx.Err() == nil {
		s.f.cfg.Logger.Warn("events feed: read the log", "err", err)
	}
	return ""
}

// stalled: a write failed; when it timed out, the client did not keep up
// (else it left).
func (s *stream) stalled(err error) string {
	var ne net.Error
	if errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
		return ReasonSlow
	}
	return ""
}

var errWrite = errors.New("write to the client failed")

// add formats ev into the buffer when the viewer sees it.
func (s *stream) add(ev domain.Event) {
	if !s.pos.Less(ev.Pos()) {
		return // read before (catch-up and live overlap)
	}
	s.pos, s.scanID = ev.Pos(), ev.ID
	if s.flt != nil && !s.flt.visible(ev) {
		return
	}
	data, err := events.MarshalEvent(ev)
	if err != nil {
		return
	}
	fmt.Fprintf(&s.buf, "id: %d\nevent: %s\ndata: %s\n\n", ev.ID, ev.Type, data)
	s.sentID = ev.ID
}

func (s *stream) flush() error {
	s.rc.SetWriteDeadline(time.Now().Add(s.f.cfg.WriteTimeout))
	_, err := s.w.Write(s.buf.Bytes())
	s.buf.Reset()
	if err == nil {
		err = s.rc.Flush()
	}
	if err != nil {
		return fmt.Errorf("%w: %w", errWrite, err)
	}
	return nil
}

// closed says why the feed ends, in a short write: a stalled client
// does not get it.
func (s *stream) closed(reason string) {
	s.buf.Reset()
	if s.scanID != s.sentID {
		fmt.Fprintf(&s.buf, "id: %d\n\n", s.scanID)
	}
	msg, _ := json.Marshal(map[string]any{"reason": reason, "lastEventID": s.scanID})
	fmt.Fprintf(&s.buf, "event: feed.closed\ndata: %s\n\n", msg)
	s.rc.SetWriteDeadline(time.Now().Add(time.Second))
	s.w.Write(s.buf.Bytes())
	s.rc.Flush()
}

// filter is what a user's feed shows.
type filter struct {
	user   string
	groups map[string]int64 // group → when the user joined (ms)
}

func (f *filter) visible(ev domain.Event) bool {
	mine := slices.Contains(ev.UserIDs, f.user)
	jt, in := f.groups[ev.GroupID]
	vis := mine || ev.GroupID != "" && in && ev.Time >= jt
	if ev.GroupID == "" {
		return vis
	}
	switch ev.Type {
	case domain.EventGroupCreated, domain.EventMembersJoined:
		if mine {
			f.groups[ev.GroupID] = ev.Time
		}
	case domain.EventMemberQuit, domain.EventMembersKicked:
		if mine {
			delete(f.groups, ev.GroupID)
		}
	case domain.EventGroupDismissed:
		delete(f.groups, ev.GroupID)
	}
	return vis
}

// ---- the hub: one reader of the log for every live feed ----

type hub struct {
	log    domain.EventLog
	poll   time.Duration
	logger *slog.Logger
	ctx    context.Context

	mu      sync.Mutex
	subs    map[*sub]struct{}
	pos     domain.EventPos
	running bool
}

type sub struct {
	ch  chan domain.Event
	cut chan struct{}
}

// subscribe adds a live feed that has read the log up to pos; it gets
// every event after h0 (the feed reads the log from pos to h0 itself).
func (h *hub) subscribe(pos domain.EventPos, size int) (*sub, domain.EventPos) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := &sub{ch: make(chan domain.Event, size), cut: make(chan struct{})}
	if !h.running {
		h.pos, h.running = pos, true
		go h.run()
	}
	h.subs[s] = struct{}{}
	return s, h.pos
}

func (h *hub) unsubscribe(s *sub) {
	h.mu.Lock()
	delete(h.subs, s)
	h.mu.Unlock()
}

func (h *hub) run() {
	t := time.NewTicker(h.poll)
	defer t.Stop()
	for {
		select {
		case <-h.ctx.Done():
			h.mu.Lock()
			h.running = false
			h.mu.Unlock()
			return
		case <-t.C:
		}
		h.mu.Lock()
		if len(h.subs) == 0 {
			h.running = false
			h.mu.Unlock()
			return
		}
		pos := h.pos
		h.mu.Unlock()
		for {
			evs, err := h.log.ReadEvents(h.ctx, pos, 500)
			if err != nil {
				if h.ctx.Err() == nil {
					h.logger.Warn("events feed: read the log", "err", err)
				}
				break
			}
			if len(evs) == 0 {
				break
			}
			h.mu.Lock()
			for _, ev := range evs {
				for s := range h.subs {
					select {
					case s.ch <- ev:
					default: // a slow consumer: cut off, it resumes by cursor
						close(s.cut)
						delete(h.subs, s)
					}
				}
			}
			pos = evs[len(evs)-1].Pos()
			h.pos = pos
			h.mu.Unlock()
			if len(evs) < 500 {
				break
			}
		}
	}
}
