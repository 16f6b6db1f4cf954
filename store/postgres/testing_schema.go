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

// OpenTestSchema is a cheaper OpenTestDB: the store lives in a fresh schema
// of its own (groupd_t_<unix seconds>_<random>) in the shared database
// SchemaTestDatabase, selected through search_path, and the schema is
// dropped when the test ends. Creating a schema and migrating it costs a
// few tens of milliseconds where CREATE DATABASE costs most of a second,
// so suites that open a store per test (the HTTP tests of both dialects)
// use this. Schemas left behind by a killed test run are dropped after an
// hour by the next run. It skips or fails like OpenTestDB when the server
// cannot be reached.
func OpenTestSchema(tb testing.TB) *DB {
	tb.Helper()
	dsn := CreateTestSchema(tb)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, err := Open(ctx, dsn, Options{Logger: slog.New(slog.DiscardHandler), MaxConns: 8})
	if err != nil {
		tb.Fatalf("postgres: open test schema: %v", err)
	}
	tb.Cleanup(func() { db.Close() }) // runs before the DROP SCHEMA registered earlier
	return db
}

// CreateTestSchema creates an empty schema in SchemaTestDatabase, registers
// its removal with tb.Cleanup and returns a URL whose connections use it
// (search_path). It skips or fails like OpenTestDB when the server cannot
// be reached.
func CreateTestSchema(tb testing.TB) string {
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
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := connectAdmin(ctx, base)
	if err != nil {
		tb.Fatalf("postgres: connect to %s: %v", redact(base), err)
	}
	defer conn.Close(context.Background())
	b := make([]byte, 6)
	rand.Read(b)
	name := "groupd_t_" + strconv.FormatInt(time.Now().Unix(), 10) + "_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+name); err != nil {
		tb.Fatalf("postgres: create test schema: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := connectAdmin(ctx, base)
		if err != nil {
			tb.Errorf("postgres: drop test schema %s: %v", name, err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+name+" CASCADE"); err != nil {
			tb.Errorf("postgres: drop test schema %s: %v", name, err)
		}
	})
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
// schemas older than an hour that killed runs left, and returns its URL.
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

// dropStaleSchemas drops test schemas created more than an hour ago.
// Failures are ignored: this is housekeeping.
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
	cutoff := time.Now().Add(-time.Hour).Unix()
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
