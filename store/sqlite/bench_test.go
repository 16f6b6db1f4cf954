package sqlite_test

import (
	"testing"

	"github.com/groupd/groupd/domain"
	"github.com/groupd/groupd/store/storetest"
)

// BenchmarkStore runs the shared store benchmarks on SQLite, e.g.
//
//	go test -run '^$' -bench . -benchtime 2000x ./store/sqlite/
//
// With one writer each Write waits for its own fsync; with many, the writer
// commits whatever is waiting in one transaction (group commit).
func BenchmarkStore(b *testing.B) {
	storetest.Bench(b, func(b *testing.B) domain.Store { return mustOpen(b) }, nil)
}
