package zim

import (
	"strconv"

	"github.com/groupd/groupd/domain"
)

// userFailure is one failed user of UserRegister and ModifyUserInfo,
// whose ErrorList items carry a SubMessage.
type userFailure struct {
	UserID     string `json:"UserId"`
	SubCode    int    `json:"SubCode"`
	SubMessage string `json:"SubMessage"`
}

// userListResponse answers UserRegister and ModifyUserInfo.
type userListResponse struct {
	Envelope
	ErrorList []userFailure `json:"ErrorList"`
}

func (r *userListResponse) reject(id string, code int, msg string) {
	r.ErrorList = append(r.ErrorList, userFailure{UserID: id, SubCode: code, SubMessage: msg})
}

// done ends a call that changed n users: when none, the call failed as a
// whole (allFailed) and the body still lists every user.
func (r *userListResponse) done(c *call, n int) (response, error) {
	if n > 0 || len(r.ErrorList) == 0 {
		return r, nil
	}
	fs := make([]failure, len(r.ErrorList))
	for i, e := range r.ErrorList {
		fs[i] = failure{UserID: e.UserID, SubCode: e.SubCode, msg: e.SubMessage}
	}
	return r, allFailed(c.action, fs)
}

// userRegister registers up to 100 users; each invalid or existing one is
// reported in ErrorList while the others are registered.
func (h *handler) userRegister(c *call) (response, error) {
	var req struct {
		UserInfo []struct {
			UserID     string `json:"UserId"`
			UserName   string `json:"UserName"`
			UserAvatar string `json:"UserAvatar"`
		} `json:"UserInfo"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if len(req.UserInfo) == 0 {
		return nil, paramError("UserInfo is required")
	}
	if len(req.UserInfo) > maxRegisterUsers {
		return nil, fail(CodeTooManyUsers, "UserInfo has "+strconv.Itoa(len(req.UserInfo))+" users, at most 100 allowed")
	}
	resp := &userListResponse{ErrorList: []userFailure{}}
	seen := make(map[string]bool, len(req.UserInfo))
	users := make([]domain.User, 0, len(req.UserInfo))
	for _, u := range req.UserInfo {
		switch {
		case u.UserID == "":
			resp.reject(u.UserID, CodeParamError, "UserId is required")
		case len(u.UserID) > maxIDLen:
			resp.reject(u.UserID, CodeUserIDTooLong, "UserId is longer than 32 bytes")
		case !validIDChars(u.UserID):
			resp.reject(u.UserID, CodeParamError, "UserId may hold only letters, digits and "+idChars)
		case len(u.UserName) > maxUserNameLen:
			resp.reject(u.UserID, CodeUserNameTooLong, "UserName is longer than 256 bytes")
		case len(u.UserAvatar) > maxAvatarLen:
			resp.reject(u.UserID, CodeUserAvatarTooLong, "UserAvatar is longer than 500 bytes")
		case seen[u.UserID]:
			resp.reject(u.UserID, CodeParamError, "UserId appears twice")
		default:
			seen[u.UserID] = true
			users = append(users, domain.User{UserID: u.UserID, Nickname: u.UserName, FaceURL: u.UserAvatar})
		}
	}
	registered := 0
	if len(users) > 0 {
		items, err := h.svc.RegisterUsers(c.ctx, server, users, true)
		if err != nil {
			return nil, err
		}
		for _, f := range failures(c.name, items) {
			resp.reject(f.UserID, f.SubCode, f.msg)
		}
		registered = len(users) - len(items)
	}
	return resp.done(c, registered)
}

// modifyUserInfo changes the name, avatar and extra information of up to
// 100 registered users: a field left out (or null) stays, "" clears it.
// Each invalid or unregistered user is reported in ErrorList while the
// others are changed.
func (h *handler) modifyUserInfo(c *call) (response, error) {
	var req struct {
		UserInfo []struct {
			UserID     string  `json:"UserId"`
			UserName   *string `json:"UserName"`
			UserAvatar *string `json:"UserAvatar"`
			Extra      *string `json:"Extra"`
		} `json:"UserInfo"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if len(req.UserInfo) == 0 {
		return nil, paramError("UserInfo is required")
	}
	if len(req.UserInfo) > maxModifyUsers {
		return nil, fail(CodeTooManyUsers, "UserInfo has "+strconv.Itoa(len(req.UserInfo))+" users, at most 100 allowed")
	}
	resp := &userListResponse{ErrorList: []userFailure{}}
	seen := make(map[string]bool, len(req.UserInfo))
	patches := make([]domain.UserPatch, 0, len(req.UserInfo))
	for _, u := range req.UserInfo {
		switch {
		case u.UserID == "":
			resp.reject(u.UserID, CodeParamError, "UserId is required")
		case len(u.UserID) > maxIDLen:
			resp.reject(u.UserID, CodeUserIDTooLong, "UserId is longer than 32 bytes")
		case u.UserName != nil && len(*u.UserName) > maxUserNameLen:
			resp.reject(u.UserID, CodeUserNameTooLong, "UserName is longer than 256 bytes")
		case u.UserAvatar != nil && len(*u.UserAvatar) > maxAvatarLen:
			resp.reject(u.UserID, CodeUserAvatarTooLong, "UserAvatar is longer than 500 bytes")
		case u.Extra != nil && len(*u.Extra) > maxUserExtraLen:
			resp.reject(u.UserID, CodeParamError, "Extra is longer than "+strconv.Itoa(maxUserExtraLen)+" bytes")
		case seen[u.UserID]:
			resp.reject(u.UserID, CodeParamError, "UserId appears twice")
		default:
			seen[u.UserID] = true
			patches = append(patches, domain.UserPatch{UserID: u.UserID, Nickname: u.UserName, FaceURL: u.UserAvatar, Ex: u.Extra})
		}
	}
	changed := 0
	if len(patches) > 0 {
		items, err := h.svc.UpdateUsers(c.ctx, server, patches, true)
		if err != nil {
			return nil, err
		}
		for _, f := range failures(c.name, items) {
			resp.reject(f.UserID, f.SubCode, f.msg)
		}
		changed = len(patches) - len(items)
	}
	return resp.done(c, changed)
}

// userInfo is one user of QueryUserInfos.
type userInfo struct {
	UserID     string `json:"UserId"`
	UserName   string `json:"UserName"`
	UserAvatar string `json:"UserAvatar"`
	Extra      string `json:"Extra"`
}

type queryUserInfosResponse struct {
	Envelope
	Result    []userInfo `json:"Result"`
	ErrorList []failure  `json:"ErrorList"`
}

// queryUserInfos answers the profiles of up to 100 users, in the order
// asked (a repeated ID once). An invalid or unregistered ID is reported in
// ErrorList with SubCode 660000002; when no user is registered the Code is
// 660700015.
func (h *handler) queryUserInfos(c *call) (response, error) {
	var req struct {
		UserIDs []string `json:"UserIds"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if len(req.UserIDs) == 0 {
		return nil, paramError("UserIds is required")
	}
	if len(req.UserIDs) > maxQueryUsers {
		return nil, fail(CodeTooManyUsers, "UserIds has "+strconv.Itoa(len(req.UserIDs))+" users, at most 100 allowed")
	}
	// An ID longer than the reference's 64 bytes cannot be registered
	// (the domain's IDs are at most 64 bytes by default): the domain
	// reports it with the unregistered ones.
	users, items, err := h.svc.FindUsers(c.ctx, server, req.UserIDs)
	if err != nil {
		return nil, err
	}
	resp := &queryUserInfosResponse{Result: make([]userInfo, 0, len(users)), ErrorList: failures(c.name, items)}
	for _, u := range users {
		resp.Result = append(resp.Result, userInfo{UserID: u.UserID, UserName: u.Nickname, UserAvatar: u.FaceURL, Extra: u.Ex})
	}
	if len(resp.Result) == 0 {
		return resp, allFailed(c.action, resp.ErrorList)
	}
	return resp, nil
}

type groupBrief struct {
	GroupID     string `json:"GroupId"`
	GroupName   string `json:"GroupName"`
	GroupAvatar string `json:"GroupAvatar"`
}

type queryGroupsInfoOfUserResponse struct {
	Envelope
	NextRsp         string       `json:"NextRsp"`
	HasJoinGroupNum int64        `json:"HasJoinGroupNum"`
	GroupInfoList   []groupBrief `json:"GroupInfoList"`
}

// queryGroupsInfoOfUser pages the groups FromUserId joined, in join order.
func (h *handler) queryGroupsInfoOfUser(c *call) (response, error) {
	var req struct {
		FromUserID string `json:"FromUserId"`
		Limit      int    `json:"Limit"`
		Next       string `json:"Next"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := checkID("FromUserId", req.FromUserID); err != nil {
		return nil, err
	}
	if req.Limit < 1 || req.Limit > maxJoinedGroupLimit {
		return nil, paramError("Limit %d is not within [1, %d]", req.Limit, maxJoinedGroupLimit)
	}
	var after int64
	if req.Next != "" {
		n, err := strconv.ParseInt(req.Next, 10, 64)
		if err != nil || n < 0 {
			return nil, paramError("Next %q is not a NextRsp value", req.Next)
		}
		after = n
	}
	a, err := h.operator(c, req.FromUserID)
	if err != nil {
		return nil, err
	}
	page, err := h.svc.JoinedGroupsAfter(c.ctx, a, req.FromUserID, after, req.Limit)
	if err != nil {
		return nil, err
	}
	resp := &queryGroupsInfoOfUserResponse{
		NextRsp:         strconv.FormatInt(page.Next, 10),
		HasJoinGroupNum: page.Total,
		GroupInfoList:   make([]groupBrief, 0, len(page.Groups)),
	}
	for _, g := range page.Groups {
		resp.GroupInfoList = append(resp.GroupInfoList, groupBrief{GroupID: g.GroupID, GroupName: g.Name, GroupAvatar: g.FaceURL})
	}
	return resp, nil
}
