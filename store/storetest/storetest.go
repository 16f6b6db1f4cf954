// Package storetest is the conformance suite every domain.Store backend
// runs: each subtest is named after the rule of domain/store.go it proves.
// It uses only the domain.Store interface, so sqlite and postgres run the
// same checks.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/groupd/groupd/domain"
)

// Run checks s against the domain.Store contract. open must return a fresh,
// empty store and close it when its test ends (t.Cleanup). Every leaf test
// opens its own store and runs in parallel with the others.
func Run(t *testing.T, open func(t *testing.T) domain.Store) {
	groups := []struct {
		name  string
		tests []test
	}{
		{"Users", userTests},
		{"Groups", groupTests},
		{"Search", searchTests},
		{"Members", memberTests},
		{"MemberLists", memberListTests},
		{"Joined", joinedTests},
		{"Attributes", attributeTests},
		{"Requests", requestTests},
		{"Versions", versionTests},
		{"Write", writeTests},
		{"Reads", readTests},
		{"Events", eventTests},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, tc := range g.tests {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					tc.run(t, open(t))
				})
			}
		})
	}
}

type test struct {
	name string
	run  func(t *testing.T, s domain.Store)
}

var errBoom = errors.New("boom")

// ---- helpers ----

func write(t *testing.T, s domain.Store, fn func(tx domain.Tx) error) {
	t.Helper()
	if err := s.Write(t.Context(), fn); err != nil {
		t.Fatalf("Write: %v", err)
	}
}

func wantErrIs(t *testing.T, err, target error, mention string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("err = %v, want errors.Is %v", err, target)
	}
	if mention != "" && !strings.Contains(err.Error(), mention) {
		t.Fatalf("err = %q, want it to name %q", err, mention)
	}
}

// ok and ok2 hold a call's results for .must(t), which fails the test on
// an error: ok(s.GetGroup(ctx, id)).must(t).
func ok[T any](v T, err error) result[T] { return result[T]{v, err} }

type result[T any] struct {
	v   T
	err error
}

func (r result[T]) must(t *testing.T) T {
	t.Helper()
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.v
}

func ok2[T any](v T, n int64, err error) result2[T] { return result2[T]{v, n, err} }

type result2[T any] struct {
	v   T
	n   int64
	err error
}

func (r result2[T]) must(t *testing.T) (T, int64) {
	t.Helper()
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.v, r.n
}

func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantEqual[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got  %+v\n want %+v", what, got, want)
	}
}

// wantNonNil checks that a list answer for "none" is empty, not nil.
func wantEmpty[T any](t *testing.T, what string, got []T) {
	t.Helper()
	if got == nil || len(got) != 0 {
		t.Fatalf("%s = %#v, want an empty non-nil slice", what, got)
	}
}

func newUser(id string, created int64) domain.User {
	return domain.User{UserID: id, Nickname: "nick " + id, FaceURL: "https://face/" + id, Ex: `{"u":"` + id + `"}`, CreateTime: created}
}

func newGroup(id string, created int64) domain.Group {
	return domain.Group{
		GroupID: id, Name: "name " + id, Notification: "notice", Introduction: "intro", FaceURL: "https://g/" + id,
		Ex: `{"g":1}`, Status: domain.StatusNormal, GroupType: domain.GroupTypeWorking, CreatorUserID: "creator",
		OwnerUserID: "owner", NeedVerification: domain.VerifyAllNeedApproval, LookMemberInfo: 1, ApplyMemberFriend: 1,
		NotificationUpdateTime: 11, NotificationUserID: "notifier", CreateTime: created, DataSeq: 1,
		MemberCountLimit: 500, InviteMode: 1, BeInvitedMode: 1, NumberMessage: 9,
		MuteAll: true, MutedRoles: []int{1, 3}, MuteUntil: 12345,
	}
}

func newMember(gid, uid string, role int) domain.Member {
	return domain.Member{
		GroupID: gid, UserID: uid, RoleLevel: role, CustomRole: 0, JoinTime: 1000, Nickname: "nick " + uid,
		FaceURL: "https://m/" + uid, JoinSource: domain.JoinSourceInvitation, InviterUserID: "inviter",
		OperatorUserID: "operator", MuteEndTime: 0, Ex: `{"m":1}`,
	}
}

func addGroups(t *testing.T, s domain.Store, ids ...string) {
	t.Helper()
	write(t, s, func(tx domain.Tx) error {
		for i, id := range ids {
			if err := tx.InsertGroup(t.Context(), newGroup(id, int64(1000+i))); err != nil {
				return err
			}
		}
		return nil
	})
}

// addMembers inserts each member in its own Write, so join order is the
// order given.
func addMembers(t *testing.T, s domain.Store, ms ...domain.Member) {
	t.Helper()
	for _, m := range ms {
		write(t, s, func(tx domain.Tx) error { return tx.InsertMembers(t.Context(), []domain.Member{m}) })
	}
}

func getGroup(t *testing.T, s domain.Reader, id string) domain.Group {
	t.Helper()
	return ok(s.GetGroup(t.Context(), id)).must(t)
}

func getMember(t *testing.T, s domain.Reader, gid, uid string) domain.Member {
	t.Helper()
	return ok(s.GetMember(t.Context(), gid, uid)).must(t)
}

func memberCount(t *testing.T, s domain.Reader, gid string) int64 {
	t.Helper()
	return getGroup(t, s, gid).MemberCount
}

func userIDs(ms []domain.Member) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.UserID
	}
	return out
}

func groupIDsOfMembers(ms []domain.Member) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.GroupID
	}
	return out
}

func groupIDs(gs []domain.Group) []string {
	out := make([]string, len(gs))
	for i, g := range gs {
		out[i] = g.GroupID
	}
	return out
}

func sortedGroupIDs(gs []domain.Group) []string {
	out := groupIDs(gs)
	slices.Sort(out)
	return out
}

// sameGroup compares groups treating nil and empty MutedRoles alike.
func sameGroup(t *testing.T, got, want domain.Group) {
	t.Helper()
	if len(got.MutedRoles) == 0 {
		got.MutedRoles = nil
	}
	if len(want.MutedRoles) == 0 {
		want.MutedRoles = nil
	}
	wantEqual(t, "group", got, want)
}

// checker collects failures inside a Write function, which may run on a
// goroutine of the store where t.Fatal must not be called.
type checker struct{ errs []error }

func (c *checker) eq(what string, got, want any, err error) {
	switch {
	case err != nil:
		c.errs = append(c.errs, fmt.Errorf("%s: %w", what, err))
	case !reflect.DeepEqual(got, want):
		c.errs = append(c.errs, fmt.Errorf("%s:\n got  %+v\n want %+v", what, got, want))
	}
}

func (c *checker) report(t *testing.T) {
	t.Helper()
	for _, err := range c.errs {
		t.Error(err)
	}
	if len(c.errs) > 0 {
		t.FailNow()
	}
}

// ---- users ----

var userTests = []test{
	{"InsertUsersThenGetUsersReturnsOnlyExisting", func(t *testing.T, s domain.Store) {
		u1, u2 := newUser("u1", 100), newUser("u2", 200)
		write(t, s, func(tx domain.Tx) error { return tx.InsertUsers(t.Context(), []domain.User{u1, u2}) })
		got := ok(s.GetUsers(t.Context(), []string{"u2", "missing", "u1"})).must(t)
		slices.SortFunc(got, func(a, b domain.User) int { return strings.Compare(a.UserID, b.UserID) })
		wantEqual(t, "users", got, []domain.User{u1, u2})
	}},
	{"GetUsersOfNoneIsEmpty", func(t *testing.T, s domain.Store) {
		wantEmpty(t, "GetUsers(nil)", ok(s.GetUsers(t.Context(), nil)).must(t))
		wantEmpty(t, "GetUsers(missing)", ok(s.GetUsers(t.Context(), []string{"missing"})).must(t))
	}},
	{"ErrUserExistsNamesTheUser", func(t *testing.T, s domain.Store) {
		write(t, s, func(tx domain.Tx) error { return tx.InsertUsers(t.Context(), []domain.User{newUser("taken", 1)}) })
		err := s.Write(t.Context(), func(tx domain.Tx) error {
			return tx.InsertUsers(t.Context(), []domain.User{newUser("fresh", 1), newUser("taken", 2)})
		})
		wantErrIs(t, err, domain.ErrUserExists, "taken")
		wantEmpty(t, "users of the failed Write", ok(s.GetUsers(t.Context(), []string{"fresh"})).must(t))
	}},
	{"ErrUserExistsForDuplicateInOneCall", func(t *testing.T, s domain.Store) {
		err := s.Write(t.Context(), func(tx domain.Tx) error {
			return tx.InsertUsers(t.Context(), []domain.User{newUser("dup", 1), newUser("dup", 2)})
		})
		wantErrIs(t, err, domain.ErrUserExists, "dup")
	}},
	{"UpdateUserOverwritesProfile", func(t *testing.T, s domain.Store) {
		u := newUser("u1", 100)
		write(t, s, func(tx domain.Tx) error { return tx.InsertUsers(t.Context(), []domain.User{u}) })
		u.Nickname, u.FaceURL, u.Ex = "new nick", "https://new", "new ex"
		write(t, s, func(tx domain.Tx) error { return tx.UpdateUser(t.Context(), u) })
		wantEqual(t, "user", ok(s.GetUsers(t.Context(), []string{"u1"})).must(t), []domain.User{u})
	}},
	{"UpdateUserMissingIsErrNotFound", func(t *testing.T, s domain.Store) {
		err := s.Write(t.Context(), func(tx domain.Tx) error { return tx.UpdateUser(t.Context(), newUser("ghost", 1)) })
		wantErrIs(t, err, domain.ErrNotFound, "")
	}},
	{"ListUsersPagesInCreationOrder", func(t *testing.T, s domain.Store) {
		order := []string{"u-c", "u-a", "u-e", "u-b", "u-d"}
		for i, id := range order {
			write(t, s, func(tx domain.Tx) error { return tx.InsertUsers(t.Context(), []domain.User{newUser(id, int64(i))}) })
		}
		for _, c := range []struct {
			name string
			page domain.Page
			want []string
		}{
			{"first", domain.Page{Offset: 0, Limit: 2}, order[0:2]},
			{"middle", domain.Page{Offset: 2, Limit: 2}, order[2:4]},
			{"last", domain.Page{Offset: 4, Limit: 2}, order[4:]},
			{"past the end", domain.Page{Offset: 9, Limit: 2}, []string{}},
		} {
			users, total := ok2(s.ListUsers(t.Context(), c.page)).must(t)
			ids := make([]string, 0, len(users))
			for _, u := range users {
				ids = append(ids, u.UserID)
			}
			wantEqual(t, c.name+" ids", ids, c.want)
			wantEqual(t, c.name+" total", total, int64(5))
			if users == nil {
				t.Fatalf("%s: nil slice", c.name)
			}
		}
	}},
}

// ---- groups ----

var groupTests = []test{
	{"InsertGroupRoundTripsEveryFieldWithMemberCountZero", func(t *testing.T, s domain.Store) {
		g := newGroup("g1", 500)
		g.MemberCount = 7 // ignored: the store keeps the count
		write(t, s, func(tx domain.Tx) error { return tx.InsertGroup(t.Context(), g) })
		got := getGroup(t, s, "g1")
		if got.Seq <= 0 {
			t.Fatalf("Seq = %d, want > 0", got.Seq)
		}
		g.MemberCount, g.Seq = 0, got.Seq
		sameGroup(t, got, g)
	}},
	{"InsertGroupTakenIsErrGroupExistsNamingIt", func(t *testing.T, s domain.Store) {
		addGroups(t, s, "g1")
		err := s.Write(t.Context(), func(tx domain.Tx) error { return tx.InsertGroup(t.Context(), newGroup("g1", 2)) })
		wantErrIs(t, err, domain.ErrGroupExists, "g1")
	}},
	{"GetGroupMissingIsErrNotFound", func(t *testing.T, s domain.Store) {
		_, err := s.GetGroup(t.Context(), "ghost")
		wantErrIs(t, err, domain.ErrNotFound, "")
	}},
	{"GetGroupsReturnsOnlyExisting", func(t *testing.T, s domain.Store) {
		addGroups(t, s, "g1", "g2", "g3")
		wantEqual(t, "ids", sortedGroupIDs(ok(s.GetGroups(t.Context(), []string{"g3", "ghost", "g1"})).must(t)), []string{"g1", "g3"})
		wantEmpty(t, "GetGroups(nil)", ok(s.GetGroups(t.Context(), nil)).must(t))
		wantEmpty(t, "GetGroups(ghost)", ok(s.GetGroups(t.Context(), []string{"ghost"})).must(t))
	}},
	{"GetGroupsTakesAThousandIDs", func(t *testing.T, s domain.Store) {
		addGroups(t, s, "g1", "g2")
		ids := make([]string, 1000)
		for i := range ids {
			ids[i] = fmt.Sprintf("ghost%d", i)
		}
		ids[500], ids[999] = "g2", "g1"
		wantEqual(t, "ids", sortedGroupIDs(ok(s.GetGroups(t.Context(), ids)).must(t)), []string{"g1", "g2"})
	}},
	{"GroupSeqIncreasesInCreationOrder", func(t *testing.T, s domain.Store) {
		addGroups(t, s, "gb")
		addGroups(t, s, "ga")
		addGroups(t, s, "gc")
		a, b, c := getGroup(t, s, "ga").Seq, getGroup(t, s, "gb").Seq, getGroup(t, s, "gc").Seq
		if !(b < a && a < c) {
			t.Fatalf("Seq gb=%d ga=%d gc=%d, want increasing in creation order", b, a, c)
		}
	}},
	{"UpdateGroupOverwritesDataButNotMemberCountOrSeq", func(t *testing.T, s domain.Store) {
		addGroups(t, s, "g1")
		addMembers(t, s, newMember("g1", "u1", domain.RoleOwner), newMember("g1", "u2", domain.RoleMember))
		before := getGroup(t, s, "g1")
		g := domain.Group{
			GroupID: "g1", Name: "renamed", Notification: "n2", Introduction: "i2", FaceURL: "f2", Ex: "e2",
			Status: domain.StatusBanned, GroupType: domain.GroupTypeNormal, CreatorUserID: "c2", OwnerUserID: "o2",
			NeedVerification: domain.VerifyDirect, LookMemberInfo: 0, ApplyMemberFriend: 0,
			NotificationUpdateTime: 22, NotificationUserID: "nu2", CreateTime: before.CreateTime, DataSeq: 5,
			MemberCountLimit: 10, InviteMode: 0, BeInvitedMode: 0, NumberMessage: 3,
			MuteAll: false, MutedRoles: nil, MuteUntil: 0,
			MemberCount: 99, Seq: before.Seq + 1000,
		}
		write(t, s, func(tx domain.Tx) error { return tx.UpdateGroup(t.Context(), g) })
		g.MemberCount, g.Seq = 2, before.Seq
		sameGroup(t, getGroup(t, s, "g1"), g)
	}},
	{"UpdateGroupMissingIsErrNotFound", func(t *testing.T, s domain.Store) {
		err := s.Write(t.Context(), func(tx domain.Tx) error { return tx.UpdateGroup(t.Context(), newGroup("ghost", 1)) })
		wantErrIs(t, err, domain.ErrNotFound, "")
	}},
	{"LockGroupReturnsTheGroup", func(t *testing.T, s domain.Store) {
		addGroups(t, s, "g1")
		want := getGroup(t, s, "g1")
		var got domain.Group
		write(t, s, func(tx domain.Tx) error {
			var err error
			got, err = tx.LockGroup(t.Context(), "g1")
			return err
		})
		sameGroup(t, got, want)
	}},
	{"LockGroupMissingIsErrNotFound", func(t *testing.T, s domain.Store) {
		err := s.Write(t.Context(), func(tx domain.Tx) error {
			_, err := tx.LockGroup(t.Context(), "ghost")
			return err
		})
		wantErrIs(t, err, domain.ErrNotFound, "")
	}},
	{"ListGroupsAfterPagesBySeq", func(t *testing.T, s domain.Store) {
		for _, id := range []string{"g5", "g3", "g1", "g4", "g2"} {
			addGroups(t, s, id)
		}
		var got []string
		after := int64(0)
		for range 10 {
			page := ok(s.ListGroupsAfter(t.Context(), after, 2)).must(t)
			if len(page) == 0 {
				wantEmpty(t, "page past the end", page)
				break
			}
			if len(page) > 2 {
				t.Fatalf("page of %d, limit 2", len(page))
			}
			for _, g := range page {
				if g.Seq <= after {
					t.Fatalf("Seq %d not after %d", g.Seq, after)
				}
				after = g.Seq
				got = append(got, g.GroupID)
			}
		}
		wantEqual(t, "groups by Seq", got, []string{"g5", "g3", "g1", "g4", "g2"})
	}},
	{"CountGroupsCountsAllGroupsIncludingDismissed", func(t *testing.T, s domain.Store) {
		wantEqual(t, "count of none", ok(s.CountGroups(t.Context())).must(t), int64(0))
		addGroups(t, s, "g1", "g2", "g3")
		g := getGroup(t, s, "g2")
		g.Status = domain.StatusDismissed
		write(t, s, func(tx domain.Tx) error { return tx.UpdateGroup(t.Context(), g) })
		wantEqual(t, "count", ok(s.CountGroups(t.Context())).must(t), int64(3))
	}},
	{"ListLiveGroupsAfterSkipsDismissedAndCountLiveGroupsAgrees", func(t *testing.T, s domain.Store) {
		wantEqual(t, "live count of none", ok(s.CountLiveGroups(t.Context())).must(t), int64(0))
		wantEmpty(t, "live groups of none", ok(s.ListLiveGroupsAfter(t.Context(), 0, 10)).must(t))
		addGroups(t, s, "g1", "g2", "g3", "g4", "g5", "g6", "g7", "g8")
		// A run of dismissed groups between live ones, and one at the end;
		// a banned group is not dismissed.
		for id, status := range map[string]int{"g2": domain.StatusDismissed, "g3": domain.StatusDismissed,
			"g4": domain.StatusDismissed, "g8": domain.StatusDismissed, "g6": domain.StatusBanned} {
			g := getGroup(t, s, id)
			g.Status = status
			write(t, s, func(tx domain.Tx) error { return tx.UpdateGroup(t.Context(), g) })
		}
		var pages [][]string
		after := int64(0)
		for range 10 {
			page := ok(s.ListLiveGroupsAfter(t.Context(), after, 2)).must(t)
			if len(page) == 0 {
				break
			}
			if len(page) > 2 {
				t.Fatalf("page of %d, limit 2", len(page))
			}
			var ids []string
			for _, g := range page {
				if g.Seq <= after || g.Status == domain.StatusDismissed {
					t.Fatalf("group %s (Seq %d, status %d) after %d", g.GroupID, g.Seq, g.Status, after)
				}
				after = g.Seq
				ids = append(ids, g.GroupID)
			}
			pages = append(pages, ids)
		}
		// Full pages until the last: the dismissed groups take no room.
		wantEqual(t, "pages", pages, [][]string{{"g1", "g5"}, {"g6", "g7"}})
		wantEqual(t, "live count", ok(s.CountLiveGroups(t.Context())).must(t), int64(4))
		wantEqual(t, "all count", ok(s.CountGroups(t.Context())).must(t), int64(8))
		wantEqual(t, "whole list (limit 0)", len(ok(s.ListLiveGroupsAfter(t.Context(), 0, 0)).must(t)), 4)
		// Inside a transaction, its own writes count.
		write(t, s, func(tx domain.Tx) error {
			g, err := tx.LockGroup(t.Context(), "g5")
			if err != nil {
				return err
			}
			g.Status = domain.StatusDismissed
			if err := tx.UpdateGroup(t.Context(), g); err != nil {
				return err
			}
			n, err := tx.CountLiveGroups(t.Context())
			if err != nil {
				return err
			}
			wantEqual(t, "live count in tx", n, int64(3))
			page, err := tx.ListLiveGroupsAfter(t.Context(), 0, 10)
			wantEqual(t, "live groups in tx", groupIDs(page), []string{"g1", "g6", "g7"})
			return err
		})
	}},
}

// ---- search ----

// searchFixture makes groups with create times so that newest first is
// s5, s4 (tie with s3, created later), s3, s2, s1; s2 is dismissed.
func searchFixture(t *testing.T, s domain.Store) {
	t.Helper()
	spec := []struct {
		id, name string
		created  int64
		status   int
	}{
		{"s1", "alpha team", 100, domain.StatusNormal},
		{"s2", "alpha gone", 200, domain.StatusDismissed},
		{"s3", "beta 100%", 300, domain.StatusBanned},
		{"s4", "beta_x", 300, domain.StatusNormal},
		{"s5", "Alpha upper", 500, domain.StatusNormal},
	}
	for _, sp := range spec {
		g := newGroup(sp.id, sp.created)
		g.Name, g.Status = sp.name, sp.status
		write(t, s, func(tx domain.Tx) error { return tx.InsertGroup(t.Context(), g) })
	}
}

var searchTests = []test{
	{"SearchGroupsNewestFirstWithoutDismissed", func(t *testing.T, s domain.Store) {
		searchFixture(t, s)
		gs, total := ok2(s.SearchGroups(t.Context(), domain.GroupSearch{Page: domain.Page{Limit: 10}})).must(t)
		wantEqual(t, "order", groupIDs(gs), []string{"s5", "s4", "s3", "s1"})
		wantEqual(t, "total", total, int64(4))
	}},
	{"SearchGroupsPages", func(t *testing.T, s domain.Store) {
		searchFixture(t, s)
		for _, c := range []struct {
			name string
			page domain.Page
			want []string
		}{
			{"first", domain.Page{Offset: 0, Limit: 2}, []string{"s5", "s4"}},
			{"middle", domain.Page{Offset: 1, Limit: 2}, []string{"s4", "s3"}},
			{"last", domain.Page{Offset: 2, Limit: 2}, []string{"s3", "s1"}},
			{"past the end", domain.Page{Offset: 4, Limit: 2}, []string{}},
		} {
			gs, total := ok2(s.SearchGroups(t.Context(), domain.GroupSearch{Page: c.page})).must(t)
			wantEqual(t, c.name, groupIDs(gs), c.want)
			wantEqual(t, c.name+" total", total, int64(4))
		}
	}},
	{"SearchGroupsByGroupIDIsExact", func(t *testing.T, s domain.Store) {
		searchFixture(t, s)
		gs, total := ok2(s.SearchGroups(t.Context(), domain.GroupSearch{GroupID: "s3", Page: domain.Page{Limit: 10}})).must(t)
		wantEqual(t, "ids", groupIDs(gs), []string{"s3"})
		wantEqual(t, "total", total, int64(1))
		gs, total = ok2(s.SearchGroups(t.Context(), domain.GroupSearch{GroupID: "s", Page: domain.Page{Limit: 10}})).must(t)
		wantEqual(t, "prefix only", groupIDs(gs), []string{})
		wantEqual(t, "prefix total", total, int64(0))
		gs, _ = ok2(s.SearchGroups(t.Context(), domain.GroupSearch{GroupID: "s2", Page: domain.Page{Limit: 10}})).must(t)
		wantEqual(t, "dismissed", groupIDs(gs), []string{})
	}},
	{"SearchGroupsByNameSubstrTakesWildcardsLiterally", func(t *testing.T, s domain.Store) {
		searchFixture(t, s)
		for _, c := range []struct {
			substr string
			want   []string
		}{
			{"lpha", []string{"s5", "s1"}},
			{"beta", []string{"s4", "s3"}},
			{"%", []string{"s3"}},
			{"_", []string{"s4"}},
			{"a_x", []string{"s4"}},
			{"zzz", []string{}},
		} {
			gs, total := ok2(s.SearchGroups(t.Context(), domain.GroupSearch{NameSubstr: c.substr, Page: domain.Page{Limit: 10}})).must(t)
			wantEqual(t, "NameSubstr "+c.substr, groupIDs(gs), c.want)
			wantEqual(t, "NameSubstr "+c.substr+" total", total, int64(len(c.want)))
		}
	}},
	{"SearchGroupsCombinesGroupIDAndName", func(t *testing.T, s domain.Store) {
		searchFixture(t, s)
		gs, _ := ok2(s.SearchGroups(t.Context(), domain.GroupSearch{GroupID: "s1", NameSubstr: "team", Page: domain.Page{Limit: 10}})).must(t)
		wantEqual(t, "match", groupIDs(gs), []string{"s1"})
		gs, _ = ok2(s.SearchGroups(t.Context(), domain.GroupSearch{GroupID: "s1", NameSubstr: "beta", Page: domain.Page{Limit: 10}})).must(t)
		wantEqual(t, "no match", groupIDs(gs), []string{})
	}},
}

// ---- members ----

var memberTests = []test{
	{"InsertMembersRaisesMemberCount", func(t *testing.T, s domain.Store) {
		addGroups(t, s, "g1", "g2")
		write(t, s, func(tx domain.Tx) error {
			return tx.InsertMembers(t.Context(), []domain.Member{
				newMember("g1", "u1", domain.RoleOwner), newMember("g1", "u2", domain.RoleMember), newMember("g2", "u1", domain.RoleOwner),
			})
		})
		addMembers(t, s, newMember("g1", "u3", domain.RoleMember))
		wantEqual(t, "g1 count", memberCount(t, s, "g1"), int64(3))
		wantEqual(t, "g2 count", memberCount(t, s, "g2"), int64(1))
	}},
	{"InsertMembersIntoMissingGroupIsErrNotFound", func(t *testing.T, s domain.Store) {
		err := s.Write(t.Context(), func(tx domain.Tx) error {
			return tx.InsertMembers(t.Context(), []domain.Member{newMember("ghost", "u1", domain.RoleMember)})
		})
		wantErrIs(t, err, domain.ErrNotFound, "")
	}},
	{"InsertMembersExistingIsErrMemberExistsNamingTheUser", func(t *testing.T, s domain.Store) {
		addGroups(t, s, "g1")
		addMembers(t, s, newMember("g1", "u1", domain.RoleOwner))
		err := s.Write(t.Context(), func(tx domain.Tx) error {
			return tx.InsertMembers(t.Context(), []domain.Member{newMember("g1", "u2", domain.RoleMember), newMember("g1", "u1", domain.RoleMember)})
		})
		wantErrIs(t, err, domain.ErrMemberExists, "u1")
		wantEqual(t, "count", memberCount(t, s, "g1"), int64(1))
		_, err = s.GetMember(t.Context(), "g1", "u2")
		wantErrIs(t, err, domain.ErrNotFound, "")
	}},
	{"InsertMembersDuplicateInOneCallIsErrMemberExists", func(t *testing.T, s domain.Store) {
		addGroups(t, s, "g1")
		err := s.Write(t.Context(), func(tx domain.Tx) error {
			return tx.InsertMembers(t.Context(), []domain.Member{newMember("g1", "u1", domain.RoleMember), newMember("g1", "u1", domain.RoleMember)})
		})
		wantErrIs(t, err, domain.ErrMemberExists, "u1")
	}},
	{"MemberCountMatchesRowsAfterAFailedInsertWhoseErrorIsIgnored", func(t *testing.T, s domain.Store) {
		addGroups(t, s, "g1")
		addMembers(t, s, newMember("g1", "u1", domain.RoleOwner))
		write(t, s, func(tx domain.Tx) error {
			err := tx.InsertMembers(t.Context(), []domain.Member{newMember("g1", "u2", domain.RoleMember), newMember("g1", "u1", domain.RoleMember)})
			if !errors.Is(err, domain.ErrMemberExists) {
				return fmt.Errorf("want ErrMemberExists, got %v", err)
			}
			return nil // the caller goes on and commits
		})
		ids := ok(s.MemberUserIDs(t.Context(), "g1")).must(t)
		wantEqual(t, "count vs rows", memberCount(t, s, "g1"), int64(len(ids)))
		wantEqual(t, "joined count vs rows", ok(s.CountJoined(t.Context(), "u2")).must(t), int64(len(ids)-1))
	}},
	{"MemberSeqIncreasesAcrossGroupsInInsertionOrder", func(t *testing.T, s domain.Store) {
		addGroups(t, s, "g1", "g2")
		addMembers(t, s, newMember("g2", "u9", domain.RoleMember), newMember("g1", "u1", domain.RoleMember))
		write(t, s, func(tx domain.Tx) error {
			return tx.InsertMembers(t.Context(), []domain.Member{newMember("g2", "u3", domain.RoleMember), newMember("g1", "u2", domain.RoleMember)})
		})
		seqs := []int64{
			getMember(t, s, "g2", "u9").Seq, getMember(t, s, "g1", "u1").Seq,
			getMember(t, s, "g2", "u3").Seq, getMember(t, s, "g1", "u2").Seq,
		}
		for i := 1; i < len(seqs); i++ {
			if seqs[i] <= seqs[i-1] {
				t.Fatalf("Seqs %v not strictly increasing in insertion order", seqs)
			}
		}
	}},
	{"MemberSeqIsNeverReusedAfterDelete", func(t *testing.T, s domain.Store) {
		addGroups(t, s, "g1")
		addMembers(t, s, newMember("g1", "a", domain.RoleMember), newMember("g1", "b", domain.RoleMember))
		b := getMember(t, s, "g1", "b").Seq
		write(t, s, func(tx domain.Tx) error {
			_, err := tx.DeleteMembers(t.Context(), "g1", []string{"b"})
			return err
		})
		addMembers(t, s, newMember("g1", "c", domain.RoleMember))
		c := getMember(t, s, "g1", "c").Seq
		if c <= b {
			t.Fatalf("Seq of c %d <= Seq of deleted b %d", c, b)
		}
		write(t, s, func(tx domain.Tx) error {
			_, err := tx.DeleteAllMembers(t.Context(), "g1")
			return err
		})
		addMembers(t, s, newMember("g1", "b", domain.RoleMember))
		if b2 := getMember(t, s, "g1", "b").Seq; b2 <= c {
			t.Fatalf("Seq of re-added b %d <= %d", b2, c)
		}
	}},
	{"GetMemberRoundTripsEveryField", func(t *testing.T, s domain.Store) {
		addGroups(t, s, "g1")
		m := newMember("g1", "u1", domain.RoleAdmin)
		m.CustomRole, m.MuteEndTime, m.JoinTime = 120, 999, 4242
		addMembers(t, s, m)
		got := getMember(t, s, "g1", "u1")
		if got.Seq <= 0 {
			t.Fatalf("Seq = %d, want > 0", got.Seq)
		}
		m.Seq = got.Seq
		wantEqual(t, "member", got, m)
	}},
	{"GetMemberMissingIsErrNotFound", func(t *testing.T, s domain.Store) {
		addGroups(t, s, "g1")
		_, err := s.GetMember(t.Context(), "g1", "ghost")
		wantErrIs(t, err, domain.ErrNotFound, "")
		_, err = s.GetMember(t.Context(), "ghost", "u1")
		wantErrIs(t, err, domain.ErrNotFound, "")
	}},
	{"GetMembersReturnsOnlyMembersOfTheGroup", func(t *testing.T, s domain.Store) {
		addGroups(t, s, "g1", "g2")
		addMembers(t, s, newMember("g1", "u1", domain.RoleOwner), newMember("g1", "u2", domain.RoleMember), newMember("g2", "u3", domain.RoleOwner))
		got := userIDs(ok(s.GetMembers(t.Context(), "g1", []string{"u3", "u2", "ghost", "u1"})).must(t))
		slices.Sort(got)
		wantEqual(t, "members", got, []string{"u1", "u2"})
		wantEmpty(t, "GetMembers(nil)", ok(s.GetMembers(t.Context(), "g1", nil)).must(t))
		wantEmpty(t, "GetMembers(ghost)", ok(s.GetMembers(t.Context(), "g1", []string{"ghost"})).must(t))
	}},
	{"UpdateMemberOverwritesAllButSeqAndJoinTime", func(t *testing.T, s domain.Store) {
		addGroups(t, s, "g1")
		addMembers(t, s, newMember("g1", "u1", domain.RoleMember))
		before := getMember(t, s, "g1", "u1")
		m := domain.Member{
			GroupID: "g1", UserID: "u1", RoleLevel: domain.RoleAdmin, CustomRole: 150, JoinTime: 1,
			Nickname: "n2", FaceURL: "f2", JoinSource: domain.JoinSourceQRCode, InviterUserID: "i2",
			OperatorUserID: "o2", MuteEndTime: 777, Ex: "e2", Seq: before.Seq + 100,
		}
		write(t, s, func(tx domain.Tx) error { return tx.UpdateMember(t.Context(), m) })
		m.JoinTime, m.Seq = before.JoinTime, before.Seq
		wantEqual(t, "member", getMember(t, s, "g1", "u1"), m)
	}},
	{"UpdateMemberMissingIsErrNotFound", func(t *testing.T, s domain.Store) {
		addGroups(t, s, "g1")
		err := s.Write(t.Context(), func(tx domain.Tx) error {
			return tx.UpdateMember(t.Context(), newMember("g1", "ghost", domain.RoleMember))
		})
		wantErrIs(t, err, domain.ErrNotFound, "")
	}},
	{"DeleteMembersRemovesExistingAndLowersMemberCount", func(t *testing.T, s domain.Store) {
		addGroups(t, s, "g1", "g2")
		addMembers(t, s, newMember("g1", "u1", domain.RoleOwner), newMember("g1", "u2", domain.RoleMember),
			newMember("g1", "u3", domain.RoleMember), newMember("g2", "u2", domain.RoleOwner))
		var n int
		write(t, s, func(tx domain.Tx) error {
			var err error
			n, err = tx.DeleteMembers(t.Context(), "g1", []string{"u2", "ghost", "u3"})
			return err
		})
		wantEqual(t, "removed", n, 2)
		wantEqual(t, "g1 count", memberCount(t, s, "g1"), int64(1))
		wantEqual(t, "g2 count", memberCount(t, s, "g2"), int64(1))
		wantEqual(t, "g1 ids", ok(s.MemberUserIDs(t.Context(), "g1")).must(t), []string{"u1"})
		wantEqual(t, "u2 joined", ok(s.JoinedGroupIDs(t.Context(), "u2")).must(t), []string{"g2"})
		wantEqual(t, "u2 joined count", ok(s.CountJoined(t.Context(), "u2")).must(t), int64(1))
		wantEqual(t, "u3 joined count", ok(s.CountJoined(t.Context(), "u3")).must(t), int64(0))
		write(t, s, func(tx domain.Tx) error {
			var err error
			n, err = tx.DeleteMembers(t.Context(), "g1", []string{"ghost"})
			return err
		})
		wantEqual(t, "removed none", n, 0)
		wantEqual(t, "g1 count after none", memberCount(t, s, "g1"), int64(1))
	}},
	{"DeleteAllMembersEmptiesTheGroup", func(t *testing.T, s domain.Store) {
		addGroups(t, s, "g1", "g2")
		addMembers(t, s, newMember("g1", "u1", domain.RoleOwner), newMember("g1", "u2", domain.RoleMember), newMember("g2", "u1", domain.RoleOwner))
		var n int
		write(t, s, func(tx domain.Tx) error {
			var err error
			n, err = tx.DeleteAllMembers(t.Context(), "g1")
			return err
		})
		wantEqual(t, "removed", n, 2)
		wantEqual(t, "g1 count", memberCount(t, s, "g1"), int64(0))
		wantEqual(t, "g2 count", memberCount(t, s, "g2"), int64(1))
		wantEmpty(t, "g1 ids", ok(s.MemberUserIDs(t.Context(), "g1")).must(t))
		wantEqual(t, "u1 joined", ok(s.JoinedGroupIDs(t.Context(), "u1")).must(t), []string{"g2"})
		wantEmpty(t, "u2 joined", ok(s.JoinedGroupIDs(t.Context(), "u2")).must(t))
		wantEqual(t, "u1 joined count", ok(s.CountJoined(t.Context(), "u1")).must(t), int64(1))
		wantEqual(t, "u2 joined count", ok(s.CountJoined(t.Context(), "u2")).must(t), int64(0))
	}},
}

// ---- member lists ----

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

// ---- joined ----

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

// ---- attributes ----

var attributeTests = []test{
	{"PutAttributesInsertsAndReplacesAndGetAttributesOrdersByKey", func(t *testing.T, s domain.Store) {
		addGroups(t, s, "g1", "g2")
		write(t, s, func(tx domain.Tx) error {
			return tx.PutAttributes(t.Context(), "g1", []domain.Attribute{{Key: "b", Value: "1"}, {Key: "a", Value: "2"}})
		})
		write(t, s, func(tx domain.Tx) error {
			return tx.PutAttributes(t.Context(), "g1", []domain.Attribute{{Key: "b", Value: "3"}, {Key: "c", Value: "4"}})
		})
		wantEqual(t, "g1", ok(s.GetAttributes(t.Context(), "g1")).must(t),
			[]domain.Attribute{{Key: "a", Value: "2"}, {Key: "b", Value: "3"}, {Key: "c", Value: "4"}})
		wantEmpty(t, "g2", ok(s.GetAttributes(t.Context(), "g2")).must(t))
	}},
	{"DeleteAttributesIgnoresMissingKeys", func(t *testing.T, s domain.Store) {
		addGroups(t, s, "g1")
		write(t, s, func(tx domain.Tx) error {
			return tx.PutAttributes(t.Context(), "g1", []domain.Attribute{{Key: "a", Value: "1"}, {Key: "b", Value: "2"}, {Key: "c", Value: "3"}})
		})
		write(t, s, func(tx domain.Tx) error { return tx.DeleteAttributes(t.Context(), "g1", []string{"c", "ghost", "a"}) })
		wantEqual(t, "left", ok(s.GetAttributes(t.Context(), "g1")).must(t), []domain.Attribute{{Key: "b", Value: "2"}})
		write(t, s, func(tx domain.Tx) error { return tx.DeleteAttributes(t.Context(), "g1", []string{"b"}) })
		wantEmpty(t, "none left", ok(s.GetAttributes(t.Context(), "g1")).must(t))
	}},
}

// ---- requests ----

func newRequest(gid, uid string, reqTime int64, result int) domain.GroupRequest {
	return domain.GroupRequest{
		GroupID: gid, UserID: uid, HandleResult: result, ReqMsg: "let me in", HandleMsg: "", ReqTime: reqTime,
		HandleUserID: "", HandleTime: 0, JoinSource: domain.JoinSourceSearch, InviterUserID: "inv", Ex: "ex",
	}
}

func reqKeys(rs []domain.GroupRequest) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.GroupID + "/" + r.UserID
	}
	return out
}

// requestFixture: newest first g2/u1 (600), g1/u3 (500, refused),
// g1/u2 (400, agreed), g2/u2 (300), g1/u1 (200), g3/u1 (100).
func requestFixture(t *testing.T, s domain.Store) {
	t.Helper()
	addGroups(t, s, "g1", "g2", "g3")
	write(t, s, func(tx domain.Tx) error {
		for _, r := range []domain.GroupRequest{
			newRequest("g1", "u1", 200, domain.RequestPending),
			newRequest("g1", "u2", 400, domain.RequestAgreed),
			newRequest("g1", "u3", 500, domain.RequestRefused),
			newRequest("g2", "u1", 600, domain.RequestPending),
			newRequest("g2", "u2", 300, domain.RequestPending),
			newRequest("g3", "u1", 100, domain.RequestPending),
		} {
			if err := tx.PutRequest(t.Context(), r); err != nil {
				return err
			}
		}
		return nil
	})
}

var requestTests = []test{
	{"PutRequestRoundTripsAndReplaces", func(t *testing.T, s domain.Store) {
		addGroups(t, s, "g1")
		r := newRequest("g1", "u1", 100, domain.RequestPending)
		write(t, s, func(tx domain.Tx) error { return tx.PutRequest(t.Context(), r) })
		wantEqual(t, "request", ok(s.GetRequest(t.Context(), "g1", "u1")).must(t), r)
		r.HandleResult, r.HandleMsg, r.HandleUserID, r.HandleTime, r.ReqTime, r.ReqMsg = domain.RequestAgreed, "ok", "admin", 300, 200, "again"
		write(t, s, func(tx domain.Tx) error { return tx.PutRequest(t.Context(), r) })
		wantEqual(t, "replaced", ok(s.GetRequest(t.Context(), "g1", "u1")).must(t), r)
		rs, total := ok2(s.ListRequests(t.Context(), domain.RequestQuery{GroupIDs: []string{"g1"}, Page: domain.Page{Limit: 10}})).must(t)
		wantEqual(t, "one row per (group, user)", reqKeys(rs), []string{"g1/u1"})
		wantEqual(t, "total", total, int64(1))
	}},
	{"GetRequestMissingIsErrNotFound", func(t *testing.T, s domain.Store) {
		addGroups(t, s, "g1")
		_, err := s.GetRequest(t.Context(), "g1", "ghost")
		wantErrIs(t, err, domain.ErrNotFound, "")
	}},
	{"ListRequestsNewestFirstAndPages", func(t *testing.T, s domain.Store) {
		requestFixture(t, s)
		all := []string{"g2/u1", "g1/u3", "g1/u2", "g2/u2", "g1/u1", "g3/u1"}
		for _, c := range []struct {
			name string
			page domain.Page
			want []string
		}{
			{"all", domain.Page{Limit: 10}, all},
			{"first", domain.Page{Offset: 0, Limit: 4}, all[:4]},
			{"last", domain.Page{Offset: 4, Limit: 4}, all[4:]},
			{"past the end", domain.Page{Offset: 6, Limit: 4}, []string{}},
		} {
			rs, total := ok2(s.ListRequests(t.Context(), domain.RequestQuery{Page: c.page})).must(t)
			wantEqual(t, c.name, reqKeys(rs), c.want)
			wantEqual(t, c.name+" total", total, int64(6))
		}
	}},
	{"ListRequestsFilters", func(t *testing.T, s domain.Store) {
		requestFixture(t, s)
		for _, c := range []struct {
			name string
			q    domain.RequestQuery
			want []string
		}{
			{"GroupIDs", domain.RequestQuery{GroupIDs: []string{"g1", "g3"}}, []string{"g1/u3", "g1/u2", "g1/u1", "g3/u1"}},
			{"UserID", domain.RequestQuery{UserID: "u1"}, []string{"g2/u1", "g1/u1", "g3/u1"}},
			{"UserIDs", domain.RequestQuery{UserIDs: []string{"u2", "u3"}}, []string{"g1/u3", "g1/u2", "g2/u2"}},
			{"HandleResults", domain.RequestQuery{HandleResults: []int{domain.RequestAgreed, domain.RequestRefused}}, []string{"g1/u3", "g1/u2"}},
			{"GroupIDs and UserID", domain.RequestQuery{GroupIDs: []string{"g1", "g2"}, UserID: "u1"}, []string{"g2/u1", "g1/u1"}},
			{"GroupIDs and pending", domain.RequestQuery{GroupIDs: []string{"g1"}, HandleResults: []int{domain.RequestPending}}, []string{"g1/u1"}},
			{"no match", domain.RequestQuery{GroupIDs: []string{"ghost"}}, []string{}},
		} {
			c.q.Page = domain.Page{Limit: 10}
			rs, total := ok2(s.ListRequests(t.Context(), c.q)).must(t)
			wantEqual(t, c.name, reqKeys(rs), c.want)
			wantEqual(t, c.name+" total", total, int64(len(c.want)))
		}
		rs, total := ok2(s.ListRequests(t.Context(), domain.RequestQuery{UserID: "u1", Page: domain.Page{Offset: 1, Limit: 1}})).must(t)
		wantEqual(t, "filtered page", reqKeys(rs), []string{"g1/u1"})
		wantEqual(t, "filtered page total", total, int64(3))
	}},
}

// ---- versions ----

func logVersion(t *testing.T, s domain.Store, owner domain.VersionOwner, op int, ids ...string) int64 {
	t.Helper()
	var v int64
	write(t, s, func(tx domain.Tx) error {
		var err error
		v, err = tx.LogVersion(t.Context(), owner, op, ids)
		return err
	})
	return v
}

func versionLog(t *testing.T, s domain.Reader, owner domain.VersionOwner, since int64, limit int) (domain.VersionState, []domain.VersionEntry) {
	t.Helper()
	st, es, err := s.VersionLog(t.Context(), owner, since, limit)
	if err != nil {
		t.Fatal(err)
	}
	if es == nil {
		t.Fatal("VersionLog entries = nil, want non-nil")
	}
	return st, es
}

var (
	gm1 = domain.VersionOwner{Kind: domain.VersionGroupMembers, ID: "g1"}
	ug1 = domain.VersionOwner{Kind: domain.VersionUserGroups, ID: "g1"}
)

var versionTests = []test{
	{"VersionLogOfUnknownOwnerIsZeroState", func(t *testing.T, s domain.Store) {
		st, es := versionLog(t, s, gm1, 0, 0)
		wantEqual(t, "state", st, domain.VersionState{})
		wantEmpty(t, "entries", es)
	}},
	{"LogVersionRaisesVersionByOnePerCall", func(t *testing.T, s domain.Store) {
		v1 := logVersion(t, s, gm1, domain.OpInsert, "a", "b")
		st1, _ := versionLog(t, s, gm1, 0, 0)
		v2 := logVersion(t, s, gm1, domain.OpUpdate, "c")
		v3 := logVersion(t, s, gm1, domain.OpDelete, "a")
		if v1 <= 0 || v2 != v1+1 || v3 != v2+1 {
			t.Fatalf("versions %d %d %d, want consecutive from > 0", v1, v2, v3)
		}
		st, _ := versionLog(t, s, gm1, 0, 0)
		if st.VersionID == "" || st.VersionID != st1.VersionID {
			t.Fatalf("VersionID %q then %q, want one non-empty ID", st1.VersionID, st.VersionID)
		}
		wantEqual(t, "version", st.Version, v3)
	}},
	{"VersionLogReturnsEachElementsLatestChangeSinceByVersion", func(t *testing.T, s domain.Store) {
		v1 := logVersion(t, s, gm1, domain.OpInsert, "a", "b")
		v2 := logVersion(t, s, gm1, domain.OpUpdate, "c")
		v3 := logVersion(t, s, gm1, domain.OpDelete, "a")
		_, es := versionLog(t, s, gm1, 0, 0)
		wantEqual(t, "since 0", es, []domain.VersionEntry{
			{ElementID: "b", Op: domain.OpInsert, Version: v1},
			{ElementID: "c", Op: domain.OpUpdate, Version: v2},
			{ElementID: "a", Op: domain.OpDelete, Version: v3},
		})
		_, es = versionLog(t, s, gm1, v1, 0)
		wantEqual(t, "since v1", es, []domain.VersionEntry{
			{ElementID: "c", Op: domain.OpUpdate, Version: v2},
			{ElementID: "a", Op: domain.OpDelete, Version: v3},
		})
		_, es = versionLog(t, s, gm1, v3, 0)
		wantEmpty(t, "since v3", es)
	}},
	{"VersionLogLimitBoundsEntries", func(t *testing.T, s domain.Store) {
		var vs []int64
		for _, id := range []string{"a", "b", "c", "d"} {
			vs = append(vs, logVersion(t, s, gm1, domain.OpInsert, id))
		}
		_, es := versionLog(t, s, gm1, 0, 2)
		wantEqual(t, "limit 2", es, []domain.VersionEntry{
			{ElementID: "a", Op: domain.OpInsert, Version: vs[0]},
			{ElementID: "b", Op: domain.OpInsert, Version: vs[1]},
		})
		_, es = versionLog(t, s, gm1, vs[1], 2)
		wantEqual(t, "next 2", es, []domain.VersionEntry{
			{ElementID: "c", Op: domain.OpInsert, Version: vs[2]},
			{ElementID: "d", Op: domain.OpInsert, Version: vs[3]},
		})
	}},
	{"VersionLogLimitNeverSplitsAVersion", func(t *testing.T, s domain.Store) {
		v1 := logVersion(t, s, gm1, domain.OpInsert, "a", "b", "c")
		logVersion(t, s, gm1, domain.OpInsert, "d")
		_, es := versionLog(t, s, gm1, 0, 2)
		var ids []string
		for _, e := range es {
			if e.Version == v1 {
				ids = append(ids, e.ElementID)
			}
		}
		slices.Sort(ids)
		wantEqual(t, "elements of the first version", ids, []string{"a", "b", "c"})
	}},
	{"CompactVersionsDropsOldEntriesAndRaisesMinVersion", func(t *testing.T, s domain.Store) {
		var vs []int64
		for _, id := range []string{"a", "b", "c", "d", "e"} {
			vs = append(vs, logVersion(t, s, gm1, domain.OpInsert, id))
		}
		write(t, s, func(tx domain.Tx) error { return tx.CompactVersions(t.Context(), gm1, vs[2]) })
		st, es := versionLog(t, s, gm1, 0, 0)
		wantEqual(t, "min version", st.MinVersion, vs[2])
		wantEqual(t, "version", st.Version, vs[4])
		wantEqual(t, "entries", es, []domain.VersionEntry{
			{ElementID: "d", Op: domain.OpInsert, Version: vs[3]},
			{ElementID: "e", Op: domain.OpInsert, Version: vs[4]},
		})
		write(t, s, func(tx domain.Tx) error { return tx.CompactVersions(t.Context(), gm1, vs[0]) })
		st, _ = versionLog(t, s, gm1, 0, 0)
		wantEqual(t, "min version never goes down", st.MinVersion, vs[2])
		v := logVersion(t, s, gm1, domain.OpUpdate, "a")
		_, es = versionLog(t, s, gm1, vs[4], 0)
		wantEqual(t, "logging goes on", es, []domain.VersionEntry{{ElementID: "a", Op: domain.OpUpdate, Version: v}})
	}},
	{"VersionLogsArePerOwner", func(t *testing.T, s domain.Store) {
		logVersion(t, s, gm1, domain.OpInsert, "a")
		logVersion(t, s, gm1, domain.OpInsert, "b")
		vu := logVersion(t, s, ug1, domain.OpInsert, "x")
		_, es := versionLog(t, s, ug1, 0, 0)
		wantEqual(t, "ug entries", es, []domain.VersionEntry{{ElementID: "x", Op: domain.OpInsert, Version: vu}})
		stg, _ := versionLog(t, s, gm1, 0, 0)
		stu, _ := versionLog(t, s, ug1, 0, 0)
		if stg.Version != stu.Version+1 {
			t.Fatalf("versions gm %d, ug %d: owners share a counter", stg.Version, stu.Version)
		}
		st, _ := versionLog(t, s, domain.VersionOwner{Kind: domain.VersionGroupMembers, ID: "g2"}, 0, 0)
		wantEqual(t, "other ID", st, domain.VersionState{})
	}},
}

// ---- Write ----

var writeTests = []test{
	{"WriteErrorLeavesNothingBehind", func(t *testing.T, s domain.Store) {
		addGroups(t, s, "g1")
		addMembers(t, s, newMember("g1", "u0", domain.RoleOwner))
		err := s.Write(t.Context(), func(tx domain.Tx) error {
			ctx := t.Context()
			if err := tx.InsertUsers(ctx, []domain.User{newUser("u1", 1)}); err != nil {
				return err
			}
			if err := tx.InsertGroup(ctx, newGroup("g2", 1)); err != nil {
				return err
			}
			if err := tx.InsertMembers(ctx, []domain.Member{newMember("g1", "u1", domain.RoleMember), newMember("g2", "u1", domain.RoleOwner)}); err != nil {
				return err
			}
			if _, err := tx.DeleteMembers(ctx, "g1", []string{"u0"}); err != nil {
				return err
			}
			if err := tx.PutAttributes(ctx, "g1", []domain.Attribute{{Key: "k", Value: "v"}}); err != nil {
				return err
			}
			if err := tx.PutRequest(ctx, newRequest("g1", "u9", 1, domain.RequestPending)); err != nil {
				return err
			}
			if _, err := tx.LogVersion(ctx, gm1, domain.OpInsert, []string{"u1"}); err != nil {
				return err
			}
			return fmt.Errorf("fn failed: %w", errBoom)
		})
		wantErrIs(t, err, errBoom, "")
		ctx := t.Context()
		wantEmpty(t, "users", ok(s.GetUsers(ctx, []string{"u1"})).must(t))
		_, err = s.GetGroup(ctx, "g2")
		wantErrIs(t, err, domain.ErrNotFound, "")
		wantEqual(t, "g1 count", memberCount(t, s, "g1"), int64(1))
		wantEqual(t, "g1 members", ok(s.MemberUserIDs(ctx, "g1")).must(t), []string{"u0"})
		wantEmpty(t, "u1 joined", ok(s.JoinedGroupIDs(ctx, "u1")).must(t))
		wantEqual(t, "u0 joined count", ok(s.CountJoined(ctx, "u0")).must(t), int64(1))
		wantEqual(t, "u1 joined count", ok(s.CountJoined(ctx, "u1")).must(t), int64(0))
		wantEmpty(t, "attributes", ok(s.GetAttributes(ctx, "g1")).must(t))
		_, err = s.GetRequest(ctx, "g1", "u9")
		wantErrIs(t, err, domain.ErrNotFound, "")
		st, _ := versionLog(t, s, gm1, 0, 0)
		wantEqual(t, "version state", st, domain.VersionState{})
	}},
	{"WriteReadsItsOwnWrites", func(t *testing.T, s domain.Store) {
		addGroups(t, s, "g1")
		// fn runs on the backend's goroutine: it reports through c, never t.Fatal.
		var c checker
		write(t, s, func(tx domain.Tx) error {
			ctx := t.Context()
			if err := tx.InsertGroup(ctx, newGroup("g2", 1)); err != nil {
				return err
			}
			if err := tx.InsertMembers(ctx, []domain.Member{newMember("g2", "u1", domain.RoleOwner), newMember("g2", "u2", domain.RoleMember), newMember("g1", "u1", domain.RoleMember)}); err != nil {
				return err
			}
			g2, err := tx.GetGroup(ctx, "g2")
			c.eq("g2 count", g2.MemberCount, int64(2), err)
			g1, err := tx.LockGroup(ctx, "g1")
			c.eq("locked g1 count", g1.MemberCount, int64(1), err)
			ms, total, err := tx.ListMembers(ctx, domain.MemberQuery{GroupID: "g2", Page: domain.Page{Limit: 10}})
			c.eq("g2 members", userIDs(ms), []string{"u1", "u2"}, err)
			c.eq("g2 total", total, int64(2), nil)
			ids, err := tx.JoinedGroupIDs(ctx, "u1")
			c.eq("u1 joined", ids, []string{"g2", "g1"}, err)
			n, err := tx.DeleteMembers(ctx, "g2", []string{"u2"})
			c.eq("removed", n, 1, err)
			g2, err = tx.GetGroup(ctx, "g2")
			c.eq("g2 count after delete", g2.MemberCount, int64(1), err)
			if err := tx.PutAttributes(ctx, "g2", []domain.Attribute{{Key: "k", Value: "v"}}); err != nil {
				return err
			}
			attrs, err := tx.GetAttributes(ctx, "g2")
			c.eq("attributes", attrs, []domain.Attribute{{Key: "k", Value: "v"}}, err)
			v, err := tx.LogVersion(ctx, gm1, domain.OpInsert, []string{"u1"})
			if err != nil {
				return err
			}
			st, es, err := tx.VersionLog(ctx, gm1, 0, 0)
			c.eq("version", st.Version, v, err)
			c.eq("entries", es, []domain.VersionEntry{{ElementID: "u1", Op: domain.OpInsert, Version: v}}, nil)
			return nil
		})
		c.report(t)
		wantEqual(t, "g2 count committed", memberCount(t, s, "g2"), int64(1))
		wantEqual(t, "u1 joined committed", ok(s.JoinedGroupIDs(t.Context(), "u1")).must(t), []string{"g2", "g1"})
	}},
	{"ConcurrentWritersKeepMemberCountExact", func(t *testing.T, s domain.Store) {
		addGroups(t, s, "g1")
		const n = 50
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Go(func() {
				errs <- s.Write(t.Context(), func(tx domain.Tx) error {
					return tx.InsertMembers(t.Context(), []domain.Member{newMember("g1", fmt.Sprintf("u%02d", i), domain.RoleMember)})
				})
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			noErr(t, err)
		}
		wantEqual(t, "count", memberCount(t, s, "g1"), int64(n))
		ms := ok(s.ListMembersAfter(t.Context(), "g1", 0, 0)).must(t)
		seen := map[int64]bool{}
		for _, m := range ms {
			if seen[m.Seq] {
				t.Fatalf("Seq %d given twice", m.Seq)
			}
			seen[m.Seq] = true
		}
		wantEqual(t, "rows", len(ms), n)
	}},
	{"ConcurrentFailingWritersDoNotDisturbOthers", func(t *testing.T, s domain.Store) {
		addGroups(t, s, "g1")
		const n = 40
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				errs[i] = s.Write(t.Context(), func(tx domain.Tx) error {
					if err := tx.InsertMembers(t.Context(), []domain.Member{newMember("g1", fmt.Sprintf("u%02d", i), domain.RoleMember)}); err != nil {
						return err
					}
					if i%2 == 1 {
						return errBoom
					}
					return nil
				})
			})
		}
		wg.Wait()
		var want []string
		for i, err := range errs {
			if i%2 == 1 {
				wantErrIs(t, err, errBoom, "")
				continue
			}
			noErr(t, err)
			want = append(want, fmt.Sprintf("u%02d", i))
		}
		got := ok(s.MemberUserIDs(t.Context(), "g1")).must(t)
		slices.Sort(got)
		wantEqual(t, "members", got, want)
		wantEqual(t, "count", memberCount(t, s, "g1"), int64(n/2))
	}},
	{"WriteReturnsTheFunctionsError", func(t *testing.T, s domain.Store) {
		err := s.Write(t.Context(), func(tx domain.Tx) error { return domain.Errorf(domain.KindNoPermission, "nope") })
		if domain.ErrorKind(err) != domain.KindNoPermission || domain.ErrorMessage(err) != "nope" {
			t.Fatalf("err = %v, want the domain error fn returned", err)
		}
	}},
	{"PingSucceedsOnAnOpenStore", func(t *testing.T, s domain.Store) {
		noErr(t, s.Ping(context.Background()))
	}},
}
