package openim

import (
	"context"

	"github.com/groupd/groupd/domain"
)

// userInfo is OpenIM's UserInfo.
type userInfo struct {
	UserID           string `json:"userID"`
	Nickname         string `json:"nickname"`
	FaceURL          string `json:"faceURL"`
	Ex               string `json:"ex"`
	CreateTime       int64  `json:"createTime"`
	AppMangerLevel   int    `json:"appMangerLevel"`
	GlobalRecvMsgOpt int    `json:"globalRecvMsgOpt"`
}

func (h *Handler) userInfos(users []domain.User) []userInfo {
	out := make([]userInfo, len(users))
	for i, u := range users {
		out[i] = userInfo{UserID: u.UserID, Nickname: u.Nickname, FaceURL: u.FaceURL, Ex: u.Ex,
			CreateTime: u.CreateTime, AppMangerLevel: h.appMangerLevel(u.UserID)}
	}
	return out
}

type userRegisterReq struct {
	Users []struct {
		UserID   string `json:"userID"`
		Nickname string `json:"nickname"`
		FaceURL  string `json:"faceURL"`
		Ex       string `json:"ex"`
	} `json:"users"`
}

func (h *Handler) userRegister(ctx context.Context, c *call, req *userRegisterReq) (any, error) {
	users := make([]domain.User, len(req.Users))
	for i, u := range req.Users {
		users[i] = domain.User{UserID: u.UserID, Nickname: u.Nickname, FaceURL: u.FaceURL, Ex: u.Ex}
	}
	if err := h.beforeUserRegister(ctx, &users); err != nil { // beforehooks.go
		return nil, err
	}
	_, err := h.svc.RegisterUsers(ctx, c.actor, users, false)
	return nil, err
}

type userIDsReq struct {
	UserIDs []string `json:"userIDs"`
}

type usersInfoResp struct {
	UsersInfo []userInfo `json:"usersInfo"`
}

func (h *Handler) getUsersInfo(ctx context.Context, c *call, req *userIDsReq) (any, error) {
	users, err := h.svc.GetUsers(ctx, c.actor, req.UserIDs)
	if err != nil {
		return nil, err
	}
	return usersInfoResp{UsersInfo: h.userInfos(users)}, nil
}

type updateUserInfoReq struct {
	UserInfo struct {
		UserID   string `json:"userID"`
		Nickname string `json:"nickname"`
		FaceURL  string `json:"faceURL"`
		Ex       string `json:"ex"`
	} `json:"userInfo"`
}

// updateUserInfo: empty strings leave fields unchanged.
func (h *Handler) updateUserInfo(ctx context.Context, c *call, req *updateUserInfoReq) (any, error) {
	u := req.UserInfo
	p := domain.UserPatch{UserID: u.UserID, Nickname: nonEmpty(u.Nickname), FaceURL: nonEmpty(u.FaceURL), Ex: nonEmpty(u.Ex)}
	if err := h.beforeUpdateUser(ctx, &p, &u.Nickname, &u.FaceURL, false); err != nil { // beforehooks.go
		return nil, err
	}
	return nil, h.updateUser(ctx, c, p)
}

type updateUserInfoExReq struct {
	UserInfo struct {
		UserID   string      `json:"userID"`
		Nickname opt[string] `json:"nickname"`
		FaceURL  opt[string] `json:"faceURL"`
		Ex       opt[string] `json:"ex"`
	} `json:"userInfo"`
}

// updateUserInfoEx: a present field is set ("" included); null or absent
// leaves it unchanged.
func (h *Handler) updateUserInfoEx(ctx context.Context, c *call, req *updateUserInfoExReq) (any, error) {
	u := req.UserInfo
	p := domain.UserPatch{UserID: u.UserID, Nickname: u.Nickname.ptr(), FaceURL: u.FaceURL.ptr(), Ex: u.Ex.ptr()}
	if err := h.beforeUpdateUser(ctx, &p, p.Nickname, p.FaceURL, true); err != nil { // beforehooks.go
		return nil, err
	}
	return nil, h.updateUser(ctx, c, p)
}

// updateUser applies one user's patch (the user themself or an app admin).
func (h *Handler) updateUser(ctx context.Context, c *call, p domain.UserPatch) error {
	_, err := h.svc.UpdateUsers(ctx, c.actor, []domain.UserPatch{p}, false)
	return err
}

type pageReq struct {
	Pagination pagination `json:"pagination"`
}

type usersResp struct {
	Total int64      `json:"total"`
	Users []userInfo `json:"users"`
}

func (h *Handler) getUsers(ctx context.Context, c *call, req *pageReq) (any, error) {
	page, err := req.Pagination.page()
	if err != nil {
		return nil, err
	}
	users, total, err := h.svc.ListUsers(ctx, c.actor, page)
	if err != nil {
		return nil, err
	}
	return usersResp{Total: total, Users: h.userInfos(users)}, nil
}

// Paging bounds: showNumber 0 means DefaultShowNumber. OpenIM has no cap;
// groupd keeps one as a safety bound, far above what real clients ask (the
// SDK pages by 100 to 1000), and refuses more rather than silently cut, so
// a client's page arithmetic never skips entries.
const (
	DefaultShowNumber = 100
	MaxShowNumber     = 10000
)

// pagination is OpenIM's {pageNumber, showNumber}; pageNumber is 1-based.
type pagination struct {
	PageNumber int32 `json:"pageNumber"`
	ShowNumber int32 `json:"showNumber"`
}

func (p pagination) page() (domain.Page, error) {
	switch {
	case p.PageNumber < 1:
		return domain.Page{}, errorf(codeArgs, "pagination.pageNumber must be 1 or more, not %d", p.PageNumber)
	case p.ShowNumber < 0:
		return domain.Page{}, errorf(codeArgs, "pagination.showNumber must not be negative, not %d", p.ShowNumber)
	case p.ShowNumber > MaxShowNumber:
		return domain.Page{}, errorf(codeArgs, "pagination.showNumber must be at most %d, not %d", MaxShowNumber, p.ShowNumber)
	}
	show := int(p.ShowNumber)
	if show == 0 {
		show = DefaultShowNumber
	}
	return domain.Page{Offset: (int(p.PageNumber) - 1) * show, Limit: show}, nil
}
