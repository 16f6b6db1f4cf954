package domain

import (
	"context"
)

// InviteInput is one call adding users to a group.
type InviteInput struct {
	GroupID string
	UserIDs []string
	Reason  string
	// Partial adds the users it can and reports the rest (ZIM); otherwise
	// any bad user fails the whole call (OpenIM).
	Partial bool
	// JoinTimes optionally sets each user's join time (ZIM EnterGroupTime).
	JoinTimes map[string]int64
	// Fields optionally sets new members' own data, by user ID.
	Fields map[string]MemberFields
}

// MemberFields sets a new member's own data as it joins (nil = the
// default), e.g. as an OpenIM beforeMemberJoinGroup callback amends it. The
// owner stays owner; others may join as RoleAdmin or RoleMember.
type MemberFields struct {
	Nickname    *string
	FaceURL     *string
	Ex          *string
	RoleLevel   *int
	MuteEndTime *int64 // Unix ms; 0 = not muted
}

// applyFields checks f and applies it to a joining member.
func (s *Service) applyFields(m *Member, f MemberFields) error {
	p := MemberPatch{GroupID: m.GroupID, UserID: m.UserID, Nickname: f.Nickname, FaceURL: f.FaceURL, Ex: f.Ex}
	if f.RoleLevel != nil && *f.RoleLevel != m.RoleLevel {
		if m.RoleLevel == RoleOwner {
			return Errorf(KindInvalid, "the owner %s joins as owner, not with roleLevel %d", m.UserID, *f.RoleLevel)
		}
		p.RoleLevel = f.RoleLevel
	}
	if err := s.checkMemberPatch(p); err != nil {
		return err
	}
	if f.MuteEndTime != nil && *f.MuteEndTime < 0 {
		return Errorf(KindInvalid, "muteEndTime %d is negative", *f.MuteEndTime)
	}
	for _, v := range []struct {
		dst *string
		src *string
	}{{&m.Nickname, f.Nickname}, {&m.FaceURL, f.FaceURL}, {&m.Ex, f.Ex}} {
		if v.src != nil {
			*v.dst = *v.src
		}
	}
	if p.RoleLevel != nil {
		m.RoleLevel = *p.RoleLevel
	}
	if f.MuteEndTime != nil {
		m.MuteEndTime = *f.MuteEndTime
	}
	return nil
}

// InviteResult says what an invitation did.
type InviteResult struct {
	Added     []string    // became members
	Requested []string    // got a pending request instead (needs approval)
	Failed    []ItemError // only with Partial
}

// InviteMembers adds users to a group. The caller must be a member (or app
// admin). Under needVerification 1 an ordinary member's invitation turns
// into requests; under InviteMode 1 ordinary members may not invite.
func (s *Service) InviteMembers(ctx context.Context, a Actor, in InviteInput) (InviteResult, error) {
	if err := s.checkID("groupID", in.GroupID); err != nil {
		return InviteResult{}, err
	}
	if err := s.checkIDList("invitedUserID", in.UserIDs, false); err != nil {
		return InviteResult{}, err
	}
	if err := s.checkText("reason", in.Reason, s.limits.MaxTextLen); err != nil {
		return InviteResult{}, err
	}
	var res InviteResult
	err := s.store.Write(ctx, func(tx Tx) error {
		res = InviteResult{}
		g, err := lockLiveGroup(ctx, tx, in.GroupID)
		if err != nil {
			return err
		}
		role, err := requireMember(ctx, tx, in.GroupID, a)
		if err != nil {
			return err
		}
		ordinary := !a.Admin && role < RoleAdmin
		if ordinary && g.InviteMode == 1 {
			return Errorf(KindNoPermission, "only the owner and admins may invite to group %s", in.GroupID)
		}
		candidates, err := s.inviteCandidates(ctx, tx, in, &res)
		if err != nil {
			return err
		}
		if len(candidates) == 0 {
			return nil
		}
		now := s.NowMillis()
		if ordinary && (g.NeedVerification == VerifyAllNeedApproval) {
			return s.requestFor(ctx, tx, in, candidates, a.UserID, now, &res)
		}
		members := make([]Member, len(candidates))
		for i, id := range candidates {
			jt := now
			if t, ok := in.JoinTimes[id]; ok && t > 0 {
				jt = t
			}
			members[i] = Member{GroupID: in.GroupID, UserID: id, RoleLevel: RoleMember, JoinTime: jt,
				JoinSource: JoinSourceInvitation, InviterUserID: a.UserID, OperatorUserID: a.UserID}
			if f, ok := in.Fields[id]; ok {
				if err := s.applyFields(&members[i], f); err != nil {
					return err
				}
			}
		}
		res.Added = candidates
		if err := s.addMembers(ctx, tx, g, members); err != nil {
			return err
		}
		return s.emitJoined(ctx, tx, a, g, members, JoinKindInvite, in.Reason)
	})
	return res, err
}

// inviteCandidates drops unknown users and existing members: errors without
// Partial, reported in res.Failed with it.
func (s *Service) inviteCandidates(ctx context.Context, tx Tx, in InviteInput, res *InviteResult) ([]string, error) {
	users, err := existingUsers(ctx, tx, in.UserIDs)
	if err != nil {
		return nil, err
	}
	existing, err := tx.GetMembers(ctx, in.GroupID, in.UserIDs)
	if err != nil {
		return nil, storeErr(err, "read members")
	}
	isMember := make(map[string]bool, len(existing))
	for _, m := range existing {
		isMember[m.UserID] = true
	}
	out := make([]string, 0, len(in.UserIDs))
	for _, id := range in.UserIDs {
		var e error
		switch {
		case users[id].UserID == "":
			e = Errorf(KindUserNotFound, "user %s not found", id)
		case isMember[id]:
			e = Errorf(KindAlreadyMember, "user %s is already in group %s", id, in.GroupID)
		}
		if e == nil {
			out = append(out, id)
			continue
		}
		if !in.Partial {
			return nil, e
		}
		res.Failed = append(res.Failed, itemErr(id, e))
	}
	return out, nil
}

// requestFor files pending requests instead of adding members.
func (s *Service) requestFor(ctx context.Context, tx Tx, in InviteInput, ids []string, inviter string, now int64, res *InviteResult) error {
	reqs := make([]GroupRequest, 0, len(ids))
	for _, id := range ids {
		r := GroupRequest{GroupID: in.GroupID, UserID: id, HandleResult: RequestPending, ReqMsg: in.Reason,
			ReqTime: now, JoinSource: JoinSourceInvitation, InviterUserID: inviter}
		if err := tx.PutRequest(ctx, r); err != nil {
			return storeErr(err, "put request")
		}
		reqs = append(reqs, r)
	}
	res.Requested = ids
	return s.emit(ctx, tx, Actor{UserID: inviter}, EventRequestCreated, in.GroupID, ids, EventData{Requests: reqs, Reason: in.Reason})
}

func kickRule(a Actor, role int, g Group, byID map[string]Member, id string, serverOp bool) error {
	m, ok := byID[id]
	switch {
	case serverOp && !ok:
		return notMember(g.GroupID, id)
	case serverOp:
		return nil
	case id == a.UserID:
		return Errorf(KindNoPermission, "user %s may not kick themself", id).withDetail(ErrTargetSelf)
	case !ok:
		return notMember(g.GroupID, id)
	case m.RoleLevel == RoleOwner:
		return Errorf(KindNoPermission, "the owner of group %s cannot be kicked", g.GroupID).withDetail(ErrTargetOwner)
	case a.Admin || role == RoleOwner:
		return nil
	case m.RoleLevel >= RoleAdmin:
		return Errorf(KindNoPermission, "an admin may kick only ordinary members; %s is an admin", id)
	}
	return nil
}

// QuitGroup removes userID (the caller, or anyone for app admins) from a
// group. The owner cannot quit. A dismissed group whose members were kept
// can still be left, as in OpenIM, so that clients can clear it away.
func (s *Service) QuitGroup(ctx context.Context, a Actor, groupID, userID string) error {
	if userID == "" {
		userID = a.UserID
	}
	if err := s.checkID("groupID", groupID); err != nil {
		return err
	}
	if err := requireSelfOrAdmin(a, userID); err != nil {
		return err
	}
	return s.store.Write(ctx, func(tx Tx) error {
		g, err := lockGroup(ctx, tx, groupID)
		if err != nil {
			return err
		}
		if _, ok, err := member(ctx, tx, groupID, userID); err != nil {
			return err
		} else if !ok {
			return notMember(groupID, userID)
		}
		if g.OwnerUserID == userID {
			return Errorf(KindNoPermission, "the owner cannot quit group %s; transfer it first", groupID)
		}
		if _, err := tx.DeleteMembers(ctx, groupID, []string{userID}); err != nil {
			return storeErr(err, "delete member")
		}
		if err := s.logMembership(ctx, tx, groupID, OpDelete, []string{userID}); err != nil {
			return err
		}
		g.MemberCount--
		return s.emit(ctx, tx, a, EventMemberQuit, groupID, []string{userID}, EventData{Group: &g, UserIDs: []string{userID}})
	})
}

// ListMembers pages a group's members, owner first, then admins, then
// ordinary members, each in join order (members and app admins).
func (s *Service) ListMembers(ctx context.Context, a Actor, q MemberQuery) ([]Member, int64, error) {
	if err := s.checkID("groupID", q.GroupID); err != nil {
		return nil, 0, err
	}
	if err := CheckPage(q.Page); err != nil {
		return nil, 0, err
	}
	if err := s.checkText("keyword", q.Keyword, s.limits.MaxNameLen); err != nil {
		return nil, 0, err
	}
	if _, err := s.readableGroup(ctx, a, q.GroupID); err != nil {
		return nil, 0, err
	}
	ms, total, err := s.store.ListMembers(ctx, q)
	if err != nil {
		return nil, 0, storeErr(err, "list members")
	}
	ms, err = s.withProfiles(ctx, ms)
	return ms, total, err
}

// readableGroup checks the group exists and the actor may read its members.
func (s *Service) readableGroup(ctx context.Context, a Actor, groupID string) (Group, error) {
	g, err := s.getGroup(ctx, groupID)
	if err != nil {
		return g, err
	}
	_, err = requireMember(ctx, s.store, groupID, a)
	return g, err
}

// GetMembers returns the memberships of userIDs in a group, in the order asked.
func (s *Service) GetMembers(ctx context.Context, a Actor, groupID string, userIDs []string) ([]Member, error) {
	if err := s.checkID("groupID", groupID); err != nil {
		return nil, err
	}
	if err := s.checkIDList("userID", userIDs, false); err != nil {
		return nil, err
	}
	if _, err := s.readableGroup(ctx, a, groupID); err != nil {
		return nil, err
	}
	ms, err := s.store.GetMembers(ctx, groupID, userIDs)
	if err != nil {
		return nil, storeErr(err, "read members")
	}
	byID := make(map[string]Member, len(ms))
	for _, m := range ms {
		byID[m.UserID] = m
	}
	out := make([]Member, 0, len(ms))
	for _, id := range userIDs {
		if m, ok := byID[id]; ok {
			out = append(out, m)
		}
	}
	return s.withProfiles(ctx, out)
}

// withProfiles fills empty member nicknames and face URLs from the users' profiles.
func (s *Service) withProfiles(ctx context.Context, ms []Member) ([]Member, error) {
	var need []string
	for _, m := range ms {
		if m.Nickname == "" || m.FaceURL == "" {
			need = append(need, m.UserID)
		}
	}
	if len(need) == 0 {
		return ms, nil
	}
	users, err := existingUsers(ctx, s.store, need)
	if err != nil {
		return nil, err
	}
	for i := range ms {
		u := users[ms[i].UserID]
		if ms[i].Nickname == "" {
			ms[i].Nickname = u.Nickname
		}
		if ms[i].FaceURL == "" {
			ms[i].FaceURL = u.FaceURL
		}
	}
	return ms, nil
}

// MemberUserIDs returns every member ID of a group in join order.
func (s *Service) MemberUserIDs(ctx context.Context, a Actor, groupID string) ([]string, error) {
	if err := s.checkID("groupID", groupID); err != nil {
		return nil, err
	}
	if _, err := s.readableGroup(ctx, a, groupID); err != nil {
		return nil, err
	}
	ids, err := s.store.MemberUserIDs(ctx, groupID)
	return ids, storeErr(err, "read member IDs")
}

// GroupAbstract is a group with all its members (profiles filled in), from
// which a dialect derives its summary (OpenIM's member list hash).
type GroupAbstract struct {
	Group   Group
	Members []Member
}

// GroupAbstracts returns each group with its members (the caller must be a
// member of each, or an app admin).
func (s *Service) GroupAbstracts(ctx context.Context, a Actor, groupIDs []string) ([]GroupAbstract, error) {
	if err := s.checkIDList("groupID", groupIDs, false); err != nil {
		return nil, err
	}
	out := make([]GroupAbstract, 0, len(groupIDs))
	for _, id := range groupIDs {
		g, err := s.readableGroup(ctx, a, id)
		if err != nil {
			return nil, err
		}
		ms, _, err := s.store.ListMembers(ctx, MemberQuery{GroupID: id})
		if err != nil {
			return nil, storeErr(err, "list members")
		}
		if ms, err = s.withProfiles(ctx, ms); err != nil {
			return nil, err
		}
		out = append(out, GroupAbstract{Group: g, Members: ms})
	}
	return out, nil
}

// MemberPatch changes one membership; nil fields stay unchanged.
type MemberPatch struct {
	GroupID    string
	UserID     string
	Nickname   *string
	FaceURL    *string
	Ex         *string
	RoleLevel  *int // RoleAdmin or RoleMember
	CustomRole *int // ZIM custom role ≥100, or 0 to clear
}

// SetMemberInfo applies patches to memberships in one transaction. Rules:
// nobody sets role 100 (use TransferOwner); ordinary members edit only
// themselves and never raise their role; admins edit themselves and
// ordinary members (their roles included); the owner edits anyone and sets
// others' roles; app admins do everything but make or unmake owners.
//
// Without partial any failure fails the whole call. With partial the
// patches are of one group, which must exist, be live and have the actor
// as a member (or app admin); a patch that breaks a rule (invalid, not a
// member, no permission) is skipped and reported, the others are applied.
func (s *Service) SetMemberInfo(ctx context.Context, a Actor, patches []MemberPatch, partial bool) ([]ItemError, error) {
	if len(patches) == 0 {
		return nil, Errorf(KindInvalid, "members list is empty")
	}
	if len(patches) > s.limits.MaxIDsPerCall {
		return nil, Errorf(KindInvalid, "members list has %d entries, at most %d allowed", len(patches), s.limits.MaxIDsPerCall)
	}
	groupID := patches[0].GroupID
	if partial {
		if err := s.checkID("groupID", groupID); err != nil {
			return nil, err
		}
	}
	var invalid []ItemError
	valid := make([]MemberPatch, 0, len(patches))
	for _, p := range patches {
		err := s.checkMemberPatch(p)
		if err == nil && partial && p.GroupID != groupID {
			err = Errorf(KindInvalid, "a partial call changes members of one group")
		}
		if err != nil {
			if !partial {
				return nil, err
			}
			invalid = append(invalid, itemErr(p.UserID, err))
			continue
		}
		valid = append(valid, p)
	}
	var failed []ItemError
	err := s.store.Write(ctx, func(tx Tx) error {
		failed = append([]ItemError(nil), invalid...) // fn may run again
		if partial {
			if _, err := lockLiveGroup(ctx, tx, groupID); err != nil {
				return err
			}
			if _, err := requireMember(ctx, tx, groupID, a); err != nil {
				return err
			}
		}
		for _, p := range valid {
			err := s.setMember(ctx, tx, a, p)
			switch {
			case err == nil:
			case partial && isItemKind(ErrorKind(err)):
				failed = append(failed, itemErr(p.UserID, err))
			default:
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return failed, nil
}

// isItemKind reports the error kinds that fail one item of a partial call
// rather than the whole call.
func isItemKind(k Kind) bool {
	return k == KindInvalid || k == KindNotMember || k == KindNoPermission || k == KindUserNotFound
}

func (s *Service) checkMemberPatch(p MemberPatch) error {
	if err := s.checkID("groupID", p.GroupID); err != nil {
		return err
	}
	if err := s.checkID("userID", p.UserID); err != nil {
		return err
	}
	if p.RoleLevel != nil {
		switch *p.RoleLevel {
		case RoleOwner:
			return Errorf(KindNoPermission, "roleLevel 100 cannot be set; transfer the group instead")
		case RoleAdmin, RoleMember:
		default:
			return Errorf(KindInvalid, "roleLevel %d is not 60 or 20", *p.RoleLevel)
		}
	}
	if p.CustomRole != nil && *p.CustomRole != 0 && !IsCustomRole(*p.CustomRole) {
		return Errorf(KindInvalid, "custom role %d is not a positive number other than 1, 2 and 3", *p.CustomRole)
	}
	for _, f := range []struct {
		name string
		v    *string
		max  int
	}{{"nickname", p.Nickname, s.limits.MaxNameLen}, {"faceURL", p.FaceURL, s.limits.MaxTextLen}, {"ex", p.Ex, s.limits.MaxTextLen}} {
		if f.v != nil {
			if err := s.checkText(f.name, *f.v, f.max); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *Service) setMember(ctx context.Context, tx Tx, a Actor, p MemberPatch) error {
	if _, err := lockLiveGroup(ctx, tx, p.GroupID); err != nil {
		return err
	}
	actorRole, err := actorRole(ctx, tx, p.GroupID, a)
	if err != nil {
		return err
	}
	if !a.Admin && actorRole == 0 {
		return Errorf(KindNoPermission, "user %s is not a member of group %s", a.UserID, p.GroupID).withDetail(ErrActorNotMember)
	}
	m, ok, err := member(ctx, tx, p.GroupID, p.UserID)
	if err != nil {
		return err
	}
	if !ok {
		return notMember(p.GroupID, p.UserID)
	}
	if err := memberEditRule(a, actorRole, m, p); err != nil {
		return err
	}
	old := m
	applyString(&m.Nickname, p.Nickname)
	applyString(&m.FaceURL, p.FaceURL)
	applyString(&m.Ex, p.Ex)
	applyInt(&m.RoleLevel, p.RoleLevel)
	applyInt(&m.CustomRole, p.CustomRole)
	if m.RoleLevel != RoleMember {
		m.CustomRole = 0
	}
	if m == old {
		return nil
	}
	if err := tx.UpdateMember(ctx, m); err != nil {
		return storeErr(err, "update member")
	}
	if m.RoleLevel != old.RoleLevel {
		err = s.logRoleChange(ctx, tx, p.GroupID, []string{p.UserID})
	} else {
		err = s.logMemberUpdate(ctx, tx, p.GroupID, []string{p.UserID})
	}
	if err != nil {
		return err
	}
	return s.emit(ctx, tx, a, EventMemberUpdated, p.GroupID, []string{p.UserID}, EventData{Members: []Member{m}, MemberPatch: &p})
}

func memberEditRule(a Actor, actorRole int, target Member, p MemberPatch) error {
	roleChange := (p.RoleLevel != nil && *p.RoleLevel != target.RoleLevel) ||
		(p.CustomRole != nil && *p.CustomRole != target.CustomRole)
	self := target.UserID == a.UserID
	switch {
	case roleChange && target.RoleLevel == RoleOwner && self:
		// OpenIM answers the owner's own attempt as a bad argument.
		return Errorf(KindInvalid, "the owner's role cannot be changed; transfer group %s instead", target.GroupID)
	case roleChange && target.RoleLevel == RoleOwner:
		// OpenIM lets an app admin do it and leaves the group ownerless.
		return Errorf(KindNoPermission, "the owner's role cannot be changed; transfer group %s instead", target.GroupID).withDetail(ErrTargetOwner)
	case a.Admin:
		return nil
	case self && roleChange && (p.RoleLevel == nil || *p.RoleLevel >= target.RoleLevel):
		return Errorf(KindNoPermission, "user %s may not raise their own role", a.UserID).withDetail(ErrTargetSelf)
	case self:
		return nil
	case actorRole == RoleOwner:
		return nil
	case actorRole == RoleAdmin && target.RoleLevel < RoleAdmin:
		// An admin edits ordinary members, their role included: OpenIM
		// lets an admin promote a member to admin.
		return nil
	case actorRole == RoleAdmin && target.RoleLevel == RoleOwner:
		return Errorf(KindNoPermission, "an admin may not edit the owner of group %s", target.GroupID).withDetail(ErrTargetOwner)
	case actorRole == RoleAdmin:
		return Errorf(KindNoPermission, "an admin may not edit other admins")
	}
	return Errorf(KindNoPermission, "user %s may edit only their own membership", a.UserID)
}
