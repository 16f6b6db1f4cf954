package storetest

import (
	"testing"

	"github.com/groupd/groupd/domain"
)

// joinedFixture makes u join g3, g1, g5, g2, g4 in that order.
func joinedFixture(t *testing.T, s domain.Store) []string {
	t.Helper()
	order := []string{"g3", "g1", "g5", "g2", "g4"}
	addGroups(t, s, "g1", "g2", "g3", "g4", "g5")
	for _, gid := range order {
		addMembers(t, s, newMember(gid, "u", domain.RoleMember), newMember(gid, "other-"+gid, domain.RoleOwner))
	}
	return order
}

var joinedTests = []test{
	{"ListJoinedPagesInJoinOrder", func(t *testing.T, s domain.Store) {
		order := joinedFixture(t, s)
		for _, c := range []struct {
			name string
			page domain.Page
			want []string
		}{
			{"all", domain.Page{Limit: 10}, order},
			{"first", domain.Page{Offset: 0, Limit: 2}, order[0:2]},
			{"middle", domain.Page{Offset: 2, Limit: 2}, order[2:4]},
			{"last", domain.Page{Offset: 4, Limit: 2}, order[4:]},
			{"past the end", domain.Page{Offset: 5, Limit: 2}, []string{}},
		} {
			ms, total := ok2(s.ListJoined(t.Context(), "u", c.page)).must(t)
			wantEqual(t, c.name, groupIDsOfMembers(ms), c.want)
			wantEqual(t, c.name+" total", total, int64(5))
			for _, m := range ms {
				if m.UserID != "u" {
					t.Fatalf("membership of %s listed for u", m.UserID)
				}
			}
		}
		ms, total := ok2(s.ListJoined(t.Context(), "nobody", domain.Page{Limit: 10})).must(t)
		wantEmpty(t, "nobody", ms)
		wantEqual(t, "nobody total", total, int64(0))
	}},
	{"ListJoinedAfterPagesBySeq", func(t *testing.T, s domain.Store) {
		order := joinedFixture(t, s)
		var got []string
		after := int64(0)
		for range 10 {
			page := ok(s.ListJoinedAfter(t.Context(), "u", after, 2)).must(t)
			if len(page) == 0 {
				wantEmpty(t, "page past the end", page)
				break
			}
			if len(page) > 2 {
				t.Fatalf("page of %d, limit 2", len(page))
			}
			for _, m := range page {
				if m.Seq <= after || m.UserID != "u" {
					t.Fatalf("membership %+v after Seq %d", m, after)
				}
				after = m.Seq
				got = append(got, m.GroupID)
			}
		}
		wantEqual(t, "join order", got, order)
	}},
	{"CountJoinedCountsMemberships", func(t *testing.T, s domain.Store) {
		joinedFixture(t, s)
		wantEqual(t, "u", ok(s.CountJoined(t.Context(), "u")).must(t), int64(5))
		wantEqual(t, "nobody", ok(s.CountJoined(t.Context(), "nobody")).must(t), int64(0))
	}},
	{"JoinedGroupIDsInJoinOrder", func(t *testing.T, s domain.Store) {
		order := joinedFixture(t, s)
		wantEqual(t, "u", ok(s.JoinedGroupIDs(t.Context(), "u")).must(t), order)
		wantEmpty(t, "nobody", ok(s.JoinedGroupIDs(t.Context(), "nobody")).must(t))
	}},
}
