package sqlite_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/groupd/groupd/domain"
	"github.com/groupd/groupd/store/sqlite"
	"github.com/groupd/groupd/store/storetest"
)

// mustOpen opens a store on a fresh file and closes it when tb ends.
func mustOpen(tb testing.TB) *sqlite.DB {
	tb.Helper()
	return mustOpenAt(tb, filepath.Join(tb.TempDir(), "groupd.db"))
}

func mustOpenAt(tb testing.TB, path string) *sqlite.DB {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), path, sqlite.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Error(err)
		}
	})
	return db
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) domain.Store { return mustOpen(t) })
}

func TestDataSurvivesCloseAndOpen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "groupd.db")
	db, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Write(ctx, func(tx domain.Tx) error {
		if err := tx.InsertGroup(ctx, domain.Group{GroupID: "g1", Name: "kept", MutedRoles: []int{2}}); err != nil {
			return err
		}
		return tx.InsertMembers(ctx, []domain.Member{{GroupID: "g1", UserID: "u1", RoleLevel: domain.RoleOwner}})
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}

	db = mustOpenAt(t, path) // migrations must not run twice
	g, err := db.GetGroup(ctx, "g1")
	if err != nil {
		t.Fatal(err)
	}
	if g.Name != "kept" || g.MemberCount != 1 || len(g.MutedRoles) != 1 || g.MutedRoles[0] != 2 {
		t.Fatalf("group after reopen = %+v", g)
	}
	m, err := db.GetMember(ctx, "g1", "u1")
	if err != nil {
		t.Fatal(err)
	}
	// Seq goes on after the reopen.
	err = db.Write(ctx, func(tx domain.Tx) error {
		return tx.InsertMembers(ctx, []domain.Member{{GroupID: "g1", UserID: "u2", RoleLevel: domain.RoleMember}})
	})
	if err != nil {
		t.Fatal(err)
	}
	m2, err := db.GetMember(ctx, "g1", "u2")
	if err != nil {
		t.Fatal(err)
	}
	if m2.Seq <= m.Seq {
		t.Fatalf("Seq after reopen %d <= %d", m2.Seq, m.Seq)
	}
}

func TestWriteWithCanceledContextRunsNothing(t *testing.T) {
	db := mustOpen(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ran := false
	err := db.Write(ctx, func(tx domain.Tx) error {
		ran = true
		return tx.InsertGroup(ctx, domain.Group{GroupID: "g1"})
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if ran {
		t.Fatal("fn ran despite the canceled context")
	}
	if _, err := db.GetGroup(context.Background(), "g1"); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("GetGroup: %v, want ErrNotFound", err)
	}
	// The writer is unharmed.
	if err := db.Write(context.Background(), func(tx domain.Tx) error {
		return tx.InsertGroup(context.Background(), domain.Group{GroupID: "g2"})
	}); err != nil {
		t.Fatal(err)
	}
}

func TestWriteCanceledWhileQueuedRunsNothing(t *testing.T) {
	db := mustOpen(t)
	bg := context.Background()
	started, release := make(chan struct{}), make(chan struct{})
	blocked := make(chan error, 1)
	go func() {
		blocked <- db.Write(bg, func(tx domain.Tx) error {
			close(started)
			<-release // hold the writer
			return nil
		})
	}()
	<-started
	ctx, cancel := context.WithCancel(bg)
	queued := make(chan error, 1)
	ran := false
	go func() {
		queued <- db.Write(ctx, func(tx domain.Tx) error {
			ran = true
			return nil
		})
	}()
	cancel()
	if err := <-queued; !errors.Is(err, context.Canceled) {
		t.Fatalf("queued Write: %v, want context.Canceled", err)
	}
	close(release)
	if err := <-blocked; err != nil {
		t.Fatal(err)
	}
	// One more Write makes sure the writer has moved past the canceled one.
	if err := db.Write(bg, func(tx domain.Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if ran {
		t.Fatal("a Write canceled while queued ran")
	}
}

func TestWritePanicReachesTheCallerAndRollsBack(t *testing.T) {
	db := mustOpen(t)
	ctx := context.Background()
	func() {
		defer func() {
			if p := recover(); p != "kaboom" {
				t.Fatalf("recovered %v, want kaboom", p)
			}
		}()
		_ = db.Write(ctx, func(tx domain.Tx) error {
			if err := tx.InsertGroup(ctx, domain.Group{GroupID: "g1"}); err != nil {
				return err
			}
			panic("kaboom")
		})
	}()
	if _, err := db.GetGroup(ctx, "g1"); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("GetGroup after panic: %v, want ErrNotFound", err)
	}
	if err := db.Write(ctx, func(tx domain.Tx) error { return tx.InsertGroup(ctx, domain.Group{GroupID: "g2"}) }); err != nil {
		t.Fatal(err)
	}
}

func TestTxUsedAfterWriteFails(t *testing.T) {
	db := mustOpen(t)
	ctx := context.Background()
	var leaked domain.Tx
	if err := db.Write(ctx, func(tx domain.Tx) error { leaked = tx; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := leaked.InsertGroup(ctx, domain.Group{GroupID: "g1"}); err == nil {
		t.Fatal("InsertGroup on a finished Tx succeeded")
	}
}

func TestClosedStoreIsUnavailable(t *testing.T) {
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "x.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := db.Write(ctx, func(tx domain.Tx) error { return nil }); !errors.Is(err, domain.ErrUnavailable) {
		t.Fatalf("Write after Close: %v, want ErrUnavailable", err)
	}
	if err := db.Ping(ctx); !errors.Is(err, domain.ErrUnavailable) {
		t.Fatalf("Ping after Close: %v, want ErrUnavailable", err)
	}
	if _, err := db.GetGroup(ctx, "g1"); !errors.Is(err, domain.ErrUnavailable) {
		t.Fatalf("GetGroup after Close: %v, want ErrUnavailable", err)
	}
}

func TestOpenRejectsMemoryPath(t *testing.T) {
	if _, err := sqlite.Open(context.Background(), ":memory:", sqlite.Options{}); err == nil || !strings.Contains(err.Error(), "path") {
		t.Fatalf("Open(:memory:) = %v, want an error", err)
	}
}
