package postgres

import (
	"errors"
	"io"
	"net"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/groupd/groupd/domain"
)

// proxy forwards TCP connections to the test server and can be stopped and
// started, standing in for a server that goes down and comes back without
// disturbing the real one other tests share.
type proxy struct {
	t      *testing.T
	target string
	addr   string
	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
}

func startProxy(t *testing.T, target string) *proxy {
	p := &proxy{t: t, target: target, addr: "127.0.0.1:0"}
	p.start()
	t.Cleanup(p.stop)
	return p
}

func (p *proxy) start() {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatal(err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			go func() { io.Copy(s, c); s.Close() }()
			go func() { io.Copy(c, s); c.Close() }()
		}
	}()
}

// stop refuses new connections and cuts the open ones.
func (p *proxy) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

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
	p := startProxy(t, net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port))))
	u.Host = p.addr
	ctx := ctxT(t)
	db, err := Open(ctx, u.String(), Options{MaxConns: 4, ConnectTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	mustWrite(t, db, func(tx domain.Tx) error { return tx.InsertGroup(ctx, domain.Group{GroupID: "g"}) })

	p.stop()
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
	p.start()
	err = db.Write(ctx, func(tx domain.Tx) error {
		if _, err := tx.LockGroup(ctx, "g"); err != nil {
			return err
		}
		if err := tx.InsertMembers(ctx, []domain.Member{{GroupID: "g", UserID: "half"}}); err != nil {
			return err
		}
		p.stop()
		_, err := tx.LogVersion(ctx, domain.VersionOwner{Kind: domain.VersionGroupMembers, ID: "g"}, domain.OpInsert, []string{"half"})
		return err
	})
	if !errors.Is(err, domain.ErrUnavailable) {
		t.Errorf("Write cut off: %v, want ErrUnavailable", err)
	}

	p.start()
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
