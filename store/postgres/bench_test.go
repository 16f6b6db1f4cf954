package postgres_test

import (
	"context"
	"testing"

	"github.com/groupd/groupd/domain"
	"github.com/groupd/groupd/store/postgres"
	"github.com/groupd/groupd/store/storetest"
)

// BenchmarkStore runs the shared store benchmarks on PostgreSQL, e.g.
//
//	go test -run '^$' -bench . -benchtime 2000x ./store/postgres/
func BenchmarkStore(b *testing.B) {
	storetest.Bench(b, func(b *testing.B) domain.Store { return postgres.OpenTestDB(b) }, vacuum)
}

// vacuum brings the visibility map up to date, as autovacuum would, so the
// list queries can use index-only scans.
func vacuum(b *testing.B, s domain.Store) {
	b.Helper()
	if _, err := s.(*postgres.DB).Pool().Exec(context.Background(), "VACUUM ANALYZE"); err != nil {
		b.Fatal(err)
	}
}
