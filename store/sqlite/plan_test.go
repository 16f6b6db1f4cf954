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
		sortOK   bool // a temp b-tree sort of a bounded set is fine
		call     func(r reader) error
		wantPlan int // statements expected
	}{
		{"GetGroup", false, func(r reader) error { _, err := r.GetGroup(ctx, "g"); return err }, 1},
		{"GetGroups", false, func(r reader) error { _, err := r.GetGroups(ctx, []string{"a", "b"}); return err }, 1},
		{"GetUsers", false, func(r reader) error { _, err := r.GetUsers(ctx, []string{"a", "b"}); return err }, 1},
		{"ListGroupsAfter", false, func(r reader) error { _, err := r.ListGroupsAfter(ctx, 5, 10); return err }, 1},
		{"GetMember", false, func(r reader) error { _, err := r.GetMember(ctx, "g", "u"); return err }, 1},
		{"GetMembers", false, func(r reader) error { _, err := r.GetMembers(ctx, "g", []string{"a", "b"}); return err }, 1},
		{"ListMembers", false, func(r reader) error {
			_, _, err := r.ListMembers(ctx, domain.MemberQuery{GroupID: "g", Page: domain.Page{Offset: 100, Limit: 20}})
			return err
		}, 2},
		{"ListMembersByRole", false, func(r reader) error {
			_, _, err := r.ListMembers(ctx, domain.MemberQuery{GroupID: "g", RoleLevels: []int{100, 60}, Page: domain.Page{Limit: 20}})
			return err
		}, 2},
		{"ListMembersByKeyword", false, func(r reader) error {
			_, _, err := r.ListMembers(ctx, domain.MemberQuery{GroupID: "g", Keyword: "bo", Page: domain.Page{Limit: 20}})
			return err
		}, 2},
		{"ListMembersAfter", false, func(r reader) error { _, err := r.ListMembersAfter(ctx, "g", 5, 10); return err }, 1},
		{"MemberUserIDs", false, func(r reader) error { _, err := r.MemberUserIDs(ctx, "g"); return err }, 1},
		{"ListJoined", false, func(r reader) error {
			_, _, err := r.ListJoined(ctx, "u", domain.Page{Offset: 100, Limit: 20})
			return err
		}, 2},
		{"ListJoinedAfter", false, func(r reader) error { _, err := r.ListJoinedAfter(ctx, "u", 5, 10); return err }, 1},
		{"CountJoined", false, func(r reader) error { _, err := r.CountJoined(ctx, "u"); return err }, 1},
		{"JoinedGroupIDs", false, func(r reader) error { _, err := r.JoinedGroupIDs(ctx, "u"); return err }, 1},
		{"GetAttributes", false, func(r reader) error { _, err := r.GetAttributes(ctx, "g"); return err }, 1},
		{"GetRequest", false, func(r reader) error { _, err := r.GetRequest(ctx, "g", "u"); return err }, 1},
		{"ListRequestsOfGroups", true, func(r reader) error {
			_, _, err := r.ListRequests(ctx, domain.RequestQuery{GroupIDs: []string{"g1", "g2"}, HandleResults: []int{0}, Page: domain.Page{Limit: 20}})
			return err
		}, 2},
		{"ListRequestsOfUser", false, func(r reader) error {
			_, _, err := r.ListRequests(ctx, domain.RequestQuery{UserID: "u", Page: domain.Page{Limit: 20}})
			return err
		}, 2},
		{"SearchGroupsByID", false, func(r reader) error {
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
				if !c.sortOK && strings.Contains(plan, "TEMP B-TREE") {
					t.Errorf("sort: %s", plan)
				}
			}
		})
	}
}
