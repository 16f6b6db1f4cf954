package storetest

import (
	"slices"
	"strings"
	"testing"

	"github.com/groupd/groupd/domain"
)

// What a joined-group log has reported of its groups' data
// (GroupDataUnseen, MarkGroupDataSeen): a membership starts at its group's
// DataSeq, sees every later raise, and records what was reported.

func setDataSeq(t *testing.T, s domain.Store, gid string, seq int64) {
	t.Helper()
	write(t, s, func(tx domain.Tx) error {
		g, err := tx.LockGroup(t.Context(), gid)
		if err != nil {
			return err
		}
		g.DataSeq = seq
		return tx.UpdateGroup(t.Context(), g)
	})
}

func unseen(t *testing.T, s domain.Reader, uid string) []domain.GroupDataSeq {
	t.Helper()
	got := ok(s.GroupDataUnseen(t.Context(), uid)).must(t)
	slices.SortFunc(got, func(x, y domain.GroupDataSeq) int { return strings.Compare(x.GroupID, y.GroupID) })
	if got == nil {
		got = []domain.GroupDataSeq{}
	}
	return got
}

var groupVersionTests = []test{
	{"NewMembershipHasSeenItsGroup", func(t *testing.T, s domain.Store) {
		addGroups(t, s, "g1", "g2")
		setDataSeq(t, s, "g2", 7)
		addMembers(t, s, newMember("g1", "u1", domain.RoleMember), newMember("g2", "u1", domain.RoleMember))
		wantEqual(t, "unseen after joining", unseen(t, s, "u1"), []domain.GroupDataSeq{})
	}},
	{"RaisedDataSeqIsUnseenUntilMarked", func(t *testing.T, s domain.Store) {
		addGroups(t, s, "g1", "g2", "g3")
		addMembers(t, s, newMember("g1", "u1", domain.RoleMember), newMember("g2", "u1", domain.RoleMember),
			newMember("g3", "u1", domain.RoleMember), newMember("g1", "u2", domain.RoleMember))
		setDataSeq(t, s, "g1", 5)
		setDataSeq(t, s, "g3", 2)
		want := []domain.GroupDataSeq{{GroupID: "g1", DataSeq: 5}, {GroupID: "g3", DataSeq: 2}}
		wantEqual(t, "u1 unseen", unseen(t, s, "u1"), want)
		wantEqual(t, "u2 unseen", unseen(t, s, "u2"), []domain.GroupDataSeq{{GroupID: "g1", DataSeq: 5}})
		write(t, s, func(tx domain.Tx) error {
			return tx.MarkGroupDataSeen(t.Context(), "u1", []domain.GroupDataSeq{{GroupID: "g1", DataSeq: 5}})
		})
		wantEqual(t, "u1 unseen after marking g1", unseen(t, s, "u1"), []domain.GroupDataSeq{{GroupID: "g3", DataSeq: 2}})
		wantEqual(t, "u2 unseen, not marked", unseen(t, s, "u2"), []domain.GroupDataSeq{{GroupID: "g1", DataSeq: 5}})
		// Marking never lowers what was recorded, and skips what is gone.
		write(t, s, func(tx domain.Tx) error {
			return tx.MarkGroupDataSeen(t.Context(), "u1", []domain.GroupDataSeq{{GroupID: "g1", DataSeq: 3}, {GroupID: "gone", DataSeq: 9}})
		})
		wantEqual(t, "u1 unseen after a lower mark", unseen(t, s, "u1"), []domain.GroupDataSeq{{GroupID: "g3", DataSeq: 2}})
		setDataSeq(t, s, "g1", 6)
		wantEqual(t, "u1 unseen after another raise", unseen(t, s, "u1"),
			[]domain.GroupDataSeq{{GroupID: "g1", DataSeq: 6}, {GroupID: "g3", DataSeq: 2}})
	}},
	{"LeftGroupsAreNotUnseen", func(t *testing.T, s domain.Store) {
		addGroups(t, s, "g1")
		addMembers(t, s, newMember("g1", "u1", domain.RoleMember))
		setDataSeq(t, s, "g1", 4)
		write(t, s, func(tx domain.Tx) error {
			_, err := tx.DeleteMembers(t.Context(), "g1", []string{"u1"})
			return err
		})
		wantEqual(t, "unseen after leaving", unseen(t, s, "u1"), []domain.GroupDataSeq{})
		addMembers(t, s, newMember("g1", "u1", domain.RoleMember))
		wantEqual(t, "unseen after rejoining", unseen(t, s, "u1"), []domain.GroupDataSeq{})
	}},
	{"MarkInTxIsRolledBackWithIt", func(t *testing.T, s domain.Store) {
		addGroups(t, s, "g1")
		addMembers(t, s, newMember("g1", "u1", domain.RoleMember))
		setDataSeq(t, s, "g1", 4)
		err := s.Write(t.Context(), func(tx domain.Tx) error {
			if err := tx.MarkGroupDataSeen(t.Context(), "u1", []domain.GroupDataSeq{{GroupID: "g1", DataSeq: 4}}); err != nil {
				return err
			}
			wantEqual(t, "unseen inside the transaction", unseen(t, tx, "u1"), []domain.GroupDataSeq{})
			return errBoom
		})
		wantErrIs(t, err, errBoom, "")
		wantEqual(t, "unseen after rollback", unseen(t, s, "u1"), []domain.GroupDataSeq{{GroupID: "g1", DataSeq: 4}})
	}},
}
