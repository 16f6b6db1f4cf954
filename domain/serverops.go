package domain

import (
	"context"
)

// MuteForever is the member mute end (Unix ms) that stands for "muted until
// unmuted" (ZIM Duration -1): 9999-12-31T23:59:59.999Z, so that OpenIM's
// muteEndTime still reads as a date.
const MuteForever int64 = 253402300799999

// KickInput is one call removing members.
type KickInput struct {
	GroupID string
	UserIDs []string
	Reason  string
	// Partial removes the members it can and reports the rest.
	Partial bool
	// ServerOp is a trusted server API call (ZIM): it may remove any member,
	// the actor and the owner included. When the owner goes, the remaining
	// member who joined first becomes owner; the owner cannot be removed
	// when nobody would remain.
	ServerOp bool
}

// Kick removes members. Without ServerOp the owner removes anyone but
// themself, admins remove ordinary members and app admins anyone but the
// owner.
func (s *Service) Kick(ctx context.Context, a Actor, in KickInput) ([]ItemError, error) {
	if err := s.checkID("groupID", in.GroupID); err != nil {
		return nil, err
	}
	if err := s.checkIDList("kickedUserID", in.UserIDs, false); err != nil {
		return nil, err
	}
	if err := s.checkText("reason", in.Reason, s.limits.MaxTextLen); err != nil {
		return nil, err
	}
	var failed []ItemError
	err := s.store.Write(ctx, func(tx Tx) error {
		failed = nil
		g, err := lockLiveGroup(ctx, tx, in.GroupID)
		if err != nil {
			return err
		}
		targets, err := tx.GetMembers(ctx, in.GroupID, in.UserIDs)
		if err != nil {
			return storeErr(err, "read members")
		}
		byID := make(map[string]Member, len(targets))
		for _, m := range targets {
			byID[m.UserID] = m
		}
		if !in.ServerOp && !in.Partial {
			// What no role could do is refused before the actor's role is
			// looked at, in OpenIM's order.
			if err := kickTargetsRule(a, g, byID, in.UserIDs); err != nil {
				return err
			}
		}
		role, err := requireManager(ctx, tx, in.GroupID, a)
		if err != nil {
			return err
		}
		var gone []string
		ownerGoes := false
		for _, id := range in.UserIDs {
			e := kickRule(a, role, g, byID, id, in.ServerOp)
			if e == nil && id == g.OwnerUserID && !othersRemain(g, byID, in.UserIDs) {
				e = Errorf(KindNoPermission, "the owner of group %s is its last member; dismiss the group instead", g.GroupID)
			}
			if e == nil {
				gone = append(gone, id)
				ownerGoes = ownerGoes || id == g.OwnerUserID
				continue
			}
			if !in.Partial {
				return e
			}
			failed = append(failed, itemErr(id, e))
		}
		if len(gone) == 0 {
			return nil
		}
		if _, err := tx.DeleteMembers(ctx, in.GroupID, gone); err != nil {
			return storeErr(err, "delete members")
		}
		if err := s.logMembership(ctx, tx, in.GroupID, OpDelete, gone); err != nil {
			return err
		}
		kicked := g
		kicked.MemberCount -= int64(len(gone))
		if err := s.emit(ctx, tx, a, EventMembersKicked, in.GroupID, gone, EventData{Group: &kicked, UserIDs: gone, Reason: in.Reason}); err != nil {
			return err
		}
		if ownerGoes {
			return s.passOwnership(ctx, tx, a, kicked)
		}
		return nil
	})
	return failed, err
}

// kickTargetsRule refuses a call naming the actor, the owner or a
// non-member, whoever the actor is.
func kickTargetsRule(a Actor, g Group, byID map[string]Member, ids []string) error {
	for _, check := range []func(id string) error{
		func(id string) error {
			if id == a.UserID {
				return Errorf(KindNoPermission, "user %s may not kick themself", id).withDetail(ErrTargetSelf)
			}
			return nil
		},
		func(id string) error {
			if id == g.OwnerUserID {
				return Errorf(KindNoPermission, "the owner of group %s cannot be kicked", g.GroupID).withDetail(ErrTargetOwner)
			}
			return nil
		},
		func(id string) error {
			if _, ok := byID[id]; !ok {
				return notMember(g.GroupID, id)
			}
			return nil
		},
	} {
		for _, id := range ids {
			if err := check(id); err != nil {
				return err
			}
		}
	}
	return nil
}

// othersRemain reports whether some member of g stays when every listed
// member leaves (ids hold no duplicates).
func othersRemain(g Group, byID map[string]Member, ids []string) bool {
	listed := 0
	for _, id := range ids {
		if _, ok := byID[id]; ok {
			listed++
		}
	}
	return g.MemberCount > int64(listed)
}

// passOwnership makes the earliest remaining member of g the owner after the
// owner was removed.
func (s *Service) passOwnership(ctx context.Context, tx Tx, a Actor, g Group) error {
	next, err := tx.ListMembersAfter(ctx, g.GroupID, 0, 1)
	if err != nil {
		return storeErr(err, "read members")
	}
	if len(next) == 0 {
		return Errorf(KindInternal, "group %s has no member left to own it", g.GroupID)
	}
	m := next[0]
	m.RoleLevel, m.CustomRole, m.MuteEndTime = RoleOwner, 0, 0
	if err := tx.UpdateMember(ctx, m); err != nil {
		return storeErr(err, "update member")
	}
	if err := s.logRoleChange(ctx, tx, g.GroupID, []string{m.UserID}); err != nil {
		return err
	}
	oldOwnerID := g.OwnerUserID
	g.OwnerUserID = m.UserID
	if err := s.saveGroupData(ctx, tx, g); err != nil {
		return err
	}
	g.DataSeq++ // as saved
	return s.emit(ctx, tx, a, EventOwnerTransferred, g.GroupID, []string{oldOwnerID, m.UserID},
		EventData{Group: &g, Members: []Member{m}, OldOwner: oldOwnerID, NewOwner: m.UserID})
}
