package domain

import (
	"context"
	"slices"
)

// MuteSpec is a group-wide mute: all members, or members of the listed ZIM
// roles (1 owner, 2 admin, 3 member, any other positive number a custom
// role, see IsCustomRole), until Until (Unix ms, 0 = until cancelled). A
// spec with neither All nor Roles cancels the mute.
type MuteSpec struct {
	All   bool
	Roles []int
	Until int64
}

// MuteGroup sets or cancels the group-wide mute (owner, admins, app admins;
// an admin may not mute the owner's role).
func (s *Service) MuteGroup(ctx context.Context, a Actor, groupID string, spec MuteSpec) error {
	if err := s.checkID("groupID", groupID); err != nil {
		return err
	}
	if spec.All && len(spec.Roles) > 0 {
		return Errorf(KindInvalid, "mute either all members or a role list, not both")
	}
	for _, r := range spec.Roles {
		if r <= 0 {
			return Errorf(KindInvalid, "role %d is not 1 (owner), 2 (admin), 3 (member) or a positive custom role", r)
		}
	}
	return s.store.Write(ctx, func(tx Tx) error {
		g, err := lockLiveGroup(ctx, tx, groupID)
		if err != nil {
			return err
		}
		role, err := requireManager(ctx, tx, groupID, a)
		if err != nil {
			return err
		}
		if !a.Admin && role == RoleAdmin && slices.Contains(spec.Roles, 1) {
			return Errorf(KindNoPermission, "an admin may not mute the owner role")
		}
		roles := slices.Clone(spec.Roles)
		slices.Sort(roles)
		roles = slices.Compact(roles)
		g.MuteAll, g.MutedRoles, g.MuteUntil = spec.All, roles, spec.Until
		if !spec.All && len(roles) == 0 {
			g.MuteUntil = 0
		}
		if err := s.saveGroupData(ctx, tx, g); err != nil {
			return err
		}
		g.DataSeq++ // as saved
		return s.emit(ctx, tx, a, EventGroupMuted, groupID, nil, EventData{Group: &g})
	})
}

// MuteMembers mutes members until until (Unix ms; 0 cancels). The owner
// mutes admins and members, admins mute ordinary members, app admins anyone;
// nobody else mutes the owner.
func (s *Service) MuteMembers(ctx context.Context, a Actor, groupID string, userIDs []string, until int64, partial bool) ([]ItemError, error) {
	if err := s.checkID("groupID", groupID); err != nil {
		return nil, err
	}
	if err := s.checkIDList("userID", userIDs, false); err != nil {
		return nil, err
	}
	var failed []ItemError
	err := s.store.Write(ctx, func(tx Tx) error {
		failed = nil
		if _, err := lockLiveGroup(ctx, tx, groupID); err != nil {
			return err
		}
		role, err := requireManager(ctx, tx, groupID, a)
		if err != nil {
			return err
		}
		targets, err := tx.GetMembers(ctx, groupID, userIDs)
		if err != nil {
			return storeErr(err, "read members")
		}
		byID := make(map[string]Member, len(targets))
		for _, m := range targets {
			byID[m.UserID] = m
		}
		var changed []string
		for _, id := range userIDs {
			m, ok := byID[id]
			e := muteRule(a, role, id, m, ok, groupID)
			if e != nil {
				if !partial {
					return e
				}
				failed = append(failed, itemErr(id, e))
				continue
			}
			m.MuteEndTime = until
			if err := tx.UpdateMember(ctx, m); err != nil {
				return storeErr(err, "update member")
			}
			changed = append(changed, id)
		}
		if err := s.logMemberUpdate(ctx, tx, groupID, changed); err != nil || len(changed) == 0 {
			return err
		}
		return s.emit(ctx, tx, a, EventMembersMuted, groupID, changed, EventData{UserIDs: changed, MuteEndTime: until})
	})
	return failed, err
}

// muteRule decides whether the actor (of role in the group) may mute user
// userID, whose membership is m when ok.
func muteRule(a Actor, role int, userID string, m Member, ok bool, groupID string) error {
	switch {
	case !ok:
		return notMember(groupID, userID)
	case a.Admin:
		return nil
	case m.RoleLevel == RoleOwner:
		return Errorf(KindNoPermission, "user %s is the owner of group %s and cannot be muted", userID, groupID)
	case role == RoleOwner:
		return nil
	case m.RoleLevel >= RoleAdmin:
		return Errorf(KindNoPermission, "user %s is an admin of group %s; an admin may mute only ordinary members", userID, groupID)
	}
	return nil
}
