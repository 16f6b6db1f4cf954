package openim

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/groupd/groupd/domain"
)

// wireVersion is a client's version: OpenIM's uint64. The domain counts in
// int64; a larger version is ahead of every log and so answers full.
func wireVersion(v uint64) int64 {
	if v > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(v)
}

// idHash is OpenIM's uint64 idHash. It is a JSON number on OpenIM's wire;
// a decimal string is accepted too, for clients whose numbers are doubles.
type idHash uint64

func (h *idHash) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*h = 0
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return fmt.Errorf("idHash %q is not an unsigned 64-bit integer", s)
		}
		*h = idHash(n)
		return nil
	}
	var n uint64
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*h = idHash(n)
	return nil
}

type incrementalJoinGroupsReq struct {
	UserID    string `json:"userID"`
	VersionID string `json:"versionID"`
	Version   uint64 `json:"version"`
}

type incrementalJoinGroupsResp struct {
	Version   uint64      `json:"version"`
	VersionID string      `json:"versionID"`
	Full      bool        `json:"full"`
	Delete    []string    `json:"delete"`
	Insert    []groupInfo `json:"insert"`
	Update    []groupInfo `json:"update"`
	// SortVersion is always 0: a user's joined-group list is in join
	// order, which nothing but a join changes.
	SortVersion uint64 `json:"sortVersion"`
}

// getIncrementalJoinGroups returns the changes to userID's joined groups
// since the client's (versionID, version). full: true tells the client to
// resync with get_full_join_group_ids; the lists are then empty.
func (h *Handler) getIncrementalJoinGroups(ctx context.Context, c *call, req *incrementalJoinGroupsReq) (any, error) {
	d, err := h.svc.IncrementalJoinedGroups(ctx, c.actor, req.UserID, req.VersionID, wireVersion(req.Version))
	if err != nil {
		return nil, err
	}
	return incrementalJoinGroupsResp{Version: uint64(d.Version), VersionID: d.VersionID, Full: d.Full,
		Delete: d.Deleted, Insert: h.groupInfos(d.Insert), Update: h.groupInfos(d.Update)}, nil
}

type incrementalGroupMembersReq struct {
	GroupID   string `json:"groupID"`
	VersionID string `json:"versionID"`
	Version   uint64 `json:"version"`
}

type incrementalGroupMembersResp struct {
	Version   uint64       `json:"version"`
	VersionID string       `json:"versionID"`
	Full      bool         `json:"full"`
	Delete    []string     `json:"delete"`
	Insert    []memberInfo `json:"insert"`
	Update    []memberInfo `json:"update"`
	// Group is the group's info when it changed since the client's version,
	// or with full; absent otherwise, as OpenIM omits it.
	Group *groupInfo `json:"group,omitempty"`
	// SortVersion is the version of the latest role change in the range,
	// 0 if none: the member ID list is ordered by role, so the SDK fetches
	// it again when this is set.
	SortVersion uint64 `json:"sortVersion"`
}

func (h *Handler) membersDelta(d domain.GroupMembersDelta) incrementalGroupMembersResp {
	out := incrementalGroupMembersResp{Version: uint64(d.Version), VersionID: d.VersionID, Full: d.Full,
		Delete: d.Deleted, Insert: h.memberInfos(d.Insert), Update: h.memberInfos(d.Update),
		SortVersion: uint64(d.SortVersion)}
	if d.Group != nil {
		g := wireGroup(*d.Group, h.svc.NowMillis())
		out.Group = &g
	}
	return out
}

// getIncrementalGroupMembers returns the changes to a group's members since
// the client's (versionID, version); its cost follows the number of
// changes, not the size of the group.
func (h *Handler) getIncrementalGroupMembers(ctx context.Context, c *call, req *incrementalGroupMembersReq) (any, error) {
	d, err := h.svc.IncrementalGroupMembers(ctx, c.actor, req.GroupID, req.VersionID, wireVersion(req.Version))
	if err != nil {
		return nil, err
	}
	return h.membersDelta(d), nil
}

// incrementalGroupMembersBatchReq is OpenIM's BatchGetIncrementalGroupMemberReq.
type incrementalGroupMembersBatchReq struct {
	UserID  string                       `json:"userID"`
	ReqList []incrementalGroupMembersReq `json:"reqList"`
}

type incrementalGroupMembersBatchResp struct {
	RespList map[string]incrementalGroupMembersResp `json:"respList"`
}

// getIncrementalGroupMembersBatch answers get_incremental_group_members for
// each group in reqList, keyed by group ID. userID empty means the token's
// user. Once the answers carry the sync change limit in all, the rest are
// left out and the client asks again, as OpenIM does.
func (h *Handler) getIncrementalGroupMembersBatch(ctx context.Context, c *call, req *incrementalGroupMembersBatchReq) (any, error) {
	userID := req.UserID
	if userID == "" {
		userID = c.actor.UserID
	}
	reqs := make([]domain.SyncRequest, len(req.ReqList))
	for i, r := range req.ReqList {
		reqs[i] = domain.SyncRequest{GroupID: r.GroupID, VersionID: r.VersionID, Version: wireVersion(r.Version)}
	}
	ds, err := h.svc.IncrementalGroupMembersBatch(ctx, c.actor, userID, reqs)
	if err != nil {
		return nil, err
	}
	out := incrementalGroupMembersBatchResp{RespList: make(map[string]incrementalGroupMembersResp, len(ds))}
	for id, d := range ds {
		out.RespList[id] = h.membersDelta(d)
	}
	return out, nil
}

type fullJoinGroupIDsReq struct {
	IDHash idHash `json:"idHash"`
	UserID string `json:"userID"`
}

type fullJoinGroupIDsResp struct {
	Version   uint64   `json:"version"`
	VersionID string   `json:"versionID"`
	Equal     bool     `json:"equal"`
	GroupIDs  []string `json:"groupIDs"`
}

// getFullJoinGroupIDs returns every group userID joined, in join order;
// equal: true (and no IDs) when idHash says the client has them already.
func (h *Handler) getFullJoinGroupIDs(ctx context.Context, c *call, req *fullJoinGroupIDsReq) (any, error) {
	f, err := h.svc.FullJoinedGroupIDs(ctx, c.actor, req.UserID)
	if err != nil {
		return nil, err
	}
	equal, ids := sameIDs(f.IDs, req.IDHash)
	return fullJoinGroupIDsResp{Version: uint64(f.Version), VersionID: f.VersionID, Equal: equal, GroupIDs: ids}, nil
}

type fullGroupMemberUserIDsReq struct {
	IDHash  idHash `json:"idHash"`
	GroupID string `json:"groupID"`
}

type fullGroupMemberUserIDsResp struct {
	Version   uint64   `json:"version"`
	VersionID string   `json:"versionID"`
	Equal     bool     `json:"equal"`
	UserIDs   []string `json:"userIDs"`
}

// getFullGroupMemberUserIDs returns every member of a group, owner first,
// then admins, then ordinary members (each in join order);
// equal: true (and no IDs) when idHash says the client has them already.
func (h *Handler) getFullGroupMemberUserIDs(ctx context.Context, c *call, req *fullGroupMemberUserIDsReq) (any, error) {
	f, err := h.svc.FullGroupMemberIDs(ctx, c.actor, req.GroupID)
	if err != nil {
		return nil, err
	}
	equal, ids := sameIDs(f.IDs, req.IDHash)
	return fullGroupMemberUserIDsResp{Version: uint64(f.Version), VersionID: f.VersionID, Equal: equal, UserIDs: ids}, nil
}

// sameIDs reports whether the client's idHash matches ids, and the IDs to
// send: none when it does.
func sameIDs(ids []string, h idHash) (bool, []string) {
	if ids == nil {
		ids = []string{}
	}
	if syncIDHash(ids) == uint64(h) {
		return true, []string{}
	}
	return false, ids
}

// syncIDHash is OpenIM's idHash (its pkg/util/hashutil.IdHash): the first 8
// bytes, big-endian, of the MD5 of the JSON-encoded ID array; 0 for no IDs.
func syncIDHash(ids []string) uint64 {
	if len(ids) == 0 {
		return 0
	}
	data, _ := json.Marshal(ids)
	sum := md5.Sum(data)
	return binary.BigEndian.Uint64(sum[:8])
}
