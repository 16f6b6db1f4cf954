package redisx

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/groupd/groupd/domain"
	"github.com/groupd/groupd/internal/teststore"
	"github.com/groupd/groupd/openim"
	"github.com/groupd/groupd/storecache"
)

// memEpochs is an EpochStore in memory, shared by the test's nodes as the
// database would be.
type memEpochs struct {
	mu     sync.Mutex
	m      map[string]string
	writes int
}

func (s *memEpochs) Setting(_ context.Context, name string) (string, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[name]
	return v, ok, nil
}

func (s *memEpochs) SwapSetting(_ context.Context, name, old, value string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]string{}
	}
	if cur, ok := s.m[name]; (old == "" && ok) || (old != "" && cur != old) {
		return false, nil
	}
	s.m[name] = value
	s.writes++
	return true, nil
}

// Redis restarted from a snapshot older than the last writes: neither the
// read cache nor the token generations serve what the snapshot brought
// back; the nodes agree on one new epoch, moved once in the database; and
// an epoch key lost by itself (eviction, FLUSHALL) is put back without a
// new epoch.
func TestEpochAfterRedisRollback(t *testing.T) {
	rs := StartPrivateServer(t)
	store := &memEpochs{}
	open := func() *Client {
		c, err := Open(ctxT(t), rs.URL(), Options{Prefix: "rollback:", Epochs: store})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	a, b := open(), open()
	if a.Epoch() == "" || a.Epoch() != b.Epoch() || store.writes != 1 {
		t.Fatalf("epochs %q %q after %d moves, want one shared epoch", a.Epoch(), b.Epoch(), store.writes)
	}
	first := a.Epoch()

	ctx := ctxT(t)
	db := teststore.Open(t, teststore.SQLite)
	ca := storecache.New(db, a.NewCacheBackend(), storecache.Options{})
	cb := storecache.New(db, b.NewCacheBackend(), storecache.Options{})
	durable := openim.NewStoreRevoker(db)
	ra, rb := a.NewRevoker(durable, 0), b.NewRevoker(durable, 0)
	write := func(s domain.Store, name string) {
		t.Helper()
		err := s.Write(ctx, func(tx domain.Tx) error {
			g, err := tx.LockGroup(ctx, "g")
			if errors.Is(err, domain.ErrNotFound) {
				return tx.InsertGroup(ctx, domain.Group{GroupID: "g", Name: name})
			}
			if err != nil {
				return err
			}
			g.Name = name
			return tx.UpdateGroup(ctx, g)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	name := func(s domain.Store) string {
		t.Helper()
		g, err := s.GetGroup(ctx, "g")
		if err != nil {
			t.Fatal(err)
		}
		return g.Name
	}
	gen := func(r *Revoker) uint64 {
		t.Helper()
		g, err := r.Generation(ctx, "u", 1)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	write(ca, "old")
	for range 2 { // filled, then served from Redis
		if name(cb) != "old" || gen(rb) != 0 {
			t.Fatal("before the snapshot")
		}
	}
	rs.Save()
	write(ca, "new")
	if err := ra.Revoke(ctx, "u", 1); err != nil {
		t.Fatal(err)
	}
	if name(cb) != "new" || gen(rb) != 1 {
		t.Fatal("after the writes")
	}

	rs.Kill()
	rs.Start()
	for range 3 {
		if n, g := name(cb), gen(rb); n != "new" || g != 1 {
			t.Fatalf("after the rollback: name %q, generation %d; want new, 1", n, g)
		}
		if n, g := name(ca), gen(ra); n != "new" || g != 1 {
			t.Fatalf("after the rollback, other node: name %q, generation %d; want new, 1", n, g)
		}
	}
	if a.Epoch() == first || a.Epoch() != b.Epoch() || store.writes != 2 {
		t.Fatalf("epochs %q %q (first %q) after %d moves, want one new shared epoch", a.Epoch(), b.Epoch(), first, store.writes)
	}
	// The new epoch caches again: writes and reads work on it.
	write(cb, "newer")
	if err := rb.Revoke(ctx, "u", 1); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if n, g := name(ca), gen(ra); n != "newer" || g != 2 {
			t.Fatalf("on the new epoch: name %q, generation %d", n, g)
		}
	}
	if n, _ := a.rdb.Exists(ctx, a.key("c", a.Epoch(), "g:g")).Result(); n != 1 {
		t.Fatal("nothing cached under the new epoch")
	}

	// The epoch key alone is lost: a write puts it back, same epoch.
	second := a.Epoch()
	a.rdb.Del(ctx, a.epochKey())
	write(ca, "newest")
	if name(cb) != "newest" || a.Epoch() != second || store.writes != 2 {
		t.Fatalf("after the epoch key was lost: %q, epoch %q (was %q), %d moves", name(cb), a.Epoch(), second, store.writes)
	}
	if v, _ := a.rdb.Get(ctx, a.epochKey()).Result(); v != second {
		t.Fatalf("epoch key %q, want %q", v, second)
	}
}
