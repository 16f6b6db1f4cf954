// Package storecache is groupd's one read cache, in front of a
// domain.Store: a decorator that serves the hot reads (groups, memberships,
// user profiles and group attributes by ID, see entries.go; a group's
// member ID list, a user's joined-group ID list, and pages of those lists
// at any depth, see lists.go) from a Backend shared by every node (Redis,
// see redisx.CacheBackend) or, for a single node, from memory, with the
// decoded values kept in process as well (near.go).
// One freshness mechanism, below, covers every entry. Without a cache
// (several PostgreSQL nodes without Redis) every read goes to the
// database: correct, and deep pages cost an index walk.
//
// # Correctness: generation tokens with write markers
//
// A cached read is never older than the database was when the read began:
// in particular never older than a write acknowledged on any node, and
// never older than a version (data_seq, sync version) the caller read from
// the database just before, so version-paired answers stay consistent.
//
// Each entity (a group, a user) has a generation key holding a token; every
// entry derived from it carries the token that was current when its
// database read began, and a read accepts an entry only if its token is
// still the current one (a missing token never matches). On a miss the
// reader makes sure a token exists (creating one), reads the database, and
// stores the result tagged with that token.
//
// A Write records the entities its transaction touches. At the end of the
// transaction, before the commit, it sets their generation keys to a
// pending marker of its own; while a key holds a marker, reads of that
// entity go to the database and fill nothing. After the commit (before
// Write returns, so before the client is answered) it replaces its markers
// with fresh tokens, leaving alone a marker another writer set since.
//
// Why this holds: from the moment a transaction commits, the entity's key
// holds its marker, another writer's marker, or a token set after the
// commit, so no entry filled from an older read matches any more; and an
// entry filled under a post-commit token was read after the commit.
// Losing keys (eviction, restart, an empty replica) causes misses; only a
// marker lost in the instant between a transaction's mark and its commit
// reopens the window between that commit and its acknowledgment.
//
// # When the backend goes back in time
//
// The argument above needs a backend that may forget keys but never brings
// an older value back. A Redis restarted from an older snapshot, or a
// failover to a replica that lagged, does: entries and tokens from before
// the last writes match each other again. The Redis backend
// (redisx.CacheBackend) therefore keeps every key under a namespace named
// by a cache epoch, which changes whenever the Redis process behind the
// connections changes (its run_id; the epoch of each run_id is agreed in
// the database), and checks the epoch in the same round trip as every
// lookup, mark and bump: nothing from before the change is read again, and
// the cache fills anew. See redisx/epoch.go for the details and limits.
//
// # When the backend fails
//
// Reads bypass the cache and go to the database. A write that touches a
// cached entity cannot mark it, so its transaction is rolled back and it
// fails fast with domain.ErrUnavailable: nothing is written. Writes that
// touch no cached entity (users, requests, attributes) go on. If the
// backend fails after the commit, the markers stay and expire by
// themselves (MarkerTTL): until then reads of those entities go to the
// database, which is slower but never stale.
package storecache

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/groupd/groupd/domain"
)

// Backend holds cache entries, generation tokens and pending markers. Keys
// and entries may vanish at any time; the cache stays correct.
type Backend interface {
	// Lookup returns, for each pair, the entry stored under Key (nil when
	// none) and the token or marker under Gen, first setting Gen to a
	// fresh token when it has neither. One round trip.
	Lookup(ctx context.Context, pairs []Pair) (entries [][]byte, tokens []string, err error)
	// Fill stores each entry under its key for ttl.
	Fill(ctx context.Context, keys []string, entries [][]byte, ttl time.Duration) error
	// Mark sets each generation key to marker (see IsMarker), to expire
	// after MarkerTTL.
	Mark(ctx context.Context, gens []string, marker string) error
	// Bump sets each generation key to a fresh token, except keys that
	// hold a marker other than marker.
	Bump(ctx context.Context, gens []string, marker string) error
}

// MarkerTTL bounds the life of a pending marker whose writer could not
// replace it after its commit.
const MarkerTTL = 5 * time.Minute

// Pair names a cache entry and the generation key it depends on.
type Pair struct{ Key, Gen string }

// Options configure a Store. Zero fields take the defaults.
type Options struct {
	// TTL bounds the life of an entry (default 5 minutes). Correctness
	// does not depend on it; it bounds memory.
	TTL time.Duration
	// MaxEntryBytes: larger entries are not cached (default 4 MiB).
	MaxEntryBytes int
	// Logger receives backend failures after a commit; discarded when nil.
	Logger *slog.Logger
	// NearIDs bounds the decoded entries kept in process, in strings (an
	// ID list of n IDs counts n, a group 12; default DefaultNearIDs).
	NearIDs int
}

// DefaultTTL is the default Options.TTL.
const DefaultTTL = 5 * time.Minute

// Store is the caching decorator. Reads not listed in the package doc and
// every read inside a transaction go to the wrapped store.
type Store struct {
	domain.Store
	b    Backend
	ttl  time.Duration
	max  int
	log  *slog.Logger
	near *near
}

// New wraps s with a cache on b.
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
	return &Store{Store: s, b: b, ttl: opts.TTL, max: opts.MaxEntryBytes, log: opts.Logger, near: newNear(opts.NearIDs)}
}

// Keys. Generations: "G:g:<group>", "G:u:<user>" (memberships),
// "G:p:<user>" (profile). Entries: "gm:<group>" (a group's member IDs),
// "uj:<user>" (a user's joined group IDs), and those of entries.go.
func groupGen(id string) string { return "G:g:" + id }
func userGen(id string) string  { return "G:u:" + id }

// tokenLen is the length of a token as NewToken makes it.
const tokenLen = 16

// NewToken returns a fresh random generation token.
func NewToken() string {
	var b [tokenLen / 2]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// NewMarker returns a fresh pending marker.
func NewMarker() string { return "p" + NewToken() }

// IsMarker reports whether a generation value is a pending marker.
func IsMarker(tok string) bool { return strings.HasPrefix(tok, "p") }

// lookup reads pairs; hit[i] is the payload of a valid entry, tokens[i]
// the token a fill must carry ("" when the key must not be filled: its
// entity has a write in flight). ok is false when the backend failed: the
// caller reads the database and fills nothing.
func (c *Store) lookup(ctx context.Context, pairs []Pair) (hit [][]byte, tokens []string, ok bool) {
	entries, tokens, err := c.b.Lookup(ctx, pairs)
	if err != nil || len(entries) != len(pairs) || len(tokens) != len(pairs) {
		return nil, nil, false
	}
	hit = make([][]byte, len(pairs))
	for i, e := range entries {
		tok := tokens[i]
		if tok == "" || IsMarker(tok) {
			tokens[i] = ""
			continue
		}
		if len(e) >= len(tok) && string(e[:len(tok)]) == tok {
			hit[i] = e[len(tok):]
		}
	}
	return hit, tokens, true
}

// fill stores payloads tagged with their tokens, skipping those without a
// token. Best effort: a failure costs a later miss.
func (c *Store) fill(ctx context.Context, keys, tokens []string, payloads [][]byte) {
	entries := make([][]byte, 0, len(keys))
	ks := make([]string, 0, len(keys))
	for i, p := range payloads {
		if tokens[i] == "" || len(p) > c.max {
			continue
		}
		e := make([]byte, 0, len(tokens[i])+len(p))
		entries = append(entries, append(append(e, tokens[i]...), p...))
		ks = append(ks, keys[i])
	}
	if len(ks) > 0 {
		_ = c.b.Fill(ctx, ks, entries, c.ttl)
	}
}

// MemberUserIDs serves a group's member IDs (list order: role, then join order) from the cache.
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
	if ids, ok := c.cachedIDs(ctx, p, true, read); ok {
		return ids, nil
	}
	return read()
}

// Write runs fn on the wrapped store, recording what it touches; marks
// those entities before the commit and gives them fresh tokens after it,
// before returning (see the package doc). If they cannot be marked the
// transaction is rolled back and Write fails with domain.ErrUnavailable.
func (c *Store) Write(ctx context.Context, fn func(tx domain.Tx) error) error {
	t := &touched{gens: map[string]bool{}}
	marker := NewMarker()
	marked := false // fn returned nil and its entities were (being) marked
	err := c.Store.Write(ctx, func(tx domain.Tx) error {
		// Across retries the set only grows: a superset is safe.
		if err := fn(&cacheTx{Tx: tx, t: t}); err != nil {
			return err
		}
		gens := t.list()
		if len(gens) == 0 {
			return nil
		}
		marked = true
		if err := c.b.Mark(ctx, gens, marker); err != nil {
			return &domain.Error{Kind: domain.KindUnavailable,
				Message: "the shared cache cannot be reached, nothing was written; retry shortly", Cause: err}
		}
		return nil
	})
	// Even when Write failed after marking: its markers go, and a commit
	// whose outcome is unknown may have happened. (A transaction that
	// failed before marking changed nothing.)
	if gens := t.list(); marked && len(gens) > 0 {
		bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if berr := c.b.Bump(bctx, gens, marker); berr != nil {
			c.log.Warn("cache: could not replace write markers after a commit; those entities are read from the database until the markers expire",
				"entities", len(gens), "markerTTL", MarkerTTL.String(), "err", berr)
		}
	}
	return err
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
// group's row (its data and member count) and members, a user's
// joined-group list, a user's profile. Its reads are the transaction's own, never cached.
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

// UpdateMember may change a role, and the cached member ID list is in role
// order.
func (x *cacheTx) UpdateMember(ctx context.Context, m domain.Member) error {
	x.t.add(groupGen(m.GroupID))
	return x.Tx.UpdateMember(ctx, m)
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

// PutAttributes and DeleteAttributes change a group's cached attributes.
func (x *cacheTx) PutAttributes(ctx context.Context, groupID string, attrs []domain.Attribute) error {
	x.t.add(groupGen(groupID))
	return x.Tx.PutAttributes(ctx, groupID, attrs)
}

func (x *cacheTx) DeleteAttributes(ctx context.Context, groupID string, keys []string) error {
	x.t.add(groupGen(groupID))
	return x.Tx.DeleteAttributes(ctx, groupID, keys)
}

// UpdateUser changes a cached profile.
func (x *cacheTx) UpdateUser(ctx context.Context, u domain.User) error {
	x.t.add(profileGen(u.UserID))
	return x.Tx.UpdateUser(ctx, u)
}

// AppendEvents changes no cached read (the event log is never cached).
func (x *cacheTx) AppendEvents(ctx context.Context, events []domain.Event) error {
	return x.Tx.AppendEvents(ctx, events)
}
