package domain

import (
	"context"
	"crypto/md5"
	"encoding/binary"
	"encoding/json"
)

// GroupInfoElement is the element ID that marks a change of the group's own
// data in its member version log.
const GroupInfoElement = "#group"

// MaxSyncChanges bounds one incremental answer; a client further behind is
// told to resync in full.
const MaxSyncChanges = 2000

// KeepVersions is how many versions of history an owner's log keeps; a
// client older than that gets Full.
const KeepVersions = 5000

// logGroupUpdate records a change of the group's own data in the group's
// member log and in every member's joined-group log.
func (s *Service) logGroupUpdate(ctx context.Context, tx Tx, groupID string) error {
	if _, err := s.logVersion(ctx, tx, VersionOwner{Kind: VersionGroupMembers, ID: groupID}, OpUpdate, []string{GroupInfoElement}); err != nil {
		return err
	}
	ids, err := tx.MemberUserIDs(ctx, groupID)
	if err != nil {
		return storeErr(err, "read member IDs")
	}
	for _, id := range ids {
		if _, err := s.logVersion(ctx, tx, VersionOwner{Kind: VersionUserGroups, ID: id}, OpUpdate, []string{groupID}); err != nil {
			return err
		}
	}
	return nil
}

// logVersion appends to a log and compacts it now and then.
func (s *Service) logVersion(ctx context.Context, tx Tx, owner VersionOwner, op int, ids []string) (int64, error) {
	v, err := tx.LogVersion(ctx, owner, op, ids)
	if err != nil {
		return 0, storeErr(err, "log version")
	}
	if v%1000 == 0 && v > KeepVersions {
		if err := tx.CompactVersions(ctx, owner, v-KeepVersions); err != nil {
			return 0, storeErr(err, "compact versions")
		}
	}
	return v, nil
}

// SyncDelta is the answer to an incremental sync.
type SyncDelta struct {
	VersionID string
	Version   int64
	Full      bool // the client must resync in full
	Deleted   []string
	Inserted  []string
	Updated   []string
	// InfoChanged: the group's own data changed (member sync only).
	InfoChanged bool
}

// delta reads owner's changes since version for a client at (versionID, version).
func (s *Service) delta(ctx context.Context, owner VersionOwner, versionID string, version int64) (SyncDelta, error) {
	state, entries, err := s.store.VersionLog(ctx, owner, version, MaxSyncChanges+1)
	if err != nil {
		return SyncDelta{}, storeErr(err, "read version log")
	}
	d := SyncDelta{VersionID: state.VersionID, Version: state.Version}
	if versionID != state.VersionID || version < state.MinVersion || version > state.Version || len(entries) > MaxSyncChanges {
		d.Full = true
		return d, nil
	}
	for _, e := range entries {
		switch {
		case e.ElementID == GroupInfoElement:
			d.InfoChanged = true
		case e.Op == OpInsert:
			d.Inserted = append(d.Inserted, e.ElementID)
		case e.Op == OpDelete:
			d.Deleted = append(d.Deleted, e.ElementID)
		default:
			d.Updated = append(d.Updated, e.ElementID)
		}
	}
	return d, nil
}

// JoinedGroupsDelta is the incremental sync of a user's joined groups.
type JoinedGroupsDelta struct {
	SyncDelta
	Insert []Group
	Update []Group
}

// IncrementalJoinedGroups returns what changed in userID's joined groups
// since (versionID, version) (the user themself or an app admin).
func (s *Service) IncrementalJoinedGroups(ctx context.Context, a Actor, userID, versionID string, version int64) (JoinedGroupsDelta, error) {
	if err := s.checkID("userID", userID); err != nil {
		return JoinedGroupsDelta{}, err
	}
	if err := requireSelfOrAdmin(a, userID); err != nil {
		return JoinedGroupsDelta{}, err
	}
	d, err := s.delta(ctx, VersionOwner{Kind: VersionUserGroups, ID: userID}, versionID, version)
	if err != nil || d.Full {
		return JoinedGroupsDelta{SyncDelta: d}, err
	}
	out := JoinedGroupsDelta{SyncDelta: d}
	if out.Insert, err = s.groupsInOrder(ctx, s.store, d.Inserted); err != nil {
		return out, err
	}
	out.Update, err = s.groupsInOrder(ctx, s.store, d.Updated)
	return out, err
}

// GroupMembersDelta is the incremental sync of a group's members.
type GroupMembersDelta struct {
	SyncDelta
	Insert []Member
	Update []Member
	Group  *Group // set when the group's own data changed
}

// IncrementalGroupMembers returns what changed in a group's member list
// since (versionID, version) (members and app admins).
func (s *Service) IncrementalGroupMembers(ctx context.Context, a Actor, groupID, versionID string, version int64) (GroupMembersDelta, error) {
	if err := s.checkID("groupID", groupID); err != nil {
		return GroupMembersDelta{}, err
	}
	g, err := s.readableGroup(ctx, a, groupID)
	if err != nil {
		return GroupMembersDelta{}, err
	}
	d, err := s.delta(ctx, VersionOwner{Kind: VersionGroupMembers, ID: groupID}, versionID, version)
	out := GroupMembersDelta{SyncDelta: d}
	if err != nil {
		return out, err
	}
	if d.Full || d.InfoChanged {
		out.Group = &g
	}
	if d.Full {
		return out, nil
	}
	if out.Insert, err = s.membersByID(ctx, groupID, d.Inserted); err != nil {
		return out, err
	}
	out.Update, err = s.membersByID(ctx, groupID, d.Updated)
	return out, err
}

func (s *Service) membersByID(ctx context.Context, groupID string, ids []string) ([]Member, error) {
	if len(ids) == 0 {
		return []Member{}, nil
	}
	ms, err := s.store.GetMembers(ctx, groupID, ids)
	if err != nil {
		return nil, storeErr(err, "read members")
	}
	return s.withProfiles(ctx, ms)
}

// FullIDs is the answer to a full ID sync.
type FullIDs struct {
	VersionID string
	Version   int64
	Equal     bool // the client's idHash matches; IDs is then empty
	IDs       []string
}

// FullJoinedGroupIDs returns all group IDs userID joined, unless idHash
// shows the client has them already.
func (s *Service) FullJoinedGroupIDs(ctx context.Context, a Actor, userID string, idHash uint64) (FullIDs, error) {
	if err := s.checkID("userID", userID); err != nil {
		return FullIDs{}, err
	}
	if err := requireSelfOrAdmin(a, userID); err != nil {
		return FullIDs{}, err
	}
	ids, err := s.store.JoinedGroupIDs(ctx, userID)
	if err != nil {
		return FullIDs{}, storeErr(err, "read joined groups")
	}
	return s.fullIDs(ctx, VersionOwner{Kind: VersionUserGroups, ID: userID}, ids, idHash)
}

// FullGroupMemberIDs returns all member IDs of a group, unless idHash shows
// the client has them already (members and app admins).
func (s *Service) FullGroupMemberIDs(ctx context.Context, a Actor, groupID string, idHash uint64) (FullIDs, error) {
	ids, err := s.MemberUserIDs(ctx, a, groupID)
	if err != nil {
		return FullIDs{}, err
	}
	return s.fullIDs(ctx, VersionOwner{Kind: VersionGroupMembers, ID: groupID}, ids, idHash)
}

func (s *Service) fullIDs(ctx context.Context, owner VersionOwner, ids []string, idHash uint64) (FullIDs, error) {
	state, _, err := s.store.VersionLog(ctx, owner, 1<<62, 1)
	if err != nil {
		return FullIDs{}, storeErr(err, "read version log")
	}
	out := FullIDs{VersionID: state.VersionID, Version: state.Version, IDs: ids}
	if SyncIDHash(ids) == idHash {
		out.Equal, out.IDs = true, []string{}
	}
	return out, nil
}

// SyncIDHash is OpenIM's idHash: the first 8 bytes, big-endian, of the MD5 of
// the JSON-encoded ID array; 0 for no IDs.
func SyncIDHash(ids []string) uint64 {
	if len(ids) == 0 {
		return 0
	}
	data, _ := json.Marshal(ids)
	sum := md5.Sum(data)
	return binary.BigEndian.Uint64(sum[:8])
}
