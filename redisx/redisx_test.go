package redisx

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/groupd/groupd/domain"
	"github.com/groupd/groupd/internal/tcpproxy"
	"github.com/groupd/groupd/internal/teststore"
	"github.com/groupd/groupd/openim"
	"github.com/groupd/groupd/store/storetest"
	"github.com/groupd/groupd/storecache"
)

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// nodes opens n Clients on one prefix, as n groupd nodes share Redis.
func nodes(t *testing.T, n int) []*Client {
	first := OpenTest(t, Options{})
	cs := []*Client{first}
	for range n - 1 {
		c, err := Open(ctxT(t), TestURL(), Options{Prefix: first.Prefix()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		cs = append(cs, c)
	}
	return cs
}

// viaProxy opens a Client on the test Redis through a proxy the test can stop.
func viaProxy(t *testing.T, prefix string) (*Client, *tcpproxy.Proxy) {
	u, err := url.Parse(RequireTestRedis(t))
	if err != nil {
		t.Fatal(err)
	}
	p := tcpproxy.Start(t, u.Host)
	u.Host = p.Addr()
	c, err := Open(ctxT(t), u.String(), Options{Prefix: prefix, RetryAfter: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.Close()
		DeletePrefix(context.Background(), TestURL(), prefix)
	})
	return c, p
}

// A 20/s limit is 20/s for all nodes together, in every one-second
// window: never the burst plus the refill of a token bucket.
func TestLimiterIsClusterWide(t *testing.T) {
	cs := nodes(t, 3)
	lims := []*Limiter{cs[0].NewLimiter("t", 20), cs[1].NewLimiter("t", 20), cs[2].NewLimiter("t", 20)}
	type admission struct{ sent, recv time.Time }
	var admitted []admission
	start := time.Now()
	for i := 0; time.Since(start) < 1300*time.Millisecond; i++ {
		a := admission{sent: time.Now()}
		ok, err := lims[i%3].Allow(ctxT(t), "app|Action")
		if err != nil {
			t.Fatal(err)
		}
		a.recv = time.Now()
		if ok {
			admitted = append(admitted, a)
		}
		time.Sleep(time.Millisecond)
	}
	// An admission happened between its call and its answer: 21 of them
	// called and answered within less than a second prove a window over 20.
	for i := 0; i+20 < len(admitted); i++ {
		if span := admitted[i+20].recv.Sub(admitted[i].sent); span < time.Second {
			t.Fatalf("21 admitted within %v across 3 nodes", span)
		}
	}
	if len(admitted) < 21 {
		t.Fatalf("%d admitted in %v, want 20 in the first second and more after", len(admitted), time.Since(start))
	}
	if ok, _ := lims[0].Allow(ctxT(t), "other"); !ok {
		t.Fatal("keys share a budget")
	}
	if cs[0].NewLimiter("t", 0) != nil {
		t.Fatal("qps 0 must mean no limiter")
	}
	// Fractional rates: 0.5/s allows one, then refuses.
	slow := cs[0].NewLimiter("slow", 0.5)
	a, _ := slow.Allow(ctxT(t), "k")
	b, _ := slow.Allow(ctxT(t), "k")
	if !a || b {
		t.Fatalf("0.5/s: %v %v, want true false", a, b)
	}
	ttl, err := cs[0].rdb.PTTL(ctxT(t), slow.ns+"k").Result()
	if err != nil || ttl <= time.Second || ttl > 2100*time.Millisecond {
		t.Fatalf("0.5/s log TTL %v %v, want about 2s", ttl, err)
	}
}

// A nonce used on one node is refused on another.
func TestNoncesShared(t *testing.T) {
	cs := nodes(t, 2)
	a, b := cs[0].NewNonces(nil), cs[1].NewNonces(nil)
	exp := time.Now().Add(time.Minute)
	if seen, err := a.Seen(ctxT(t), "app:n1", exp); err != nil || seen {
		t.Fatalf("first use: %v %v", seen, err)
	}
	if seen, err := b.Seen(ctxT(t), "app:n1", exp); err != nil || !seen {
		t.Fatalf("replay on another node: seen=%v err=%v", seen, err)
	}
	ttl, err := cs[0].rdb.PTTL(ctxT(t), cs[0].key("nonce", "app:n1")).Result()
	if err != nil || ttl <= 0 || ttl > time.Minute {
		t.Fatalf("nonce TTL %v %v", ttl, err)
	}
}

// slowDurable lets a test hold a Generation read between reading the
// database and returning, to force the race of a fill against a logout.
type slowDurable struct {
	TokenGenerations
	hold    chan struct{}
	reached chan struct{}
}

func (s *slowDurable) Generation(ctx context.Context, u string, p int) (uint64, error) {
	g, err := s.TokenGenerations.Generation(ctx, u, p)
	if s.hold != nil {
		s.reached <- struct{}{}
		<-s.hold
	}
	return g, err
}

// A logout acknowledged on node A is refused on node B at once, also when
// B was caching the old generation, and when B's fill of an old generation
// races the logout.
func TestRevokerAcrossNodes(t *testing.T) {
	teststore.Each(t, func(t *testing.T, k teststore.Kind) {
		cs := nodes(t, 2)
		durable := openim.NewStoreRevoker(teststore.Open(t, k))
		a := cs[0].NewRevoker(durable, 0)
		slow := &slowDurable{TokenGenerations: durable}
		b := cs[1].NewRevoker(slow, 0)
		ctx := ctxT(t)
		gen := func(r *Revoker) uint64 {
			t.Helper()
			g, err := r.Generation(ctx, "u1", 1)
			if err != nil {
				t.Fatal(err)
			}
			return g
		}
		if gen(b) != 0 || gen(b) != 0 {
			t.Fatal("fresh user has a generation")
		}
		if err := a.Revoke(ctx, "u1", 1); err != nil {
			t.Fatal(err)
		}
		if g := gen(b); g != 1 {
			t.Fatalf("node B sees generation %d after a logout on A, want 1", g)
		}
		if g, _ := b.Generation(ctx, "u1", 2); g != 0 {
			t.Fatal("platforms share a generation")
		}

		// The race: B misses, reads 1 from the database, stalls; A
		// revokes (2); B then fills its old 1. B must still say 2.
		cs[1].rdb.Del(ctx, b.key(cs[1].epoch(), "u1", 1))
		slow.hold, slow.reached = make(chan struct{}), make(chan struct{})
		done := make(chan uint64)
		go func() {
			g, _ := b.Generation(ctx, "u1", 1)
			done <- g
		}()
		<-slow.reached
		if err := a.Revoke(ctx, "u1", 1); err != nil {
			t.Fatal(err)
		}
		close(slow.hold)
		<-done // concurrent with the logout: either answer is fine
		slow.hold = nil
		if g := gen(b); g != 2 {
			t.Fatalf("after a fill raced a logout, B says %d, want 2", g)
		}

		// Redis loses everything: the database still knows.
		DeletePrefix(ctx, TestURL(), cs[0].Prefix())
		if g := gen(b); g != 2 {
			t.Fatalf("after Redis lost its data, B says %d, want 2", g)
		}
	})
}

// Redis down: token checks read the database, logouts fail fast and change
// nothing; when Redis is back both work again by themselves.
func TestRevokerRedisDown(t *testing.T) {
	durable := openim.NewMemoryRevoker()
	c, p := viaProxy(t, TestPrefix())
	r := c.NewRevoker(durable, 0)
	ctx := ctxT(t)
	if err := r.Revoke(ctx, "u", 1); err != nil {
		t.Fatal(err)
	}
	p.Stop()
	start := time.Now()
	if g, err := r.Generation(ctx, "u", 1); err != nil || g != 1 {
		t.Fatalf("check with Redis down: %d %v, want 1 from the database", g, err)
	}
	err := r.Revoke(ctx, "u", 1)
	if !errors.Is(err, domain.ErrUnavailable) {
		t.Fatalf("logout with Redis down: %v, want unavailable", err)
	}
	if g, _ := durable.Generation(ctx, "u", 1); g != 1 {
		t.Fatalf("a refused logout changed the generation to %d", g)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("failing took %v", d)
	}
	p.Start()
	waitFor(t, 10*time.Second, func() bool { return r.Revoke(ctx, "u", 1) == nil })
	if g, err := r.Generation(ctx, "u", 1); err != nil || g != 2 {
		t.Fatalf("after Redis came back: %d %v", g, err)
	}
}

func waitFor(t *testing.T, limit time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("not recovered within %v", limit)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// The read cache on Redis keeps the store contract.
func TestCacheConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) domain.Store {
		// A prefix per store: the parallel subtests reuse group IDs.
		c := OpenTest(t, Options{})
		return storecache.New(teststore.Open(t, teststore.SQLite), c.NewCacheBackend(), storecache.Options{})
	})
}

// Two nodes on one database and one Redis: every read after an
// acknowledged write sees it, also while both run concurrently and while
// Redis forgets keys.
func TestCacheAcrossNodes(t *testing.T) {
	teststore.Each(t, func(t *testing.T, k teststore.Kind) {
		cs := nodes(t, 2)
		db := teststore.Open(t, k)
		a := storecache.New(db, cs[0].NewCacheBackend(), storecache.Options{})
		b := storecache.New(db, cs[1].NewCacheBackend(), storecache.Options{})
		ctx := ctxT(t)
		if err := a.Write(ctx, func(tx domain.Tx) error { return tx.InsertGroup(ctx, domain.Group{GroupID: "g"}) }); err != nil {
			t.Fatal(err)
		}
		var acked atomic.Int64
		var stop atomic.Bool
		errs := make(chan error, 10)
		var writers, readers sync.WaitGroup
		for w := range 3 {
			writers.Go(func() {
				for i := range 10 {
					err := a.Write(ctx, func(tx domain.Tx) error {
						return tx.InsertMembers(ctx, []domain.Member{{GroupID: "g", UserID: fmt.Sprintf("u%d-%d", w, i), RoleLevel: domain.RoleMember}})
					})
					if err != nil {
						errs <- err
						return
					}
					acked.Add(1)
					if i == 5 && w == 0 {
						DeletePrefix(ctx, TestURL(), cs[0].Prefix()) // Redis loses its data mid-run
					}
				}
			})
		}
		for range 2 {
			readers.Go(func() {
				for !stop.Load() {
					want := acked.Load()
					g, err := b.GetGroup(ctx, "g")
					if err != nil {
						errs <- err
						return
					}
					if g.MemberCount < want {
						errs <- fmt.Errorf("stale: count %d after %d acknowledged writes", g.MemberCount, want)
						return
					}
					joined, err := b.JoinedGroupIDs(ctx, "u0-0")
					if err == nil && want >= 30 && len(joined) != 1 {
						errs <- fmt.Errorf("stale joined list %v", joined)
						return
					}
				}
			})
		}
		writers.Wait()
		stop.Store(true)
		readers.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if g, err := b.GetGroup(ctx, "g"); err != nil || g.MemberCount != 30 {
			t.Fatalf("final: %+v %v", g, err)
		}
	})
}

// Redis down mid-load: reads are served from the database, writes fail
// fast with unavailable and write nothing; when Redis is back, writes work
// again by themselves.
func TestCacheRedisDownAndBack(t *testing.T) {
	c, p := viaProxy(t, TestPrefix())
	db := teststore.Open(t, teststore.SQLite)
	s := storecache.New(db, c.NewCacheBackend(), storecache.Options{})
	ctx := ctxT(t)
	insert := func(id string) error {
		return s.Write(ctx, func(tx domain.Tx) error { return tx.InsertGroup(ctx, domain.Group{GroupID: id}) })
	}
	if err := insert("g1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetGroup(ctx, "g1"); err != nil {
		t.Fatal(err)
	}
	p.Stop()
	start := time.Now()
	for range 20 {
		if _, err := s.GetGroup(ctx, "g1"); err != nil {
			t.Fatalf("read with Redis down: %v", err)
		}
		err := insert("g2")
		if domain.ErrorKind(err) != domain.KindUnavailable {
			t.Fatalf("write with Redis down: %v, want unavailable", err)
		}
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("20 reads and writes with Redis down took %v: not failing fast", d)
	}
	if _, err := db.GetGroup(ctx, "g2"); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("a refused write was kept: %v", err)
	}
	p.Start()
	waitFor(t, 10*time.Second, func() bool { return insert("g2") == nil })
	if g, err := s.GetGroup(ctx, "g2"); err != nil || g.GroupID != "g2" {
		t.Fatalf("after Redis came back: %v", err)
	}
}

// Limiter and nonces with Redis down answer errors (the ZIM dialect
// answers 660000001), fast, and recover by themselves.
func TestLimiterNoncesRedisDown(t *testing.T) {
	c, p := viaProxy(t, TestPrefix())
	lim, nonces := c.NewLimiter("t", 100), c.NewNonces(nil)
	ctx := ctxT(t)
	p.Stop()
	start := time.Now()
	for range 10 {
		if _, err := lim.Allow(ctx, "k"); !errors.Is(err, domain.ErrUnavailable) {
			t.Fatalf("limiter with Redis down: %v", err)
		}
		if _, err := nonces.Seen(ctx, "n", time.Now().Add(time.Minute)); !errors.Is(err, domain.ErrUnavailable) {
			t.Fatalf("nonces with Redis down: %v", err)
		}
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("took %v", d)
	}
	p.Start()
	waitFor(t, 10*time.Second, func() bool { ok, err := lim.Allow(ctx, "k"); return err == nil && ok })
}

// Markers: a write's bump replaces its own marker, never another writer's;
// a key with a marker is never claimed over.
func TestCacheBackendMarkers(t *testing.T) {
	b := OpenTest(t, Options{}).NewCacheBackend()
	ctx := ctxT(t)
	p := []storecache.Pair{{Key: "g:x", Gen: "G:g:x"}}
	tokenOf := func() string {
		t.Helper()
		_, toks, err := b.Lookup(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		return toks[0]
	}
	first := tokenOf()
	if first == "" || storecache.IsMarker(first) || tokenOf() != first {
		t.Fatalf("claimed token %q not stable", first)
	}
	m1, m2 := storecache.NewMarker(), storecache.NewMarker()
	if err := b.Mark(ctx, []string{"G:g:x"}, m1); err != nil {
		t.Fatal(err)
	}
	if err := b.Mark(ctx, []string{"G:g:x"}, m2); err != nil {
		t.Fatal(err)
	}
	if err := b.Bump(ctx, []string{"G:g:x"}, m1); err != nil {
		t.Fatal(err)
	}
	if got := tokenOf(); got != m2 {
		t.Fatalf("after the first writer's bump: %q, want the second writer's marker", got)
	}
	if err := b.Bump(ctx, []string{"G:g:x"}, m2); err != nil {
		t.Fatal(err)
	}
	if got := tokenOf(); storecache.IsMarker(got) || got == first {
		t.Fatalf("after the second writer's bump: %q, want a fresh token", got)
	}
}
