package postgres_test

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/groupd/groupd/domain"
	"github.com/groupd/groupd/store/postgres"
)

// The same benchmarks as store/sqlite, on PostgreSQL. Run with a bounded
// time, e.g.
//
//	go test -run '^$' -bench . -benchtime 2000x ./store/postgres/

func seedGroups(b *testing.B, db *postgres.DB, n int, prefix string) {
	b.Helper()
	ctx := context.Background()
	err := db.Write(ctx, func(tx domain.Tx) error {
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

func member(gid, uid string) domain.Member {
	return domain.Member{GroupID: gid, UserID: uid, RoleLevel: domain.RoleMember, JoinTime: 1, Nickname: "nick " + uid, Ex: "{}"}
}

// vacuum brings the visibility map up to date, as autovacuum would, so the
// list queries can use index-only scans.
func vacuum(b *testing.B, db *postgres.DB) {
	b.Helper()
	if _, err := db.Pool().Exec(context.Background(), "VACUUM ANALYZE"); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkWrite inserts one member per Write (a transaction locking the
// group, inserting, raising member_count) into one of 100 groups.
func BenchmarkWrite(b *testing.B) {
	for _, writers := range []int{1, 16, 64} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			db := postgres.OpenTestDB(b)
			seedGroups(b, db, 100, "g")
			var next atomic.Int64
			ctx := context.Background()
			b.SetParallelism(max(1, writers/runtime.GOMAXPROCS(0)))
			b.ResetTimer()
			run := func() {
				i := next.Add(1)
				gid := fmt.Sprintf("g%d", i%100)
				err := db.Write(ctx, func(tx domain.Tx) error {
					if _, err := tx.LockGroup(ctx, gid); err != nil {
						return err
					}
					return tx.InsertMembers(ctx, []domain.Member{member(gid, fmt.Sprintf("u%d", i))})
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

// BenchmarkGetGroups reads 10 of 1,000 groups by ID.
func BenchmarkGetGroups(b *testing.B) {
	db := postgres.OpenTestDB(b)
	seedGroups(b, db, 1000, "g")
	vacuum(b, db)
	ctx := context.Background()
	ids := make([]string, 10)
	i := 0
	for b.Loop() {
		for j := range ids {
			ids[j] = fmt.Sprintf("g%d", (i*10+j*97)%1000)
		}
		i++
		gs, err := db.GetGroups(ctx, ids)
		if err != nil || len(gs) != 10 {
			b.Fatal(len(gs), err)
		}
	}
}

// BenchmarkListJoined pages the joined groups of a user in 10,000 groups:
// page 1, the last page by offset, and the last page by keyset.
func BenchmarkListJoined(b *testing.B) {
	const n, limit = 10000, 20
	db := postgres.OpenTestDB(b)
	seedGroups(b, db, n, "g")
	ctx := context.Background()
	err := db.Write(ctx, func(tx domain.Tx) error {
		ms := make([]domain.Member, n)
		for i := range ms {
			ms[i] = member(fmt.Sprintf("g%d", i), "heavy")
		}
		return tx.InsertMembers(ctx, ms)
	})
	if err != nil {
		b.Fatal(err)
	}
	vacuum(b, db)
	all, err := db.ListJoinedAfter(ctx, "heavy", 0, 0)
	if err != nil {
		b.Fatal(err)
	}
	lastSeq := all[n-limit-1].Seq
	for _, c := range []struct {
		name string
		run  func() ([]domain.Member, error)
	}{
		{"page1", func() ([]domain.Member, error) {
			ms, _, err := db.ListJoined(ctx, "heavy", domain.Page{Offset: 0, Limit: limit})
			return ms, err
		}},
		{"deep-offset", func() ([]domain.Member, error) {
			ms, _, err := db.ListJoined(ctx, "heavy", domain.Page{Offset: n - limit, Limit: limit})
			return ms, err
		}},
		{"deep-keyset", func() ([]domain.Member, error) {
			return db.ListJoinedAfter(ctx, "heavy", lastSeq, limit)
		}},
		{"ids", func() ([]domain.Member, error) {
			ids, err := db.JoinedGroupIDs(ctx, "heavy")
			if len(ids) != n {
				return nil, fmt.Errorf("%d ids", len(ids))
			}
			return make([]domain.Member, limit), err
		}},
	} {
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

// BenchmarkListMembers pages a group of 100,000 members (1 owner, 10
// admins): page 1, the last page by offset, the last page by keyset.
func BenchmarkListMembers(b *testing.B) {
	const n, limit = 100000, 20
	db := postgres.OpenTestDB(b)
	seedGroups(b, db, 1, "big")
	ctx := context.Background()
	err := db.Write(ctx, func(tx domain.Tx) error {
		ms := make([]domain.Member, n)
		for i := range ms {
			ms[i] = member("big0", fmt.Sprintf("u%d", i))
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
	vacuum(b, db)
	all, err := db.ListMembersAfter(ctx, "big0", 0, 0)
	if err != nil {
		b.Fatal(err)
	}
	lastSeq := all[n-limit-1].Seq
	for _, c := range []struct {
		name string
		run  func() ([]domain.Member, error)
	}{
		{"page1", func() ([]domain.Member, error) {
			ms, _, err := db.ListMembers(ctx, domain.MemberQuery{GroupID: "big0", Page: domain.Page{Limit: limit}})
			return ms, err
		}},
		{"deep-offset", func() ([]domain.Member, error) {
			ms, _, err := db.ListMembers(ctx, domain.MemberQuery{GroupID: "big0", Page: domain.Page{Offset: n - limit, Limit: limit}})
			return ms, err
		}},
		{"deep-keyset", func() ([]domain.Member, error) {
			return db.ListMembersAfter(ctx, "big0", lastSeq, limit)
		}},
		{"admins", func() ([]domain.Member, error) {
			ms, _, err := db.ListMembers(ctx, domain.MemberQuery{GroupID: "big0", RoleLevels: []int{domain.RoleOwner, domain.RoleAdmin}, Page: domain.Page{Limit: limit}})
			if len(ms) == 11 {
				ms = append(ms, make([]domain.Member, limit-11)...)
			}
			return ms, err
		}},
		{"ids", func() ([]domain.Member, error) {
			ids, err := db.MemberUserIDs(ctx, "big0")
			if len(ids) != n {
				return nil, fmt.Errorf("%d ids", len(ids))
			}
			return make([]domain.Member, limit), err
		}},
	} {
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
