package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
)

// Backup writes a consistent copy of the open database to dst with VACUUM
// INTO: one read transaction, so the copy is the state of one moment, taken
// while writes go on. dst must not exist. The copy is compact and in
// rollback-journal mode; Open turns it back to WAL.
func (db *DB) Backup(ctx context.Context, dst string) (err error) {
	defer wrap(&err, "sqlite.Backup(%q)", dst)
	if err := db.Ping(ctx); err != nil {
		return err
	}
	var src string
	if err := db.rdb.QueryRowContext(ctx, `SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&src); err != nil {
		return err
	}
	return vacuumInto(ctx, src, dst)
}

// BackupFile is Backup for a database file that may be in use by another
// process (a running groupd): it reads src without writing to it.
func BackupFile(ctx context.Context, src, dst string) (err error) {
	defer wrap(&err, "sqlite.BackupFile(%q, %q)", src, dst)
	if err := Verify(ctx, src); err != nil {
		return err
	}
	return vacuumInto(ctx, src, dst)
}

func vacuumInto(ctx context.Context, src, dst string) error {
	if dst == "" {
		return errors.New("no destination file")
	}
	if _, err := os.Lstat(dst); err == nil {
		return fmt.Errorf("%s exists; refusing to overwrite it", dst)
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	// A connection of its own (not the read pool, which is query_only):
	// VACUUM INTO writes only dst, never src.
	c, err := sql.Open("sqlite3", dsn(src, url.Values{"_busy_timeout": {"5000"}}))
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetMaxOpenConns(1)
	if _, err := c.ExecContext(ctx, `VACUUM INTO ?`, dst); err != nil {
		os.Remove(dst)
		return err
	}
	if err := syncFile(dst); err != nil {
		os.Remove(dst)
		return err
	}
	return nil
}

// groupdTables are the tables every groupd database has.
var groupdTables = []string{"schema_migrations", "users", "groups", "group_members"}

// Verify reports whether path is a sound groupd SQLite database: SQLite's
// quick_check passes, the groupd tables exist and at least one migration is
// recorded. It opens path read-only.
func Verify(ctx context.Context, path string) (err error) {
	defer wrap(&err, "sqlite.Verify(%q)", path)
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", path)
	}
	head := make([]byte, 16)
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	_, rerr := f.Read(head)
	f.Close()
	if rerr != nil || string(head) != "SQLite format 3\x00" {
		return errors.New("not an SQLite database")
	}
	c, err := sql.Open("sqlite3", dsn(path, url.Values{"mode": {"ro"}, "_busy_timeout": {"5000"}}))
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetMaxOpenConns(1)
	var res string
	if err := c.QueryRowContext(ctx, `PRAGMA quick_check`).Scan(&res); err != nil {
		return fmt.Errorf("quick_check: %w", err)
	}
	if res != "ok" {
		return fmt.Errorf("quick_check: %s", res)
	}
	for _, t := range groupdTables {
		var n int
		if err := c.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?`, t).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("not a groupd database: no table %s", t)
		}
	}
	var applied []string
	rows, err := c.QueryContext(ctx, `SELECT name FROM schema_migrations ORDER BY name`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return err
		}
		applied = append(applied, n)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(applied) == 0 {
		return errors.New("not a groupd database: no migration recorded")
	}
	known := knownMigrations()
	for _, n := range applied {
		if !known[n] {
			return fmt.Errorf("database has migration %s, which this groupd does not know (made by a newer version?)", n)
		}
	}
	return nil
}

func knownMigrations() map[string]bool {
	out := map[string]bool{}
	entries, _ := migrations.ReadDir("migrations")
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") {
			out[e.Name()] = true
		}
	}
	return out
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
