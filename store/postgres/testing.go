package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// DefaultTestURL is the server tests use unless GROUPD_TEST_POSTGRES names another.
const DefaultTestURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// TestURL returns the URL of the server tests use: $GROUPD_TEST_POSTGRES or DefaultTestURL.
func TestURL() string {
	if u := os.Getenv("GROUPD_TEST_POSTGRES"); u != "" {
		return u
	}
	return DefaultTestURL
}

// OpenTestDB opens a store on a fresh database of its own on the test
// server (see TestURL) and drops the database when the test ends. It skips
// the test when the server cannot be reached, unless CI=true or
// GROUPD_REQUIRE_POSTGRES=1, which turn that into a failure. Any other
// problem (authentication, CREATE DATABASE, migrations) fails the test.
func OpenTestDB(tb testing.TB) *DB {
	tb.Helper()
	dbURL := CreateTestDatabase(tb)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, err := Open(ctx, dbURL, Options{Logger: slog.New(slog.DiscardHandler), MaxConns: 8})
	if err != nil {
		tb.Fatalf("postgres: open test database: %v", err)
	}
	tb.Cleanup(func() { db.Close() }) // runs before the DROP registered earlier
	return db
}

// CreateTestDatabase creates an empty database groupd_test_<random> on the
// test server, registers its removal with tb.Cleanup and returns its URL.
// It skips or fails like OpenTestDB when the server cannot be reached.
func CreateTestDatabase(tb testing.TB) string {
	tb.Helper()
	admin := TestURL()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := unreachableErr(admin); err != nil && !requirePostgres() {
		tb.Skipf("postgres: skipping, PostgreSQL is not reachable at %s (set GROUPD_TEST_POSTGRES; CI=true or GROUPD_REQUIRE_POSTGRES=1 make this a failure): %v", redact(admin), err)
	}
	conn, err := connectAdmin(ctx, admin)
	if err != nil {
		if unreachable(err) && !requirePostgres() {
			noteUnreachable(admin, err)
			tb.Skipf("postgres: skipping, PostgreSQL is not reachable at %s (set GROUPD_TEST_POSTGRES; CI=true or GROUPD_REQUIRE_POSTGRES=1 make this a failure): %v", redact(admin), err)
		}
		tb.Fatalf("postgres: connect to test server %s: %v", redact(admin), err)
	}
	defer conn.Close(context.Background())

	b := make([]byte, 8)
	rand.Read(b)
	name := "groupd_test_" + hex.EncodeToString(b)
	// "source database is being accessed by other users" (55006) happens
	// when something else is connected to template1 for a moment.
	for attempt := 0; ; attempt++ {
		_, err = conn.Exec(ctx, "CREATE DATABASE "+name)
		var pe *pgconn.PgError
		if err == nil || attempt == 20 || !errors.As(err, &pe) || pe.Code != "55006" {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		tb.Fatalf("postgres: create test database: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := connectAdmin(ctx, admin)
		if err != nil {
			tb.Errorf("postgres: drop test database %s: %v", name, err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Errorf("postgres: drop test database %s: %v", name, err)
		}
	})
	u, err := withDatabase(admin, name)
	if err != nil {
		tb.Fatalf("postgres: %v", err)
	}
	return u
}

// unreachableServers remembers servers found unreachable, so the other
// tests of the process skip at once instead of each waiting for a timeout.
var unreachableServers sync.Map // URL → error

func unreachableErr(dsn string) error {
	if err, ok := unreachableServers.Load(dsn); ok {
		return err.(error)
	}
	return nil
}

func noteUnreachable(dsn string, err error) { unreachableServers.Store(dsn, err) }

func connectAdmin(ctx context.Context, dsn string) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = 5 * time.Second
	}
	return pgx.ConnectConfig(ctx, cfg)
}

// unreachable reports a failure to reach the server at all, as opposed to
// a server that answered with an error (bad password, missing database).
func unreachable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return false
	}
	return isConnErr(err)
}

func requirePostgres() bool {
	return os.Getenv("CI") == "true" || os.Getenv("GROUPD_REQUIRE_POSTGRES") == "1"
}

// withDatabase returns dsn (a URL or key=value DSN) naming database name.
func withDatabase(dsn, name string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", err
		}
		u.Path = "/" + name
		return u.String(), nil
	}
	return dsn + " dbname=" + name, nil
}

// redact hides a password in a URL for messages.
func redact(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
		return u.String()
	}
	return dsn
}
