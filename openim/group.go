package openim

import (
	"context"
	"crypto/md5"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/groupd/groupd/domain"
)

// groupInfo is OpenIM's GroupInfo, fields in the seed's order.
type groupInfo struct {
	GroupID                string `json:"groupID"`
	GroupName              string `json:"groupName"`
	Notification           string `json:"notification"`
	Introduction           string `json:"introduction"`
	FaceURL                string `json:"faceURL"`
	OwnerUserID            string `json:"ownerUserID"`
	CreateTime             int64  `json:"createTime"`
	MemberCount            int64  `json:"memberCount"`
	Ex                     string `json:"ex"`
	Status                 int    `json:"status"`
	CreatorUserID          string `json:"creatorUserID"`
	GroupType              int    `json:"groupType"`
	NeedVerification       int    `json:"needVerification"`
	LookMemberInfo         int    `json:"lookMemberInfo"`
	ApplyMemberFriend      int    `json:"applyMemberFriend"`
	NotificationUpdateTime int64  `json:"notificationUpdateTime"`
	NotificationUserID     string `json:"notificationUserID"`
}

func (h *Handler) groupInfos(groups []domain.Group) []groupInfo {
	now := h.svc.NowMillis()
	out := make([]groupInfo, len(groups))
	for i, g := range groups {
		out[i] = wireGroup(g, now)
	}
	return out
}

func wireGroup(g domain.Group, now int64) groupInfo {
	nv := g.NeedVerification
	if nv == domain.VerifyInviteOnly { // no OpenIM value: closest is "everything needs approval"
		nv = domain.VerifyAllNeedApproval
	}
	return groupInfo{
		GroupID: g.GroupID, GroupName: g.Name, Notification: g.Notification, Introduction: g.Introduction,
		FaceURL: g.FaceURL, OwnerUserID: g.OwnerUserID, CreateTime: g.CreateTime, MemberCount: g.MemberCount,
		Ex: g.Ex, Status: wireStatus(g, now), CreatorUserID: g.CreatorUserID, GroupType: g.GroupType,
		NeedVerification: nv, LookMemberInfo: g.LookMemberInfo, ApplyMemberFriend: g.ApplyMemberFriend,
		NotificationUpdateTime: g.NotificationUpdateTime, NotificationUserID: g.NotificationUserID,
	}
}

// memberInfo is OpenIM's GroupMemberFullInfo.
type memberInfo struct {
	GroupID        string `json:"groupID"`
	UserID         string `json:"userID"`
	RoleLevel      int    `json:"roleLevel"`
	JoinTime       int64  `json:"joinTime"`
	Nickname       string `json:"nickname"`
	FaceURL        string `json:"faceURL"`
	AppMangerLevel int    `json:"appMangerLevel"`
	JoinSource     int    `json:"joinSource"`
	OperatorUserID string `json:"operatorUserID"`
	Ex             string `json:"ex"`
	MuteEndTime    int64  `json:"muteEndTime"`
	InviterUserID  string `json:"inviterUserID"`
}

func (h *Handler) memberInfos(ms []domain.Member) []memberInfo {
	now := h.svc.NowMillis()
	out := make([]memberInfo, len(ms))
	for i, m := range ms {
		out[i] = memberInfo{
			GroupID: m.GroupID, UserID: m.UserID, RoleLevel: m.RoleLevel, JoinTime: m.JoinTime,
			Nickname: m.Nickname, FaceURL: m.FaceURL, AppMangerLevel: h.appMangerLevel(m.UserID),
			JoinSource: m.JoinSource, OperatorUserID: m.OperatorUserID, Ex: m.Ex,
			MuteEndTime: m.MuteEnd(now), InviterUserID: m.InviterUserID,
		}
	}
	return out
}

// needVerification checks an OpenIM needVerification value (0, 1 or 2).
func needVerification(v *int) error {
	if v != nil && (*v < domain.VerifyApplyNeedApproval || *v > domain.VerifyDirect) {
		return errorf(codeArgs, "needVerification %d is not 0, 1 or 2", *v)
	}
	return nil
}

func optInt(o opt[int32]) *int {
	if !o.set {
		return nil
	}
	v := int(o.v)
	return &v
}

type createGroupReq struct {
	MemberUserIDs []string `json:"memberUserIDs"`
	AdminUserIDs  []string `json:"adminUserIDs"`
	OwnerUserID   string   `json:"ownerUserID"`
	GroupInfo     struct {
		GroupID           string `json:"groupID"`
		GroupName         string `json:"groupName"`
		Notification      string `json:"notification"`
		Introduction      string `json:"introduction"`
		FaceURL           string `json:"faceURL"`
		Ex                string `json:"ex"`
		GroupType         int32  `json:"groupType"`
		NeedVerification  int32  `json:"needVerification"`
		LookMemberInfo    int32  `json:"lookMemberInfo"`
		ApplyMemberFriend int32  `json:"applyMemberFriend"`
	} `json:"groupInfo"`
}

type groupInfoResp struct {
	GroupInfo groupInfo `json:"groupInfo"`
}

func (h *Handler) createGroup(ctx context.Context, c *call, req *createGroupReq) (any, error) {
	gi := req.GroupInfo
	nv := int(gi.NeedVerification)
	if err := needVerification(&nv); err != nil {
		return nil, err
	}
	in := domain.CreateGroupInput{
		Group: domain.Group{
			GroupID: gi.GroupID, Name: gi.GroupName, Notification: gi.Notification, Introduction: gi.Introduction,
			FaceURL: gi.FaceURL, Ex: gi.Ex, GroupType: int(gi.GroupType), NeedVerification: nv,
			LookMemberInfo: int(gi.LookMemberInfo), ApplyMemberFriend: int(gi.ApplyMemberFriend),
		},
		OwnerUserID:   req.OwnerUserID,
		MemberUserIDs: req.MemberUserIDs,
		AdminUserIDs:  req.AdminUserIDs,
		IDStyle:       domain.IDNumeric,
		JoinSource:    domain.JoinSourceInvitation,
	}
	if err := h.beforeCreateGroup(ctx, c, req, &in); err != nil { // beforehooks.go
		return nil, err
	}
	g, _, err := h.svc.CreateGroup(ctx, c.actor, in)
	if err != nil {
		return nil, err
	}
	return groupInfoResp{GroupInfo: wireGroup(g, h.svc.NowMillis())}, nil
}

type groupIDsReq struct {
	GroupIDs []string `json:"groupIDs"`
}

type groupInfosResp struct {
	GroupInfos []groupInfo `json:"groupInfos"`
}

// getGroupsInfo leaves unknown IDs out; when none is found it answers
// 1004 RecordNotFoundError, as the seed's failure example does.
func (h *Handler) getGroupsInfo(ctx context.Context, c *call, req *groupIDsReq) (any, error) {
	groups, err := h.svc.GetGroups(ctx, c.actor, uniqueIDs(req.GroupIDs))
	if err != nil {
		return nil, err
	}
	if len(groups) == 0 {
		return nil, errorf(codeRecordNotFound, "")
	}
	return groupInfosResp{GroupInfos: h.groupInfos(groups)}, nil
}

type joinedGroupListReq struct {
	FromUserID string     `json:"fromUserID"`
	Pagination pagination `json:"pagination"`
}

type joinedGroupListResp struct {
	Total  int64       `json:"total"`
	Groups []groupInfo `json:"groups"`
}

// getJoinedGroupList answers 1004 RecordNotFoundError for an unregistered
// user, as the seed's failure example does.
func (h *Handler) getJoinedGroupList(ctx context.Context, c *call, req *joinedGroupListReq) (any, error) {
	page, err := req.Pagination.page()
	if err != nil {
		return nil, err
	}
	groups, total, err := h.svc.JoinedGroups(ctx, c.actor, req.FromUserID, page)
	if domain.IsKind(err, domain.KindUserNotFound) {
		return nil, errorf(codeRecordNotFound, "")
	}
	if err != nil {
		return nil, err
	}
	return joinedGroupListResp{Total: total, Groups: h.groupInfos(groups)}, nil
}

type setGroupInfoReq struct {
	GroupInfoForSet struct {
		GroupID           string      `json:"groupID"`
		GroupName         string      `json:"groupName"`
		Notification      string      `json:"notification"`
		Introduction      string      `json:"introduction"`
		FaceURL           string      `json:"faceURL"`
		Ex                opt[string] `json:"ex"`
		NeedVerification  opt[int32]  `json:"needVerification"`
		LookMemberInfo    opt[int32]  `json:"lookMemberInfo"`
		ApplyMemberFriend opt[int32]  `json:"applyMemberFriend"`
	} `json:"groupInfoForSet"`
}

// setGroupInfo: empty strings and absent numbers leave fields unchanged,
// except ex, which OpenIM sets whenever it is present ("" clears it).
func (h *Handler) setGroupInfo(ctx context.Context, c *call, req *setGroupInfoReq) (any, error) {
	if err := h.beforeSetGroupInfo(ctx, req); err != nil { // beforehooks.go
		return nil, err
	}
	s := req.GroupInfoForSet
	return nil, h.updateGroup(ctx, c, s.GroupID, domain.GroupPatch{
		Name: nonEmpty(s.GroupName), Notification: nonEmpty(s.Notification), Introduction: nonEmpty(s.Introduction),
		FaceURL: nonEmpty(s.FaceURL), Ex: s.Ex.ptr(), NeedVerification: optInt(s.NeedVerification),
		LookMemberInfo: optInt(s.LookMemberInfo), ApplyMemberFriend: optInt(s.ApplyMemberFriend),
	})
}

type setGroupInfoExReq struct {
	GroupID           string      `json:"groupID"`
	GroupName         opt[string] `json:"groupName"`
	Notification      opt[string] `json:"notification"`
	Introduction      opt[string] `json:"introduction"`
	FaceURL           opt[string] `json:"faceURL"`
	Ex                opt[string] `json:"ex"`
	NeedVerification  opt[int32]  `json:"needVerification"`
	LookMemberInfo    opt[int32]  `json:"lookMemberInfo"`
	ApplyMemberFriend opt[int32]  `json:"applyMemberFriend"`
}

// setGroupInfoEx: a present field is set ("" included, but for the name,
// which OpenIM refuses to empty); null or absent leaves it unchanged.
func (h *Handler) setGroupInfoEx(ctx context.Context, c *call, req *setGroupInfoExReq) (any, error) {
	if err := h.beforeSetGroupInfoEx(ctx, req); err != nil { // beforehooks.go
		return nil, err
	}
	if req.GroupName.set && req.GroupName.v == "" {
		return nil, errorf(codeArgs, "group name is empty")
	}
	return nil, h.updateGroup(ctx, c, req.GroupID, domain.GroupPatch{
		Name: req.GroupName.ptr(), Notification: req.Notification.ptr(), Introduction: req.Introduction.ptr(),
		FaceURL: req.FaceURL.ptr(), Ex: req.Ex.ptr(), NeedVerification: optInt(req.NeedVerification),
		LookMemberInfo: optInt(req.LookMemberInfo), ApplyMemberFriend: optInt(req.ApplyMemberFriend),
	})
}

func (h *Handler) updateGroup(ctx context.Context, c *call, groupID string, p domain.GroupPatch) error {
	if err := needVerification(p.NeedVerification); err != nil {
		return err
	}
	return h.svc.UpdateGroup(ctx, c.actor, groupID, p)
}

type inviteReq struct {
	GroupID        string   `json:"groupID"`
	Reason         string   `json:"reason"`
	InvitedUserIDs []string `json:"invitedUserIDs"`
}

func (h *Handler) inviteUserToGroup(ctx context.Context, c *call, req *inviteReq) (any, error) {
	in := domain.InviteInput{GroupID: req.GroupID, UserIDs: req.InvitedUserIDs, Reason: req.Reason}
	if err := h.beforeInvite(ctx, c, &in); err != nil { // beforehooks.go
		return nil, err
	}
	if len(in.UserIDs) == 0 && len(req.InvitedUserIDs) > 0 {
		return nil, nil // the before-callback refused every user
	}
	_, err := h.svc.InviteMembers(ctx, c.actor, in)
	return nil, err
}

type kickReq struct {
	GroupID       string   `json:"groupID"`
	KickedUserIDs []string `json:"kickedUserIDs"`
	Reason        string   `json:"reason"`
}

func (h *Handler) kickGroup(ctx context.Context, c *call, req *kickReq) (any, error) {
	_, err := h.svc.Kick(ctx, c.actor, domain.KickInput{GroupID: req.GroupID, UserIDs: req.KickedUserIDs, Reason: req.Reason})
	return nil, err
}

type quitReq struct {
	GroupID string `json:"groupID"`
	UserID  string `json:"userID"`
}

func (h *Handler) quitGroup(ctx context.Context, c *call, req *quitReq) (any, error) {
	return nil, h.svc.QuitGroup(ctx, c.actor, req.GroupID, req.UserID)
}

type transferReq struct {
	GroupID        string `json:"groupID"`
	OldOwnerUserID string `json:"oldOwnerUserID"`
	NewOwnerUserID string `json:"newOwnerUserID"`
}

func (h *Handler) transferGroup(ctx context.Context, c *call, req *transferReq) (any, error) {
	return nil, h.svc.TransferOwner(ctx, c.actor, req.GroupID, req.OldOwnerUserID, req.NewOwnerUserID)
}

type dismissReq struct {
	GroupID      string `json:"groupID"`
	DeleteMember bool   `json:"deleteMember"`
}

func (h *Handler) dismissGroup(ctx context.Context, c *call, req *dismissReq) (any, error) {
	return nil, h.svc.DismissGroup(ctx, c.actor, req.GroupID, req.DeleteMember)
}

// memberFilters maps get_group_member_list's filter to role levels, as the
// SDK numbers them: 4 admins and ordinary members, 5 owner and admins.
var memberFilters = map[int32][]int{
	0: nil,
	1: {domain.RoleOwner},
	2: {domain.RoleAdmin},
	3: {domain.RoleMember},
	4: {domain.RoleAdmin, domain.RoleMember},
	5: {domain.RoleOwner, domain.RoleAdmin},
}

type memberListReq struct {
	GroupID    string     `json:"groupID"`
	Pagination pagination `json:"pagination"`
	Filter     int32      `json:"filter"`
	Keyword    string     `json:"keyword"`
}

type membersResp struct {
	Total   int64        `json:"total"`
	Members []memberInfo `json:"members"`
}

func (h *Handler) getGroupMemberList(ctx context.Context, c *call, req *memberListReq) (any, error) {
	page, err := req.Pagination.page()
	if err != nil {
		return nil, err
	}
	roles, ok := memberFilters[req.Filter]
	if !ok {
		return nil, errorf(codeArgs, "filter %d is not between 0 and 5", req.Filter)
	}
	ms, total, err := h.svc.ListMembers(ctx, c.actor, domain.MemberQuery{
		GroupID: req.GroupID, RoleLevels: roles, Keyword: req.Keyword, Page: page})
	if err != nil {
		return nil, err
	}
	return membersResp{Total: total, Members: h.memberInfos(ms)}, nil
}

type membersInfoReq struct {
	GroupID string   `json:"groupID"`
	UserIDs []string `json:"userIDs"`
}

type membersInfoResp struct {
	Members []memberInfo `json:"members"`
}

func (h *Handler) getGroupMembersInfo(ctx context.Context, c *call, req *membersInfoReq) (any, error) {
	ms, err := h.svc.GetMembers(ctx, c.actor, req.GroupID, uniqueIDs(req.UserIDs))
	if err != nil {
		return nil, err
	}
	return membersInfoResp{Members: h.memberInfos(ms)}, nil
}

type groupIDReq struct {
	GroupID string `json:"groupID"`
}

type memberUserIDsResp struct {
	UserIDs []string `json:"userIDs"`
}

func (h *Handler) getGroupMemberUserID(ctx context.Context, c *call, req *groupIDReq) (any, error) {
	ids, err := h.svc.MemberUserIDs(ctx, c.actor, req.GroupID)
	if err != nil {
		return nil, err
	}
	if ids == nil {
		ids = []string{}
	}
	return memberUserIDsResp{UserIDs: ids}, nil
}

type groupAbstract struct {
	GroupID             string `json:"groupID"`
	GroupMemberNumber   int64  `json:"groupMemberNumber"`
	GroupMemberListHash uint64 `json:"groupMemberListHash"`
}

type groupAbstractsResp struct {
	GroupAbstractInfos []groupAbstract `json:"groupAbstractInfos"`
}

func (h *Handler) getGroupAbstractInfo(ctx context.Context, c *call, req *groupIDsReq) (any, error) {
	abs, err := h.svc.GroupAbstracts(ctx, c.actor, req.GroupIDs)
	if err != nil {
		return nil, err
	}
	out := make([]groupAbstract, len(abs))
	for i, a := range abs {
		out[i] = groupAbstract{GroupID: a.Group.GroupID, GroupMemberNumber: a.Group.MemberCount,
			GroupMemberListHash: memberListHash(h.memberInfos(a.Members))}
	}
	return groupAbstractsResp{GroupAbstractInfos: out}, nil
}

// memberListHash is OpenIM v3.8's groupMemberListHash (its
// pkg/notification/grouphash): the first 8 bytes, big-endian, of the MD5 of
// the JSON of the member infos sorted by userID, with appMangerLevel zeroed.
// Any edit of a member (role, nickname, mute) changes it, as in OpenIM, so a
// client holding the hash knows to refetch.
func memberListHash(ms []memberInfo) uint64 {
	slices.SortFunc(ms, func(x, y memberInfo) int { return strings.Compare(x.UserID, y.UserID) })
	for i := range ms {
		ms[i].AppMangerLevel = 0
	}
	data, err := json.Marshal(ms)
	if err != nil { // plain strings and numbers: never
		panic(fmt.Sprintf("openim: encode member infos: %v", err))
	}
	sum := md5.Sum(data)
	return binary.BigEndian.Uint64(sum[:8])
}

// uniqueIDs drops repeated IDs, keeping the first of each: OpenIM answers a
// lookup that names an ID twice as if it were named once.
func uniqueIDs(ids []string) []string {
	seen := make(map[string]struct{}, len(ids))
	out := ids[:0:0]
	for _, id := range ids {
		if _, dup := seen[id]; !dup {
			seen[id] = struct{}{}
			out = append(out, id)
		}
	}
	return out
}

// statusMuted is OpenIM's group status while the whole group is muted.
const statusMuted = 3

// wireStatus is the OpenIM status: 3 while the whole group is muted.
func wireStatus(g domain.Group, now int64) int {
	if g.Status == domain.StatusNormal && g.MuteAll && g.MuteActive(now) {
		return statusMuted
	}
	return g.Status
}
