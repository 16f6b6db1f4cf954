package storecache

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/groupd/groupd/domain"
	"github.com/groupd/groupd/internal/teststore"
	"github.com/groupd/groupd/store/storetest"
)

// The decorator keeps the store contract: the conformance suite, through
// the cache.
func TestConformance(t *testing.T) {
	teststore.Each(t, func(t *testing.T, k teststore.Kind) {
		storetest.Run(t, func(t *testing.T) domain.Store {
			return New(teststore.Open(t, k), NewMemory(0), Options{})
		})
	})
}

// counting counts the reads that reach the database.
type counting struct {
	domain.Store
	groups, memberIDs, joinedIDs atomic.Int64
}

func (c *counting) GetGroup(ctx context.Context, id string) (domain.Group, error) {
	c.groups.Add(1)
	return c.Store.GetGroup(ctx, id)
}

func (c *counting) GetGroups(ctx context.Context, ids []string) ([]domain.Group, error) {
	c.groups.Add(int64(len(ids)))
	return c.Store.GetGroups(ctx, ids)
}

func (c *counting) MemberUserIDs(ctx context.Context, id string) ([]string, error) {
	c.memberIDs.Add(1)
	return c.Store.MemberUserIDs(ctx, id)
}

func (c *counting) JoinedGroupIDs(ctx context.Context, id string) ([]string, error) {
	c.joinedIDs.Add(1)
	return c.Store.JoinedGroupIDs(ctx, id)
}

// faulty is a Backend whose calls can be made to fail.
type faulty struct {
	Backend
	mark, lookup, bump atomic.Bool
}

var errDown = errors.New("backend down")

func (f *faulty) Lookup(ctx context.Context, p []Pair) ([][]byte, []string, error) {
	if f.lookup.Load() {
		return nil, nil, errDown
	}
	return f.Backend.Lookup(ctx, p)
}

func (f *faulty) Mark(ctx context.Context, g []string, marker string) error {
	if f.mark.Load() {
		return errDown
	}
	return f.Backend.Mark(ctx, g, marker)
}

func (f *faulty) Bump(ctx context.Context, g []string, marker string) error {
	if f.bump.Load() {
		return errDown
	}
	return f.Backend.Bump(ctx, g, marker)
}

// cluster is one database with two cached "nodes" sharing a backend, as
// two groupd processes share Redis.
type cluster struct {
	db   *counting
	b    *faulty
	a, c *Store
}

func newCluster(t *testing.T, k teststore.Kind) *cluster {
	db := &counting{Store: teststore.Open(t, k)}
	b := &faulty{Backend: NewMemory(0)}
	return &cluster{db: db, b: b, a: New(db, b, Options{}).(*Store), c: New(db, b, Options{}).(*Store)}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func mustWrite(t *testing.T, s domain.Store, fn func(ctx context.Context, tx domain.Tx) error) {
	t.Helper()
	ctx := ctxT(t)
	if err := s.Write(ctx, func(tx domain.Tx) error { return fn(ctx, tx) }); err != nil {
		t.Fatal(err)
	}
}

func members(groupID string, users ...string) []domain.Member {
	ms := make([]domain.Member, len(users))
	for i, u := range users {
		ms[i] = domain.Member{GroupID: groupID, UserID: u, RoleLevel: domain.RoleMember}
	}
	return ms
}

func mustGroup(t *testing.T, s domain.Store, id string) domain.Group {
	t.Helper()
	g, err := s.GetGroup(ctxT(t), id)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func mustIDs(t *testing.T, fn func(context.Context, string) ([]string, error), id string) []string {
	t.Helper()
	ids, err := fn(ctxT(t), id)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// A write acknowledged on one node is seen by the next read on the other,
// for every cached read and every kind of write that changes it.
func TestReadYourWritesAcrossNodes(t *testing.T) {
	teststore.Each(t, func(t *testing.T, k teststore.Kind) {
		cl := newCluster(t, k)
		a, c := cl.a, cl.c
		mustWrite(t, a, func(ctx context.Context, tx domain.Tx) error {
			if err := tx.InsertGroup(ctx, domain.Group{GroupID: "g1", Name: "one"}); err != nil {
				return err
			}
			return tx.InsertMembers(ctx, members("g1", "u1", "u2"))
		})
		// Warm node c's view.
		if g := mustGroup(t, c, "g1"); g.MemberCount != 2 || g.Name != "one" {
			t.Fatalf("group %+v", g)
		}
		mustIDs(t, c.MemberUserIDs, "g1")
		mustIDs(t, c.JoinedGroupIDs, "u3")
		before := cl.db.groups.Load()
		mustGroup(t, c, "g1")
		if cl.db.groups.Load() != before {
			t.Fatal("second read of g1 reached the database: not cached")
		}

		mustWrite(t, a, func(ctx context.Context, tx domain.Tx) error { return tx.InsertMembers(ctx, members("g1", "u3")) })
		if g := mustGroup(t, c, "g1"); g.MemberCount != 3 {
			t.Fatalf("after insert on a, c reads member count %d, want 3", g.MemberCount)
		}
		if ids := mustIDs(t, c.MemberUserIDs, "g1"); !slices.Equal(ids, []string{"u1", "u2", "u3"}) {
			t.Fatalf("member IDs %v", ids)
		}
		if ids := mustIDs(t, c.JoinedGroupIDs, "u3"); !slices.Equal(ids, []string{"g1"}) {
			t.Fatalf("u3 joined %v", ids)
		}

		g := mustGroup(t, a, "g1")
		g.Name = "renamed"
		mustWrite(t, a, func(ctx context.Context, tx domain.Tx) error { return tx.UpdateGroup(ctx, g) })
		if got := mustGroup(t, c, "g1"); got.Name != "renamed" {
			t.Fatalf("after rename on a, c reads %q", got.Name)
		}
		gs, err := c.GetGroups(ctxT(t), []string{"g1", "nope"})
		if err != nil || len(gs) != 1 || gs[0].Name != "renamed" {
			t.Fatalf("GetGroups: %v %+v", err, gs)
		}

		mustWrite(t, a, func(ctx context.Context, tx domain.Tx) error {
			_, err := tx.DeleteMembers(ctx, "g1", []string{"u1"})
			return err
		})
		if got := mustGroup(t, c, "g1"); got.MemberCount != 2 {
			t.Fatalf("after delete, count %d", got.MemberCount)
		}
		mustIDs(t, c.JoinedGroupIDs, "u2") // cache u2's list
		mustWrite(t, a, func(ctx context.Context, tx domain.Tx) error {
			_, err := tx.DeleteAllMembers(ctx, "g1")
			return err
		})
		if ids := mustIDs(t, c.JoinedGroupIDs, "u2"); len(ids) != 0 {
			t.Fatalf("after DeleteAllMembers, u2 joined %v", ids)
		}
		if ids := mustIDs(t, c.MemberUserIDs, "g1"); len(ids) != 0 {
			t.Fatalf("after DeleteAllMembers, members %v", ids)
		}
	})
}

// Readers on one node never see less than every write acknowledged on the
// other, while both run concurrently.
func TestNoStaleReadUnderConcurrency(t *testing.T) {
	teststore.Each(t, func(t *testing.T, k teststore.Kind) {
		cl := newCluster(t, k)
		mustWrite(t, cl.a, func(ctx context.Context, tx domain.Tx) error {
			return tx.InsertGroup(ctx, domain.Group{GroupID: "g"})
		})
		const writers, perWriter = 4, 15
		var acked atomic.Int64
		var stop atomic.Bool
		var wg sync.WaitGroup
		errs := make(chan error, 100)
		for w := range writers {
			wg.Go(func() {
				for i := range perWriter {
					err := cl.a.Write(context.Background(), func(tx domain.Tx) error {
						return tx.InsertMembers(context.Background(), members("g", fmt.Sprintf("w%d-%d", w, i)))
					})
					if err != nil {
						errs <- err
						return
					}
					acked.Add(1)
				}
			})
		}
		var readers sync.WaitGroup
		for range 3 {
			readers.Go(func() {
				for !stop.Load() {
					want := acked.Load()
					g, err := cl.c.GetGroup(context.Background(), "g")
					if err != nil {
						errs <- err
						return
					}
					if g.MemberCount < want {
						errs <- fmt.Errorf("stale read: member count %d after %d acknowledged inserts", g.MemberCount, want)
						return
					}
					ids, err := cl.c.MemberUserIDs(context.Background(), "g")
					if err == nil && int64(len(ids)) < want {
						errs <- fmt.Errorf("stale member list: %d IDs after %d acknowledged inserts", len(ids), want)
						return
					}
				}
			})
		}
		wg.Wait()
		stop.Store(true)
		readers.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if g := mustGroup(t, cl.c, "g"); g.MemberCount != writers*perWriter {
			t.Fatalf("final count %d", g.MemberCount)
		}
	})
}

// Backend down: reads go to the database; writes that touch a cached
// entity fail fast and write nothing; other writes go on.
func TestBackendDown(t *testing.T) {
	cl := newCluster(t, teststore.SQLite)
	mustWrite(t, cl.a, func(ctx context.Context, tx domain.Tx) error {
		return tx.InsertGroup(ctx, domain.Group{GroupID: "g", Name: "before"})
	})
	mustGroup(t, cl.c, "g")
	cl.b.mark.Store(true)
	cl.b.lookup.Store(true)
	cl.b.bump.Store(true)
	if g := mustGroup(t, cl.c, "g"); g.Name != "before" {
		t.Fatal(g)
	}
	err := cl.a.Write(ctxT(t), func(tx domain.Tx) error {
		return tx.UpdateGroup(context.Background(), domain.Group{GroupID: "g", Name: "after"})
	})
	if domain.ErrorKind(err) != domain.KindUnavailable {
		t.Fatalf("write with the backend down: %v, want unavailable", err)
	}
	mustWrite(t, cl.a, func(ctx context.Context, tx domain.Tx) error {
		return tx.InsertUsers(ctx, []domain.User{{UserID: "u"}}) // nothing cached: goes on
	})
	cl.b.mark.Store(false)
	cl.b.lookup.Store(false)
	cl.b.bump.Store(false)
	if g := mustGroup(t, cl.c, "g"); g.Name != "before" {
		t.Fatalf("a refused write was kept: %q", g.Name)
	}
}

// A bump that fails after the commit leaves the markers: reads of those
// entities go to the database (fresh) until a later write replaces them.
func TestBumpFailureKeepsMarkers(t *testing.T) {
	cl := newCluster(t, teststore.SQLite)
	mustWrite(t, cl.a, func(ctx context.Context, tx domain.Tx) error {
		return tx.InsertGroup(ctx, domain.Group{GroupID: "g", Name: "one"})
	})
	mustGroup(t, cl.c, "g") // cached
	cl.b.bump.Store(true)
	mustWrite(t, cl.a, func(ctx context.Context, tx domain.Tx) error {
		return tx.UpdateGroup(ctx, domain.Group{GroupID: "g", Name: "two"})
	})
	cl.b.bump.Store(false)
	before := cl.db.groups.Load()
	for range 3 {
		if g := mustGroup(t, cl.c, "g"); g.Name != "two" {
			t.Fatalf("read %q after a write whose bump failed", g.Name)
		}
	}
	if cl.db.groups.Load() != before+3 {
		t.Fatal("an entity with a marker was served from the cache")
	}
	mustWrite(t, cl.a, func(ctx context.Context, tx domain.Tx) error {
		return tx.UpdateGroup(ctx, domain.Group{GroupID: "g", Name: "three"})
	})
	mustGroup(t, cl.c, "g")
	before = cl.db.groups.Load()
	if g := mustGroup(t, cl.c, "g"); g.Name != "three" || cl.db.groups.Load() != before {
		t.Fatalf("after the next write: %q, cached=%v", g.Name, cl.db.groups.Load() == before)
	}
}

// slowAck commits, then holds Write until released: the window between a
// commit and its acknowledgment.
type slowAck struct {
	domain.Store
	committed chan struct{}
	release   chan struct{}
}

func (s *slowAck) Write(ctx context.Context, fn func(domain.Tx) error) error {
	err := s.Store.Write(ctx, fn)
	if s.committed != nil {
		s.committed <- struct{}{}
		<-s.release
	}
	return err
}

// Reads between a write's commit and its acknowledgment already see it:
// a caller that reads a version from the database and then a cached read
// never gets the cached read older than the version.
func TestNoReadOlderThanTheDatabase(t *testing.T) {
	teststore.Each(t, func(t *testing.T, k teststore.Kind) {
		db := teststore.Open(t, k)
		b := NewMemory(0)
		slow := &slowAck{Store: db}
		a, c := New(slow, b, Options{}), New(db, b, Options{})
		mustWrite(t, a, func(ctx context.Context, tx domain.Tx) error {
			if err := tx.InsertGroup(ctx, domain.Group{GroupID: "g", Name: "one"}); err != nil {
				return err
			}
			return tx.InsertMembers(ctx, members("g", "u1"))
		})
		mustGroup(t, c, "g")
		mustIDs(t, c.MemberUserIDs, "g")
		mustIDs(t, c.JoinedGroupIDs, "u2")
		slow.committed, slow.release = make(chan struct{}), make(chan struct{})
		done := make(chan error)
		go func() {
			done <- a.Write(context.Background(), func(tx domain.Tx) error {
				ctx := context.Background()
				if err := tx.UpdateGroup(ctx, domain.Group{GroupID: "g", Name: "two"}); err != nil {
					return err
				}
				return tx.InsertMembers(ctx, members("g", "u2"))
			})
		}()
		<-slow.committed
		if g := mustGroup(t, c, "g"); g.Name != "two" || g.MemberCount != 2 {
			t.Errorf("between commit and acknowledgment: %+v, want the committed state", g)
		}
		if ids := mustIDs(t, c.MemberUserIDs, "g"); len(ids) != 2 {
			t.Errorf("member IDs %v", ids)
		}
		if ids := mustIDs(t, c.JoinedGroupIDs, "u2"); len(ids) != 1 {
			t.Errorf("u2 joined %v", ids)
		}
		close(slow.release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		slow.committed = nil
		if g := mustGroup(t, c, "g"); g.Name != "two" {
			t.Fatal(g)
		}
	})
}

// Entries expire, and are never kept past the TTL from their read.
func TestEntriesExpire(t *testing.T) {
	db := &counting{Store: teststore.Open(t, teststore.SQLite)}
	m := NewMemory(0)
	now := time.Now()
	m.now = func() time.Time { return now }
	s := New(db, m, Options{TTL: time.Minute})
	mustWrite(t, s, func(ctx context.Context, tx domain.Tx) error { return tx.InsertGroup(ctx, domain.Group{GroupID: "g"}) })
	mustGroup(t, s, "g")
	mustGroup(t, s, "g")
	if n := db.groups.Load(); n != 1 {
		t.Fatalf("%d database reads, want 1", n)
	}
	now = now.Add(time.Minute)
	mustGroup(t, s, "g")
	if n := db.groups.Load(); n != 2 {
		t.Fatalf("%d database reads after expiry, want 2", n)
	}
}

// Losing tokens (eviction, restart) costs misses, never stale reads.
func TestLostTokensMiss(t *testing.T) {
	db := &counting{Store: teststore.Open(t, teststore.SQLite)}
	m := NewMemory(0)
	s := New(db, m, Options{})
	mustWrite(t, s, func(ctx context.Context, tx domain.Tx) error { return tx.InsertGroup(ctx, domain.Group{GroupID: "g"}) })
	mustGroup(t, s, "g")
	m.mu.Lock()
	clear(m.tokens)
	m.mu.Unlock()
	mustGroup(t, s, "g")
	if n := db.groups.Load(); n != 2 {
		t.Fatalf("%d database reads, want 2 (a lost token is a miss)", n)
	}
}

// The memory backend stays within its bound.
func TestMemoryBound(t *testing.T) {
	m := NewMemory(100)
	ctx := context.Background()
	for i := range 1000 {
		k := fmt.Sprint(i)
		_, toks, _ := m.Lookup(ctx, []Pair{{"e" + k, "G" + k}})
		m.Fill(ctx, []string{"e" + k}, [][]byte{[]byte(toks[0] + "x")}, time.Minute)
	}
	if len(m.entries) > 100 || len(m.tokens) > 100 {
		t.Fatalf("%d entries, %d tokens; bound 100", len(m.entries), len(m.tokens))
	}
}

// A group's attributes are cached under the group's generation: every
// write of them is seen by the next read.
func TestAttributesFreshAfterEveryWrite(t *testing.T) {
	s := New(teststore.Open(t, teststore.SQLite), NewMemory(0), Options{})
	mustWrite(t, s, func(ctx context.Context, tx domain.Tx) error { return tx.InsertGroup(ctx, domain.Group{GroupID: "g"}) })
	want := func(step string, w []domain.Attribute) {
		t.Helper()
		for range 2 { // the second read is served from the cache
			got, err := s.GetAttributes(ctxT(t), "g")
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(w) || (len(w) > 0 && !reflect.DeepEqual(got, w)) {
				t.Fatalf("%s: %v, want %v", step, got, w)
			}
		}
	}
	want("none", nil)
	mustWrite(t, s, func(ctx context.Context, tx domain.Tx) error {
		return tx.PutAttributes(ctx, "g", []domain.Attribute{{Key: "a", Value: "1"}, {Key: "b", Value: "2"}})
	})
	want("put", []domain.Attribute{{Key: "a", Value: "1"}, {Key: "b", Value: "2"}})
	mustWrite(t, s, func(ctx context.Context, tx domain.Tx) error {
		return tx.PutAttributes(ctx, "g", []domain.Attribute{{Key: "a", Value: "one"}})
	})
	want("overwrite", []domain.Attribute{{Key: "a", Value: "one"}, {Key: "b", Value: "2"}})
	mustWrite(t, s, func(ctx context.Context, tx domain.Tx) error { return tx.DeleteAttributes(ctx, "g", []string{"a"}) })
	want("delete", []domain.Attribute{{Key: "b", Value: "2"}})
}
