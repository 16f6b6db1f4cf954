package domain

import (
	"context"
	"errors"
)

// JoinInput is one application to join a group.
type JoinInput struct {
	GroupID    string
	UserID     string // the applicant; "" = the actor
	ReqMsg     string
	JoinSource int
	// InviterUserID is recorded with a direct join (OpenIM's clients send
	// the applicant here); it must be set with JoinSourceInvitation.
	InviterUserID string
	Ex            string
	// Fields optionally sets the member's own data on a direct join.
	Fields *MemberFields
}

// JoinGroup applies to join a group. The applicant is the actor (app admins
// may name another user). needVerification 2 joins directly; 0 and 1 file a
// pending request (replacing an earlier one); invite-only groups refuse.
// It reports whether the user joined directly.
func (s *Service) JoinGroup(ctx context.Context, a Actor, in JoinInput) (bool, error) {
	if in.UserID == "" {
		in.UserID = a.UserID
	}
	if err := s.checkJoin(a, in); err != nil {
		return false, err
	}
	joined := false
	err := s.store.Write(ctx, func(tx Tx) error {
		joined = false
		if _, err := requireUser(ctx, tx, in.UserID); err != nil {
			return err
		}
		g, err := lockLiveGroup(ctx, tx, in.GroupID)
		if err != nil {
			return err
		}
		if _, ok, err := member(ctx, tx, in.GroupID, in.UserID); err != nil {
			return err
		} else if ok {
			return Errorf(KindAlreadyMember, "user %s is already in group %s", in.UserID, in.GroupID)
		}
		now := s.NowMillis()
		switch g.NeedVerification {
		case VerifyInviteOnly:
			return Errorf(KindNoPermission, "group %s can be joined only by invitation", in.GroupID)
		case VerifyDirect:
			joined = true
			m := Member{GroupID: in.GroupID, UserID: in.UserID, RoleLevel: RoleMember, JoinTime: now,
				JoinSource: in.JoinSource, InviterUserID: in.InviterUserID, OperatorUserID: a.UserID, Ex: in.Ex}
			if in.Fields != nil {
				if err := s.applyFields(&m, *in.Fields); err != nil {
					return err
				}
			}
			if err := s.addMembers(ctx, tx, g, []Member{m}); err != nil {
				return err
			}
			return s.emitJoined(ctx, tx, a, g, []Member{m}, JoinKindApply, in.ReqMsg)
		}
		inviter := in.InviterUserID
		if inviter == in.UserID {
			inviter = "" // an application names no inviter, as OpenIM files it
		}
		r := GroupRequest{GroupID: in.GroupID, UserID: in.UserID, HandleResult: RequestPending, ReqMsg: in.ReqMsg,
			ReqTime: now, JoinSource: in.JoinSource, InviterUserID: inviter, Ex: in.Ex}
		if err := tx.PutRequest(ctx, r); err != nil {
			return storeErr(err, "put request")
		}
		return s.emit(ctx, tx, a, EventRequestCreated, in.GroupID, []string{in.UserID}, EventData{Requests: []GroupRequest{r}})
	})
	return joined, err
}

func (s *Service) checkJoin(a Actor, in JoinInput) error {
	if err := s.checkID("groupID", in.GroupID); err != nil {
		return err
	}
	if err := s.checkID("userID", in.UserID); err != nil {
		return err
	}
	if err := requireSelfOrAdmin(a, in.UserID); err != nil {
		return err
	}
	if in.JoinSource < JoinSourceAdmin || in.JoinSource > JoinSourceQRCode {
		return Errorf(KindInvalid, "joinSource %d is not 1, 2, 3 or 4", in.JoinSource)
	}
	if in.JoinSource == JoinSourceInvitation && in.InviterUserID == "" {
		return Errorf(KindInvalid, "inviterUserID is required when joinSource is 2")
	}
	if in.InviterUserID != "" {
		if err := s.checkID("inviterUserID", in.InviterUserID); err != nil {
			return err
		}
	}
	if err := s.checkText("reqMessage", in.ReqMsg, s.limits.MaxTextLen); err != nil {
		return err
	}
	return s.checkText("ex", in.Ex, s.limits.MaxTextLen)
}

// addMembers inserts members into a locked group within its member limit
// and logs the change.
func (s *Service) addMembers(ctx context.Context, tx Tx, g Group, ms []Member) error {
	if g.MemberCountLimit > 0 && g.MemberCount+int64(len(ms)) > g.MemberCountLimit {
		return Errorf(KindLimitReached, "group %s has %d of at most %d members; %d more do not fit",
			g.GroupID, g.MemberCount, g.MemberCountLimit, len(ms))
	}
	if err := tx.InsertMembers(ctx, ms); err != nil {
		return storeErr(err, "insert members")
	}
	return s.logMembership(ctx, tx, g.GroupID, OpInsert, memberIDs(ms))
}

// HandleRequest agrees to (result 1) or refuses (result -1) a pending
// request (owner, admins, app admins). A handled request answers KindHandled.
// fields optionally sets the new member's own data (at most one).
func (s *Service) HandleRequest(ctx context.Context, a Actor, groupID, userID, msg string, result int, fields ...MemberFields) error {
	if err := s.checkID("groupID", groupID); err != nil {
		return err
	}
	if err := s.checkID("fromUserID", userID); err != nil {
		return err
	}
	if result != RequestAgreed && result != RequestRefused {
		return Errorf(KindInvalid, "handleResult %d is not 1 or -1", result)
	}
	if err := s.checkText("handledMsg", msg, s.limits.MaxTextLen); err != nil {
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
		r, err := tx.GetRequest(ctx, groupID, userID)
		if errors.Is(err, ErrNotFound) {
			return Errorf(KindNotFound, "no request from user %s to group %s", userID, groupID)
		}
		if err != nil {
			return storeErr(err, "read request")
		}
		if r.HandleResult != RequestPending {
			return Errorf(KindHandled, "the request from user %s to group %s is handled already", userID, groupID)
		}
		now := s.NowMillis()
		r.HandleResult, r.HandleMsg, r.HandleUserID, r.HandleTime = result, msg, a.UserID, now
		if err := tx.PutRequest(ctx, r); err != nil {
			return storeErr(err, "update request")
		}
		if err := s.emit(ctx, tx, a, EventRequestHandled, groupID, []string{userID}, EventData{Requests: []GroupRequest{r}}); err != nil {
			return err
		}
		if result == RequestRefused {
			return nil
		}
		if _, ok, err := member(ctx, tx, groupID, userID); err != nil || ok {
			return err
		}
		if _, err := requireUser(ctx, tx, userID); err != nil {
			return err
		}
		m := Member{GroupID: groupID, UserID: userID, RoleLevel: RoleMember, JoinTime: now, JoinSource: r.JoinSource,
			InviterUserID: r.InviterUserID, OperatorUserID: a.UserID, Ex: r.Ex}
		for _, f := range fields {
			if err := s.applyFields(&m, f); err != nil {
				return err
			}
		}
		if err := s.addMembers(ctx, tx, g, []Member{m}); err != nil {
			return err
		}
		return s.emitJoined(ctx, tx, a, g, []Member{m}, JoinKindApproved, r.ReqMsg)
	})
}

// RequestFilter narrows a request list.
type RequestFilter struct {
	GroupIDs      []string
	HandleResults []int
	Page          Page
}

func (s *Service) checkRequestFilter(f RequestFilter) error {
	if err := s.checkIDList("groupID", f.GroupIDs, true); err != nil {
		return err
	}
	for _, r := range f.HandleResults {
		if r != RequestPending && r != RequestAgreed && r != RequestRefused {
			return Errorf(KindInvalid, "handleResult %d is not 0, 1 or -1", r)
		}
	}
	return CheckPage(f.Page)
}

// ReceivedRequests pages the requests to the groups userID owns or
// administers, newest first (the user themself or an app admin).
func (s *Service) ReceivedRequests(ctx context.Context, a Actor, userID string, f RequestFilter) ([]RequestInfo, int64, error) {
	if err := s.checkID("fromUserID", userID); err != nil {
		return nil, 0, err
	}
	if err := requireSelfOrAdmin(a, userID); err != nil {
		return nil, 0, err
	}
	if err := s.checkRequestFilter(f); err != nil {
		return nil, 0, err
	}
	managed, err := s.managedGroups(ctx, userID, f.GroupIDs)
	if err != nil || len(managed) == 0 {
		return []RequestInfo{}, 0, err
	}
	return s.listRequests(ctx, RequestQuery{GroupIDs: managed, HandleResults: f.HandleResults, Page: f.Page})
}

// RequestInfo is a group request with the applicant's profile and the
// group, as request lists show them.
type RequestInfo struct {
	GroupRequest
	User  User  // the applicant; only UserID is set if the user is gone
	Group Group // the group applied to
}

// listRequests runs q and adds the applicants' profiles and the groups.
func (s *Service) listRequests(ctx context.Context, q RequestQuery) ([]RequestInfo, int64, error) {
	reqs, total, err := s.store.ListRequests(ctx, q)
	if err != nil {
		return nil, 0, storeErr(err, "list requests")
	}
	infos, err := s.requestInfos(ctx, reqs)
	return infos, total, err
}

func (s *Service) requestInfos(ctx context.Context, reqs []GroupRequest) ([]RequestInfo, error) {
	out := make([]RequestInfo, len(reqs))
	if len(reqs) == 0 {
		return out, nil
	}
	var userIDs, groupIDs []string
	seenU, seenG := map[string]bool{}, map[string]bool{}
	for _, r := range reqs {
		if !seenU[r.UserID] {
			seenU[r.UserID] = true
			userIDs = append(userIDs, r.UserID)
		}
		if !seenG[r.GroupID] {
			seenG[r.GroupID] = true
			groupIDs = append(groupIDs, r.GroupID)
		}
	}
	users, err := existingUsers(ctx, s.store, userIDs)
	if err != nil {
		return nil, err
	}
	groups, err := s.store.GetGroups(ctx, groupIDs)
	if err != nil {
		return nil, storeErr(err, "read groups")
	}
	byID := make(map[string]Group, len(groups))
	for _, g := range groups {
		byID[g.GroupID] = g
	}
	for i, r := range reqs {
		u, ok := users[r.UserID]
		if !ok {
			u = User{UserID: r.UserID}
		}
		out[i] = RequestInfo{GroupRequest: r, User: u, Group: byID[r.GroupID]}
	}
	return out, nil
}

// managedGroups returns the groups userID owns or administers, narrowed to
// only when only is not empty.
func (s *Service) managedGroups(ctx context.Context, userID string, only []string) ([]string, error) {
	var ms []Member
	var err error
	if len(only) > 0 {
		ms, err = s.membershipsIn(ctx, userID, only)
	} else {
		ms, _, err = s.store.ListJoined(ctx, userID, Page{Limit: 1 << 30})
	}
	if err != nil {
		return nil, storeErr(err, "read memberships")
	}
	var out []string
	for _, m := range ms {
		if m.RoleLevel >= RoleAdmin {
			out = append(out, m.GroupID)
		}
	}
	return out, nil
}

func (s *Service) membershipsIn(ctx context.Context, userID string, groupIDs []string) ([]Member, error) {
	out := make([]Member, 0, len(groupIDs))
	for _, gid := range groupIDs {
		m, ok, err := member(ctx, s.store, gid, userID)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, m)
		}
	}
	return out, nil
}

// UserRequests pages the requests userID made, newest first (the user
// themself or an app admin).
func (s *Service) UserRequests(ctx context.Context, a Actor, userID string, f RequestFilter) ([]RequestInfo, int64, error) {
	if err := s.checkID("userID", userID); err != nil {
		return nil, 0, err
	}
	if err := requireSelfOrAdmin(a, userID); err != nil {
		return nil, 0, err
	}
	if err := s.checkRequestFilter(f); err != nil {
		return nil, 0, err
	}
	return s.listRequests(ctx, RequestQuery{UserID: userID, GroupIDs: f.GroupIDs, HandleResults: f.HandleResults, Page: f.Page})
}

// GroupRequests returns the requests to one group, newest first, optionally
// only from userIDs (owner, admins, app admins).
func (s *Service) GroupRequests(ctx context.Context, a Actor, groupID string, userIDs []string, page Page) ([]RequestInfo, int64, error) {
	if err := s.checkID("groupID", groupID); err != nil {
		return nil, 0, err
	}
	if err := s.checkIDList("userID", userIDs, true); err != nil {
		return nil, 0, err
	}
	if _, err := s.getGroup(ctx, groupID); err != nil {
		return nil, 0, err
	}
	if _, err := requireManager(ctx, s.store, groupID, a); err != nil {
		return nil, 0, err
	}
	if err := CheckPage(page); err != nil {
		return nil, 0, err
	}
	return s.listRequests(ctx, RequestQuery{GroupIDs: []string{groupID}, UserIDs: userIDs, Page: page})
}

// UserGroupRequest returns userID's request to groupID, as a list of none
// or one (the applicant themself, the group's owner and admins, app admins).
func (s *Service) UserGroupRequest(ctx context.Context, a Actor, groupID, userID string) ([]RequestInfo, error) {
	if err := s.checkID("groupID", groupID); err != nil {
		return nil, err
	}
	if err := s.checkID("userID", userID); err != nil {
		return nil, err
	}
	if _, err := s.getGroup(ctx, groupID); err != nil {
		return nil, err
	}
	if a.UserID != userID {
		if _, err := requireManager(ctx, s.store, groupID, a); err != nil {
			return nil, err
		}
	}
	r, err := s.store.GetRequest(ctx, groupID, userID)
	if errors.Is(err, ErrNotFound) {
		return []RequestInfo{}, nil
	}
	if err != nil {
		return nil, storeErr(err, "read request")
	}
	return s.requestInfos(ctx, []GroupRequest{r})
}

// UnhandledRequestCount counts pending requests newer than since (Unix ms)
// to the groups userID manages.
func (s *Service) UnhandledRequestCount(ctx context.Context, a Actor, userID string, since int64) (int64, error) {
	if err := s.checkID("userID", userID); err != nil {
		return 0, err
	}
	if err := requireSelfOrAdmin(a, userID); err != nil {
		return 0, err
	}
	managed, err := s.managedGroups(ctx, userID, nil)
	if err != nil || len(managed) == 0 {
		return 0, err
	}
	reqs, _, err := s.store.ListRequests(ctx, RequestQuery{GroupIDs: managed, HandleResults: []int{RequestPending}, Page: Page{Limit: 1 << 30}})
	if err != nil {
		return 0, storeErr(err, "list requests")
	}
	var n int64
	for _, r := range reqs {
		if r.ReqTime > since {
			n++
		}
	}
	return n, nil
}
