package openim

import (
	"context"

	"github.com/groupd/groupd/domain"
)

type getGroupsReq struct {
	Pagination pagination `json:"pagination"`
	GroupName  string     `json:"groupName"`
	GroupID    string     `json:"groupID"`
}

// cmsGroup is OpenIM's CMSGroup.
type cmsGroup struct {
	GroupInfo          groupInfo `json:"groupInfo"`
	GroupOwnerUserName string    `json:"groupOwnerUserName"`
	GroupOwnerUserID   string    `json:"groupOwnerUserID"`
}

type getGroupsResp struct {
	Total  int64      `json:"total"`
	Groups []cmsGroup `json:"groups"`
}

// getGroups is the admin search (app admins only): groupName is a substring
// of the name, groupID an exact ID; dismissed groups are left out; newest
// first.
func (h *Handler) getGroups(ctx context.Context, c *call, req *getGroupsReq) (any, error) {
	page, err := req.Pagination.page()
	if err != nil {
		return nil, err
	}
	groups, owners, total, err := h.svc.SearchGroups(ctx, c.actor, domain.GroupSearch{
		GroupID: req.GroupID, NameSubstr: req.GroupName, Page: page})
	if err != nil {
		return nil, err
	}
	now := h.svc.NowMillis()
	out := make([]cmsGroup, len(groups))
	for i, g := range groups {
		out[i] = cmsGroup{GroupInfo: wireGroup(g, now), GroupOwnerUserName: owners[g.OwnerUserID].Nickname, GroupOwnerUserID: g.OwnerUserID}
	}
	return getGroupsResp{Total: total, Groups: out}, nil
}
