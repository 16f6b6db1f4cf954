package postgres

import (
	"errors"
	"net"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/groupd/groupd/domain"
	"github.com/groupd/groupd/internal/tcpproxy"
)

// TestServerDownAndBack: while the server is unreachable, reads and writes
// fail fast with ErrUnavailable and leave nothing half-written; when it
// returns the same DB works again by itself.
func TestServerDownAndBack(t *testing.T) {
	dbURL := CreateTestDatabase(t)
	u, err := url.Parse(dbURL)
	if err != nil || u.Scheme == "" {
		t.Skip("GROUPD_TEST_POSTGRES is not a URL")
	}
	cfg, err := pgx.ParseConfig(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	p := tcpproxy.Start(t, net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port))))
	u.Host = p.Addr()
	ctx := ctxT(t)
	db, err := Open(ctx, u.String(), Options{MaxConns: 4, ConnectTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	mustWrite(t, db, func(tx domain.Tx) error { return tx.InsertGroup(ctx, domain.Group{GroupID: "g"}) })

	p.Stop()
	for _, call := range []struct {
		name string
		fn   func() error
	}{
		{"GetGroup", func() error { _, err := db.GetGroup(ctx, "g"); return err }},
		{"ListMembers", func() error {
			_, _, err := db.ListMembers(ctx, domain.MemberQuery{GroupID: "g", Page: domain.Page{Limit: 10}})
			return err
		}},
		{"Write", func() error {
			return db.Write(ctx, func(tx domain.Tx) error {
				if _, err := tx.LockGroup(ctx, "g"); err != nil {
					return err
				}
				return tx.InsertMembers(ctx, []domain.Member{{GroupID: "g", UserID: "u"}})
			})
		}},
		{"Ping", func() error { return db.Ping(ctx) }},
	} {
		start := time.Now()
		err := call.fn()
		if !errors.Is(err, domain.ErrUnavailable) || domain.ErrorKind(err) != domain.KindUnavailable {
			t.Errorf("%s while down: %v, want ErrUnavailable", call.name, err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("%s took %v to fail", call.name, d)
		}
	}

	// A write cut off half way keeps nothing.
	p.Start()
	err = db.Write(ctx, func(tx domain.Tx) error {
		if _, err := tx.LockGroup(ctx, "g"); err != nil {
			return err
		}
		if err := tx.InsertMembers(ctx, []domain.Member{{GroupID: "g", UserID: "half"}}); err != nil {
			return err
		}
		p.Stop()
		_, err := tx.LogVersion(ctx, domain.VersionOwner{Kind: domain.VersionGroupMembers, ID: "g"}, domain.OpInsert, []string{"half"})
		return err
	})
	if !errors.Is(err, domain.ErrUnavailable) {
		t.Errorf("Write cut off: %v, want ErrUnavailable", err)
	}

	p.Start()
	deadline := time.Now().Add(10 * time.Second)
	for {
		g, err := db.GetGroup(ctx, "g")
		if err == nil {
			if g.MemberCount != 0 {
				t.Errorf("member count %d after a cut-off write, want 0", g.MemberCount)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not back after 10s: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, err := db.GetMember(ctx, "g", "half"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("member of a cut-off write: %v, want ErrNotFound", err)
	}
	mustWrite(t, db, func(tx domain.Tx) error {
		return tx.InsertMembers(ctx, []domain.Member{{GroupID: "g", UserID: "u"}})
	})
}
