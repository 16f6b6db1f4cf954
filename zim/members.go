package zim

import (
	"math"
	"strconv"

	"github.com/groupd/groupd/domain"
)

type errorUsersResponse struct {
	Envelope
	ErrorUsers []failure `json:"ErrorUsers"`
}

// inviteUsers adds users (UserIds, or GroupMemberInfos when not empty) to a
// group. FromUserId is left out of the list; users already in the group
// count as added; unregistered users are reported in ErrorUsers.
func (h *handler) inviteUsers(c *call) (response, error) {
	var req struct {
		FromUserID       string   `json:"FromUserId"`
		GroupID          string   `json:"GroupId"`
		UserIDs          []string `json:"UserIds"`
		GroupMemberInfos []struct {
			UserID         string `json:"UserId"`
			EnterGroupTime int64  `json:"EnterGroupTime"`
			IsInvite       int    `json:"IsInvite"`
		} `json:"GroupMemberInfos"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := checkID("GroupId", req.GroupID); err != nil {
		return nil, err
	}
	ids := req.UserIDs
	var joinTimes map[string]int64
	if len(req.GroupMemberInfos) > 0 {
		ids = make([]string, len(req.GroupMemberInfos))
		joinTimes = make(map[string]int64, len(req.GroupMemberInfos))
		now := h.svc.NowMillis()
		for i, m := range req.GroupMemberInfos {
			if m.EnterGroupTime < 0 || m.EnterGroupTime > now {
				return nil, paramError("EnterGroupTime of %s must be 0 or a past Unix time in ms", m.UserID)
			}
			if m.IsInvite != 0 && m.IsInvite != 1 {
				return nil, paramError("IsInvite of %s is not 0 or 1", m.UserID)
			}
			ids[i] = m.UserID
			if m.EnterGroupTime > 0 {
				joinTimes[m.UserID] = m.EnterGroupTime
			}
		}
	}
	if len(ids) == 0 {
		return nil, paramError("UserIds or GroupMemberInfos is required")
	}
	if len(ids) > maxInviteUsers {
		return nil, fail(CodeTooManyUsers, strconv.Itoa(len(ids))+" users, at most 100 may be added at once")
	}
	for _, id := range ids {
		if err := checkID("UserId", id); err != nil {
			return nil, err
		}
	}
	if err := h.limitGroup(c, req.GroupID); err != nil {
		return nil, err
	}
	a, err := h.operator(c, req.FromUserID)
	if err != nil {
		return nil, err
	}
	resp := &errorUsersResponse{ErrorUsers: []failure{}}
	ids = dedupe(ids, req.FromUserID)
	if len(ids) == 0 {
		return resp, nil
	}
	res, err := h.svc.InviteMembers(c.ctx, a, domain.InviteInput{GroupID: req.GroupID, UserIDs: ids, Partial: true, JoinTimes: joinTimes})
	if err != nil {
		return nil, err
	}
	resp.ErrorUsers = failures(c.name, res.Failed)
	if len(res.Added)+len(res.Requested) == 0 && len(resp.ErrorUsers) > 0 {
		return resp, allFailed(c.action, resp.ErrorUsers)
	}
	return resp, nil
}

type kickResponse struct {
	Envelope
	ErrorList []failure `json:"ErrorList"`
}

// kickUsers removes up to 50 members. The server may remove anyone; when the
// owner goes, the member who joined first becomes owner.
func (h *handler) kickUsers(c *call) (response, error) {
	var req struct {
		FromUserID   string   `json:"FromUserId"`
		GroupID      string   `json:"GroupId"`
		UserID       []string `json:"UserId"`
		CustomReason string   `json:"CustomReason"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := checkID("GroupId", req.GroupID); err != nil {
		return nil, err
	}
	if len(req.UserID) == 0 {
		return nil, paramError("UserId is required")
	}
	if len(req.UserID) > maxKickUsers {
		return nil, fail(CodeTooManyUsers, strconv.Itoa(len(req.UserID))+" users, at most 50 may be removed at once")
	}
	for _, id := range req.UserID {
		if err := checkID("UserId", id); err != nil {
			return nil, err
		}
	}
	if err := checkBytes("CustomReason", req.CustomReason, maxReasonLen); err != nil {
		return nil, err
	}
	a, err := h.operator(c, req.FromUserID)
	if err != nil {
		return nil, err
	}
	ids := dedupe(req.UserID, "")
	items, err := h.svc.Kick(c.ctx, a, domain.KickInput{GroupID: req.GroupID, UserIDs: ids, Reason: req.CustomReason, Partial: true, ServerOp: true})
	if err != nil {
		return nil, err
	}
	resp := &kickResponse{ErrorList: failures(c.name, items)}
	if len(items) == len(ids) && len(resp.ErrorList) > 0 {
		return resp, allFailed(c.action, resp.ErrorList)
	}
	return resp, nil
}

type memberEntry struct {
	UserID       string `json:"UserId"`
	UserName     string `json:"UserName"`
	UserNickName string `json:"UserNickName"`
	Role         int    `json:"Role"`
}

type queryGroupMemberListResponse struct {
	Envelope
	TotalCount int64         `json:"TotalCount"`
	Next       int64         `json:"Next"`
	MemberList []memberEntry `json:"MemberList"`
}

// queryGroupMemberList pages a group's members in join order.
func (h *handler) queryGroupMemberList(c *call) (response, error) {
	var req struct {
		GroupID string `json:"GroupId"`
		Limit   int    `json:"Limit"`
		Next    int64  `json:"Next"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := checkID("GroupId", req.GroupID); err != nil {
		return nil, err
	}
	if req.Limit < 0 || req.Next < 0 {
		return nil, paramError("Limit and Next must not be negative")
	}
	if req.Limit == 0 || req.Limit > maxMemberListLimit {
		req.Limit = maxMemberListLimit
	}
	page, err := h.svc.MembersAfter(c.ctx, server, req.GroupID, req.Next, req.Limit)
	if err != nil {
		return nil, err
	}
	if page.Group.Status == domain.StatusDismissed {
		return nil, domain.Errorf(domain.KindGroupNotFound, "group %s not found", req.GroupID)
	}
	resp := &queryGroupMemberListResponse{TotalCount: page.Group.MemberCount, Next: page.Next, MemberList: make([]memberEntry, 0, len(page.Members))}
	for _, m := range page.Members {
		resp.MemberList = append(resp.MemberList, memberEntry{
			UserID: m.UserID, UserName: page.Users[m.UserID].Nickname, UserNickName: m.Nickname, Role: zimRole(m),
		})
	}
	return resp, nil
}

// setGroupMemberRole makes ToUserId an admin (2), an ordinary member (3) or
// a member of a custom role (any other positive number: the reference
// recommends custom roles above 100 but does not require them).
func (h *handler) setGroupMemberRole(c *call) (response, error) {
	from, groupID, to := c.q.str("FromUserId"), c.q.str("GroupId"), c.q.str("ToUserId")
	for _, f := range [][2]string{{"FromUserId", from}, {"GroupId", groupID}, {"ToUserId", to}} {
		if err := checkID(f[0], f[1]); err != nil {
			return nil, err
		}
	}
	if !c.q.has("Role") || c.q.str("Role") == "" {
		return nil, paramError("Role is required")
	}
	role, err := c.q.int64("Role", 0)
	if err != nil {
		return nil, err
	}
	var level, custom int
	switch {
	case role == 1:
		return nil, fail(CodeRoleOwnerNotAllowed, "Role cannot be set to 1; use TransferGroupOwner")
	case role == 2:
		level = domain.RoleAdmin
	case role == 3:
		level = domain.RoleMember
	case role > 0 && role <= math.MaxInt32 && domain.IsCustomRole(int(role)):
		level, custom = domain.RoleMember, int(role)
	default:
		return nil, paramError("Role %d is not 2 (admin), 3 (member) or a positive custom role", role)
	}
	if from == to {
		return nil, fail(CodeFromEqualsTo, "FromUserId cannot be equal to ToUserId")
	}
	a, err := h.operator(c, from)
	if err != nil {
		return nil, err
	}
	_, err = h.svc.SetMemberInfo(c.ctx, a, []domain.MemberPatch{{GroupID: groupID, UserID: to, RoleLevel: &level, CustomRole: &custom}}, false)
	return nil, err
}

// setGroupMembersNickname sets up to 20 members' nicknames in the group;
// users not in the group are reported in ErrorUsers.
func (h *handler) setGroupMembersNickname(c *call) (response, error) {
	var req struct {
		FromUserID string `json:"FromUserId"`
		GroupID    string `json:"GroupId"`
		UserIDs    []struct {
			UserID   string `json:"UserId"`
			Nickname string `json:"Nickname"`
		} `json:"UserIds"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := checkID("GroupId", req.GroupID); err != nil {
		return nil, err
	}
	if len(req.UserIDs) == 0 {
		return nil, paramError("UserIds is required")
	}
	if len(req.UserIDs) > maxNicknameUsers {
		return nil, fail(CodeTooManyUsers, strconv.Itoa(len(req.UserIDs))+" users, at most 20 nicknames may be set at once")
	}
	patches := make([]domain.MemberPatch, len(req.UserIDs))
	for i, u := range req.UserIDs {
		if err := checkID("UserId", u.UserID); err != nil {
			return nil, err
		}
		if err := checkBytes("Nickname", u.Nickname, maxNicknameLen); err != nil {
			return nil, err
		}
		patches[i] = domain.MemberPatch{GroupID: req.GroupID, UserID: u.UserID, Nickname: &u.Nickname}
	}
	if err := h.limitGroup(c, req.GroupID); err != nil {
		return nil, err
	}
	a, err := h.operator(c, req.FromUserID)
	if err != nil {
		return nil, err
	}
	items, err := h.svc.SetMemberInfo(c.ctx, a, patches, true)
	if err != nil {
		return nil, err
	}
	resp := &errorUsersResponse{ErrorUsers: failures(c.name, items)}
	if len(items) == len(patches) && len(resp.ErrorUsers) > 0 {
		return resp, allFailed(c.action, resp.ErrorUsers)
	}
	return resp, nil
}

// zimRole maps a member's role to ZIM's numbering (1 owner, 2 admin, 3
// member, any other positive number a custom role).
func zimRole(m domain.Member) int {
	switch {
	case m.RoleLevel == domain.RoleOwner:
		return 1
	case m.RoleLevel == domain.RoleAdmin:
		return 2
	case domain.IsCustomRole(m.CustomRole):
		return m.CustomRole
	}
	return 3
}
