package domain_test

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/groupd/groupd/domain"
	"github.com/groupd/groupd/internal/teststore"
)

// A change to a group's own data writes a bounded number of log rows
// whatever the member count; each member's joined-group log catches up
// when it is read, reporting the change exactly once, after the client's
// version.

// logCountingStore counts the version-log entries transactions write.
type logCountingStore struct {
	domain.Store
	entries atomic.Int64
}

func (s *logCountingStore) Write(ctx context.Context, fn func(domain.Tx) error) error {
	return s.Store.Write(ctx, func(tx domain.Tx) error { return fn(&logCountingTx{Tx: tx, s: s}) })
}

type logCountingTx struct {
	domain.Tx
	s *logCountingStore
}

func (t *logCountingTx) LogVersion(ctx context.Context, owner domain.VersionOwner, op int, ids []string) (int64, error) {
	t.s.entries.Add(int64(max(1, len(ids))))
	return t.Tx.LogVersion(ctx, owner, op, ids)
}

func TestGroupDataChangeCostsTheSameAtAnySize(t *testing.T) {
	for _, members := range []int{2, 300} {
		t.Run(fmt.Sprint(members, " members"), func(t *testing.T) {
			ctx := context.Background()
			s := &logCountingStore{Store: teststore.Open(t, teststore.SQLite)}
			svc := domain.NewService(s, domain.Options{})
			admin := domain.Actor{UserID: "admin", Admin: true}
			users := make([]domain.User, members)
			ids := make([]string, 0, members)
			for i := range users {
				users[i] = domain.User{UserID: fmt.Sprintf("u%04d", i)}
				if i > 0 {
					ids = append(ids, users[i].UserID)
				}
			}
			if _, err := svc.RegisterUsers(ctx, admin, users, false); err != nil {
				t.Fatal(err)
			}
			if _, _, err := svc.CreateGroup(ctx, admin, domain.CreateGroupInput{OwnerUserID: "u0000", MemberUserIDs: ids,
				Group: domain.Group{GroupID: "g", GroupType: domain.GroupTypeWorking}}); err != nil {
				t.Fatal(err)
			}
			before := s.entries.Load()
			name := "renamed"
			if err := svc.UpdateGroup(ctx, admin, "g", domain.GroupPatch{Name: &name}); err != nil {
				t.Fatal(err)
			}
			if n := s.entries.Load() - before; n != 1 {
				t.Fatalf("a rename of a group of %d wrote %d log entries, want 1", members, n)
			}
		})
	}
}

func TestJoinedLogReportsGroupChangesOnce(t *testing.T) {
	ctx := context.Background()
	svc := domain.NewService(teststore.Open(t, teststore.SQLite), domain.Options{})
	admin := domain.Actor{UserID: "admin", Admin: true}
	if _, err := svc.RegisterUsers(ctx, admin, []domain.User{{UserID: "o"}, {UserID: "u"}, {UserID: "v"}}, false); err != nil {
		t.Fatal(err)
	}
	for _, g := range []string{"g1", "g2", "g3"} {
		if _, _, err := svc.CreateGroup(ctx, admin, domain.CreateGroupInput{OwnerUserID: "o", MemberUserIDs: []string{"u", "v"},
			Group: domain.Group{GroupID: g, GroupType: domain.GroupTypeWorking}}); err != nil {
			t.Fatal(err)
		}
	}
	u, v := domain.Actor{UserID: "u"}, domain.Actor{UserID: "v"}
	start, err := svc.IncrementalJoinedGroups(ctx, u, "u", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	startV, err := svc.IncrementalJoinedGroups(ctx, v, "v", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	rename := func(g, name string) {
		t.Helper()
		if err := svc.UpdateGroup(ctx, admin, g, domain.GroupPatch{Name: &name}); err != nil {
			t.Fatal(err)
		}
	}
	rename("g1", "one")
	rename("g3", "three")
	rename("g1", "one again")
	d, err := svc.IncrementalJoinedGroups(ctx, u, "u", start.VersionID, start.Version)
	if err != nil {
		t.Fatal(err)
	}
	if d.Full || len(d.Insert) != 0 || !slices.Equal(groupIDsOf(d.Update), []string{"g1", "g3"}) || d.Version <= start.Version {
		t.Fatalf("after renames: full %v, version %d → %d, update %v", d.Full, start.Version, d.Version, groupIDsOf(d.Update))
	}
	for _, g := range d.Update {
		if g.GroupID == "g1" && g.Name != "one again" {
			t.Fatalf("g1 reported as %q", g.Name)
		}
	}
	again, err := svc.IncrementalJoinedGroups(ctx, u, "u", d.VersionID, d.Version)
	if err != nil {
		t.Fatal(err)
	}
	if again.Full || again.Version != d.Version || len(again.Update) != 0 {
		t.Fatalf("read again: full %v, version %d → %d, update %v", again.Full, d.Version, again.Version, groupIDsOf(again.Update))
	}
	// The full ID list catches up too: its version covers the change.
	rename("g2", "two")
	full, err := svc.FullJoinedGroupIDs(ctx, u, "u")
	if err != nil {
		t.Fatal(err)
	}
	if after, err := svc.IncrementalJoinedGroups(ctx, u, "u", full.VersionID, full.Version); err != nil || len(after.Update) != 0 {
		t.Fatalf("after a full list: %v, update %v", err, groupIDsOf(after.Update))
	}
	// Another member's log is its own: v still sees every renamed group.
	dv, err := svc.IncrementalJoinedGroups(ctx, v, "v", startV.VersionID, startV.Version)
	if err != nil {
		t.Fatal(err)
	}
	if dv.Full || !slices.Equal(groupIDsOf(dv.Update), []string{"g1", "g2", "g3"}) {
		t.Fatalf("v: update %v", groupIDsOf(dv.Update))
	}
}

func groupIDsOf(gs []domain.Group) []string {
	out := make([]string, len(gs))
	for i, g := range gs {
		out[i] = g.GroupID
	}
	slices.Sort(out)
	return out
}
