package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/groupd/groupd/store/sqlite"
)

const (
	dbFileName   = "groupd.db"
	lockFileName = "groupd.lock"
)

// runBackup is "groupd backup --out FILE [--data DIR]": a consistent copy
// of the database (SQLite VACUUM INTO), taken while a server may be
// running and writing.
func runBackup(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	fs := flag.NewFlagSet("groupd backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data", envOr(getenv, "GROUPD_DATA", "./groupd-data"), "data directory of the database to back up (GROUPD_DATA)")
	out := fs.String("out", "", "file to write the backup to; must not exist (required)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: groupd backup --out FILE [--data DIR]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("backup: unexpected argument %q", fs.Arg(0))
	}
	if *out == "" {
		return errors.New("backup: --out FILE is required")
	}
	src := filepath.Join(*dataDir, dbFileName)
	if _, err := os.Stat(src); err != nil {
		return fmt.Errorf("backup: no database at %s (a PostgreSQL deployment, --db, is backed up with pg_dump): %w", src, err)
	}
	start := time.Now()
	if err := sqlite.BackupFile(ctx, src, *out); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := syncDir(filepath.Dir(*out)); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fi, err := os.Stat(*out)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(stderr, "groupd: backed up %s to %s (%d bytes, %v)\n", src, *out, fi.Size(), time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(stderr, "groupd: the backup holds the database (force_logout state included); keep %s too (the admin secret)\n",
		filepath.Join(*dataDir, "secret"))
	return nil
}

// runRestore is "groupd restore --in FILE [--data DIR] [--force]": it
// checks that FILE is a sound groupd database and installs a copy of it as
// the data directory's database. It refuses while a server holds the data
// directory, and refuses to replace an existing database, unless --force;
// a replaced database is kept beside it as groupd.db.before-restore-<time>.
func runRestore(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	fs := flag.NewFlagSet("groupd restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data", envOr(getenv, "GROUPD_DATA", "./groupd-data"), "data directory to restore into (GROUPD_DATA)")
	in := fs.String("in", "", "backup file made by groupd backup (required)")
	force := fs.Bool("force", false, "replace an existing database, even while a server runs on the data directory")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: groupd restore --in FILE [--data DIR] [--force]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("restore: unexpected argument %q", fs.Arg(0))
	}
	if *in == "" {
		return errors.New("restore: --in FILE is required")
	}
	if err := sqlite.Verify(ctx, *in); err != nil {
		return fmt.Errorf("restore: %s is not a usable groupd backup: %w", *in, err)
	}
	if err := os.MkdirAll(*dataDir, 0o700); err != nil {
		return fmt.Errorf("restore: create data directory: %w", err)
	}
	lock, err := lockDataDir(filepath.Join(*dataDir, lockFileName))
	switch {
	case errors.Is(err, errLocked) && !*force:
		return fmt.Errorf("restore: a groupd server is running on %s; stop it first (or use --force and restart it at once): %w", *dataDir, err)
	case errors.Is(err, errLocked):
		fmt.Fprintf(stderr, "groupd: WARNING: a server is running on %s; restart it now, or it keeps serving (and writing) the replaced database\n", *dataDir)
	case err != nil:
		return fmt.Errorf("restore: %w", err)
	default:
		defer lock.release()
	}

	dst := filepath.Join(*dataDir, dbFileName)
	_, statErr := os.Stat(dst)
	exists := statErr == nil
	if exists && !*force {
		return fmt.Errorf("restore: %s already holds a database; use --force to replace it (it is kept as %s.before-restore-<time>)", *dataDir, dbFileName)
	}

	// Copy through SQLite (VACUUM INTO): a compact file that includes
	// anything still in the backup's own WAL.
	tmp := dst + ".restore-" + strconv.FormatInt(time.Now().UnixNano(), 10)
	if err := sqlite.BackupFile(ctx, *in, tmp); err != nil {
		return fmt.Errorf("restore: copy %s: %w", *in, err)
	}
	if err := os.Chmod(tmp, 0o600); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("restore: %w", err)
	}
	if exists {
		aside := dst + ".before-restore-" + time.Now().UTC().Format("20060102T150405Z")
		// The WAL holds committed changes of the old database: it moves
		// with it, and must not be read as part of the restored one.
		for _, suffix := range []string{"", "-wal"} {
			if err := os.Rename(dst+suffix, aside+suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
				os.Remove(tmp)
				return fmt.Errorf("restore: keep the old database: %w", err)
			}
		}
		fmt.Fprintf(stderr, "groupd: the replaced database is kept as %s\n", aside)
	}
	for _, suffix := range []string{"-wal", "-shm", "-journal"} {
		if err := os.Remove(dst + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			os.Remove(tmp)
			return fmt.Errorf("restore: remove stale %s: %w", dst+suffix, err)
		}
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("restore: %w", err)
	}
	if err := syncDir(*dataDir); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	fmt.Fprintf(stderr, "groupd: restored %s into %s\n", *in, dst)
	return nil
}

func envOr(getenv func(string) string, name, def string) string {
	if v := getenv(name); v != "" {
		return v
	}
	return def
}

// syncDir makes a rename or a new file in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
