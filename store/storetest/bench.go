package storetest

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/groupd/groupd/domain"
)

// Bench runs the store benchmarks every backend shares: concurrent writes
// (group commit on SQLite, row locks on PostgreSQL), GetGroups, and first,
// deep-offset and keyset pages of a user in 10,000 groups and of a group of
// 100,000 members. open returns a fresh, empty store; settle (optional) runs
// after seeding, e.g. to VACUUM as autovacuum would. Run with a bounded
// time, e.g. go test -run '^$' -bench . -benchtime 2000x ./store/sqlite/
func Bench(b *testing.B, open func(b *testing.B) domain.Store, settle func(b *testing.B, s domain.Store)) {
	if settle == nil {
		settle = func(*testing.B, domain.Store) {}
	}
	b.Run("Write", func(b *testing.B) { benchWrite(b, open) })
	b.Run("ServiceInvite", func(b *testing.B) { benchServiceInvite(b, open) })
	b.Run("GetGroups", func(b *testing.B) {
		s := open(b)
		benchSeedGroups(b, s, 1000, "g")
		settle(b, s)
		benchGetGroups(b, s)
	})
	b.Run("ListJoined", func(b *testing.B) { benchListJoined(b, open, settle) })
	b.Run("ListMembers", func(b *testing.B) { benchListMembers(b, open, settle) })
	b.Run("GroupRename", func(b *testing.B) { benchGroupRename(b, open) })
	b.Run("JoinedSync", func(b *testing.B) { benchJoinedSync(b, open) })
}

// benchJoinedSync is an incremental joined-group sync of a user in 1,000
// groups, up to date (the catch-up check walks the user's memberships) and
// after 10 of the groups were renamed (the catch-up logs them first).
func benchJoinedSync(b *testing.B, open func(b *testing.B) domain.Store) {
	const groups = 1000
	s := open(b)
	ctx := context.Background()
	svc := domain.NewService(s, domain.Options{})
	admin := domain.Actor{UserID: "admin", Admin: true}
	if _, err := svc.RegisterUsers(ctx, admin, []domain.User{{UserID: "o"}, {UserID: "u"}}, false); err != nil {
		b.Fatal(err)
	}
	for g := range groups {
		if _, _, err := svc.CreateGroup(ctx, admin, domain.CreateGroupInput{OwnerUserID: "o", MemberUserIDs: []string{"u"},
			Group: domain.Group{GroupID: fmt.Sprintf("g%04d", g), GroupType: domain.GroupTypeWorking}}); err != nil {
			b.Fatal(err)
		}
	}
	u := domain.Actor{UserID: "u"}
	for _, renamed := range []int{0, 10} {
		b.Run(fmt.Sprintf("renamed=%d", renamed), func(b *testing.B) {
			d, err := svc.IncrementalJoinedGroups(ctx, u, "u", "", 0)
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for b.Loop() {
				b.StopTimer()
				for i := range renamed {
					n++
					name := fmt.Sprint("name ", n)
					if err := svc.UpdateGroup(ctx, admin, fmt.Sprintf("g%04d", (n*37+i)%groups), domain.GroupPatch{Name: &name}); err != nil {
						b.Fatal(err)
					}
				}
				b.StartTimer()
				next, err := svc.IncrementalJoinedGroups(ctx, u, "u", d.VersionID, d.Version)
				if err != nil || next.Full || len(next.Update) != renamed {
					b.Fatalf("sync: %v, full %v, %d updated", err, next.Full, len(next.Update))
				}
				d = next
			}
		})
	}
}

// benchGroupRename renames a group of 100,000 members through the domain
// and, while it runs, registers one unrelated user: ns/op is the rename,
// unrelated-ms the unrelated write's latency (a rename must not hold the
// writer). Run with e.g. -benchtime 3x.
func benchGroupRename(b *testing.B, open func(b *testing.B) domain.Store) {
	const members = 100_000
	s := open(b)
	ctx := context.Background()
	svc := domain.NewService(s, domain.Options{})
	admin := domain.Actor{UserID: "admin", Admin: true}
	err := s.Write(ctx, func(tx domain.Tx) error {
		users := make([]domain.User, members)
		for i := range users {
			users[i] = domain.User{UserID: fmt.Sprintf("u%06d", i)}
		}
		return tx.InsertUsers(ctx, users)
	})
	if err != nil {
		b.Fatal(err)
	}
	if _, _, err := svc.CreateGroup(ctx, admin, domain.CreateGroupInput{OwnerUserID: "u000000",
		Group: domain.Group{GroupID: "big", GroupType: domain.GroupTypeWorking, MemberCountLimit: 2 * members}}); err != nil {
		b.Fatal(err)
	}
	for lo := 1; lo < members; lo += 1000 {
		ids := make([]string, 0, 1000)
		for i := lo; i < min(lo+1000, members); i++ {
			ids = append(ids, fmt.Sprintf("u%06d", i))
		}
		if _, err := svc.InviteMembers(ctx, admin, domain.InviteInput{GroupID: "big", UserIDs: ids}); err != nil {
			b.Fatal(err)
		}
	}
	var unrelated time.Duration
	n := 0
	for b.Loop() {
		n++
		name := fmt.Sprintf("renamed %d", n)
		done := make(chan error, 1)
		go func() { done <- svc.UpdateGroup(ctx, admin, "big", domain.GroupPatch{Name: &name}) }()
		time.Sleep(time.Millisecond) // let the rename start first
		start := time.Now()
		if _, err := svc.RegisterUsers(ctx, admin, []domain.User{{UserID: fmt.Sprintf("x%06d", n)}}, false); err != nil {
			b.Fatal(err)
		}
		unrelated += time.Since(start)
		if err := <-done; err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(unrelated.Milliseconds())/float64(n), "unrelated-ms")
}

func benchSeedGroups(b *testing.B, s domain.Store, n int, prefix string) {
	b.Helper()
	ctx := context.Background()
	err := s.Write(ctx, func(tx domain.Tx) error {
		for i := range n {
			if err := tx.InsertGroup(ctx, domain.Group{GroupID: fmt.Sprintf("%s%d", prefix, i), Name: "group", CreateTime: int64(i)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

func benchMember(gid, uid string) domain.Member {
	return domain.Member{GroupID: gid, UserID: uid, RoleLevel: domain.RoleMember, JoinTime: 1, Nickname: "nick " + uid, Ex: "{}"}
}

// benchWrite inserts one member per Write (lock the group, insert, raise
// member_count) into one of 100 groups, with 1, 16 and 64 writers.
func benchWrite(b *testing.B, open func(b *testing.B) domain.Store) {
	for _, writers := range []int{1, 16, 64} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			s := open(b)
			benchSeedGroups(b, s, 100, "g")
			var next atomic.Int64
			ctx := context.Background()
			// RunParallel starts parallelism × GOMAXPROCS goroutines.
			b.SetParallelism(max(1, writers/runtime.GOMAXPROCS(0)))
			b.ResetTimer()
			run := func() {
				i := next.Add(1)
				gid := fmt.Sprintf("g%d", i%100)
				err := s.Write(ctx, func(tx domain.Tx) error {
					if _, err := tx.LockGroup(ctx, gid); err != nil {
						return err
					}
					return tx.InsertMembers(ctx, []domain.Member{benchMember(gid, fmt.Sprintf("u%d", i))})
				})
				if err != nil {
					b.Error(err)
				}
			}
			if writers == 1 {
				for b.Loop() {
					run()
				}
			} else {
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						run()
					}
				})
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
		})
	}
}

// benchGetGroups reads 10 of 1,000 groups by ID.
func benchGetGroups(b *testing.B, s domain.Store) {
	ctx := context.Background()
	ids := make([]string, 10)
	i := 0
	for b.Loop() {
		for j := range ids {
			ids[j] = fmt.Sprintf("g%d", (i*10+j*97)%1000)
		}
		i++
		gs, err := s.GetGroups(ctx, ids)
		if err != nil || len(gs) != 10 {
			b.Fatal(len(gs), err)
		}
	}
}

type benchCase struct {
	name string
	run  func() ([]domain.Member, error)
}

// runPageCases runs each case as a sub-benchmark that must return limit rows.
func runPageCases(b *testing.B, limit int, cases []benchCase) {
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				ms, err := c.run()
				if err != nil || len(ms) != limit {
					b.Fatal(len(ms), err)
				}
			}
		})
	}
}

// benchListJoined pages the joined groups of a user in 10,000 groups.
func benchListJoined(b *testing.B, open func(b *testing.B) domain.Store, settle func(*testing.B, domain.Store)) {
	const n, limit = 10000, 20
	s := open(b)
	benchSeedGroups(b, s, n, "g")
	ctx := context.Background()
	err := s.Write(ctx, func(tx domain.Tx) error {
		ms := make([]domain.Member, n)
		for i := range ms {
			ms[i] = benchMember(fmt.Sprintf("g%d", i), "heavy")
		}
		return tx.InsertMembers(ctx, ms)
	})
	if err != nil {
		b.Fatal(err)
	}
	settle(b, s)
	all, err := s.ListJoinedAfter(ctx, "heavy", 0, 0)
	if err != nil {
		b.Fatal(err)
	}
	lastSeq := all[n-limit-1].Seq
	runPageCases(b, limit, []benchCase{
		{"page1", func() ([]domain.Member, error) {
			ms, _, err := s.ListJoined(ctx, "heavy", domain.Page{Offset: 0, Limit: limit})
			return ms, err
		}},
		{"deep-offset", func() ([]domain.Member, error) {
			ms, _, err := s.ListJoined(ctx, "heavy", domain.Page{Offset: n - limit, Limit: limit})
			return ms, err
		}},
		{"deep-keyset", func() ([]domain.Member, error) {
			return s.ListJoinedAfter(ctx, "heavy", lastSeq, limit)
		}},
		{"ids", func() ([]domain.Member, error) {
			ids, err := s.JoinedGroupIDs(ctx, "heavy")
			if len(ids) != n {
				return nil, fmt.Errorf("%d ids", len(ids))
			}
			return make([]domain.Member, limit), err
		}},
	})
}

// benchListMembers pages a group of 100,000 members (1 owner, 10 admins).
func benchListMembers(b *testing.B, open func(b *testing.B) domain.Store, settle func(*testing.B, domain.Store)) {
	const n, limit = 100000, 20
	s := open(b)
	benchSeedGroups(b, s, 1, "big")
	ctx := context.Background()
	err := s.Write(ctx, func(tx domain.Tx) error {
		ms := make([]domain.Member, n)
		for i := range ms {
			ms[i] = benchMember("big0", fmt.Sprintf("u%d", i))
			switch {
			case i == 0:
				ms[i].RoleLevel = domain.RoleOwner
			case i <= 10:
				ms[i].RoleLevel = domain.RoleAdmin
			}
		}
		return tx.InsertMembers(ctx, ms)
	})
	if err != nil {
		b.Fatal(err)
	}
	settle(b, s)
	all, err := s.ListMembersAfter(ctx, "big0", 0, 0)
	if err != nil {
		b.Fatal(err)
	}
	lastSeq := all[n-limit-1].Seq
	runPageCases(b, limit, []benchCase{
		{"page1", func() ([]domain.Member, error) {
			ms, _, err := s.ListMembers(ctx, domain.MemberQuery{GroupID: "big0", Page: domain.Page{Limit: limit}})
			return ms, err
		}},
		{"deep-offset", func() ([]domain.Member, error) {
			ms, _, err := s.ListMembers(ctx, domain.MemberQuery{GroupID: "big0", Page: domain.Page{Offset: n - limit, Limit: limit}})
			return ms, err
		}},
		{"deep-keyset", func() ([]domain.Member, error) {
			return s.ListMembersAfter(ctx, "big0", lastSeq, limit)
		}},
		{"admins", func() ([]domain.Member, error) {
			ms, _, err := s.ListMembers(ctx, domain.MemberQuery{GroupID: "big0", RoleLevels: []int{domain.RoleOwner, domain.RoleAdmin}, Page: domain.Page{Limit: limit}})
			if len(ms) == 11 {
				ms = append(ms, make([]domain.Member, limit-11)...)
			}
			return ms, err
		}},
		{"ids", func() ([]domain.Member, error) {
			ids, err := s.MemberUserIDs(ctx, "big0")
			if len(ids) != n {
				return nil, fmt.Errorf("%d ids", len(ids))
			}
			return make([]domain.Member, limit), err
		}},
	})
}

// benchServiceInvite is a whole domain write, as a request makes it: one
// InviteMembers of one user into one of 100 groups (lock, insert, member
// count, version logs and, with events on, its event), with events off and
// on: the difference is what the event log costs.
func benchServiceInvite(b *testing.B, open func(b *testing.B) domain.Store) {
	const users, groups = 10000, 100
	for _, events := range []bool{false, true} {
		for _, writers := range []int{1, 16} {
			b.Run(fmt.Sprintf("events=%v/writers=%d", events, writers), func(b *testing.B) {
				s := open(b)
				ctx := context.Background()
				svc := domain.NewService(s, domain.Options{NoEvents: !events})
				admin := domain.Actor{UserID: "admin", Admin: true}
				for i := 0; i < users; i += 1000 {
					batch := make([]domain.User, 0, 1000)
					for j := i; j < i+1000; j++ {
						batch = append(batch, domain.User{UserID: fmt.Sprintf("u%d", j)})
					}
					if _, err := svc.RegisterUsers(ctx, admin, batch, false); err != nil {
						b.Fatal(err)
					}
				}
				if _, err := svc.RegisterUsers(ctx, admin, []domain.User{{UserID: "owner"}}, false); err != nil {
					b.Fatal(err)
				}
				for g := range groups {
					if _, _, err := svc.CreateGroup(ctx, admin, domain.CreateGroupInput{OwnerUserID: "owner",
						Group: domain.Group{GroupID: fmt.Sprintf("g%d", g), GroupType: domain.GroupTypeWorking}}); err != nil {
						b.Fatal(err)
					}
				}
				var next atomic.Int64
				b.SetParallelism(max(1, writers/runtime.GOMAXPROCS(0)))
				b.ResetTimer()
				run := func() {
					i := next.Add(1)
					in := domain.InviteInput{GroupID: fmt.Sprintf("g%d", i%groups), UserIDs: []string{fmt.Sprintf("u%d", (i/groups)%users)}}
					if _, err := svc.InviteMembers(ctx, admin, in); err != nil && !domain.IsKind(err, domain.KindAlreadyMember) {
						b.Error(err)
					}
				}
				if writers == 1 {
					for b.Loop() {
						run()
					}
				} else {
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							run()
						}
					})
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
			})
		}
	}
}
