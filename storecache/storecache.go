// Package storecache is a read cache in front of a domain.Store: a
// decorator that serves the hot reads (a group by ID, a group's member ID
// list, a user's joined-group ID list) from a Backend shared by every node
// (Redis, see redisx.CacheBackend) or, for a single node, from memory.
//
// # Correctness: generation tokens
//
// A cached read never answers older than a write acknowledged anywhere.
// Each entity (a group, a user) has a generation key holding a random
// token; every cache entry derived from it carries the token that was
// current when its database read began. A read accepts an entry only if its
// token equals the entity's current token (a missing token never matches).
// On a miss it makes sure a token exists (creating one if not), reads the
// database, and stores the result tagged with that token. A Write records
// the entities its transaction touched and, after the commit and before it
// returns (so before the client is answered), gives each a fresh token.
//
// Why this holds under races: an entry tagged T was read from the database
// after T became current. If a write committed before T became current, the
// entry shows it. If not, the write's bump (after its commit) replaced T,
// and from then on no entry tagged T is accepted. Losing any key (eviction,
// restart, failover to an empty replica) only causes misses.
//
// # When the backend fails
//
// Reads bypass the cache and go to the database. Writes check the backend
// first and fail fast with domain.ErrUnavailable while it is down, so
// nothing is written that could leave a stale entry behind. If the backend
// fails between a write's commit and its bump, the write waits until every
// entry that could be stale has expired (entries live at most TTL from the
// start of the read that filled them) before it returns.
package storecache

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/groupd/groupd/domain"
)

// Backend holds cache entries and generation tokens. Keys and entries may
// vanish at any time; the cache stays correct.
type Backend interface {
	// Lookup returns, for each pair, the entry stored under Key (nil when
	// none) and the token under Gen, first setting Gen to a fresh token
	// when it has none. One round trip.
	Lookup(ctx context.Context, pairs []Pair) (entries [][]byte, tokens []string, err error)
	// Fill stores each entry under its key for ttl.
	Fill(ctx context.Context, keys []string, entries [][]byte, ttl time.Duration) error
	// Bump sets each generation key to a fresh token.
	Bump(ctx context.Context, gens []string) error
	// Check reports whether the backend can be reached; writes are refused
	// while it cannot.
	Check(ctx context.Context) error
}

// Pair names a cache entry and the generation key it depends on.
type Pair struct{ Key, Gen string }

// Options configure a Store. Zero fields take the defaults.
type Options struct {
	// TTL bounds the life of an entry (default 10s). It is also how long a
	// write waits in the rare case where its bump fails after its commit.
	TTL time.Duration
	// MaxEntryBytes: larger entries are not cached (default 4 MiB).
	MaxEntryBytes int
	// Logger receives bump failures; discarded when nil.
	Logger *slog.Logger
}

// DefaultTTL is the default Options.TTL.
const DefaultTTL = 10 * time.Second

// Store is the caching decorator. Reads not listed in the package doc and
// every read inside a transaction go to the wrapped store.
type Store struct {
	domain.Store
	b     Backend
	ttl   time.Duration
	max   int
	log   *slog.Logger
	sleep func(time.Duration)
}

// New wraps s with a cache on b. The result also implements
// domain.MutedMemberFinder when s does.
func New(s domain.Store, b Backend, opts Options) domain.Store {
	if opts.TTL <= 0 {
		opts.TTL = DefaultTTL
	}
	if opts.MaxEntryBytes <= 0 {
		opts.MaxEntryBytes = 4 << 20
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	c := &Store{Store: s, b: b, ttl: opts.TTL, max: opts.MaxEntryBytes, log: opts.Logger, sleep: time.Sleep}
	if f, ok := s.(domain.MutedMemberFinder); ok {
		return finderStore{c, f}
	}
	return c
}

type finderStore struct {
	*Store
	f domain.MutedMemberFinder
}

func (s finderStore) GroupsWithMutedMembers(ctx context.Context, groupIDs []string, now int64) (map[string]bool, error) {
	return s.f.GroupsWithMutedMembers(ctx, groupIDs, now)
}

// Keys. Generations: "G:g:<group>", "G:u:<user>". Entries: "g:<group>"
// (the group), "gm:<group>" (its member IDs), "uj:<user>" (the user's
// joined group IDs).
func groupGen(id string) string { return "G:g:" + id }
func userGen(id string) string  { return "G:u:" + id }

// tokenLen is the length of a token as newToken makes it.
const tokenLen = 16

// NewToken returns a fresh random generation token.
func NewToken() string {
	var b [tokenLen / 2]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// lookup reads pairs; hit[i] is the payload of a valid entry, tokens[i] the
// token a fill must carry. ok is false when the backend failed: the caller
// reads the database and fills nothing.
func (c *Store) lookup(ctx context.Context, pairs []Pair) (hit [][]byte, tokens []string, ok bool) {
	entries, tokens, err := c.b.Lookup(ctx, pairs)
	if err != nil || len(entries) != len(pairs) || len(tokens) != len(pairs) {
		return nil, nil, false
	}
	hit = make([][]byte, len(pairs))
	for i, e := range entries {
		if tok := tokens[i]; tok != "" && len(e) >= len(tok) && string(e[:len(tok)]) == tok {
			hit[i] = e[len(tok):]
		}
	}
	return hit, tokens, true
}

// fill stores payloads tagged with their tokens, with what is left of the
// TTL since start (the moment before the lookup, hence before the database
// read). Best effort: a failure costs a later miss.
func (c *Store) fill(ctx context.Context, start time.Time, keys, tokens []string, payloads [][]byte) {
	left := c.ttl - time.Since(start)
	if left < c.ttl/2 || len(keys) == 0 {
		return // too slow: the entry could outlive the bound writes rely on
	}
	entries := make([][]byte, 0, len(keys))
	ks := make([]string, 0, len(keys))
	for i, p := range payloads {
		if len(p) > c.max {
			continue
		}
		e := make([]byte, 0, len(tokens[i])+len(p))
		entries = append(entries, append(append(e, tokens[i]...), p...))
		ks = append(ks, keys[i])
	}
	if len(ks) > 0 {
		_ = c.b.Fill(ctx, ks, entries, left)
	}
}

// GetGroup serves a group from the cache.
func (c *Store) GetGroup(ctx context.Context, groupID string) (domain.Group, error) {
	start := time.Now()
	hit, tokens, ok := c.lookup(ctx, []Pair{{"g:" + groupID, groupGen(groupID)}})
	if ok && hit[0] != nil {
		var g domain.Group
		if json.Unmarshal(hit[0], &g) == nil {
			return g, nil
		}
	}
	g, err := c.Store.GetGroup(ctx, groupID)
	if err == nil && ok {
		if p, merr := json.Marshal(g); merr == nil {
			c.fill(ctx, start, []string{"g:" + groupID}, tokens, [][]byte{p})
		}
	}
	return g, err
}

// GetGroups serves groups from the cache, reading only the misses.
func (c *Store) GetGroups(ctx context.Context, ids []string) ([]domain.Group, error) {
	if len(ids) == 0 {
		return c.Store.GetGroups(ctx, ids)
	}
	start := time.Now()
	pairs := make([]Pair, len(ids))
	for i, id := range ids {
		pairs[i] = Pair{"g:" + id, groupGen(id)}
	}
	hit, tokens, ok := c.lookup(ctx, pairs)
	if !ok {
		return c.Store.GetGroups(ctx, ids)
	}
	out := make([]domain.Group, 0, len(ids))
	var missing []string
	tokenOf := make(map[string]string)
	for i, id := range ids {
		if hit[i] != nil {
			var g domain.Group
			if json.Unmarshal(hit[i], &g) == nil {
				out = append(out, g)
				continue
			}
		}
		if _, dup := tokenOf[id]; !dup {
			missing = append(missing, id)
		}
		tokenOf[id] = tokens[i]
	}
	if len(missing) == 0 {
		return out, nil
	}
	found, err := c.Store.GetGroups(ctx, missing)
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(found))
	toks := make([]string, 0, len(found))
	payloads := make([][]byte, 0, len(found))
	for _, g := range found {
		out = append(out, g)
		if p, merr := json.Marshal(g); merr == nil {
			keys, toks, payloads = append(keys, "g:"+g.GroupID), append(toks, tokenOf[g.GroupID]), append(payloads, p)
		}
	}
	c.fill(ctx, start, keys, toks, payloads)
	return out, nil
}

// MemberUserIDs serves a group's member IDs (join order) from the cache.
func (c *Store) MemberUserIDs(ctx context.Context, groupID string) ([]string, error) {
	return c.ids(ctx, Pair{"gm:" + groupID, groupGen(groupID)}, func() ([]string, error) {
		return c.Store.MemberUserIDs(ctx, groupID)
	})
}

// JoinedGroupIDs serves a user's joined group IDs (join order) from the cache.
func (c *Store) JoinedGroupIDs(ctx context.Context, userID string) ([]string, error) {
	return c.ids(ctx, Pair{"uj:" + userID, userGen(userID)}, func() ([]string, error) {
		return c.Store.JoinedGroupIDs(ctx, userID)
	})
}

func (c *Store) ids(ctx context.Context, p Pair, read func() ([]string, error)) ([]string, error) {
	start := time.Now()
	hit, tokens, ok := c.lookup(ctx, []Pair{p})
	if ok && hit[0] != nil {
		var ids []string
		if json.Unmarshal(hit[0], &ids) == nil {
			if ids == nil {
				ids = []string{}
			}
			return ids, nil
		}
	}
	ids, err := read()
	if err == nil && ok {
		if b, merr := json.Marshal(ids); merr == nil {
			c.fill(ctx, start, []string{p.Key}, tokens, [][]byte{b})
		}
	}
	return ids, err
}

// Write runs fn on the wrapped store, recording what it touches, and
// invalidates those entities after the commit, before returning. While the
// backend cannot be reached it fails fast and writes nothing.
func (c *Store) Write(ctx context.Context, fn func(tx domain.Tx) error) error {
	if err := c.b.Check(ctx); err != nil {
		return &domain.Error{Kind: domain.KindUnavailable,
			Message: "the shared cache (Redis) cannot be reached: writes are refused until it is back", Cause: err}
	}
	t := &touched{gens: map[string]bool{}}
	err := c.Store.Write(ctx, func(tx domain.Tx) error {
		// Across retries the set only grows: a superset is safe.
		return fn(&cacheTx{Tx: tx, t: t})
	})
	// Bump even when Write failed: a commit whose outcome is unknown may
	// have happened.
	if gens := t.list(); len(gens) > 0 {
		c.invalidate(ctx, gens)
	}
	return err
}

func (c *Store) invalidate(ctx context.Context, gens []string) {
	bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := c.b.Bump(bctx, gens); err != nil {
		wait := c.ttl + time.Second
		c.log.Error("cache invalidation failed after a commit; waiting for possibly stale entries to expire before answering",
			"entities", len(gens), "wait", wait.String(), "err", err)
		c.sleep(wait)
	}
}

// touched collects the generation keys a transaction must bump.
type touched struct {
	mu   sync.Mutex
	gens map[string]bool
}

func (t *touched) add(gens ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, g := range gens {
		t.gens[g] = true
	}
}

func (t *touched) list() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]string, 0, len(t.gens))
	for g := range t.gens {
		out = append(out, g)
	}
	return out
}

// cacheTx records the entities whose cached reads a write changes: a
// group's row (its data and member count) and member list, a user's
// joined-group list. Its reads are the transaction's own, never cached.
type cacheTx struct {
	domain.Tx
	t *touched
}

func (x *cacheTx) InsertGroup(ctx context.Context, g domain.Group) error {
	x.t.add(groupGen(g.GroupID))
	return x.Tx.InsertGroup(ctx, g)
}

func (x *cacheTx) UpdateGroup(ctx context.Context, g domain.Group) error {
	x.t.add(groupGen(g.GroupID))
	return x.Tx.UpdateGroup(ctx, g)
}

func (x *cacheTx) InsertMembers(ctx context.Context, members []domain.Member) error {
	for _, m := range members {
		x.t.add(groupGen(m.GroupID), userGen(m.UserID))
	}
	return x.Tx.InsertMembers(ctx, members)
}

func (x *cacheTx) DeleteMembers(ctx context.Context, groupID string, userIDs []string) (int, error) {
	x.t.add(groupGen(groupID))
	for _, u := range userIDs {
		x.t.add(userGen(u))
	}
	return x.Tx.DeleteMembers(ctx, groupID, userIDs)
}

func (x *cacheTx) DeleteAllMembers(ctx context.Context, groupID string) (int, error) {
	x.t.add(groupGen(groupID))
	ids, err := x.Tx.MemberUserIDs(ctx, groupID)
	if err != nil {
		return 0, fmt.Errorf("storecache: members before delete: %w", err)
	}
	for _, u := range ids {
		x.t.add(userGen(u))
	}
	return x.Tx.DeleteAllMembers(ctx, groupID)
}
