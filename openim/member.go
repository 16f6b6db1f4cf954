package openim

import (
	"context"

	"github.com/groupd/groupd/domain"
)

type setMemberInfoReq struct {
	// Members are OpenIM's SetGroupMemberInfo: null or absent = unchanged,
	// a value (even "") = set. OpenIM's SDK sends every field, null for the
	// ones it does not set.
	Members []struct {
		GroupID   string      `json:"groupID"`
		UserID    string      `json:"userID"`
		Nickname  opt[string] `json:"nickname"`
		FaceURL   opt[string] `json:"faceURL"`
		RoleLevel opt[int32]  `json:"roleLevel"`
		Ex        opt[string] `json:"ex"`
	} `json:"members"`
}

// setGroupMemberInfo applies every change or none. roleLevel 100 answers
// 1002 (use transfer_group); the role rules are the domain's.
func (h *Handler) setGroupMemberInfo(ctx context.Context, c *call, req *setMemberInfoReq) (any, error) {
	if len(req.Members) == 0 {
		return nil, errorf(codeArgs, "members is empty")
	}
	patches := make([]domain.MemberPatch, len(req.Members))
	for i, m := range req.Members {
		patches[i] = domain.MemberPatch{GroupID: m.GroupID, UserID: m.UserID, Nickname: m.Nickname.ptr(),
			FaceURL: m.FaceURL.ptr(), Ex: m.Ex.ptr(), RoleLevel: optInt(m.RoleLevel)}
		if err := h.beforeSetMember(ctx, &patches[i]); err != nil { // beforehooks.go
			return nil, err
		}
	}
	_, err := h.svc.SetMemberInfo(ctx, c.actor, patches, false)
	return nil, err
}
