package storetest

import (
	"fmt"
	"testing"

	"github.com/groupd/groupd/domain"
)

// memberFixture fills g1 in this join order: a(member) owner(owner)
// b(member) adm1(admin) c(member) adm2(admin). Listed by role then join
// order: owner adm1 adm2 a b c.
func memberFixture(t *testing.T, s domain.Store) {
	t.Helper()
	addGroups(t, s, "g1", "other")
	nick := map[string]string{"a": "Alice", "owner": "Boss", "b": "bob 100%", "adm1": "ad_min", "c": "carol", "adm2": "Zed u-z"}
	for _, sp := range []struct {
		id   string
		role int
	}{{"a", domain.RoleMember}, {"owner", domain.RoleOwner}, {"b", domain.RoleMember}, {"adm1", domain.RoleAdmin}, {"c", domain.RoleMember}, {"adm2", domain.RoleAdmin}} {
		m := newMember("g1", sp.id, sp.role)
		m.Nickname = nick[sp.id]
		addMembers(t, s, m)
	}
	addMembers(t, s, newMember("other", "x", domain.RoleOwner))
}

var memberListTests = []test{
	{"ListMembersOrdersByRoleThenJoinOrder", func(t *testing.T, s domain.Store) {
		memberFixture(t, s)
		ms, total := ok2(s.ListMembers(t.Context(), domain.MemberQuery{GroupID: "g1", Page: domain.Page{Limit: 100}})).must(t)
		wantEqual(t, "order", userIDs(ms), []string{"owner", "adm1", "adm2", "a", "b", "c"})
		wantEqual(t, "total", total, int64(6))
	}},
	{"ListMembersPages", func(t *testing.T, s domain.Store) {
		memberFixture(t, s)
		for _, c := range []struct {
			name string
			page domain.Page
			want []string
		}{
			{"first", domain.Page{Offset: 0, Limit: 2}, []string{"owner", "adm1"}},
			{"middle", domain.Page{Offset: 2, Limit: 2}, []string{"adm2", "a"}},
			{"last", domain.Page{Offset: 4, Limit: 2}, []string{"b", "c"}},
			{"partial last", domain.Page{Offset: 5, Limit: 2}, []string{"c"}},
			{"past the end", domain.Page{Offset: 10, Limit: 2}, []string{}},
		} {
			ms, total := ok2(s.ListMembers(t.Context(), domain.MemberQuery{GroupID: "g1", Page: c.page})).must(t)
			wantEqual(t, c.name, userIDs(ms), c.want)
			wantEqual(t, c.name+" total", total, int64(6))
		}
	}},
	{"ListMembersOfEmptyOrMissingGroupIsEmpty", func(t *testing.T, s domain.Store) {
		addGroups(t, s, "empty")
		for _, gid := range []string{"empty", "ghost"} {
			ms, total := ok2(s.ListMembers(t.Context(), domain.MemberQuery{GroupID: gid, Page: domain.Page{Limit: 10}})).must(t)
			wantEmpty(t, gid, ms)
			wantEqual(t, gid+" total", total, int64(0))
		}
	}},
	{"ListMembersFiltersByRoleLevels", func(t *testing.T, s domain.Store) {
		memberFixture(t, s)
		for _, c := range []struct {
			roles []int
			page  domain.Page
			want  []string
			total int64
		}{
			{[]int{domain.RoleAdmin}, domain.Page{Limit: 10}, []string{"adm1", "adm2"}, 2},
			{[]int{domain.RoleMember, domain.RoleOwner}, domain.Page{Limit: 10}, []string{"owner", "a", "b", "c"}, 4},
			{[]int{domain.RoleMember}, domain.Page{Offset: 1, Limit: 1}, []string{"b"}, 3},
			{[]int{7}, domain.Page{Limit: 10}, []string{}, 0},
		} {
			ms, total := ok2(s.ListMembers(t.Context(), domain.MemberQuery{GroupID: "g1", RoleLevels: c.roles, Page: c.page})).must(t)
			wantEqual(t, fmt.Sprintf("roles %v", c.roles), userIDs(ms), c.want)
			wantEqual(t, fmt.Sprintf("roles %v total", c.roles), total, c.total)
		}
	}},
	{"ListMembersKeywordIsUserIDOrNicknameSubstring", func(t *testing.T, s domain.Store) {
		memberFixture(t, s)
		for _, c := range []struct {
			kw    string
			roles []int
			want  []string
		}{
			{"b", nil, []string{"b"}},                           // user ID "b" and nickname "bob 100%"
			{"o", nil, []string{"owner", "b", "c"}},             // Boss, bob, carol
			{"u-z", nil, []string{"adm2"}},                      // nickname, not a user ID
			{"owner", nil, []string{"owner"}},                   // user ID only
			{"wne", nil, []string{}},                            // user IDs are matched exactly
			{"%", nil, []string{"b"}},                           // literal %
			{"_", nil, []string{"adm1"}},                        // literal _
			{"o", []int{domain.RoleMember}, []string{"b", "c"}}, // with a role filter
		} {
			ms, total := ok2(s.ListMembers(t.Context(), domain.MemberQuery{GroupID: "g1", Keyword: c.kw, RoleLevels: c.roles, Page: domain.Page{Limit: 10}})).must(t)
			wantEqual(t, "keyword "+c.kw, userIDs(ms), c.want)
			wantEqual(t, "keyword "+c.kw+" total", total, int64(len(c.want)))
		}
	}},
	{"ListMembersKeywordMatchesProfileNicknameWhenGroupNicknameEmpty", func(t *testing.T, s domain.Store) {
		addGroups(t, s, "g1")
		p1, p2 := newUser("p1", 1), newUser("p2", 2)
		p1.Nickname, p2.Nickname = "Profile Pat", "Pat Two"
		write(t, s, func(tx domain.Tx) error { return tx.InsertUsers(t.Context(), []domain.User{p1, p2}) })
		m1, m2 := newMember("g1", "p1", domain.RoleMember), newMember("g1", "p2", domain.RoleMember)
		m1.Nickname, m2.Nickname = "", "Grp"
		addMembers(t, s, m1, m2)
		ms, total := ok2(s.ListMembers(t.Context(), domain.MemberQuery{GroupID: "g1", Keyword: "Pat", Page: domain.Page{Limit: 10}})).must(t)
		wantEqual(t, "profile nickname match", userIDs(ms), []string{"p1"})
		wantEqual(t, "total", total, int64(1))
	}},
	{"ListMembersAfterPagesBySeq", func(t *testing.T, s domain.Store) {
		memberFixture(t, s)
		var got []string
		after := int64(0)
		for range 10 {
			page := ok(s.ListMembersAfter(t.Context(), "g1", after, 4)).must(t)
			if len(page) == 0 {
				wantEmpty(t, "page past the end", page)
				break
			}
			if len(page) > 4 {
				t.Fatalf("page of %d, limit 4", len(page))
			}
			for _, m := range page {
				if m.Seq <= after || m.GroupID != "g1" {
					t.Fatalf("member %+v after Seq %d", m, after)
				}
				after = m.Seq
				got = append(got, m.UserID)
			}
		}
		wantEqual(t, "join order", got, []string{"a", "owner", "b", "adm1", "c", "adm2"})
	}},
	{"MemberUserIDsInListOrder", func(t *testing.T, s domain.Store) {
		memberFixture(t, s)
		wantEqual(t, "ids", ok(s.MemberUserIDs(t.Context(), "g1")).must(t), []string{"owner", "adm1", "adm2", "a", "b", "c"})
		// A role change reorders the list.
		write(t, s, func(tx domain.Tx) error {
			m, err := tx.GetMember(t.Context(), "g1", "c")
			if err != nil {
				return err
			}
			m.RoleLevel = domain.RoleAdmin
			return tx.UpdateMember(t.Context(), m)
		})
		wantEqual(t, "ids after promotion", ok(s.MemberUserIDs(t.Context(), "g1")).must(t), []string{"owner", "adm1", "c", "adm2", "a", "b"})
		wantEmpty(t, "ids of ghost", ok(s.MemberUserIDs(t.Context(), "ghost")).must(t))
	}},
}
