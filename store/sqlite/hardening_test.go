package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/groupd/groupd/domain"
	"github.com/groupd/groupd/store/sqlite"
)

func populate(t *testing.T, db *sqlite.DB, groups int) {
	t.Helper()
	ctx := context.Background()
	for i := range groups {
		gid := "g" + string(rune('a'+i))
		err := db.Write(ctx, func(tx domain.Tx) error {
			if err := tx.InsertGroup(ctx, domain.Group{GroupID: gid, Name: "name-" + gid}); err != nil {
				return err
			}
			return tx.InsertMembers(ctx, []domain.Member{
				{GroupID: gid, UserID: "owner", RoleLevel: domain.RoleOwner},
				{GroupID: gid, UserID: "m1", RoleLevel: domain.RoleMember},
			})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := mustOpenAt(t, filepath.Join(dir, "groupd.db"))
	populate(t, db, 3)

	// Writes keep going during the backup; the copy is one moment's state.
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			err := db.Write(ctx, func(tx domain.Tx) error {
				return tx.InsertUsers(ctx, []domain.User{{UserID: "u" + time.Now().Format("150405.000000000")}})
			})
			if err != nil {
				done <- err
				return
			}
		}
	}()
	out := filepath.Join(dir, "backup.db")
	err := db.Backup(ctx, out)
	close(stop)
	if werr := <-done; werr != nil {
		t.Fatal(werr)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Backup(ctx, out); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Fatalf("backup over an existing file: %v", err)
	}
	if err := sqlite.Verify(ctx, out); err != nil {
		t.Fatal(err)
	}
	cp := mustOpenAt(t, out)
	for _, gid := range []string{"ga", "gb", "gc"} {
		g, err := cp.GetGroup(ctx, gid)
		if err != nil {
			t.Fatal(err)
		}
		if g.MemberCount != 2 || g.Name != "name-"+gid {
			t.Fatalf("group in backup: %+v", g)
		}
	}

	// BackupFile reads a database another process has open.
	out2 := filepath.Join(dir, "backup2.db")
	if err := sqlite.BackupFile(ctx, filepath.Join(dir, "groupd.db"), out2); err != nil {
		t.Fatal(err)
	}
	if err := sqlite.Verify(ctx, out2); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyRefusesOtherFiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	text := filepath.Join(dir, "text")
	os.WriteFile(text, []byte("hello, this is not a database at all"), 0o600)
	other := filepath.Join(dir, "other.db")
	c, err := sql.Open("sqlite3", other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Exec(`CREATE TABLE t (x)`); err != nil {
		t.Fatal(err)
	}
	c.Close()
	truncated := filepath.Join(dir, "truncated.db")
	db := mustOpenAt(t, filepath.Join(dir, "groupd.db"))
	populate(t, db, 2)
	good := filepath.Join(dir, "good.db")
	if err := db.Backup(ctx, good); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(good)
	os.WriteFile(truncated, b[:len(b)/2], 0o600)

	for name, path := range map[string]string{
		"missing": filepath.Join(dir, "nope"), "text": text, "other sqlite": other,
		"truncated": truncated, "directory": dir,
	} {
		if err := sqlite.Verify(ctx, path); err == nil {
			t.Errorf("%s: Verify accepted %s", name, path)
		}
	}
	if err := sqlite.Verify(ctx, good); err != nil {
		t.Fatal(err)
	}
}

// A lock held by another process past the busy timeout is reported as
// unavailable, never as a half-done write, and writes resume once it goes.
func TestLockedDatabaseIsUnavailableNotCorrupt(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "groupd.db")
	db, err := sqlite.Open(ctx, path, sqlite.Options{BusyTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	populate(t, db, 1)

	other, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=100")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	other.SetMaxOpenConns(1)
	conn, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, `BEGIN EXCLUSIVE`); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = db.Write(ctx, func(tx domain.Tx) error {
		return tx.InsertMembers(ctx, []domain.Member{{GroupID: "ga", UserID: "late", RoleLevel: domain.RoleMember}})
	})
	if err == nil {
		t.Fatal("write succeeded under another process's exclusive lock")
	}
	if !errors.Is(err, domain.ErrUnavailable) || domain.ErrorKind(err) != domain.KindUnavailable {
		t.Fatalf("locked write: %v (kind %v), want unavailable", err, domain.ErrorKind(err))
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("locked write took %v", d)
	}
	if _, err := conn.ExecContext(ctx, `ROLLBACK`); err != nil {
		t.Fatal(err)
	}
	conn.Close()

	if err := db.Write(ctx, func(tx domain.Tx) error {
		return tx.InsertMembers(ctx, []domain.Member{{GroupID: "ga", UserID: "later", RoleLevel: domain.RoleMember}})
	}); err != nil {
		t.Fatalf("write after the lock went: %v", err)
	}
	g, err := db.GetGroup(ctx, "ga")
	if err != nil {
		t.Fatal(err)
	}
	ids, err := db.MemberUserIDs(ctx, "ga")
	if err != nil {
		t.Fatal(err)
	}
	if g.MemberCount != 3 || len(ids) != 3 || slices.Contains(ids, "late") {
		t.Fatalf("after lock: memberCount %d, members %v", g.MemberCount, ids)
	}
}
