package domain

import (
	"cmp"
	"context"
	"slices"
	"strings"
)

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
	// SortVersion is the version of the latest change of the list's order
	// in the range (a role change), 0 if none (member sync only).
	SortVersion int64
}

// delta reads owner's changes since version for a client at (versionID,
// version). The answer is Full when the client's log is another one (the
// versionID differs), older than the compaction point, ahead of the server,
// or more than MaxChanges behind. Its cost is proportional to the number of
// changes since version, never to the size of the list.
func (s *Service) delta(ctx context.Context, owner VersionOwner, versionID string, version int64) (SyncDelta, error) {
	state, entries, err := s.store.VersionLog(ctx, owner, version, s.sync.MaxChanges+1)
	if err != nil {
		return SyncDelta{}, storeErr(err, "read version log")
	}
	d := SyncDelta{VersionID: state.VersionID, Version: state.Version, Deleted: []string{}, Inserted: []string{}, Updated: []string{}}
	if versionID != state.VersionID || version < state.MinVersion || version > state.Version || len(entries) > s.sync.MaxChanges {
		d.Full = true
		return d, nil
	}
	// A membership inserted or deleted since version is reported as such;
	// changes to it are then implied. Entries come in version order.
	membership := make(map[string]bool, len(entries))
	var updated []string
	for _, e := range entries {
		switch {
		case e.ElementID == GroupInfoElement:
			d.InfoChanged = true
		case e.ElementID == SortElement:
			d.SortVersion = max(d.SortVersion, e.Version)
		case strings.HasPrefix(e.ElementID, updatePrefix):
			updated = append(updated, strings.TrimPrefix(e.ElementID, updatePrefix))
		case isMarker(e.ElementID):
			// a marker this version does not know: nothing for the client
		case e.Op == OpInsert:
			membership[e.ElementID] = true
			d.Inserted = append(d.Inserted, e.ElementID)
		case e.Op == OpDelete:
			membership[e.ElementID] = true
			d.Deleted = append(d.Deleted, e.ElementID)
		default:
			updated = append(updated, e.ElementID)
		}
	}
	for _, id := range updated {
		if !membership[id] {
			d.Updated = append(d.Updated, id)
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
// since (versionID, version) (the user themself or an app admin). Inserted
// groups come in join order, the order of FullJoinedGroupIDs, so a client
// that appends them to its ID list keeps the same idHash as the server.
func (s *Service) IncrementalJoinedGroups(ctx context.Context, a Actor, userID, versionID string, version int64) (JoinedGroupsDelta, error) {
	if err := s.checkID("userID", userID); err != nil {
		return JoinedGroupsDelta{}, err
	}
	if err := requireSelfOrAdmin(a, userID); err != nil {
		return JoinedGroupsDelta{}, err
	}
	if err := s.catchUpJoinedLog(ctx, userID); err != nil {
		return JoinedGroupsDelta{}, err
	}
	owner := VersionOwner{Kind: VersionUserGroups, ID: userID}
	d, err := s.delta(ctx, owner, versionID, version)
	if err == nil && d.VersionID == "" {
		d, err = s.startLog(ctx, owner)
	}
	out := JoinedGroupsDelta{SyncDelta: d, Insert: []Group{}, Update: []Group{}}
	if err != nil || d.Full {
		return out, err
	}
	inserted, err := s.inJoinOrder(ctx, userID, d.Inserted)
	if err != nil {
		return out, err
	}
	if out.Insert, err = s.groupsInOrder(ctx, s.store, inserted); err != nil {
		return out, err
	}
	out.Update, err = s.groupsInOrder(ctx, s.store, d.Updated)
	return out, err
}

// startLog starts the empty joined-group log of a registered user who has
// none yet (never joined a group) and answers Full with its position: a
// client needs a real versionID to save its sync record (OpenIM's SDK saves
// none from an empty, non-full answer, and its later group calls fail).
func (s *Service) startLog(ctx context.Context, owner VersionOwner) (SyncDelta, error) {
	err := s.store.Write(ctx, func(tx Tx) error {
		if _, err := requireUser(ctx, tx, owner.ID); err != nil {
			return err
		}
		state, _, err := tx.VersionLog(ctx, owner, 1<<62, 1)
		if err != nil || state.VersionID != "" {
			return storeErr(err, "read version log")
		}
		_, err = s.logVersion(ctx, tx, owner, OpUpdate, nil)
		return err
	})
	if err != nil {
		return SyncDelta{}, err
	}
	state, _, err := s.store.VersionLog(ctx, owner, 1<<62, 1)
	if err != nil {
		return SyncDelta{}, storeErr(err, "read version log")
	}
	return SyncDelta{VersionID: state.VersionID, Version: state.Version, Full: true,
		Deleted: []string{}, Inserted: []string{}, Updated: []string{}}, nil
}

// inJoinOrder orders groupIDs by userID's membership Seq. The IDs are the
// few inserted since a client's version, so one lookup each is cheap.
func (s *Service) inJoinOrder(ctx context.Context, userID string, groupIDs []string) ([]string, error) {
	seq := make(map[string]int64, len(groupIDs))
	for _, gid := range groupIDs {
		m, ok, err := member(ctx, s.store, gid, userID)
		if err != nil {
			return nil, err
		}
		if ok {
			seq[gid] = m.Seq
		}
	}
	out := slices.Clone(groupIDs)
	slices.SortStableFunc(out, func(x, y string) int { return cmp.Compare(seq[x], seq[y]) })
	return out, nil
}

// GroupMembersDelta is the incremental sync of a group's members.
type GroupMembersDelta struct {
	SyncDelta
	Insert []Member
	Update []Member
	Group  *Group // set when anything changed in the range, or with Full
}

// IncrementalGroupMembers returns what changed in a group's member list
// since (versionID, version) (members and app admins). Inserted members come
// in join order, the order of FullGroupMemberIDs.
func (s *Service) IncrementalGroupMembers(ctx context.Context, a Actor, groupID, versionID string, version int64) (GroupMembersDelta, error) {
	if err := s.checkID("groupID", groupID); err != nil {
		return GroupMembersDelta{}, err
	}
	g, err := s.readableGroup(ctx, a, groupID)
	if err != nil {
		return GroupMembersDelta{}, err
	}
	d, err := s.delta(ctx, VersionOwner{Kind: VersionGroupMembers, ID: groupID}, versionID, version)
	out := GroupMembersDelta{SyncDelta: d, Insert: []Member{}, Update: []Member{}}
	if err != nil {
		return out, err
	}
	// The group (and its memberCount) comes along whenever anything in the
	// range changed, members included, as OpenIM sends it.
	if d.Full || d.InfoChanged || len(d.Inserted)+len(d.Deleted)+len(d.Updated) > 0 || d.SortVersion > 0 {
		out.Group = &g
	}
	if d.Full {
		return out, nil
	}
	if out.Insert, err = s.membersByID(ctx, groupID, d.Inserted); err != nil {
		return out, err
	}
	slices.SortFunc(out.Insert, func(x, y Member) int { return cmp.Compare(x.Seq, y.Seq) })
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

// FullIDs is a whole ID list with the log position it is current at.
type FullIDs struct {
	VersionID string
	Version   int64
	IDs       []string
}

// FullJoinedGroupIDs returns all group IDs userID joined, in join order
// (the user themself or an app admin).
func (s *Service) FullJoinedGroupIDs(ctx context.Context, a Actor, userID string) (FullIDs, error) {
	if err := s.checkID("userID", userID); err != nil {
		return FullIDs{}, err
	}
	if err := requireSelfOrAdmin(a, userID); err != nil {
		return FullIDs{}, err
	}
	if err := s.catchUpJoinedLog(ctx, userID); err != nil {
		return FullIDs{}, err
	}
	return s.fullIDs(ctx, VersionOwner{Kind: VersionUserGroups, ID: userID}, func() ([]string, error) {
		ids, err := s.store.JoinedGroupIDs(ctx, userID)
		return ids, storeErr(err, "read joined groups")
	})
}

// FullGroupMemberIDs returns all member IDs of a group in list order: role
// level descending, then join order (members and app admins).
func (s *Service) FullGroupMemberIDs(ctx context.Context, a Actor, groupID string) (FullIDs, error) {
	if err := s.checkID("groupID", groupID); err != nil {
		return FullIDs{}, err
	}
	if _, err := s.readableGroup(ctx, a, groupID); err != nil {
		return FullIDs{}, err
	}
	return s.fullIDs(ctx, VersionOwner{Kind: VersionGroupMembers, ID: groupID}, func() ([]string, error) {
		ids, err := s.store.MemberUserIDs(ctx, groupID)
		return ids, storeErr(err, "read member IDs")
	})
}

// fullIDs reads the log position before the IDs: a change committed in
// between is then in the IDs and also after the version, so the client sees
// it again rather than never.
func (s *Service) fullIDs(ctx context.Context, owner VersionOwner, read func() ([]string, error)) (FullIDs, error) {
	state, _, err := s.store.VersionLog(ctx, owner, 1<<62, 1)
	if err != nil {
		return FullIDs{}, storeErr(err, "read version log")
	}
	ids, err := read()
	if err != nil {
		return FullIDs{}, err
	}
	if ids == nil {
		ids = []string{}
	}
	return FullIDs{VersionID: state.VersionID, Version: state.Version, IDs: ids}, nil
}

// SyncRequest is one group of a batch member sync: the client's position.
type SyncRequest struct {
	GroupID   string
	VersionID string
	Version   int64
}

// IncrementalGroupMembersBatch runs IncrementalGroupMembers for each group
// on behalf of userID (the caller themself or an app admin); a group listed
// twice is answered once. Once the answers carry MaxChanges changes in all,
// the remaining groups are left out: the client asks again for them. Any
// group the caller may not read fails the whole call.
func (s *Service) IncrementalGroupMembersBatch(ctx context.Context, a Actor, userID string, reqs []SyncRequest) (map[string]GroupMembersDelta, error) {
	if err := s.checkID("userID", userID); err != nil {
		return nil, err
	}
	if err := requireSelfOrAdmin(a, userID); err != nil {
		return nil, err
	}
	if len(reqs) > s.limits.MaxIDsPerCall {
		return nil, Errorf(KindInvalid, "%d groups in one call, at most %d allowed", len(reqs), s.limits.MaxIDsPerCall)
	}
	for _, r := range reqs {
		if err := s.checkID("groupID", r.GroupID); err != nil {
			return nil, err
		}
	}
	out := make(map[string]GroupMembersDelta, len(reqs))
	changes := 0
	for _, r := range reqs {
		if _, done := out[r.GroupID]; done {
			continue
		}
		if changes >= s.sync.MaxChanges {
			break
		}
		d, err := s.IncrementalGroupMembers(ctx, a, r.GroupID, r.VersionID, r.Version)
		if err != nil {
			return nil, err
		}
		out[r.GroupID] = d
		changes += len(d.Inserted) + len(d.Updated) + len(d.Deleted)
	}
	return out, nil
}
