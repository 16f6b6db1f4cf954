package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/groupd/groupd/domain"
	"github.com/groupd/groupd/store/storetest"
)

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func mustWrite(t *testing.T, db *DB, fn func(tx domain.Tx) error) {
	t.Helper()
	if err := db.Write(ctxT(t), fn); err != nil {
		t.Fatal(err)
	}
}

func TestMigrateConcurrently(t *testing.T) {
	url := CreateTestDatabase(t)
	ctx := ctxT(t)
	var wg sync.WaitGroup
	dbs := make([]*DB, 3)
	errs := make([]error, 3)
	for i := range dbs {
		wg.Go(func() { dbs[i], errs[i] = Open(ctx, url, Options{}) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("node %d: %v", i, err)
		}
		defer dbs[i].Close()
	}
	var applied int
	if err := dbs[0].pool.QueryRow(ctx, "SELECT count(*) FROM schema_migrations").Scan(&applied); err != nil {
		t.Fatal(err)
	}
	names, _ := migrations.ReadDir("migrations")
	if applied != len(names) {
		t.Errorf("schema_migrations has %d rows, want %d", applied, len(names))
	}
	// Reopening applies nothing and still works.
	db, err := Open(ctx, url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
}

func TestOpenUnavailable(t *testing.T) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := Open(ctx, "postgres://postgres@127.0.0.1:1/postgres?sslmode=disable", Options{ConnectTimeout: 2 * time.Second})
	t.Log(err)
	if !errors.Is(err, domain.ErrUnavailable) {
		t.Fatalf("Open on a closed port: %v, want ErrUnavailable", err)
	}
	if domain.ErrorKind(err) != domain.KindUnavailable {
		t.Errorf("kind %v, want unavailable", domain.ErrorKind(err))
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Open took %v to fail", d)
	}
}

// TestUnavailableAfterClose checks that calls on a dead pool fail fast with
// ErrUnavailable rather than hanging or panicking.
func TestConnectionLoss(t *testing.T) {
	db := OpenTestDB(t)
	ctx := ctxT(t)
	mustWrite(t, db, func(tx domain.Tx) error {
		return tx.InsertGroup(ctx, domain.Group{GroupID: "g1"})
	})
	// Kill every server connection of the pool, as a server restart would.
	var dbName string
	if err := db.pool.QueryRow(ctx, "SELECT current_database()").Scan(&dbName); err != nil {
		t.Fatal(err)
	}
	admin, err := connectAdmin(ctx, TestURL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", dbName); err != nil {
		t.Fatal(err)
	}
	// A read may fail once on the dead connection, and then only with
	// ErrUnavailable; the pool then reconnects by itself.
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := db.GetGroup(ctx, "g1")
		if err == nil {
			break
		}
		t.Logf("GetGroup after connection loss: %v", err)
		if !errors.Is(err, domain.ErrUnavailable) {
			t.Fatalf("GetGroup after connection loss: %v, want ErrUnavailable", err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("no recovery: %v", err)
		}
	}
	// A write on a dead connection is retried on a fresh one (nothing was sent).
	if _, err := admin.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", dbName); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	err = db.Write(ctx, func(tx domain.Tx) error {
		return tx.InsertUsers(ctx, []domain.User{{UserID: "u1"}})
	})
	t.Logf("Write after connection loss: %v", err)
	if err != nil && !errors.Is(err, domain.ErrUnavailable) {
		t.Fatalf("Write after connection loss: %v, want nil or ErrUnavailable", err)
	}
}

// TestConcurrentMembers inserts members into one group from many
// goroutines over a small pool, each checking the member limit under the
// group lock, and checks the count is exact.
func TestConcurrentMembers(t *testing.T) {
	url := CreateTestDatabase(t)
	ctx := ctxT(t)
	const limit = 80
	nodes := make([]*DB, 2) // two pools, as two groupd nodes
	for i := range nodes {
		db, err := Open(ctx, url, Options{MaxConns: 4, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		nodes[i] = db
	}
	mustWrite(t, nodes[0], func(tx domain.Tx) error {
		return tx.InsertGroup(ctx, domain.Group{GroupID: "g", MemberCountLimit: limit})
	})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var added, refused int
	for i := range 100 {
		wg.Go(func() {
			db := nodes[i%len(nodes)]
			full := false
			err := db.Write(ctx, func(tx domain.Tx) error {
				g, err := tx.LockGroup(ctx, "g")
				if err != nil {
					return err
				}
				if full = g.MemberCount >= g.MemberCountLimit; full {
					return nil
				}
				user := fmt.Sprintf("u%03d", i)
				if err := tx.InsertMembers(ctx, []domain.Member{{GroupID: "g", UserID: user, RoleLevel: domain.RoleMember}}); err != nil {
					return err
				}
				_, err = tx.LogVersion(ctx, domain.VersionOwner{Kind: domain.VersionGroupMembers, ID: "g"}, domain.OpInsert, []string{user})
				return err
			})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Error(err)
			} else if full {
				refused++
			} else {
				added++
			}
		})
	}
	wg.Wait()
	g, err := nodes[1].GetGroup(ctx, "g")
	if err != nil {
		t.Fatal(err)
	}
	var rows int64
	if err := nodes[0].pool.QueryRow(ctx, "SELECT count(*) FROM group_members WHERE group_id = 'g'").Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if g.MemberCount != limit || rows != limit || added != limit || refused != 100-limit {
		t.Errorf("member_count %d, rows %d, added %d, refused %d; want %d, %d, %d, %d",
			g.MemberCount, rows, added, refused, limit, limit, limit, 100-limit)
	}
	state, entries, err := nodes[0].VersionLog(ctx, domain.VersionOwner{Kind: domain.VersionGroupMembers, ID: "g"}, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if state.Version != limit || len(entries) != limit {
		t.Errorf("version %d with %d entries, want %d", state.Version, len(entries), limit)
	}
	// Seq order within the group is commit order: versions rise with seq.
	ms, err := nodes[0].ListMembersAfter(ctx, "g", 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	ver := map[string]int64{}
	for _, e := range entries {
		ver[e.ElementID] = e.Version
	}
	for i := 1; i < len(ms); i++ {
		if ver[ms[i].UserID] <= ver[ms[i-1].UserID] {
			t.Fatalf("member %s (seq %d) has version %d, not above %s's %d", ms[i].UserID, ms[i].Seq, ver[ms[i].UserID], ms[i-1].UserID, ver[ms[i-1].UserID])
		}
	}
}

// TestConcurrentLogVersion logs to one owner from many transactions that
// hold no group lock: the owner row upsert must still hand out each
// version exactly once.
func TestConcurrentLogVersion(t *testing.T) {
	db := OpenTestDB(t)
	ctx := ctxT(t)
	owner := domain.VersionOwner{Kind: domain.VersionUserGroups, ID: "u"}
	var wg sync.WaitGroup
	versions := make([]int64, 50)
	for i := range versions {
		wg.Go(func() {
			err := db.Write(ctx, func(tx domain.Tx) error {
				v, err := tx.LogVersion(ctx, owner, domain.OpInsert, []string{fmt.Sprint("g", i)})
				versions[i] = v
				return err
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	slices.Sort(versions)
	for i, v := range versions {
		if v != int64(i+1) {
			t.Fatalf("versions %v are not 1..%d", versions, len(versions))
		}
	}
}

// TestDeadlockRetried makes two transactions lock two version owners in
// opposite orders; PostgreSQL aborts one with 40P01 and Write reruns it.
func TestDeadlockRetried(t *testing.T) {
	db := OpenTestDB(t)
	ctx := ctxT(t)
	a := domain.VersionOwner{Kind: domain.VersionUserGroups, ID: "a"}
	b := domain.VersionOwner{Kind: domain.VersionUserGroups, ID: "b"}
	var holding sync.WaitGroup // both hold their first lock
	holding.Add(2)
	var wg sync.WaitGroup
	runs := make([]int, 2)
	for i, order := range [][2]domain.VersionOwner{{a, b}, {b, a}} {
		wg.Go(func() {
			err := db.Write(ctx, func(tx domain.Tx) error {
				runs[i]++
				if _, err := tx.LogVersion(ctx, order[0], domain.OpInsert, []string{"x"}); err != nil {
					return err
				}
				if runs[i] == 1 {
					holding.Done()
					holding.Wait()
				}
				_, err := tx.LogVersion(ctx, order[1], domain.OpInsert, []string{"x"})
				return err
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	// At least one transaction must have been rerun after the deadlock; under
	// load the server may time out the other one's lock wait too.
	if runs[0]+runs[1] < 3 {
		t.Errorf("runs %v, want a transaction rerun after the deadlock", runs)
	}
	for _, o := range []domain.VersionOwner{a, b} {
		if st, _, err := db.VersionLog(ctx, o, 0, 0); err != nil || st.Version != 2 {
			t.Errorf("%s: version %d, %v; want 2", o.ID, st.Version, err)
		}
	}
}

func TestRetryOnSerializationFailure(t *testing.T) {
	db := OpenTestDB(t)
	ctx := ctxT(t)
	runs := 0
	err := db.Write(ctx, func(dtx domain.Tx) error {
		runs++
		if runs < 3 {
			// Raise 40001 from the server, as a conflicting transaction would.
			_, err := dtx.(*tx).q.Exec(ctx, `DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = '40001'; END $$`)
			return err
		}
		return dtx.InsertGroup(ctx, domain.Group{GroupID: "g"})
	})
	if err != nil || runs != 3 {
		t.Fatalf("Write: %v after %d runs, want success after 3", err, runs)
	}
	if _, err := db.GetGroup(ctx, "g"); err != nil {
		t.Fatal(err)
	}
}

// TestConflictKeepsTransaction checks that a taken key reports the domain
// error, leaves nothing of the failed call behind and the transaction usable.
func TestConflictKeepsTransaction(t *testing.T) {
	db := OpenTestDB(t)
	ctx := ctxT(t)
	mustWrite(t, db, func(tx domain.Tx) error {
		if err := tx.InsertUsers(ctx, []domain.User{{UserID: "a"}}); err != nil {
			return err
		}
		if err := tx.InsertGroup(ctx, domain.Group{GroupID: "g"}); err != nil {
			return err
		}
		return tx.InsertMembers(ctx, []domain.Member{{GroupID: "g", UserID: "a"}})
	})
	mustWrite(t, db, func(tx domain.Tx) error {
		err := tx.InsertUsers(ctx, []domain.User{{UserID: "b"}, {UserID: "a"}})
		if !errors.Is(err, domain.ErrUserExists) || domain.ErrorKind(err) != domain.KindUserExists {
			t.Errorf("InsertUsers: %v, want ErrUserExists", err)
		}
		if err := tx.InsertGroup(ctx, domain.Group{GroupID: "g"}); !errors.Is(err, domain.ErrGroupExists) {
			t.Errorf("InsertGroup: %v, want ErrGroupExists", err)
		}
		err = tx.InsertMembers(ctx, []domain.Member{{GroupID: "g", UserID: "b"}, {GroupID: "g", UserID: "a"}})
		if !errors.Is(err, domain.ErrMemberExists) || domain.ErrorKind(err) != domain.KindAlreadyMember {
			t.Errorf("InsertMembers: %v, want ErrMemberExists", err)
		}
		err = tx.InsertMembers(ctx, []domain.Member{{GroupID: "g", UserID: "c"}, {GroupID: "g", UserID: "c"}})
		if !errors.Is(err, domain.ErrMemberExists) {
			t.Errorf("InsertMembers with a duplicate: %v, want ErrMemberExists", err)
		}
		// A missing group is ErrNotFound, and does not abort the transaction.
		if err := tx.InsertMembers(ctx, []domain.Member{{GroupID: "nope", UserID: "a"}}); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("InsertMembers into a missing group: %v, want ErrNotFound", err)
		}
		if err := tx.PutRequest(ctx, domain.GroupRequest{GroupID: "nope", UserID: "a"}); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("PutRequest to a missing group: %v, want ErrNotFound", err)
		}
		if err := tx.PutAttributes(ctx, "nope", []domain.Attribute{{Key: "k", Value: "v"}}); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("PutAttributes of a missing group: %v, want ErrNotFound", err)
		}
		// Still usable: nothing of the failed calls is there.
		if us, err := tx.GetUsers(ctx, []string{"a", "b"}); err != nil || len(us) != 1 {
			t.Errorf("GetUsers: %v, %v; want only a", us, err)
		}
		g, err := tx.GetGroup(ctx, "g")
		if err != nil || g.MemberCount != 1 {
			t.Errorf("group: %+v, %v; want 1 member", g, err)
		}
		ids, err := tx.MemberUserIDs(ctx, "g")
		if err != nil || !slices.Equal(ids, []string{"a"}) {
			t.Errorf("members %v, %v; want [a]", ids, err)
		}
		return nil
	})
	if _, err := db.GetGroup(ctx, "nope"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("GetGroup(nope): %v, want ErrNotFound", err)
	}
}

// TestStoreBasics exercises the queries specific to the PostgreSQL SQL:
// ordering, filters, totals, LIKE escaping, version log.
func TestStoreBasics(t *testing.T) {
	db := OpenTestDB(t)
	ctx := ctxT(t)
	mustWrite(t, db, func(tx domain.Tx) error {
		if err := tx.InsertUsers(ctx, []domain.User{{UserID: "o", Nickname: "owner"}, {UserID: "x", Nickname: "100%_x"}, {UserID: "y", Nickname: "plain"}}); err != nil {
			return err
		}
		if err := tx.InsertGroup(ctx, domain.Group{GroupID: "g", Name: "cats_dogs", CreateTime: 2, MutedRoles: []int{3}}); err != nil {
			return err
		}
		if err := tx.InsertGroup(ctx, domain.Group{GroupID: "h", Name: "catsXdogs", CreateTime: 1}); err != nil {
			return err
		}
		ms := []domain.Member{
			{GroupID: "g", UserID: "y", RoleLevel: domain.RoleMember, Nickname: "plain"},
			{GroupID: "g", UserID: "x", RoleLevel: domain.RoleMember, Nickname: "100%_x"},
			{GroupID: "g", UserID: "o", RoleLevel: domain.RoleOwner},
			{GroupID: "h", UserID: "x", RoleLevel: domain.RoleAdmin},
		}
		if err := tx.InsertMembers(ctx, ms); err != nil {
			return err
		}
		for i := 1; i < len(ms); i++ {
			if ms[i].Seq <= ms[i-1].Seq {
				t.Errorf("seqs not increasing in insertion order: %+v", ms)
			}
		}
		return nil
	})
	ms, total, err := db.ListMembers(ctx, domain.MemberQuery{GroupID: "g"}) // Limit 0: all
	if err != nil || total != 3 || len(ms) != 3 || ms[0].UserID != "o" || ms[1].UserID != "y" || ms[2].UserID != "x" {
		t.Errorf("ListMembers: %+v %d %v", ms, total, err)
	}
	ms, total, _ = db.ListMembers(ctx, domain.MemberQuery{GroupID: "g", Keyword: "%_", Page: domain.Page{Limit: 10}})
	if total != 1 || len(ms) != 1 || ms[0].UserID != "x" {
		t.Errorf("ListMembers keyword %%_: %+v %d", ms, total)
	}
	ms, total, _ = db.ListMembers(ctx, domain.MemberQuery{GroupID: "g", Keyword: "o", RoleLevels: []int{domain.RoleOwner, domain.RoleAdmin}, Page: domain.Page{Limit: 10}})
	if total != 1 || len(ms) != 1 || ms[0].UserID != "o" {
		t.Errorf("ListMembers keyword o, owners: %+v %d", ms, total)
	}
	gs, total, _ := db.SearchGroups(ctx, domain.GroupSearch{NameSubstr: "s_d", Page: domain.Page{Limit: 10}})
	if total != 1 || len(gs) != 1 || gs[0].GroupID != "g" || !slices.Equal(gs[0].MutedRoles, []int{3}) {
		t.Errorf("SearchGroups s_d: %+v %d", gs, total)
	}
	gs, total, _ = db.SearchGroups(ctx, domain.GroupSearch{Page: domain.Page{Limit: 1, Offset: 1}})
	if total != 2 || len(gs) != 1 || gs[0].GroupID != "h" || gs[0].MutedRoles == nil || len(gs[0].MutedRoles) != 0 {
		t.Errorf("SearchGroups page 2: %+v %d", gs, total)
	}
	ids, _ := db.JoinedGroupIDs(ctx, "x")
	if !slices.Equal(ids, []string{"g", "h"}) {
		t.Errorf("JoinedGroupIDs(x) = %v", ids)
	}
	us, total, _ := db.ListUsers(ctx, domain.Page{Limit: 10})
	if total != 3 || len(us) != 3 || us[0].UserID != "o" || us[2].UserID != "y" {
		t.Errorf("ListUsers: %+v %d", us, total)
	}

	owner := domain.VersionOwner{Kind: domain.VersionGroupMembers, ID: "g"}
	mustWrite(t, db, func(tx domain.Tx) error {
		for _, step := range []struct {
			op  int
			ids []string
		}{{domain.OpInsert, []string{"a", "b", "a"}}, {domain.OpUpdate, []string{"b"}}, {domain.OpDelete, []string{"c"}}} {
			if _, err := tx.LogVersion(ctx, owner, step.op, step.ids); err != nil {
				return err
			}
		}
		return tx.CompactVersions(ctx, owner, 1)
	})
	state, entries, err := db.VersionLog(ctx, owner, 0, 10)
	if err != nil || state.Version != 3 || state.MinVersion != 1 || len(state.VersionID) != 16 {
		t.Errorf("state %+v, %v", state, err)
	}
	want := []domain.VersionEntry{{ElementID: "b", Op: domain.OpUpdate, Version: 2}, {ElementID: "c", Op: domain.OpDelete, Version: 3}}
	if !slices.Equal(entries, want) {
		t.Errorf("entries %+v, want %+v", entries, want)
	}
	// A limit that would cut a version is exceeded to finish it.
	mustWrite(t, db, func(tx domain.Tx) error {
		_, err := tx.LogVersion(ctx, owner, domain.OpInsert, []string{"d", "e", "f"})
		return err
	})
	if _, entries, _ = db.VersionLog(ctx, owner, 0, 3); len(entries) != 5 || entries[4].Version != 4 {
		t.Errorf("VersionLog limit 3: %+v, want b@2 c@3 d,e,f@4", entries)
	}
	if _, entries, _ = db.VersionLog(ctx, owner, 2, 1); len(entries) != 1 || entries[0].ElementID != "c" {
		t.Errorf("VersionLog since 2 limit 1: %+v, want c@3", entries)
	}
	state, entries, err = db.VersionLog(ctx, domain.VersionOwner{Kind: domain.VersionUserGroups, ID: "nobody"}, 0, 10)
	if err != nil || state != (domain.VersionState{}) || entries == nil || len(entries) != 0 {
		t.Errorf("VersionLog of an unknown owner: %+v %v %v", state, entries, err)
	}
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) domain.Store { return OpenTestDB(t) })
}
