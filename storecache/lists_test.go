package storecache_test

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/groupd/groupd/domain"
	"github.com/groupd/groupd/store/sqlite"
	"github.com/groupd/groupd/storecache"
)

// The cache serves deep pages from its ID lists; these tests prove each
// answer, through the domain, equals the uncached one right after every
// kind of write that changes a list.

const (
	lcGroup   = "big"
	lcUser    = "hot"
	lcMembers = storecache.DeepPageOffset + 100
)

func lcUserID(i int) string { return fmt.Sprintf("u%05d", i) }

// cachedService is a service over s behind an in-memory cache.
func cachedService(s domain.Store) *domain.Service {
	return domain.NewService(storecache.New(s, storecache.NewMemory(0), storecache.Options{}), domain.Options{})
}

// lcSetup seeds a group of lcMembers members and a user in lcMembers
// groups, and returns a cached and an uncached service over one store.
func lcSetup(t *testing.T) (cached, plain *domain.Service) {
	t.Helper()
	db, plain := lcSetupStore(t)
	return cachedService(db), plain
}

// lcSetupStore seeds the store and returns it with an uncached service.
func lcSetupStore(t *testing.T) (domain.Store, *domain.Service) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "groupd.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	err = db.Write(ctx, func(tx domain.Tx) error {
		users := []domain.User{{UserID: lcUser, Nickname: "Hot"}}
		for i := range lcMembers + 50 {
			users = append(users, domain.User{UserID: lcUserID(i), Nickname: "n" + lcUserID(i)})
		}
		if err := tx.InsertUsers(ctx, users); err != nil {
			return err
		}
		if err := tx.InsertGroup(ctx, domain.Group{GroupID: lcGroup, OwnerUserID: lcUserID(0), GroupType: domain.GroupTypeWorking}); err != nil {
			return err
		}
		ms := []domain.Member{{GroupID: lcGroup, UserID: lcUserID(0), RoleLevel: domain.RoleOwner}}
		for i := 1; i < lcMembers; i++ {
			ms = append(ms, domain.Member{GroupID: lcGroup, UserID: lcUserID(i), RoleLevel: domain.RoleMember})
		}
		if err := tx.InsertMembers(ctx, ms); err != nil {
			return err
		}
		for i := range lcMembers {
			gid := fmt.Sprintf("g%05d", i)
			if err := tx.InsertGroup(ctx, domain.Group{GroupID: gid, OwnerUserID: lcUserID(1), GroupType: domain.GroupTypeWorking}); err != nil {
				return err
			}
			if err := tx.InsertMembers(ctx, []domain.Member{
				{GroupID: gid, UserID: lcUserID(1), RoleLevel: domain.RoleOwner},
				{GroupID: gid, UserID: lcUser, RoleLevel: domain.RoleMember},
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return db, domain.NewService(db, domain.Options{})
}

var owner = domain.Actor{UserID: lcUserID(0)}

// sameMemberPages checks deep pages of the big group agree between the
// services.
func sameMemberPages(t *testing.T, step string, cached, plain *domain.Service) {
	t.Helper()
	ctx := context.Background()
	for _, off := range []int{0, 20, storecache.DeepPageOffset - 20, storecache.DeepPageOffset, lcMembers - 10} {
		q := domain.MemberQuery{GroupID: lcGroup, Page: domain.Page{Offset: off, Limit: 20}}
		got, gotTotal, err := cached.ListMembers(ctx, owner, q)
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		want, wantTotal, err := plain.ListMembers(ctx, owner, q)
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		if gotTotal != wantTotal || !reflect.DeepEqual(got, want) {
			t.Fatalf("%s, offset %d: cached page (total %d) %v\nwant (total %d) %v", step, off, gotTotal, ids(got), wantTotal, ids(want))
		}
	}
}

func ids(ms []domain.Member) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.UserID
	}
	return out
}

func TestListCacheMemberPagesFreshAfterEveryWrite(t *testing.T) {
	cached, plain := lcSetup(t)
	ctx := context.Background()
	sameMemberPages(t, "start", cached, plain)
	sameMemberPages(t, "cached", cached, plain)

	steps := []struct {
		name string
		do   func() error
	}{
		{"invite", func() error {
			_, err := cached.InviteMembers(ctx, owner, domain.InviteInput{GroupID: lcGroup, UserIDs: []string{lcUserID(lcMembers + 1)}})
			return err
		}},
		{"kick one before the page", func() error {
			_, err := cached.Kick(ctx, owner, domain.KickInput{GroupID: lcGroup, UserIDs: []string{lcUserID(5)}})
			return err
		}},
		{"quit", func() error { return cached.QuitGroup(ctx, domain.Actor{UserID: lcUserID(7)}, lcGroup, "") }},
		{"promote a member to admin (moves to the front)", func() error {
			role := domain.RoleAdmin
			_, err := cached.SetMemberInfo(ctx, owner, []domain.MemberPatch{{GroupID: lcGroup, UserID: lcUserID(lcMembers - 3), RoleLevel: &role}}, false)
			return err
		}},
		{"demote", func() error {
			role := domain.RoleMember
			_, err := cached.SetMemberInfo(ctx, owner, []domain.MemberPatch{{GroupID: lcGroup, UserID: lcUserID(lcMembers - 3), RoleLevel: &role}}, false)
			return err
		}},
		{"transfer ownership", func() error {
			return cached.TransferOwner(ctx, owner, lcGroup, "", lcUserID(lcMembers-1))
		}},
		{"nickname change on the page", func() error {
			nick := "renamed"
			_, err := cached.SetMemberInfo(ctx, domain.Actor{UserID: lcUserID(lcMembers - 2)},
				[]domain.MemberPatch{{GroupID: lcGroup, UserID: lcUserID(lcMembers - 2), Nickname: &nick}}, false)
			return err
		}},
		{"profile nickname change of a member on the first page (no group nickname)", func() error {
			nick := "profile renamed"
			_, err := cached.UpdateUsers(ctx, domain.Actor{Admin: true}, []domain.UserPatch{{UserID: lcUserID(2), Nickname: &nick}}, false)
			return err
		}},
		{"mute on the page", func() error {
			_, err := cached.MuteMembers(ctx, domain.Actor{Admin: true}, lcGroup, []string{lcUserID(lcMembers - 4)}, cached.NowMillis()+60_000, false)
			return err
		}},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		// The very next read, through the cache, sees the write.
		sameMemberPages(t, s.name, cached, plain)
	}
}

func TestListCacheJoinedPagesFreshAfterEveryWrite(t *testing.T) {
	cached, plain := lcSetup(t)
	ctx := context.Background()
	hot := domain.Actor{UserID: lcUser}
	same := func(step string) {
		t.Helper()
		for _, off := range []int{0, storecache.DeepPageOffset, lcMembers - 10} {
			p := domain.Page{Offset: off, Limit: 20}
			got, gotTotal, err := cached.JoinedGroups(ctx, hot, lcUser, p)
			if err != nil {
				t.Fatalf("%s: %v", step, err)
			}
			want, wantTotal, err := plain.JoinedGroups(ctx, hot, lcUser, p)
			if err != nil {
				t.Fatalf("%s: %v", step, err)
			}
			if gotTotal != wantTotal || !reflect.DeepEqual(got, want) {
				t.Fatalf("%s, offset %d: cached (total %d) %d groups, want (total %d) %d", step, off, gotTotal, len(got), wantTotal, len(want))
			}
		}
	}
	same("start")
	same("cached")
	if err := cached.QuitGroup(ctx, hot, "g00003", ""); err != nil {
		t.Fatal(err)
	}
	same("quit a group before the page")
	if _, err := cached.InviteMembers(ctx, domain.Actor{UserID: lcUserID(0)}, domain.InviteInput{GroupID: lcGroup, UserIDs: []string{lcUser}}); err != nil {
		t.Fatal(err)
	}
	same("joined one more")
	if _, err := cached.Kick(ctx, domain.Actor{UserID: lcUserID(1)}, domain.KickInput{GroupID: fmt.Sprintf("g%05d", lcMembers-5), UserIDs: []string{lcUser}}); err != nil {
		t.Fatal(err)
	}
	same("kicked from one on the page")
	if err := cached.DismissGroup(ctx, domain.Actor{UserID: lcUserID(1)}, fmt.Sprintf("g%05d", lcMembers-8), true); err != nil {
		t.Fatal(err)
	}
	same("group dismissed with its members")
}

// TestListCacheConcurrentReadsSeeAcknowledgedWrites reads deep pages while
// members join: every read counts at least the joins acknowledged before
// it started.
func TestListCacheConcurrentReadsSeeAcknowledgedWrites(t *testing.T) {
	cached, _ := lcSetup(t)
	ctx := context.Background()
	var acked atomic.Int64
	done := make(chan struct{})
	var wg sync.WaitGroup
	for r := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				before := acked.Load()
				_, total, err := cached.ListMembers(ctx, owner, domain.MemberQuery{GroupID: lcGroup,
					Page: domain.Page{Offset: storecache.DeepPageOffset + r, Limit: 10}})
				if err != nil {
					t.Error(err)
					return
				}
				if total < lcMembers+before {
					t.Errorf("total %d after %d acknowledged joins", total, before)
					return
				}
			}
		}()
	}
	for i := range 40 {
		if _, err := cached.InviteMembers(ctx, owner, domain.InviteInput{GroupID: lcGroup, UserIDs: []string{lcUserID(lcMembers + i)}}); err != nil {
			t.Fatal(err)
		}
		acked.Add(1)
	}
	close(done)
	wg.Wait()
}

// countingStore counts list builds.
type countingStore struct {
	domain.Store
	builds atomic.Int64
}

func (c *countingStore) MemberUserIDs(ctx context.Context, groupID string) ([]string, error) {
	c.builds.Add(1)
	return c.Store.MemberUserIDs(ctx, groupID)
}

func TestListCacheReusesListUntilAWrite(t *testing.T) {
	db, plain := lcSetupStore(t)
	cs := &countingStore{Store: db}
	svc := cachedService(cs)
	ctx := context.Background()
	read := func() {
		t.Helper()
		for range 3 {
			sameMemberPages(t, "counting", svc, plain)
		}
	}
	read()
	if n := cs.builds.Load(); n != 1 {
		t.Fatalf("%d list builds for reads at one version, want 1", n)
	}
	if _, err := svc.InviteMembers(ctx, owner, domain.InviteInput{GroupID: lcGroup, UserIDs: []string{lcUserID(lcMembers + 2)}}); err != nil {
		t.Fatal(err)
	}
	read()
	if n := cs.builds.Load(); n != 2 {
		t.Fatalf("%d list builds after one write, want 2", n)
	}
}

// First pages use a list the cache holds at its current token but never
// build one: a busy group's first pages must not rebuild a long list after
// every write.
func TestListCacheShallowPagesNeverBuild(t *testing.T) {
	db, plain := lcSetupStore(t)
	cs := &countingStore{Store: db}
	svc := cachedService(cs)
	ctx := context.Background()
	first := func(step string) {
		t.Helper()
		q := domain.MemberQuery{GroupID: lcGroup, Page: domain.Page{Limit: 20}}
		got, gotTotal, err := svc.ListMembers(ctx, owner, q)
		if err != nil {
			t.Fatal(err)
		}
		want, wantTotal, err := plain.ListMembers(ctx, owner, q)
		if err != nil {
			t.Fatal(err)
		}
		if gotTotal != wantTotal || !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: first page differs", step)
		}
	}
	deep := func() {
		t.Helper()
		if _, _, err := svc.ListMembers(ctx, owner, domain.MemberQuery{GroupID: lcGroup,
			Page: domain.Page{Offset: storecache.DeepPageOffset, Limit: 20}}); err != nil {
			t.Fatal(err)
		}
	}
	want := func(step string, n int64) {
		t.Helper()
		if got := cs.builds.Load(); got != n {
			t.Fatalf("%s: %d list builds, want %d", step, got, n)
		}
	}
	first("cold")
	want("first page, cold", 0)
	deep()
	want("deep page", 1)
	first("held")
	want("first page, list held", 1)
	if _, err := svc.InviteMembers(ctx, owner, domain.InviteInput{GroupID: lcGroup, UserIDs: []string{lcUserID(lcMembers + 3)}}); err != nil {
		t.Fatal(err)
	}
	first("after a write")
	want("first page after a write", 1)
	deep()
	want("deep page after a write", 2)
}

// Values served from the decoded near cache are copies: a caller that
// modifies its answer (the domain fills profile nicknames into member
// pages) does not change the next answer.
func TestCallersCannotModifyCachedValues(t *testing.T) {
	db, _ := lcSetupStore(t)
	c := storecache.New(db, storecache.NewMemory(0), storecache.Options{})
	ctx := context.Background()
	q := domain.MemberQuery{GroupID: lcGroup, Page: domain.Page{Limit: 5}}
	for range 3 {
		ms, _, err := c.ListMembers(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if ms[0].Nickname != "" {
			t.Fatalf("a caller's change came back: %q", ms[0].Nickname)
		}
		ms[0].Nickname = "scribbled"
		ids, _, err := c.JoinedGroupIDPage(ctx, lcUser, domain.Page{Limit: 5})
		if err != nil {
			t.Fatal(err)
		}
		if ids[0] != "g00000" {
			t.Fatalf("a caller's change came back: %q", ids[0])
		}
		ids[0] = "scribbled"
		g, err := c.GetGroup(ctx, lcGroup)
		if err != nil {
			t.Fatal(err)
		}
		if g.Name != "" {
			t.Fatalf("a caller's change came back: %q", g.Name)
		}
		g.Name = "scribbled"
	}
}
