package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/groupd/groupd/domain"
)

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
