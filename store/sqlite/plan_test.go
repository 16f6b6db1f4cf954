package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/groupd/groupd/domain"
)

// planHandle records SQLite's query plan of every statement it runs.
type planHandle struct {
	inner handle
	db    *sql.DB
	plans []string // one joined plan per statement
	err   error
}

func (p *planHandle) explain(ctx context.Context, q string, args ...any) {
	rows, err := p.db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		p.err = err
		return
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			p.err = err
			return
		}
		lines = append(lines, detail)
	}
	p.plans = append(p.plans, strings.Join(lines, "; "))
}

func (p *planHandle) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	p.explain(ctx, q, args...)
	return p.inner.query(ctx, q, args...)
}

func (p *planHandle) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	p.explain(ctx, q, args...)
	return p.inner.exec(ctx, q, args...)
}

func (p *planHandle) snapshot(ctx context.Context, f func(h handle) error) error { return f(p) }

// A full pass over one of our tables (or over all of one of its indexes).
var tableScan = regexp.MustCompile(`\bSCAN (users|groups|group_members|group_requests|group_attributes|version_owners|version_entries)\b`)

// TestHotQueriesUseIndexes checks with EXPLAIN QUERY PLAN that the queries
// on the hot paths search an index: no table scan and, where the index gives
// the order, no sort.
func TestHotQueriesUseIndexes(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "plan.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	cases := []struct {
		name     string
		sorts    int // temp b-tree sorts allowed (of one page, or of a bounded set)
		call     func(r reader) error
		wantPlan int // statements expected
	}{
		{"GetGroup", 0, func(r reader) error { _, err := r.GetGroup(ctx, "g"); return err }, 1},
		{"GetGroups", 0, func(r reader) error { _, err := r.GetGroups(ctx, []string{"a", "b"}); return err }, 1},
		{"GetUsers", 0, func(r reader) error { _, err := r.GetUsers(ctx, []string{"a", "b"}); return err }, 1},
		{"ListGroupsAfter", 0, func(r reader) error { _, err := r.ListGroupsAfter(ctx, 5, 10); return err }, 1},
		{"ListLiveGroupsAfter", 0, func(r reader) error { _, err := r.ListLiveGroupsAfter(ctx, 5, 10); return err }, 1},
		{"GetMember", 0, func(r reader) error { _, err := r.GetMember(ctx, "g", "u"); return err }, 1},
		{"GetMembers", 0, func(r reader) error { _, err := r.GetMembers(ctx, "g", []string{"a", "b"}); return err }, 1},
		// One statement reads page and count; an empty page (as here)
		// reads them again in a snapshot.
		{"ListMembers", 0, func(r reader) error {
			_, _, err := r.ListMembers(ctx, domain.MemberQuery{GroupID: "g", Page: domain.Page{Offset: 100, Limit: 20}})
			return err
		}, 3},
		{"JoinedGroupIDPage", 0, func(r reader) error {
			_, _, err := r.JoinedGroupIDPage(ctx, "u", domain.Page{Offset: 100, Limit: 20})
			return err
		}, 2},
		{"VersionState", 0, func(r reader) error {
			_, err := r.VersionState(ctx, domain.VersionOwner{Kind: domain.VersionGroupMembers, ID: "g"})
			return err
		}, 1},
		{"ListMembersDeep", 1, func(r reader) error {
			_, _, err := r.ListMembers(ctx, domain.MemberQuery{GroupID: "g", Page: domain.Page{Offset: 5000, Limit: 20}})
			return err
		}, 2},
		{"ListMembersByRoleDeep", 1, func(r reader) error {
			_, _, err := r.ListMembers(ctx, domain.MemberQuery{GroupID: "g", RoleLevels: []int{20}, Page: domain.Page{Offset: 5000, Limit: 20}})
			return err
		}, 2},
		{"ListJoinedDeep", 1, func(r reader) error {
			_, _, err := r.ListJoined(ctx, "u", domain.Page{Offset: 5000, Limit: 20})
			return err
		}, 2},
		{"ListMembersByRole", 0, func(r reader) error {
			_, _, err := r.ListMembers(ctx, domain.MemberQuery{GroupID: "g", RoleLevels: []int{100, 60}, Page: domain.Page{Limit: 20}})
			return err
		}, 2},
		{"ListMembersByKeyword", 0, func(r reader) error {
			_, _, err := r.ListMembers(ctx, domain.MemberQuery{GroupID: "g", Keyword: "bo", Page: domain.Page{Limit: 20}})
			return err
		}, 2},
		{"ListMembersAfter", 0, func(r reader) error { _, err := r.ListMembersAfter(ctx, "g", 5, 10); return err }, 1},
		{"MemberUserIDs", 0, func(r reader) error { _, err := r.MemberUserIDs(ctx, "g"); return err }, 1},
		{"ListJoined", 0, func(r reader) error {
			_, _, err := r.ListJoined(ctx, "u", domain.Page{Offset: 100, Limit: 20})
			return err
		}, 2},
		{"ListJoinedAfter", 0, func(r reader) error { _, err := r.ListJoinedAfter(ctx, "u", 5, 10); return err }, 1},
		{"CountJoined", 0, func(r reader) error { _, err := r.CountJoined(ctx, "u"); return err }, 1},
		{"JoinedGroupIDs", 0, func(r reader) error { _, err := r.JoinedGroupIDs(ctx, "u"); return err }, 1},
		{"GetAttributes", 0, func(r reader) error { _, err := r.GetAttributes(ctx, "g"); return err }, 1},
		{"GetRequest", 0, func(r reader) error { _, err := r.GetRequest(ctx, "g", "u"); return err }, 1},
		{"ListRequestsOfGroups", 1, func(r reader) error {
			_, _, err := r.ListRequests(ctx, domain.RequestQuery{GroupIDs: []string{"g1", "g2"}, HandleResults: []int{0}, Page: domain.Page{Limit: 20}})
			return err
		}, 2},
		{"ListRequestsOfUser", 0, func(r reader) error {
			_, _, err := r.ListRequests(ctx, domain.RequestQuery{UserID: "u", Page: domain.Page{Limit: 20}})
			return err
		}, 2},
		{"SearchGroupsByID", 0, func(r reader) error {
			_, _, err := r.SearchGroups(ctx, domain.GroupSearch{GroupID: "g", Page: domain.Page{Limit: 20}})
			return err
		}, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ph := &planHandle{inner: db.reader.h, db: db.rdb}
			if err := c.call(reader{h: ph}); err != nil && !errors.Is(err, domain.ErrNotFound) {
				t.Fatal(err)
			}
			if ph.err != nil {
				t.Fatal(ph.err)
			}
			if len(ph.plans) != c.wantPlan {
				t.Fatalf("%d statements, want %d: %q", len(ph.plans), c.wantPlan, ph.plans)
			}
			for _, plan := range ph.plans {
				t.Log(plan)
				if tableScan.MatchString(plan) {
					t.Errorf("table scan: %s", plan)
				}
				if n := strings.Count(plan, "TEMP B-TREE"); n > c.sorts {
					t.Errorf("%d sorts, want at most %d: %s", n, c.sorts, plan)
				}
			}
		})
	}
}

// TestWriteQueriesUseIndexes checks the statements behind DeleteMembers and
// DeleteAllMembers, which touch other tables through subqueries.
func TestWriteQueriesUseIndexes(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "plan.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		`UPDATE user_joined_counts SET joined = joined - 1
			WHERE user_id IN (SELECT user_id FROM group_members
				WHERE group_id = 'g' AND user_id IN (SELECT value FROM json_each('["a","b"]')))`,
		`DELETE FROM group_members WHERE group_id = 'g' AND user_id IN (SELECT value FROM json_each('["a","b"]'))`,
		`UPDATE user_joined_counts SET joined = joined - 1
			WHERE user_id IN (SELECT user_id FROM group_members WHERE group_id = 'g')`,
		`DELETE FROM group_members WHERE group_id = 'g'`,
		`DELETE FROM version_entries WHERE kind = 'gm' AND owner_id = 'g' AND version <= 5`,
	} {
		ph := &planHandle{db: db.rdb}
		ph.explain(ctx, q)
		if ph.err != nil {
			t.Fatal(ph.err)
		}
		t.Log(ph.plans[0])
		if tableScan.MatchString(ph.plans[0]) {
			t.Errorf("table scan: %s", ph.plans[0])
		}
	}
}
