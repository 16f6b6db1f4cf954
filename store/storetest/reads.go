package storetest

import (
	"testing"

	"github.com/groupd/groupd/domain"
)

// The reads the domain serves from indexes alone: joined-group ID pages
// with their kept total, groups with muted members, version positions.
var readTests = []test{
	{"JoinedGroupIDPageKeepsItsTotal", func(t *testing.T, s domain.Store) {
		order := joinedFixture(t, s)
		for _, c := range []struct {
			name string
			page domain.Page
			want []string
		}{
			{"all", domain.Page{Limit: 10}, order},
			{"no limit", domain.Page{}, order},
			{"first", domain.Page{Limit: 2}, order[:2]},
			{"middle", domain.Page{Offset: 2, Limit: 2}, order[2:4]},
			{"past the end", domain.Page{Offset: 5, Limit: 2}, []string{}},
		} {
			ids, total := ok2(s.JoinedGroupIDPage(t.Context(), "u", c.page)).must(t)
			wantEqual(t, c.name, ids, c.want)
			wantEqual(t, c.name+" total", total, int64(5))
		}
		// The total follows leaves and whole-group removals.
		write(t, s, func(tx domain.Tx) error { _, err := tx.DeleteMembers(t.Context(), "g1", []string{"u"}); return err })
		write(t, s, func(tx domain.Tx) error { _, err := tx.DeleteAllMembers(t.Context(), "g2"); return err })
		ids, total := ok2(s.JoinedGroupIDPage(t.Context(), "u", domain.Page{Limit: 10})).must(t)
		wantEqual(t, "after leaving", ids, []string{"g3", "g5", "g4"})
		wantEqual(t, "total after leaving", total, int64(3))
		ids, total = ok2(s.JoinedGroupIDPage(t.Context(), "nobody", domain.Page{Limit: 10})).must(t)
		wantEmpty(t, "nobody", ids)
		wantEqual(t, "nobody total", total, int64(0))
	}},
	{"GroupsWithMutedMembers", func(t *testing.T, s domain.Store) {
		addGroups(t, s, "g1", "g2", "g3", "g4")
		muted := func(gid, uid string, until int64) domain.Member {
			m := newMember(gid, uid, domain.RoleMember)
			m.MuteEndTime = until
			return m
		}
		addMembers(t, s, muted("g1", "a", 5000), muted("g1", "b", 0), muted("g2", "a", 1500),
			muted("g3", "a", 0), muted("g4", "a", 9000))
		got := ok(s.GroupsWithMutedMembers(t.Context(), []string{"g1", "g2", "g3", "ghost"}, 2000)).must(t)
		wantEqual(t, "muted at 2000", got, map[string]bool{"g1": true})
		got = ok(s.GroupsWithMutedMembers(t.Context(), []string{"g1", "g2", "g4"}, 1000)).must(t)
		wantEqual(t, "muted at 1000", got, map[string]bool{"g1": true, "g2": true, "g4": true})
		got = ok(s.GroupsWithMutedMembers(t.Context(), nil, 0)).must(t)
		wantEqual(t, "none asked", got, map[string]bool{})
	}},
	{"VersionStateIsTheLogPosition", func(t *testing.T, s domain.Store) {
		owner := domain.VersionOwner{Kind: domain.VersionUserGroups, ID: "u"}
		wantEqual(t, "no log", ok(s.VersionState(t.Context(), owner)).must(t), domain.VersionState{})
		for range 3 {
			write(t, s, func(tx domain.Tx) error {
				_, err := tx.LogVersion(t.Context(), owner, domain.OpInsert, []string{"g"})
				return err
			})
		}
		st := ok(s.VersionState(t.Context(), owner)).must(t)
		logged, _, err := s.VersionLog(t.Context(), owner, 1<<62, 1)
		noErr(t, err)
		if st.VersionID == "" || st.Version != 3 || st != logged {
			t.Fatalf("VersionState %+v, VersionLog's %+v", st, logged)
		}
	}},
}
