// Package teststore opens the stores that HTTP-level tests run on: embedded
// SQLite always, and PostgreSQL whenever a test server is reachable (in CI
// it must be). A package's tests run once per backend, either through
// RunMain from TestMain (every test of the package, unchanged, runs again on
// each backend) or through Each for a single test (one subtest per backend,
// as Dendrite's WithAllDatabases).
package teststore

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/groupd/groupd/domain"
	"github.com/groupd/groupd/store/postgres"
	"github.com/groupd/groupd/store/sqlite"
)

// Kind names a store backend.
type Kind string

const (
	SQLite   Kind = "sqlite"
	Postgres Kind = "postgres"
)

var kinds struct {
	once sync.Once
	list []Kind
	note string
}

// Kinds returns the backends tests run on: sqlite, then postgres when the
// test server (postgres.TestURL) answers, or whenever it is required
// (CI=true or GROUPD_REQUIRE_POSTGRES=1), so that a missing server fails
// instead of passing silently. GROUPD_TEST_STORES (e.g. "sqlite" or
// "postgres") narrows the list.
func Kinds() []Kind {
	kinds.once.Do(func() {
		want := map[Kind]bool{SQLite: true, Postgres: true}
		if v := strings.TrimSpace(os.Getenv("GROUPD_TEST_STORES")); v != "" {
			want = map[Kind]bool{}
			for _, k := range strings.Split(v, ",") {
				want[Kind(strings.TrimSpace(k))] = true
			}
		}
		if want[SQLite] {
			kinds.list = append(kinds.list, SQLite)
		}
		if want[Postgres] {
			if err := pingPostgres(); err == nil || required() {
				kinds.list = append(kinds.list, Postgres)
			} else {
				kinds.note = fmt.Sprintf("teststore: PostgreSQL at %s is not reachable (%v): tests run on SQLite only; set GROUPD_TEST_POSTGRES, or CI=true to make this a failure", postgres.TestURL(), err)
			}
		}
	})
	return kinds.list
}

func required() bool {
	return os.Getenv("CI") == "true" || os.Getenv("GROUPD_REQUIRE_POSTGRES") == "1"
}

func pingPostgres() error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	cfg, err := pgx.ParseConfig(postgres.TestURL())
	if err != nil {
		return err
	}
	cfg.ConnectTimeout = 3 * time.Second
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	return conn.Close(ctx)
}

// Open returns a fresh, empty, migrated store of kind k that is closed (and
// on PostgreSQL dropped) when tb ends. PostgreSQL stores live in a schema of
// their own (postgres.OpenTestSchema), which costs a fraction of a new
// database.
func Open(tb testing.TB, k Kind) domain.Store {
	tb.Helper()
	switch k {
	case SQLite:
		db, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "groupd.db"), sqlite.Options{})
		if err != nil {
			tb.Fatalf("open sqlite: %v", err)
		}
		tb.Cleanup(func() { db.Close() })
		return db
	case Postgres:
		return postgres.OpenTestSchema(tb)
	}
	tb.Fatalf("teststore: unknown backend %q", k)
	return nil
}

// Each runs fn as one subtest per backend of Kinds, named after it.
func Each(t *testing.T, fn func(t *testing.T, k Kind)) {
	t.Helper()
	for _, k := range Kinds() {
		t.Run(string(k), func(t *testing.T) { fn(t, k) })
	}
}

// RunMain runs the package's tests (m.Run) once per backend of Kinds,
// setting *current before each run, and returns the exit code for
// os.Exit: non-zero if any run failed. Use it from TestMain:
//
//	var backend teststore.Kind
//	func TestMain(m *testing.M) { os.Exit(teststore.RunMain(m, &backend)) }
//
// and open stores with teststore.Open(t, backend).
func RunMain(m *testing.M, current *Kind) int {
	code := 0
	list := Kinds()
	if kinds.note != "" {
		fmt.Fprintln(os.Stderr, kinds.note)
	}
	for i, k := range list {
		*current = k
		if len(list) > 1 {
			fmt.Printf("teststore: run %d of %d, on %s\n", i+1, len(list), k)
		}
		if c := m.Run(); c != 0 {
			code = c
		}
	}
	return code
}
