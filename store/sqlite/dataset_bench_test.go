package sqlite_test

import (
	"context"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"

	"github.com/groupd/groupd/domain"
	"github.com/groupd/groupd/store/sqlite"
)

// Benchmarks on the dataset groupd-bench seeds, when GROUPD_BENCH_DB names
// its database file (a copy: the benchmarks open it for writing), e.g.
//
//	cp bench-data/groupd.db /tmp/b.db && GROUPD_BENCH_DB=/tmp/b.db \
//	  go test -run '^$' -bench Dataset -benchtime 20000x ./store/sqlite/
func openDataset(b *testing.B) *sqlite.DB {
	path := os.Getenv("GROUPD_BENCH_DB")
	if path == "" {
		b.Skip("GROUPD_BENCH_DB is not set")
	}
	db, err := sqlite.Open(context.Background(), path, sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// BenchmarkDatasetGetGroup reads random groups among the 100,000 (a cold,
// large table: most reads miss SQLite's page cache).
func BenchmarkDatasetGetGroup(b *testing.B) {
	db := openDataset(b)
	ctx := context.Background()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			id := strconv.Itoa(3_000_000_000 + rand.IntN(100_000))
			if _, err := db.GetGroups(ctx, []string{id}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkDatasetListMembersFirst reads the first page of the
// 100,000-member group.
func BenchmarkDatasetListMembersFirst(b *testing.B) {
	db := openDataset(b)
	ctx := context.Background()
	q := domain.MemberQuery{GroupID: "3000000000", Page: domain.Page{Limit: 20}}
	for b.Loop() {
		if ms, _, err := db.ListMembers(ctx, q); err != nil || len(ms) != 20 {
			b.Fatal(err, len(ms))
		}
	}
}
