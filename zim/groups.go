package zim

import (
	"strconv"
	"strings"

	"github.com/groupd/groupd/domain"
)

// attribute is a group attribute on the wire.
type attribute struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// checkAttributes validates attributes against the service's limits:
// count (660600019), key and value lengths (660600020), empty or repeated
// keys (660000002).
func (h *handler) checkAttributes(attrs []attribute, withValues bool) error {
	lim := h.svc.Limits()
	if len(attrs) > lim.MaxAttributes {
		return fail(CodeAttributeCountLimit, "Attributes has "+strconv.Itoa(len(attrs))+" entries, at most "+strconv.Itoa(lim.MaxAttributes)+" allowed")
	}
	seen := make(map[string]bool, len(attrs))
	for _, a := range attrs {
		switch {
		case a.Key == "":
			return paramError("attribute Key is empty")
		case len(a.Key) > lim.MaxAttrKeyLen:
			return fail(CodeAttributeLength, "attribute Key "+strconv.Quote(a.Key)+" is longer than "+strconv.Itoa(lim.MaxAttrKeyLen)+" bytes")
		case withValues && len(a.Value) > lim.MaxAttrValueLen:
			return fail(CodeAttributeLength, "value of attribute "+strconv.Quote(a.Key)+" is longer than "+strconv.Itoa(lim.MaxAttrValueLen)+" bytes")
		case seen[a.Key]:
			return paramError("attribute Key %q appears twice", a.Key)
		}
		seen[a.Key] = true
	}
	return nil
}

func toDomainAttrs(attrs []attribute) []domain.Attribute {
	out := make([]domain.Attribute, len(attrs))
	for i, a := range attrs {
		out[i] = domain.Attribute{Key: a.Key, Value: a.Value}
	}
	return out
}

func fromDomainAttrs(attrs []domain.Attribute) []attribute {
	out := make([]attribute, len(attrs))
	for i, a := range attrs {
		out[i] = attribute{Key: a.Key, Value: a.Value}
	}
	return out
}

func checkGroupData(name, notice, avatar *string) error {
	if name != nil {
		if err := checkRunes("GroupName", *name, maxGroupNameRunes); err != nil {
			return err
		}
	}
	if notice != nil {
		if err := checkBytes("GroupNotice", *notice, maxGroupNoticeLen); err != nil {
			return err
		}
	}
	if avatar != nil {
		if err := checkBytes("GroupAvatar", *avatar, maxAvatarLen); err != nil {
			return err
		}
	}
	return nil
}

type memberName struct {
	UserID   string `json:"UserId"`
	UserName string `json:"UserName"`
}

type createGroupResponse struct {
	Envelope
	GroupID    string       `json:"GroupId"`
	Members    []memberName `json:"Members"`
	ErrorUsers []failure    `json:"ErrorUsers"`
}

// createGroup makes a group owned by GroupOwner with the users of UserId
// (unregistered ones are reported in ErrorUsers) and its attributes.
func (h *handler) createGroup(c *call) (response, error) {
	var req struct {
		GroupID         string      `json:"GroupId"`
		GroupName       string      `json:"GroupName"`
		GroupNotice     string      `json:"GroupNotice"`
		GroupAvatar     string      `json:"GroupAvatar"`
		GroupOwner      string      `json:"GroupOwner"`
		UserID          []string    `json:"UserId"`
		Attributes      []attribute `json:"Attributes"`
		CreateGroupTime int64       `json:"CreateGroupTime"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := checkID("GroupOwner", req.GroupOwner); err != nil {
		return nil, err
	}
	if req.GroupID != "" {
		if err := checkNewID("GroupId", req.GroupID); err != nil {
			return nil, err
		}
		if strings.HasPrefix(req.GroupID, "#") {
			return nil, paramError("GroupId may not start with #; leave it empty for a server-made ID")
		}
	}
	if err := checkGroupData(&req.GroupName, &req.GroupNotice, &req.GroupAvatar); err != nil {
		return nil, err
	}
	if len(req.UserID) > maxCreateMembers {
		return nil, fail(CodeMemberCountLimit, "UserId has "+strconv.Itoa(len(req.UserID))+" users, at most 100 join at creation")
	}
	for _, id := range req.UserID {
		if err := checkID("UserId", id); err != nil {
			return nil, err
		}
	}
	if err := h.checkAttributes(req.Attributes, true); err != nil {
		return nil, err
	}
	if req.CreateGroupTime < 0 || req.CreateGroupTime > h.svc.NowMillis() {
		return nil, paramError("CreateGroupTime must be 0 or a past Unix time in ms")
	}
	if ok, err := h.svc.UserExists(c.ctx, req.GroupOwner); err != nil {
		return nil, err
	} else if !ok {
		return nil, fail(CodeGroupOwnerNotFound, "group owner "+req.GroupOwner+" is not registered")
	}
	members := dedupe(req.UserID, req.GroupOwner)
	g, items, err := h.svc.CreateGroup(c.ctx, domain.Actor{UserID: req.GroupOwner, Admin: true}, domain.CreateGroupInput{
		Group: domain.Group{
			GroupID:          req.GroupID,
			Name:             req.GroupName,
			Notification:     req.GroupNotice,
			FaceURL:          req.GroupAvatar,
			GroupType:        domain.GroupTypeWorking,
			NeedVerification: domain.VerifyDirect, // ZIM's default JoinMode 0
			CreateTime:       req.CreateGroupTime,
		},
		OwnerUserID:   req.GroupOwner,
		MemberUserIDs: members,
		Attributes:    toDomainAttrs(req.Attributes),
		IDStyle:       domain.IDHash,
		Partial:       true,
		JoinSource:    domain.JoinSourceInvitation,
		JoinTime:      req.CreateGroupTime,
	})
	if err != nil {
		return nil, err
	}
	resp := &createGroupResponse{GroupID: g.GroupID, ErrorUsers: failures(c.name, items)}
	failed := make(map[string]bool, len(items))
	for _, it := range items {
		failed[it.ID] = true
	}
	joined := []string{req.GroupOwner}
	for _, id := range members {
		if !failed[id] {
			joined = append(joined, id)
		}
	}
	resp.Members, err = h.memberNames(c, joined)
	return resp, err
}

// memberNames pairs user IDs with their registered names, in order.
func (h *handler) memberNames(c *call, ids []string) ([]memberName, error) {
	users, err := h.svc.GetUsers(c.ctx, server, ids)
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(users))
	for _, u := range users {
		names[u.UserID] = u.Nickname
	}
	out := make([]memberName, len(ids))
	for i, id := range ids {
		out[i] = memberName{UserID: id, UserName: names[id]}
	}
	return out, nil
}

// dismissGroup dismisses a group; its members leave it. Any registered user
// may be the operator.
func (h *handler) dismissGroup(c *call) (response, error) {
	from, groupID := c.q.str("FromUserId"), c.q.str("GroupId")
	if err := checkID("FromUserId", from); err != nil {
		return nil, err
	}
	if err := checkID("GroupId", groupID); err != nil {
		return nil, err
	}
	if err := h.limitGroup(c, groupID); err != nil {
		return nil, err
	}
	a, err := h.operator(c, from)
	if err != nil {
		return nil, err
	}
	return nil, h.svc.DismissGroup(c.ctx, a, groupID, true)
}

// transferOwner hands the group to NewOwner, a member.
func (h *handler) transferOwner(c *call) (response, error) {
	from, groupID, newOwner := c.q.str("FromUserId"), c.q.str("GroupId"), c.q.str("NewOwner")
	for _, f := range [][2]string{{"FromUserId", from}, {"GroupId", groupID}, {"NewOwner", newOwner}} {
		if err := checkID(f[0], f[1]); err != nil {
			return nil, err
		}
	}
	if err := h.limitGroup(c, groupID); err != nil {
		return nil, err
	}
	a, err := h.operator(c, from)
	if err != nil {
		return nil, err
	}
	return nil, h.svc.TransferOwner(c.ctx, a, groupID, "", newOwner)
}

// updateGroupData sets GroupName, GroupNotice and GroupAvatar: a field left
// out stays, a field sent (even "") is set.
func (h *handler) updateGroupData(c *call) (response, error) {
	var req struct {
		FromUserID  string  `json:"FromUserId"`
		GroupID     string  `json:"GroupId"`
		GroupAvatar *string `json:"GroupAvatar"`
		GroupName   *string `json:"GroupName"`
		GroupNotice *string `json:"GroupNotice"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := checkID("GroupId", req.GroupID); err != nil {
		return nil, err
	}
	if req.GroupAvatar == nil && req.GroupName == nil && req.GroupNotice == nil {
		return nil, paramError("at least one of GroupAvatar, GroupName and GroupNotice is required")
	}
	if err := checkGroupData(req.GroupName, req.GroupNotice, req.GroupAvatar); err != nil {
		return nil, err
	}
	a, err := h.operator(c, req.FromUserID)
	if err != nil {
		return nil, err
	}
	return nil, h.svc.UpdateGroup(c.ctx, a, req.GroupID, domain.GroupPatch{
		Name: req.GroupName, Notification: req.GroupNotice, FaceURL: req.GroupAvatar,
	})
}

type failKey struct {
	Reason string `json:"Reason"`
	Key    string `json:"Key"`
}

type modifyGroupAttributeResponse struct {
	Envelope
	FailKeys   []failKey `json:"FailKeys"`
	Attributes struct {
		Attributes []attribute `json:"Attributes"`
	} `json:"Attributes"`
}

// modifyGroupAttribute upserts (Action 0) or deletes (Action 1) attributes.
// Deleting a key the group does not have is reported in FailKeys.
func (h *handler) modifyGroupAttribute(c *call) (response, error) {
	var req struct {
		Action     int         `json:"Action"`
		FromUserID string      `json:"FromUserId"`
		GroupID    string      `json:"GroupId"`
		Attributes []attribute `json:"Attributes"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if req.Action != 0 && req.Action != 1 {
		return nil, paramError("Action %d is not 0 (update) or 1 (delete)", req.Action)
	}
	if err := checkID("GroupId", req.GroupID); err != nil {
		return nil, err
	}
	if len(req.Attributes) == 0 {
		return nil, paramError("Attributes is required")
	}
	if err := h.checkAttributes(req.Attributes, req.Action == 0); err != nil {
		return nil, err
	}
	a, err := h.operator(c, req.FromUserID)
	if err != nil {
		return nil, err
	}
	resp := &modifyGroupAttributeResponse{FailKeys: []failKey{}}
	if req.Action == 0 {
		if err := h.svc.PutAttributes(c.ctx, a, req.GroupID, toDomainAttrs(req.Attributes)); err != nil {
			return nil, err
		}
		resp.Attributes.Attributes = req.Attributes
		return resp, nil
	}
	have, err := h.svc.GetAttributes(c.ctx, a, req.GroupID)
	if err != nil {
		return nil, err
	}
	values := make(map[string]string, len(have))
	for _, at := range have {
		values[at.Key] = at.Value
	}
	var keys []string
	resp.Attributes.Attributes = []attribute{}
	for _, at := range req.Attributes {
		v, ok := values[at.Key]
		if !ok {
			resp.FailKeys = append(resp.FailKeys, failKey{Reason: "key db-non-existent", Key: at.Key})
			continue
		}
		keys = append(keys, at.Key)
		resp.Attributes.Attributes = append(resp.Attributes.Attributes, attribute{Key: at.Key, Value: v})
	}
	if len(keys) > 0 {
		if err := h.svc.DeleteAttributes(c.ctx, a, req.GroupID, keys); err != nil {
			return nil, err
		}
	}
	return resp, nil
}

type limitInfo struct {
	MemberCountLimit int64 `json:"MemberCountLimit"`
	JoinMode         int   `json:"JoinMode"`
	InviteMode       int   `json:"InviteMode"`
	BeInvitedMode    int   `json:"BeInvitedMode"`
	NumberMessage    int64 `json:"NumberMessage"`
}

// queryGroupInfoResponse has the fields of seeds/zim-QueryGroupInfo.txt, in its order.
type queryGroupInfoResponse struct {
	Envelope
	GroupName        string      `json:"GroupName"`
	GroupNotice      string      `json:"GroupNotice"`
	GroupDataSeq     int64       `json:"GroupDataSeq"`
	GroupAvatar      string      `json:"GroupAvatar"`
	IsAllForbid      bool        `json:"IsAllForbid"`
	ForbidList       []int       `json:"ForbidList"`
	LimitInfo        limitInfo   `json:"LimitInfo"`
	ForbidExpireTime int64       `json:"ForbidExpireTime"`
	GroupCreateTime  int64       `json:"GroupCreateTime"`
	GroupID          string      `json:"GroupId"`
	GroupAttributes  []attribute `json:"GroupAttributes"`
}

// JoinMode reads a group's NeedVerification the ZIM way.
func joinMode(needVerification int) int {
	switch needVerification {
	case domain.VerifyDirect:
		return 0
	case domain.VerifyInviteOnly:
		return 2
	}
	return 1 // VerifyApplyNeedApproval, VerifyAllNeedApproval
}

// needVerification is the NeedVerification of ZIM JoinMode mode, keeping
// current when it already reads as mode.
func needVerification(mode, current int) int {
	switch {
	case joinMode(current) == mode:
		return current
	case mode == 0:
		return domain.VerifyDirect
	case mode == 2:
		return domain.VerifyInviteOnly
	}
	return domain.VerifyApplyNeedApproval
}

// forbidExpireTime is ForbidExpireTime: the mute end in ms, -1 for a mute
// without end, 0 when the group is not muted.
func forbidExpireTime(g domain.Group, now int64) int64 {
	switch {
	case !g.MuteActive(now):
		return 0
	case g.MuteUntil == 0:
		return -1
	}
	return g.MuteUntil
}

// queryGroupInfo answers as in the seed: data, mute, limits, attributes.
func (h *handler) queryGroupInfo(c *call) (response, error) {
	var req struct {
		FromUserID string `json:"FromUserId"`
		GroupID    string `json:"GroupId"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := checkID("GroupId", req.GroupID); err != nil {
		return nil, err
	}
	a, err := h.operator(c, req.FromUserID)
	if err != nil {
		return nil, err
	}
	g, attrs, err := h.svc.GroupWithAttributes(c.ctx, a, req.GroupID)
	if err != nil {
		return nil, err
	}
	if g.Status == domain.StatusDismissed { // as liveGroup: gone for ZIM
		return nil, domain.Errorf(domain.KindGroupNotFound, "group %s not found", req.GroupID)
	}
	now := h.svc.NowMillis()
	resp := &queryGroupInfoResponse{
		GroupName:    g.Name,
		GroupNotice:  g.Notification,
		GroupDataSeq: g.DataSeq,
		GroupAvatar:  g.FaceURL,
		ForbidList:   []int{},
		LimitInfo: limitInfo{
			MemberCountLimit: g.MemberCountLimit,
			JoinMode:         joinMode(g.NeedVerification),
			InviteMode:       g.InviteMode,
			BeInvitedMode:    g.BeInvitedMode,
			NumberMessage:    g.NumberMessage,
		},
		ForbidExpireTime: forbidExpireTime(g, now),
		GroupCreateTime:  g.CreateTime,
		GroupID:          g.GroupID,
		GroupAttributes:  fromDomainAttrs(attrs),
	}
	if g.MuteActive(now) {
		if g.MuteAll {
			resp.IsAllForbid = true
		} else {
			resp.ForbidList = append(resp.ForbidList, g.MutedRoles...)
		}
	}
	return resp, nil
}

// liveGroup reads a group; a dismissed group does not exist for ZIM.
func (h *handler) liveGroup(c *call, a domain.Actor, groupID string) (domain.Group, error) {
	g, err := h.svc.GetGroup(c.ctx, a, groupID)
	if err != nil {
		return g, err
	}
	if g.Status == domain.StatusDismissed {
		return g, domain.Errorf(domain.KindGroupNotFound, "group %s not found", groupID)
	}
	return g, nil
}

type groupName struct {
	GroupID   string `json:"GroupId"`
	GroupName string `json:"GroupName"`
}

type queryAppGroupListResponse struct {
	Envelope
	TotalCount  int64       `json:"TotalCount"`
	Next        int64       `json:"Next"`
	GroupIDList []groupName `json:"GroupIdList"`
}

// queryAppGroupList pages every group of the app by creation order.
func (h *handler) queryAppGroupList(c *call) (response, error) {
	limit, err := c.q.int64("Limit", 0)
	if err != nil {
		return nil, err
	}
	next, err := c.q.int64("Next", 0)
	if err != nil {
		return nil, err
	}
	if limit < 0 || next < 0 {
		return nil, paramError("Limit and Next must not be negative")
	}
	if limit == 0 || limit > maxAppGroupLimit {
		limit = maxAppGroupLimit
	}
	page, err := h.svc.GroupsAfter(c.ctx, server, next, int(limit))
	if err != nil {
		return nil, err
	}
	resp := &queryAppGroupListResponse{TotalCount: page.Total, Next: page.Next, GroupIDList: make([]groupName, 0, len(page.Groups))}
	for _, g := range page.Groups {
		resp.GroupIDList = append(resp.GroupIDList, groupName{GroupID: g.GroupID, GroupName: g.Name})
	}
	return resp, nil
}

// modifyGroupLimit sets JoinMode, InviteMode, BeInvitedMode and
// MemberCountLimit; a parameter left out of the URL stays, one present
// without a value is set to 0.
func (h *handler) modifyGroupLimit(c *call) (response, error) {
	from, groupID := c.q.str("FromUserId"), c.q.str("GroupId")
	if err := checkID("GroupId", groupID); err != nil {
		return nil, err
	}
	var p domain.GroupPatch
	var joinModeSet *int
	for _, f := range []struct {
		name string
		max  int64
		dst  **int
	}{{"JoinMode", 2, &joinModeSet}, {"InviteMode", 1, &p.InviteMode}, {"BeInvitedMode", 1, &p.BeInvitedMode}} {
		if !c.q.has(f.name) {
			continue
		}
		v, err := c.q.int64(f.name, 0)
		if err != nil {
			return nil, err
		}
		if v < 0 || v > f.max {
			return nil, paramError("%s %d is not within [0, %d]", f.name, v, f.max)
		}
		n := int(v)
		*f.dst = &n
	}
	if c.q.has("MemberCountLimit") {
		v, err := c.q.int64("MemberCountLimit", 0)
		if err != nil {
			return nil, err
		}
		if v < 0 {
			return nil, paramError("MemberCountLimit must not be negative")
		}
		p.MemberCountLimit = &v
	}
	a, err := h.operator(c, from)
	if err != nil {
		return nil, err
	}
	if joinModeSet != nil {
		g, err := h.liveGroup(c, a, groupID)
		if err != nil {
			return nil, err
		}
		nv := needVerification(*joinModeSet, g.NeedVerification)
		p.NeedVerification = &nv
	}
	return nil, h.svc.UpdateGroup(c.ctx, a, groupID, p)
}
