package domain

import (
	"context"
	"slices"
	"strings"
)

// Version log elements. Every group has a log of its member list and every
// user a log of their joined groups; each log keeps one entry per element,
// holding that element's latest change and the version it happened at.
//
// A membership (a member of the group, a group the user joined) is logged
// under its plain ID with OpInsert or OpDelete. A change to an existing
// membership is logged separately, under updateElement(id) with OpUpdate.
// Keeping the two apart is what lets a client at any version v be told
// exactly what is new to it (inserted after v, however often changed since),
// what changed (inserted at or before v, changed after) and what is gone:
// one entry per element would turn "joined, then muted" into an update of a
// member the client never had.
//
// Markers begin with a control character, which checkID refuses in every ID,
// so they never collide with a real user or group ID.
const (
	markerPrefix = "\x1f"
	updatePrefix = markerPrefix + "u:"
	// GroupInfoElement marks a change of the group's own data in its member log.
	GroupInfoElement = markerPrefix + "group"
	// SortElement marks a change of the member list's order (a role
	// change) in the group's member log: the list is ordered by role, so a
	// client holding it must fetch it again (OpenIM's sortVersion).
	SortElement = markerPrefix + "sort"
)

func updateElement(id string) string { return updatePrefix + id }

func updateElements(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = updateElement(id)
	}
	return out
}

// Defaults of SyncOptions.
const (
	DefaultKeepVersions   = 5000
	DefaultMaxSyncChanges = 2000
)

// SyncOptions bound the version logs of incremental sync. Zero fields take
// the defaults.
type SyncOptions struct {
	// KeepVersions is how many versions of history a log keeps. Older
	// entries are compacted away now and then, and a client whose version is
	// older than the compaction point is told to resync in full.
	KeepVersions int64
	// MaxChanges bounds one incremental answer; a client further behind is
	// told to resync in full.
	MaxChanges int
}

func (o SyncOptions) withDefaults() SyncOptions {
	if o.KeepVersions <= 0 {
		o.KeepVersions = DefaultKeepVersions
	}
	if o.MaxChanges <= 0 {
		o.MaxChanges = DefaultMaxSyncChanges
	}
	return o
}

// compactEvery is how often (in versions) a log is compacted: a fifth of
// what it keeps, so a log holds at most 1.2 × KeepVersions versions.
func (o SyncOptions) compactEvery() int64 { return max(1, o.KeepVersions/5) }

// logMembership records membership inserts or deletes in the group's member
// log and in each user's joined-group log, in the same transaction.
func (s *Service) logMembership(ctx context.Context, tx Tx, groupID string, op int, userIDs []string) error {
	if len(userIDs) == 0 {
		return nil
	}
	if _, err := s.logVersion(ctx, tx, VersionOwner{Kind: VersionGroupMembers, ID: groupID}, op, userIDs); err != nil {
		return err
	}
	for _, id := range userIDs {
		if _, err := s.logVersion(ctx, tx, VersionOwner{Kind: VersionUserGroups, ID: id}, op, []string{groupID}); err != nil {
			return err
		}
	}
	return nil
}

// logMemberUpdate records changed memberships in the group's member log.
func (s *Service) logMemberUpdate(ctx context.Context, tx Tx, groupID string, userIDs []string) error {
	if len(userIDs) == 0 {
		return nil
	}
	_, err := s.logVersion(ctx, tx, VersionOwner{Kind: VersionGroupMembers, ID: groupID}, OpUpdate, updateElements(userIDs))
	return err
}

// logRoleChange records changed memberships whose role level changed: an
// update of each, plus the sort marker, at one version.
func (s *Service) logRoleChange(ctx context.Context, tx Tx, groupID string, userIDs []string) error {
	if len(userIDs) == 0 {
		return nil
	}
	ids := append(updateElements(userIDs), SortElement)
	_, err := s.logVersion(ctx, tx, VersionOwner{Kind: VersionGroupMembers, ID: groupID}, OpUpdate, ids)
	return err
}

// logGroupUpdate records a change of the group's own data in the group's
// member log: one entry, whatever the member count. Members' joined-group
// logs learn of it when they are next read (catchUpJoinedLog): a write to
// a group of 100,000 members costs what a write to a group of 3 does.
func (s *Service) logGroupUpdate(ctx context.Context, tx Tx, groupID string) error {
	_, err := s.logVersion(ctx, tx, VersionOwner{Kind: VersionGroupMembers, ID: groupID}, OpUpdate, []string{GroupInfoElement})
	return err
}

// catchUpJoinedLog logs, in userID's joined-group log, an update of each
// group whose data changed since the log last reported it (every change
// raises the group's DataSeq). Reads of the log call it first, so a client
// is told of a change exactly as if it had been logged with the change: at
// a version above any it saw before the change. Its cost is the user's
// memberships when nothing changed, and one write when something did.
func (s *Service) catchUpJoinedLog(ctx context.Context, userID string) error {
	unseen, err := s.store.GroupDataUnseen(ctx, userID)
	if err != nil || len(unseen) == 0 {
		return storeErr(err, "read group data seen")
	}
	slices.SortFunc(unseen, func(x, y GroupDataSeq) int { return strings.Compare(x.GroupID, y.GroupID) })
	ids := make([]string, len(unseen))
	for i, g := range unseen {
		ids[i] = updateElement(g.GroupID)
	}
	return s.store.Write(ctx, func(tx Tx) error {
		if _, err := s.logVersion(ctx, tx, VersionOwner{Kind: VersionUserGroups, ID: userID}, OpUpdate, ids); err != nil {
			return err
		}
		return storeErr(tx.MarkGroupDataSeen(ctx, userID, unseen), "record group data seen")
	})
}

// logVersion appends to a log and, every compactEvery versions, drops the
// entries older than the last KeepVersions versions.
func (s *Service) logVersion(ctx context.Context, tx Tx, owner VersionOwner, op int, ids []string) (int64, error) {
	v, err := tx.LogVersion(ctx, owner, op, ids)
	if err != nil {
		return 0, storeErr(err, "log version")
	}
	if keep := s.sync.KeepVersions; v > keep && v%s.sync.compactEvery() == 0 {
		if err := tx.CompactVersions(ctx, owner, v-keep); err != nil {
			return 0, storeErr(err, "compact versions")
		}
	}
	return v, nil
}

// isMarker reports whether a log element is a marker rather than a plain ID.
func isMarker(elementID string) bool { return strings.HasPrefix(elementID, markerPrefix) }
