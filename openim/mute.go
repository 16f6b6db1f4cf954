package openim

import (
	"context"
	"math"

	"github.com/groupd/groupd/domain"
)

// muteGroup mutes every member until cancelled: GroupInfo.status reads 3.
func (h *Handler) muteGroup(ctx context.Context, c *call, req *groupIDReq) (any, error) {
	return nil, h.svc.MuteGroup(ctx, c.actor, req.GroupID, domain.MuteSpec{All: true})
}

// cancelMuteGroup lifts the group mute (and any ZIM role mute): status 0.
func (h *Handler) cancelMuteGroup(ctx context.Context, c *call, req *groupIDReq) (any, error) {
	return nil, h.svc.MuteGroup(ctx, c.actor, req.GroupID, domain.MuteSpec{})
}

type muteMemberReq struct {
	GroupID      string `json:"groupID"`
	UserID       string `json:"userID"`
	MutedSeconds int64  `json:"mutedSeconds"`
}

// muteGroupMember mutes one member for mutedSeconds (1 to 2^32-1, OpenIM's
// uint32); muteEndTime is now + mutedSeconds in ms and reads 0 once past.
func (h *Handler) muteGroupMember(ctx context.Context, c *call, req *muteMemberReq) (any, error) {
	if req.MutedSeconds <= 0 || req.MutedSeconds > math.MaxUint32 {
		return nil, errorf(codeArgs, "mutedSeconds must be between 1 and %d, not %d", uint32(math.MaxUint32), req.MutedSeconds)
	}
	until := h.svc.NowMillis() + req.MutedSeconds*1000
	_, err := h.svc.MuteMembers(ctx, c.actor, req.GroupID, []string{req.UserID}, until, false)
	return nil, err
}

type cancelMuteMemberReq struct {
	GroupID string `json:"groupID"`
	UserID  string `json:"userID"`
}

func (h *Handler) cancelMuteGroupMember(ctx context.Context, c *call, req *cancelMuteMemberReq) (any, error) {
	_, err := h.svc.MuteMembers(ctx, c.actor, req.GroupID, []string{req.UserID}, 0, false)
	return nil, err
}
