package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// SchemaTestDatabase is the database on the test server that holds the
// per-test schemas of OpenTestSchema. It is created on first use and kept.
const SchemaTestDatabase = "groupd_test_schemas"

// OpenTestSchema is a cheaper OpenTestDB: the store lives in a schema of
// its own (groupd_t_<unix seconds>_<random>) in the shared database
// SchemaTestDatabase, selected through search_path, so that suites which
// open a store per test (the HTTP tests of both dialects) stay fast. A new
// schema costs a migration (a few hundred milliseconds on a busy machine,
// still far less than CREATE DATABASE); so when a test ends its schema is
// emptied (every table's rows deleted, sequences restarted: a few
// milliseconds) and kept for the next test of the process, which gets it
// exactly as a fresh one. Schemas left behind by ended or killed test
// processes are dropped after a few hours by a later run. It skips or fails
// like OpenTestDB when the server cannot be reached.
func OpenTestSchema(tb testing.TB) *DB {
	tb.Helper()
	name, dsn, ok := takePooledSchema()
	if !ok {
		base := schemaBase(tb)
		name = newSchemaName()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := execOn(ctx, base, "CREATE SCHEMA "+name); err != nil {
			tb.Fatalf("postgres: create test schema: %v", err)
		}
		var err error
		if dsn, err = withSearchPath(base, name); err != nil {
			tb.Fatalf("postgres: %v", err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, err := Open(ctx, dsn, Options{Logger: slog.New(slog.DiscardHandler), MaxConns: 8})
	if err != nil {
		dropSchema(name)
		tb.Fatalf("postgres: open test schema: %v", err)
	}
	tb.Cleanup(func() {
		db.Close()
		recycleSchema(name, dsn)
	})
	return db
}

// The schemas emptied and ready for the next test of this process.
var schemaPool struct {
	mu   sync.Mutex
	free []pooledSchema
}

type pooledSchema struct{ name, dsn string }

func takePooledSchema() (name, dsn string, ok bool) {
	schemaPool.mu.Lock()
	defer schemaPool.mu.Unlock()
	n := len(schemaPool.free)
	if n == 0 {
		return "", "", false
	}
	s := schemaPool.free[n-1]
	schemaPool.free = schemaPool.free[:n-1]
	return s.name, s.dsn, true
}

// recycleSchema empties the schema of an ended test and pools it; a schema
// that cannot be emptied is dropped.
func recycleSchema(name, dsn string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// DELETE, not TRUNCATE: a test leaves a few rows, and TRUNCATE makes
	// new files for every table and index (tens of milliseconds). Tables
	// are emptied in passes so that those referring to others go first.
	reset := `SET lock_timeout = '5s';
DO $$
DECLARE r record; left_ text[]; still text[]; t text;
BEGIN
	SELECT array_agg(tablename::text) INTO left_ FROM pg_tables
		WHERE schemaname = '` + name + `' AND tablename <> 'schema_migrations';
	WHILE left_ IS NOT NULL AND array_length(left_, 1) > 0 LOOP
		still := '{}';
		FOREACH t IN ARRAY left_ LOOP
			BEGIN
				EXECUTE 'DELETE FROM ' || quote_ident('` + name + `') || '.' || quote_ident(t);
			EXCEPTION WHEN foreign_key_violation THEN
				still := still || t;
			END;
		END LOOP;
		IF array_length(still, 1) = array_length(left_, 1) THEN
			RAISE EXCEPTION 'cannot empty %', still;
		END IF;
		left_ := still;
	END LOOP;
	FOR r IN SELECT sequencename FROM pg_sequences WHERE schemaname = '` + name + `' LOOP
		PERFORM setval(quote_ident('` + name + `') || '.' || quote_ident(r.sequencename), 1, false);
	END LOOP;
END $$`
	base, err := schemaDatabase(TestURL())
	if err == nil {
		err = execOn(ctx, base, reset)
	}
	if err != nil {
		dropSchema(name)
		return
	}
	schemaPool.mu.Lock()
	schemaPool.free = append(schemaPool.free, pooledSchema{name, dsn})
	schemaPool.mu.Unlock()
}

func dropSchema(name string) {
	base, err := schemaDatabase(TestURL())
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	execOn(ctx, base, "DROP SCHEMA IF EXISTS "+name+" CASCADE")
}

// execOn runs sql (no arguments: several statements may be sent) on a
// fresh connection to dsn.
func execOn(ctx context.Context, dsn, sql string) error {
	conn, err := connectAdmin(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}

func newSchemaName() string {
	b := make([]byte, 6)
	rand.Read(b)
	return "groupd_t_" + strconv.FormatInt(time.Now().Unix(), 10) + "_" + hex.EncodeToString(b)
}

// schemaBase returns the URL of SchemaTestDatabase, skipping or failing tb
// like OpenTestDB when the server cannot be reached.
func schemaBase(tb testing.TB) string {
	tb.Helper()
	admin := TestURL()
	if err := unreachableErr(admin); err != nil && !requirePostgres() {
		tb.Skipf("postgres: skipping, PostgreSQL is not reachable at %s (set GROUPD_TEST_POSTGRES; CI=true or GROUPD_REQUIRE_POSTGRES=1 make this a failure): %v", redact(admin), err)
	}
	base, err := schemaDatabase(admin)
	if err != nil {
		if unreachable(err) && !requirePostgres() {
			noteUnreachable(admin, err)
			tb.Skipf("postgres: skipping, PostgreSQL is not reachable at %s (set GROUPD_TEST_POSTGRES; CI=true or GROUPD_REQUIRE_POSTGRES=1 make this a failure): %v", redact(admin), err)
		}
		tb.Fatalf("postgres: test schema database: %v", err)
	}
	return base
}

// CreateTestSchema creates an empty schema in SchemaTestDatabase, registers
// its removal with tb.Cleanup and returns a URL whose connections use it
// (search_path), for tests that run groupd processes on it. It skips or
// fails like OpenTestDB when the server cannot be reached.
func CreateTestSchema(tb testing.TB) string {
	tb.Helper()
	base := schemaBase(tb)
	name := newSchemaName()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := execOn(ctx, base, "CREATE SCHEMA "+name); err != nil {
		tb.Fatalf("postgres: create test schema: %v", err)
	}
	tb.Cleanup(func() { dropSchema(name) })
	dsn, err := withSearchPath(base, name)
	if err != nil {
		tb.Fatalf("postgres: %v", err)
	}
	return dsn
}

var schemaDB struct {
	once sync.Once
	url  string
	err  error
}

// schemaDatabase creates SchemaTestDatabase when missing (once per
// process; concurrent test processes may race, which is fine), drops the
// stale schemas that ended runs left, and returns its URL.
func schemaDatabase(admin string) (string, error) {
	schemaDB.once.Do(func() {
		schemaDB.url, schemaDB.err = prepareSchemaDatabase(admin)
	})
	return schemaDB.url, schemaDB.err
}

func prepareSchemaDatabase(admin string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := connectAdmin(ctx, admin)
	if err != nil {
		return "", err
	}
	var exists bool
	err = conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", SchemaTestDatabase).Scan(&exists)
	for attempt := 0; err == nil && !exists; attempt++ {
		_, err = conn.Exec(ctx, "CREATE DATABASE "+SchemaTestDatabase)
		var pe *pgconn.PgError
		switch {
		case err == nil:
			exists = true
		case errors.As(err, &pe) && (pe.Code == "42P04" || pe.Code == "23505"): // created by another process just now
			err, exists = nil, true
		case errors.As(err, &pe) && pe.Code == "55006" && attempt < 20: // template1 busy for a moment
			err = nil
			time.Sleep(100 * time.Millisecond)
		}
	}
	conn.Close(context.Background())
	if err != nil {
		return "", fmt.Errorf("create database %s: %w", SchemaTestDatabase, err)
	}
	base, err := withDatabase(admin, SchemaTestDatabase)
	if err != nil {
		return "", err
	}
	dropStaleSchemas(ctx, base)
	return base, nil
}

// dropStaleSchemas drops test schemas created more than six hours ago (no
// test process runs that long; a pooled schema lives as long as its
// process). Failures are ignored: this is housekeeping.
func dropStaleSchemas(ctx context.Context, base string) {
	conn, err := connectAdmin(ctx, base)
	if err != nil {
		return
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(ctx, "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'groupd\\_t\\_%'")
	if err != nil {
		return
	}
	var stale []string
	cutoff := time.Now().Add(-6 * time.Hour).Unix()
	for rows.Next() {
		var name string
		if rows.Scan(&name) != nil {
			continue
		}
		parts := strings.Split(name, "_")
		if len(parts) != 4 {
			continue
		}
		if ts, err := strconv.ParseInt(parts[2], 10, 64); err == nil && ts < cutoff {
			stale = append(stale, name)
		}
	}
	rows.Close()
	for _, name := range stale {
		conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+name+" CASCADE")
	}
}

// withSearchPath returns dsn with every connection's search_path set to schema.
func withSearchPath(dsn, schema string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", err
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	return dsn + " search_path=" + schema, nil
}
