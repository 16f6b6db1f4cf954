package storetest

import (
	"fmt"
	"testing"

	"github.com/groupd/groupd/domain"
)

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
