package zim

import (
	"strconv"

	"github.com/groupd/groupd/domain"
)

// duration reads Duration: -1 forever, 0 cancel, > 0 seconds up to 30 days.
func duration(q query) (int64, error) {
	d, err := q.int64("Duration", 0)
	if err != nil {
		return 0, err
	}
	if d < -1 || d > maxMuteSeconds {
		return 0, paramError("Duration %d is not -1, 0 or a number of seconds up to %d", d, maxMuteSeconds)
	}
	return d, nil
}

// manager is the actor of the mute Actions, which the reference reserves to
// the group's owner and admins (660600024 not in the group, 660600032 no
// permission): FromUserId acting with its own role.
func (h *handler) manager(c *call, fromUserID string) (domain.Actor, error) {
	a, err := h.operator(c, fromUserID)
	a.Admin = false
	return a, err
}

// muteGroup mutes all members (IsAllMuted) or the roles of MuteRoleList for
// Duration, or cancels the group's mute (Duration 0 or nothing to mute).
func (h *handler) muteGroup(c *call) (response, error) {
	from, groupID := c.q.str("FromUserId"), c.q.str("GroupId")
	if err := checkID("GroupId", groupID); err != nil {
		return nil, err
	}
	all, err := c.q.bool("IsAllMuted")
	if err != nil {
		return nil, err
	}
	roles, err := c.q.ints("MuteRoleList")
	if err != nil {
		return nil, err
	}
	if len(roles) > maxMuteRoles {
		return nil, paramError("MuteRoleList has %d roles, at most %d allowed", len(roles), maxMuteRoles)
	}
	d, err := duration(c.q)
	if err != nil {
		return nil, err
	}
	a, err := h.manager(c, from)
	if err != nil {
		return nil, err
	}
	var spec domain.MuteSpec // cancels
	if d != 0 {
		if d > 0 {
			spec.Until = h.svc.NowMillis() + d*1000
		}
		switch {
		case all:
			spec.All = true // MuteRoleList counts only when IsAllMuted is false
		case len(roles) > 0:
			spec.Roles = roles
		}
	}
	return nil, h.svc.MuteGroup(c.ctx, a, groupID, spec)
}

// muteGroupMembers mutes (Duration -1 or > 0) or unmutes (0) up to 20
// members; each failure is reported in ErrorUsers.
func (h *handler) muteGroupMembers(c *call) (response, error) {
	from, groupID := c.q.str("FromUserId"), c.q.str("GroupId")
	if err := checkID("GroupId", groupID); err != nil {
		return nil, err
	}
	ids := c.q.list("UserIds")
	if len(ids) == 0 {
		return nil, paramError("UserIds is required")
	}
	if len(ids) > maxMuteUsers {
		return nil, fail(CodeTooManyUsers, strconv.Itoa(len(ids))+" users, at most 20 may be muted at once")
	}
	for _, id := range ids {
		if err := checkID("UserIds", id); err != nil {
			return nil, err
		}
	}
	d, err := duration(c.q)
	if err != nil {
		return nil, err
	}
	a, err := h.manager(c, from)
	if err != nil {
		return nil, err
	}
	var until int64
	switch {
	case d == -1:
		until = domain.MuteForever
	case d > 0:
		until = h.svc.NowMillis() + d*1000
	}
	ids = dedupe(ids, "")
	items, err := h.svc.MuteMembers(c.ctx, a, groupID, ids, until, true)
	if err != nil {
		return nil, err
	}
	resp := &errorUsersResponse{ErrorUsers: failures(c.name, items)}
	if len(items) == len(ids) && len(resp.ErrorUsers) > 0 {
		return resp, allFailed(c.action, resp.ErrorUsers)
	}
	return resp, nil
}

// ForbidType bits.
const (
	forbidAll   = 1
	forbidRoles = 2
	forbidUsers = 4
)

type forbidGroup struct {
	GroupID    string `json:"GroupId"`
	ForbidType int    `json:"ForbidType"`
}

type fetchForbidGroupListResponse struct {
	Envelope
	FetchEnd  int           `json:"FetchEnd"`
	NextFlag  int64         `json:"NextFlag"`
	GroupList []forbidGroup `json:"GroupList"`
}

// fetchForbidGroupList scans the app's groups 10,000 at a time from
// StartFlag and lists those under a mute.
func (h *handler) fetchForbidGroupList(c *call) (response, error) {
	var req struct {
		FromUserID string `json:"FromUserId"`
		StartFlag  int64  `json:"StartFlag"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if req.StartFlag < 0 {
		return nil, paramError("StartFlag must not be negative")
	}
	if _, err := h.operator(c, req.FromUserID); err != nil {
		return nil, err
	}
	page, err := h.svc.MutedGroupsAfter(c.ctx, server, req.StartFlag, forbidScanWindow)
	if err != nil {
		return nil, err
	}
	now := h.svc.NowMillis()
	resp := &fetchForbidGroupListResponse{NextFlag: page.Next, GroupList: make([]forbidGroup, 0, len(page.Groups))}
	if page.Next == 0 {
		resp.FetchEnd = 1
	}
	for _, st := range page.Groups {
		t := 0
		if st.Group.MuteActive(now) {
			if st.Group.MuteAll {
				t |= forbidAll
			} else {
				t |= forbidRoles
			}
		}
		if st.MembersMuted {
			t |= forbidUsers
		}
		resp.GroupList = append(resp.GroupList, forbidGroup{GroupID: st.Group.GroupID, ForbidType: t})
	}
	return resp, nil
}
