package openim

import (
	"context"

	"github.com/groupd/groupd/domain"
)

// publicUserInfo is OpenIM's PublicUserInfo, the applicant of a request.
type publicUserInfo struct {
	UserID   string `json:"userID"`
	Nickname string `json:"nickname"`
	FaceURL  string `json:"faceURL"`
	Ex       string `json:"ex"`
}

// groupRequest is OpenIM's GroupRequest.
type groupRequest struct {
	UserInfo      publicUserInfo `json:"userInfo"`
	GroupInfo     groupInfo      `json:"groupInfo"`
	HandleResult  int            `json:"handleResult"`
	ReqMsg        string         `json:"reqMsg"`
	HandleMsg     string         `json:"handleMsg"`
	ReqTime       int64          `json:"reqTime"`
	HandleUserID  string         `json:"handleUserID"`
	HandleTime    int64          `json:"handleTime"`
	Ex            string         `json:"ex"`
	JoinSource    int            `json:"joinSource"`
	InviterUserID string         `json:"inviterUserID"`
}

func (h *Handler) groupRequests(reqs []domain.RequestInfo) []groupRequest {
	now := h.svc.NowMillis()
	out := make([]groupRequest, len(reqs))
	for i, r := range reqs {
		out[i] = groupRequest{
			UserInfo:  publicUserInfo{UserID: r.User.UserID, Nickname: r.User.Nickname, FaceURL: r.User.FaceURL, Ex: r.User.Ex},
			GroupInfo: wireGroup(r.Group, now), HandleResult: r.HandleResult, ReqMsg: r.ReqMsg, HandleMsg: r.HandleMsg,
			ReqTime: r.ReqTime, HandleUserID: r.HandleUserID, HandleTime: r.HandleTime, Ex: r.Ex,
			JoinSource: r.JoinSource, InviterUserID: r.InviterUserID,
		}
	}
	return out
}

type groupRequestsResp struct {
	Total         int64          `json:"total"`
	GroupRequests []groupRequest `json:"groupRequests"`
}

type joinGroupReq struct {
	GroupID    string `json:"groupID"`
	ReqMessage string `json:"reqMessage"`
	JoinSource int32  `json:"joinSource"`
	// InviterUserID is the applicant, as OpenIM's server reads it: its SDK
	// always sends the logged-in user here, and an app server names the
	// user it applies for.
	InviterUserID string `json:"inviterUserID"`
	Ex            string `json:"ex"`
	// UserID is groupd's older spelling of the applicant, still accepted;
	// it must agree with inviterUserID when both are sent.
	UserID string `json:"userID"`
}

// joinGroup applies to join a group for the applicant (inviterUserID, else
// userID, else the token's user): needVerification 2 joins directly, 0 and
// 1 file a pending request (replacing an earlier one). A user token may
// apply only for itself (OpenIM trusts any inviterUserID: a bug groupd does
// not copy); an app admin may apply for anyone. An invite-only group (ZIM
// JoinMode 2) answers 1002.
func (h *Handler) joinGroup(ctx context.Context, c *call, req *joinGroupReq) (any, error) {
	applicant := req.InviterUserID
	switch {
	case applicant == "":
		applicant = req.UserID
	case req.UserID != "" && req.UserID != applicant:
		return nil, errorf(codeArgs, "userID and inviterUserID name different applicants")
	}
	in := domain.JoinInput{
		GroupID: req.GroupID, UserID: applicant, ReqMsg: req.ReqMessage, JoinSource: int(req.JoinSource),
		InviterUserID: req.InviterUserID, Ex: req.Ex,
	}
	if err := h.beforeJoin(ctx, c, &in); err != nil { // beforehooks.go
		return nil, err
	}
	_, err := h.svc.JoinGroup(ctx, c.actor, in)
	return nil, err
}

type applicationResponseReq struct {
	GroupID      string `json:"groupID"`
	FromUserID   string `json:"fromUserID"`
	HandledMsg   string `json:"handledMsg"`
	HandleResult int32  `json:"handleResult"`
}

func (h *Handler) groupApplicationResponse(ctx context.Context, c *call, req *applicationResponseReq) (any, error) {
	fields, err := h.beforeAccept(ctx, c, req) // beforehooks.go
	if err != nil {
		return nil, err
	}
	return nil, h.svc.HandleRequest(ctx, c.actor, req.GroupID, req.FromUserID, req.HandledMsg, int(req.HandleResult), fields...)
}

// requestFilter is the filter part of the two paged request lists.
type requestFilter struct {
	Pagination    pagination `json:"pagination"`
	GroupIDs      []string   `json:"groupIDs"`
	HandleResults []int32    `json:"handleResults"`
}

func (f requestFilter) domain() (domain.RequestFilter, error) {
	page, err := f.Pagination.page()
	if err != nil {
		return domain.RequestFilter{}, err
	}
	results := make([]int, len(f.HandleResults))
	for i, r := range f.HandleResults {
		results[i] = int(r)
	}
	return domain.RequestFilter{GroupIDs: f.GroupIDs, HandleResults: results, Page: page}, nil
}

type recvApplicationListReq struct {
	FromUserID string `json:"fromUserID"`
	requestFilter
}

// getRecvGroupApplicationList pages the requests to the groups fromUserID
// owns or administers, newest first.
func (h *Handler) getRecvGroupApplicationList(ctx context.Context, c *call, req *recvApplicationListReq) (any, error) {
	f, err := req.domain()
	if err != nil {
		return nil, err
	}
	reqs, total, err := h.svc.ReceivedRequests(ctx, c.actor, req.FromUserID, f)
	if err != nil {
		return nil, err
	}
	return groupRequestsResp{Total: total, GroupRequests: h.groupRequests(reqs)}, nil
}

type userReqApplicationListReq struct {
	UserID string `json:"userID"`
	requestFilter
}

// getUserReqGroupApplicationList pages the requests userID made, newest first.
func (h *Handler) getUserReqGroupApplicationList(ctx context.Context, c *call, req *userReqApplicationListReq) (any, error) {
	f, err := req.domain()
	if err != nil {
		return nil, err
	}
	reqs, total, err := h.svc.UserRequests(ctx, c.actor, req.UserID, f)
	if err != nil {
		return nil, err
	}
	return groupRequestsResp{Total: total, GroupRequests: h.groupRequests(reqs)}, nil
}

type groupUsersReqApplicationListReq struct {
	GroupID string   `json:"groupID"`
	UserIDs []string `json:"userIDs"`
}

// getGroupUsersReqApplicationList returns the requests of userIDs (required,
// at most 1000) to one group, newest first.
func (h *Handler) getGroupUsersReqApplicationList(ctx context.Context, c *call, req *groupUsersReqApplicationListReq) (any, error) {
	if len(req.UserIDs) == 0 {
		return nil, errorf(codeArgs, "userIDs is empty")
	}
	reqs, total, err := h.svc.GroupRequests(ctx, c.actor, req.GroupID, req.UserIDs, domain.Page{})
	if err != nil {
		return nil, err
	}
	return groupRequestsResp{Total: total, GroupRequests: h.groupRequests(reqs)}, nil
}

type specifiedUserGroupRequestReq struct {
	GroupID string `json:"groupID"`
	UserID  string `json:"userID"`
}

// getSpecifiedUserGroupRequestInfo returns userID's request to groupID as a
// list of none or one, the shape OpenIM gives it.
func (h *Handler) getSpecifiedUserGroupRequestInfo(ctx context.Context, c *call, req *specifiedUserGroupRequestReq) (any, error) {
	reqs, err := h.svc.UserGroupRequest(ctx, c.actor, req.GroupID, req.UserID)
	if err != nil {
		return nil, err
	}
	return groupRequestsResp{Total: int64(len(reqs)), GroupRequests: h.groupRequests(reqs)}, nil
}

type unhandledCountReq struct {
	UserID string `json:"userID"`
	Time   int64  `json:"time"`
}

type countResp struct {
	Count int64 `json:"count"`
}

// getGroupApplicationUnhandledCount counts the pending requests made after
// time (ms) to the groups userID owns or administers.
func (h *Handler) getGroupApplicationUnhandledCount(ctx context.Context, c *call, req *unhandledCountReq) (any, error) {
	n, err := h.svc.UnhandledRequestCount(ctx, c.actor, req.UserID, req.Time)
	if err != nil {
		return nil, err
	}
	return countResp{Count: n}, nil
}
