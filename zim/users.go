package zim

import (
	"strconv"

	"github.com/groupd/groupd/domain"
)

type registerFailure struct {
	UserID     string `json:"UserId"`
	SubCode    int    `json:"SubCode"`
	SubMessage string `json:"SubMessage"`
}

type userRegisterResponse struct {
	Envelope
	ErrorList []registerFailure `json:"ErrorList"`
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
	resp := &userRegisterResponse{ErrorList: []registerFailure{}}
	reject := func(id string, code int, msg string) {
		resp.ErrorList = append(resp.ErrorList, registerFailure{UserID: id, SubCode: code, SubMessage: msg})
	}
	seen := make(map[string]bool, len(req.UserInfo))
	users := make([]domain.User, 0, len(req.UserInfo))
	for _, u := range req.UserInfo {
		switch {
		case u.UserID == "":
			reject(u.UserID, CodeParamError, "UserId is required")
		case len(u.UserID) > maxIDLen:
			reject(u.UserID, CodeUserIDTooLong, "UserId is longer than 32 bytes")
		case !validIDChars(u.UserID):
			reject(u.UserID, CodeParamError, "UserId may hold only letters, digits and "+idChars)
		case len(u.UserName) > maxUserNameLen:
			reject(u.UserID, CodeUserNameTooLong, "UserName is longer than 256 bytes")
		case len(u.UserAvatar) > maxAvatarLen:
			reject(u.UserID, CodeUserAvatarTooLong, "UserAvatar is longer than 500 bytes")
		case seen[u.UserID]:
			reject(u.UserID, CodeParamError, "UserId appears twice")
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
			reject(f.UserID, f.SubCode, f.msg)
		}
		registered = len(users) - len(items)
	}
	if registered == 0 {
		fs := make([]failure, len(resp.ErrorList))
		for i, e := range resp.ErrorList {
			fs[i] = failure{UserID: e.UserID, SubCode: e.SubCode, msg: e.SubMessage}
		}
		return resp, allFailed(c.action, fs)
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
