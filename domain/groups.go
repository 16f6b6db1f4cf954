package domain

import (
	"context"
	"errors"
	"slices"
)

// CreateGroupInput is everything create_group / CreateGroup carry.
type CreateGroupInput struct {
	Group         Group // own data; GroupID "" = server picks
	OwnerUserID   string
	MemberUserIDs []string
	AdminUserIDs  []string
	Attributes    []Attribute
	IDStyle       IDStyle
	// Partial skips unknown or invalid members and reports them instead of
	// failing the call (ZIM).
	Partial bool
	// JoinSource of the initial members.
	JoinSource int
	// JoinTime of the initial members (Unix ms); 0 = now (ZIM CreateGroupTime).
	JoinTime int64
	// Fields optionally sets initial members' own data, by user ID.
	Fields map[string]MemberFields
}

// CreateGroup makes a group with its owner, admins and members in one transaction.
func (s *Service) CreateGroup(ctx context.Context, a Actor, in CreateGroupInput) (Group, []ItemError, error) {
	if err := s.checkID("ownerUserID", in.OwnerUserID); err != nil {
		return Group{}, nil, err
	}
	if err := requireSelfOrAdmin(a, in.OwnerUserID); err != nil {
		return Group{}, nil, err
	}
	if in.Group.GroupID != "" {
		if err := s.checkID("groupID", in.Group.GroupID); err != nil {
			return Group{}, nil, err
		}
	}
	if err := s.checkGroupData(in.Group); err != nil {
		return Group{}, nil, err
	}
	if in.Group.GroupType != GroupTypeWorking {
		return Group{}, nil, Errorf(KindGroupType, "groupType %d is not supported; groups are working groups (2)", in.Group.GroupType)
	}
	if err := s.checkIDList("memberUserID", in.MemberUserIDs, true); err != nil {
		return Group{}, nil, err
	}
	if err := s.checkIDList("adminUserID", in.AdminUserIDs, true); err != nil {
		return Group{}, nil, err
	}
	if err := s.checkAttributes(in.Attributes, false); err != nil {
		return Group{}, nil, err
	}
	if len(in.Attributes) > s.limits.MaxAttributes {
		return Group{}, nil, Errorf(KindLimitReached, "%d attributes, at most %d allowed", len(in.Attributes), s.limits.MaxAttributes)
	}
	roles, err := initialRoles(in)
	if err != nil {
		return Group{}, nil, err
	}
	if len(roles) > s.limits.MaxIDsPerCall+1 {
		return Group{}, nil, Errorf(KindInvalid, "at most %d members allowed at creation", s.limits.MaxIDsPerCall)
	}
	g := in.Group
	now := s.NowMillis()
	if g.CreateTime == 0 {
		g.CreateTime = now
	}
	g.CreatorUserID = a.UserID
	if a.Admin {
		g.CreatorUserID = in.OwnerUserID
	}
	g.OwnerUserID = in.OwnerUserID
	g.Status = StatusNormal
	g.DataSeq = 1
	if g.MemberCountLimit == 0 {
		g.MemberCountLimit = s.limits.DefaultMemberCountLimit
	}
	if g.Notification != "" {
		g.NotificationUpdateTime = now
		g.NotificationUserID = a.UserID
	}
	pickID := g.GroupID == ""
	for attempt := 0; ; attempt++ {
		if pickID {
			g.GroupID = newGroupID(in.IDStyle)
		}
		var failed []ItemError
		var count int64
		err := s.store.Write(ctx, func(tx Tx) error {
			var err error
			failed, count, err = s.createInTx(ctx, tx, a, g, in, roles, now)
			return err
		})
		if pickID && errors.Is(err, ErrGroupExists) && attempt < 8 {
			continue
		}
		if err != nil {
			return Group{}, nil, err
		}
		g.MemberCount = count
		return g, failed, nil
	}
}

// initialRoles orders the initial members: owner first, then admins, then
// members, rejecting an ID listed twice.
func initialRoles(in CreateGroupInput) ([]Member, error) {
	seen := map[string]bool{in.OwnerUserID: true}
	out := []Member{{UserID: in.OwnerUserID, RoleLevel: RoleOwner}}
	add := func(ids []string, role int) error {
		for _, id := range ids {
			if seen[id] {
				return Errorf(KindInvalid, "user %s is listed twice (owner, admin and member lists must not overlap)", id)
			}
			seen[id] = true
			out = append(out, Member{UserID: id, RoleLevel: role})
		}
		return nil
	}
	if err := add(in.AdminUserIDs, RoleAdmin); err != nil {
		return nil, err
	}
	if err := add(in.MemberUserIDs, RoleMember); err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Service) createInTx(ctx context.Context, tx Tx, a Actor, g Group, in CreateGroupInput, roles []Member, now int64) ([]ItemError, int64, error) {
	ids := make([]string, len(roles))
	for i, m := range roles {
		ids[i] = m.UserID
	}
	users, err := existingUsers(ctx, tx, ids)
	if err != nil {
		return nil, 0, err
	}
	if _, ok := users[in.OwnerUserID]; !ok {
		return nil, 0, Errorf(KindUserNotFound, "owner %s not found", in.OwnerUserID)
	}
	var failed []ItemError
	members := make([]Member, 0, len(roles))
	for _, m := range roles {
		if _, ok := users[m.UserID]; !ok {
			e := Errorf(KindUserNotFound, "user %s not found", m.UserID)
			if !in.Partial {
				return nil, 0, e
			}
			failed = append(failed, itemErr(m.UserID, e))
			continue
		}
		m.GroupID = g.GroupID
		m.JoinTime = now
		if in.JoinTime > 0 {
			m.JoinTime = in.JoinTime
		}
		m.JoinSource = in.JoinSource
		m.InviterUserID = in.OwnerUserID
		m.OperatorUserID = in.OwnerUserID
		if m.RoleLevel == RoleOwner {
			m.InviterUserID = ""
		}
		if f, ok := in.Fields[m.UserID]; ok {
			if err := s.applyFields(&m, f); err != nil {
				return nil, 0, err
			}
		}
		members = append(members, m)
	}
	if _, err := tx.GetGroup(ctx, g.GroupID); err == nil {
		return nil, 0, &Error{Kind: KindGroupExists, Message: "group " + g.GroupID + " exists", Cause: ErrGroupExists}
	} else if !errors.Is(err, ErrNotFound) {
		return nil, 0, storeErr(err, "read group")
	}
	if err := tx.InsertGroup(ctx, g); err != nil {
		return nil, 0, storeErr(err, "insert group")
	}
	if err := s.addMembers(ctx, tx, g, members); err != nil {
		return nil, 0, err
	}
	if len(in.Attributes) > 0 {
		if err := tx.PutAttributes(ctx, g.GroupID, in.Attributes); err != nil {
			return nil, 0, storeErr(err, "put attributes")
		}
	}
	created := g
	created.MemberCount = int64(len(members))
	if err := s.emit(ctx, tx, a, EventGroupCreated, g.GroupID, memberIDs(members), EventData{Group: &created,
		Members: members, Attributes: in.Attributes, JoinKind: JoinKindCreate}); err != nil {
		return nil, 0, err
	}
	return failed, int64(len(members)), nil
}

func memberIDs(ms []Member) []string {
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.UserID
	}
	return ids
}

func (s *Service) checkGroupData(g Group) error {
	checks := []struct {
		field string
		v     string
		max   int
	}{
		{"groupName", g.Name, s.limits.MaxNameLen},
		{"notification", g.Notification, s.limits.MaxTextLen},
		{"introduction", g.Introduction, s.limits.MaxTextLen},
		{"faceURL", g.FaceURL, s.limits.MaxTextLen},
		{"ex", g.Ex, s.limits.MaxTextLen},
	}
	for _, c := range checks {
		if err := s.checkText(c.field, c.v, c.max); err != nil {
			return err
		}
	}
	if g.NeedVerification < VerifyApplyNeedApproval || g.NeedVerification > VerifyInviteOnly {
		return Errorf(KindInvalid, "needVerification %d is not 0, 1 or 2", g.NeedVerification)
	}
	if g.MemberCountLimit < 0 {
		return Errorf(KindInvalid, "member count limit is negative")
	}
	if g.InviteMode < 0 || g.InviteMode > 1 {
		return Errorf(KindInvalid, "invite mode %d is not 0 or 1", g.InviteMode)
	}
	if g.BeInvitedMode < 0 || g.BeInvitedMode > 1 {
		return Errorf(KindInvalid, "be-invited mode %d is not 0 or 1", g.BeInvitedMode)
	}
	if g.NumberMessage < 0 {
		return Errorf(KindInvalid, "number of messages is negative")
	}
	return nil
}

// GetGroups returns the groups among ids that exist, in the order asked.
func (s *Service) GetGroups(ctx context.Context, a Actor, ids []string) ([]Group, error) {
	if err := s.checkIDList("groupID", ids, false); err != nil {
		return nil, err
	}
	return s.groupsInOrder(ctx, s.store, ids)
}

func (s *Service) groupsInOrder(ctx context.Context, r Reader, ids []string) ([]Group, error) {
	groups, err := r.GetGroups(ctx, ids)
	if err != nil {
		return nil, storeErr(err, "read groups")
	}
	byID := make(map[string]Group, len(groups))
	for _, g := range groups {
		byID[g.GroupID] = g
	}
	out := make([]Group, 0, len(groups))
	for _, id := range ids {
		if g, ok := byID[id]; ok {
			out = append(out, g)
		}
	}
	return out, nil
}

// GetGroup returns one group.
func (s *Service) GetGroup(ctx context.Context, a Actor, groupID string) (Group, error) {
	if err := s.checkID("groupID", groupID); err != nil {
		return Group{}, err
	}
	return s.getGroup(ctx, groupID)
}

// JoinedGroups pages the groups userID is a member of, in join order (the
// user themself or an app admin).
func (s *Service) JoinedGroups(ctx context.Context, a Actor, userID string, page Page) ([]Group, int64, error) {
	if err := s.checkID("userID", userID); err != nil {
		return nil, 0, err
	}
	if err := requireSelfOrAdmin(a, userID); err != nil {
		return nil, 0, err
	}
	if err := CheckPage(page); err != nil {
		return nil, 0, err
	}
	if _, err := requireUser(ctx, s.store, userID); err != nil {
		return nil, 0, err
	}
	ids, total, err := s.store.JoinedGroupIDPage(ctx, userID, page)
	if err != nil {
		return nil, 0, storeErr(err, "list joined groups")
	}
	groups, err := s.groupsInOrder(ctx, s.store, ids)
	return groups, total, err
}

func groupIDsOf(ms []Member) []string {
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.GroupID
	}
	return ids
}

// GroupPatch changes a group's own data and limits; nil fields stay unchanged.
type GroupPatch struct {
	Name              *string
	Notification      *string
	Introduction      *string
	FaceURL           *string
	Ex                *string
	NeedVerification  *int
	LookMemberInfo    *int
	ApplyMemberFriend *int
	MemberCountLimit  *int64
	InviteMode        *int
	BeInvitedMode     *int
	NumberMessage     *int64
}

// UpdateGroup applies a patch (owner, admins, app admins). Every call that
// changes something raises DataSeq by one.
func (s *Service) UpdateGroup(ctx context.Context, a Actor, groupID string, p GroupPatch) error {
	if err := s.checkID("groupID", groupID); err != nil {
		return err
	}
	return s.store.Write(ctx, func(tx Tx) error {
		g, err := lockLiveGroup(ctx, tx, groupID)
		if err != nil {
			return err
		}
		if _, err := requireManager(ctx, tx, groupID, a); err != nil {
			return err
		}
		old := g
		applyString(&g.Name, p.Name)
		applyString(&g.Introduction, p.Introduction)
		applyString(&g.FaceURL, p.FaceURL)
		applyString(&g.Ex, p.Ex)
		applyInt(&g.NeedVerification, p.NeedVerification)
		applyInt(&g.LookMemberInfo, p.LookMemberInfo)
		applyInt(&g.ApplyMemberFriend, p.ApplyMemberFriend)
		applyInt(&g.InviteMode, p.InviteMode)
		applyInt(&g.BeInvitedMode, p.BeInvitedMode)
		if p.MemberCountLimit != nil {
			g.MemberCountLimit = *p.MemberCountLimit
		}
		if p.NumberMessage != nil {
			g.NumberMessage = *p.NumberMessage
		}
		if p.Notification != nil {
			g.Notification = *p.Notification
			g.NotificationUpdateTime = s.NowMillis()
			g.NotificationUserID = a.UserID
		}
		if err := s.checkGroupData(g); err != nil {
			return err
		}
		if sameGroupData(old, g) {
			return nil
		}
		if err := s.saveGroupData(ctx, tx, g); err != nil {
			return err
		}
		g.DataSeq++ // as saved
		return s.emit(ctx, tx, a, EventGroupUpdated, groupID, nil, EventData{Group: &g, GroupPatch: &p})
	})
}

// saveGroupData writes a changed group, raising DataSeq and logging the
// change for incremental sync.
func (s *Service) saveGroupData(ctx context.Context, tx Tx, g Group) error {
	g.DataSeq++
	if err := tx.UpdateGroup(ctx, g); err != nil {
		return storeErr(err, "update group")
	}
	return s.logGroupUpdate(ctx, tx, g.GroupID)
}

func sameGroupData(a, b Group) bool {
	return a.Name == b.Name && a.Notification == b.Notification && a.Introduction == b.Introduction &&
		a.FaceURL == b.FaceURL && a.Ex == b.Ex && a.NeedVerification == b.NeedVerification &&
		a.LookMemberInfo == b.LookMemberInfo && a.ApplyMemberFriend == b.ApplyMemberFriend &&
		a.MemberCountLimit == b.MemberCountLimit && a.InviteMode == b.InviteMode &&
		a.BeInvitedMode == b.BeInvitedMode && a.NumberMessage == b.NumberMessage &&
		a.NotificationUpdateTime == b.NotificationUpdateTime && a.NotificationUserID == b.NotificationUserID &&
		a.MuteAll == b.MuteAll && slices.Equal(a.MutedRoles, b.MutedRoles) && a.MuteUntil == b.MuteUntil
}

// DismissGroup ends a group (owner or app admin). With deleteMembers the
// memberships go; without, they stay readable but the group refuses changes.
// A dismissed group is refused again (KindDismissed) unless deleteMembers
// asks to remove members it kept, as OpenIM allows.
func (s *Service) DismissGroup(ctx context.Context, a Actor, groupID string, deleteMembers bool) error {
	if err := s.checkID("groupID", groupID); err != nil {
		return err
	}
	return s.store.Write(ctx, func(tx Tx) error {
		g, err := lockGroup(ctx, tx, groupID)
		if err != nil {
			return err
		}
		if !a.Admin && g.OwnerUserID != a.UserID {
			return Errorf(KindNoPermission, "only the owner may dismiss group %s", groupID)
		}
		switch {
		case g.Status != StatusDismissed:
			g.Status = StatusDismissed
			if err := s.saveGroupData(ctx, tx, g); err != nil {
				return err
			}
		case !deleteMembers || g.MemberCount == 0:
			return Errorf(KindDismissed, "group %s is dismissed", groupID)
		}
		ids, err := tx.MemberUserIDs(ctx, groupID)
		if err != nil {
			return storeErr(err, "read members")
		}
		if !deleteMembers {
			return s.emit(ctx, tx, a, EventGroupDismissed, groupID, ids, EventData{Group: &g, UserIDs: ids})
		}
		if _, err := tx.DeleteAllMembers(ctx, groupID); err != nil {
			return storeErr(err, "delete members")
		}
		if err := s.logMembership(ctx, tx, groupID, OpDelete, ids); err != nil {
			return err
		}
		g.MemberCount = 0
		return s.emit(ctx, tx, a, EventGroupDismissed, groupID, ids, EventData{Group: &g, UserIDs: ids, MembersDeleted: true})
	})
}

// TransferOwner hands a group to newOwner, a member (the old owner or an app
// admin). The new owner's mute is cleared; the old owner takes the new
// owner's previous role.
func (s *Service) TransferOwner(ctx context.Context, a Actor, groupID, oldOwner, newOwner string) error {
	for _, c := range [][2]string{{"groupID", groupID}, {"newOwnerUserID", newOwner}} {
		if err := s.checkID(c[0], c[1]); err != nil {
			return err
		}
	}
	return s.store.Write(ctx, func(tx Tx) error {
		g, err := lockLiveGroup(ctx, tx, groupID)
		if err != nil {
			return err
		}
		if oldOwner != "" && oldOwner != g.OwnerUserID {
			return Errorf(KindNoPermission, "user %s is not the owner of group %s", oldOwner, groupID)
		}
		if !a.Admin && a.UserID != g.OwnerUserID {
			return Errorf(KindNoPermission, "only the owner may transfer group %s", groupID)
		}
		if newOwner == g.OwnerUserID {
			return Errorf(KindInvalid, "user %s already owns group %s", newOwner, groupID)
		}
		next, ok, err := member(ctx, tx, groupID, newOwner)
		if err != nil {
			return err
		}
		if !ok {
			return notMember(groupID, newOwner)
		}
		prev, ok, err := member(ctx, tx, groupID, g.OwnerUserID)
		if err != nil {
			return err
		}
		if ok {
			prev.RoleLevel, prev.CustomRole = next.RoleLevel, next.CustomRole
			if err := tx.UpdateMember(ctx, prev); err != nil {
				return storeErr(err, "update member")
			}
		}
		next.RoleLevel, next.CustomRole, next.MuteEndTime = RoleOwner, 0, 0
		if err := tx.UpdateMember(ctx, next); err != nil {
			return storeErr(err, "update member")
		}
		oldOwnerID := g.OwnerUserID
		g.OwnerUserID = newOwner
		if err := s.saveGroupData(ctx, tx, g); err != nil {
			return err
		}
		if err := s.logRoleChange(ctx, tx, groupID, []string{prev.UserID, newOwner}); err != nil {
			return err
		}
		g.DataSeq++ // as saved
		changed := []Member{next}
		if ok {
			changed = append(changed, prev)
		}
		return s.emit(ctx, tx, a, EventOwnerTransferred, groupID, []string{oldOwnerID, newOwner},
			EventData{Group: &g, Members: changed, OldOwner: oldOwnerID, NewOwner: newOwner})
	})
}
