package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"sort"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrateLockKey is the advisory lock key every groupd node takes before
// touching the schema ("groupd" as ASCII).
const migrateLockKey int64 = 0x67726f757064

// migrate applies the embedded migrations that schema_migrations does not
// list yet, in name order, each in its own transaction. Each transaction
// first takes a transaction-scoped advisory lock and re-reads the applied
// set, so nodes starting at once apply every migration exactly once and a
// crashed node never leaves the lock held.
func migrate(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger) (err error) {
	defer wrap(&err, "migrate")
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", migrateLockKey); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			name       text PRIMARY KEY,
			applied_at timestamptz NOT NULL DEFAULT now()
		)`)
		return err
	})
	if err != nil {
		return err
	}
	for _, name := range names {
		if err := applyMigration(ctx, pool, log, name); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

func applyMigration(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger, name string) error {
	text, err := migrations.ReadFile(name)
	if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", migrateLockKey); err != nil {
			return err
		}
		var done bool
		base := path.Base(name)
		if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE name = $1)", base).Scan(&done); err != nil {
			return err
		}
		if done {
			return nil
		}
		// No arguments: pgx sends it with the simple protocol, which
		// allows several statements.
		if _, err := tx.Exec(ctx, string(text)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "INSERT INTO schema_migrations (name) VALUES ($1)", base); err != nil {
			return err
		}
		log.Info("postgres migration applied", "name", base)
		return nil
	})
}
