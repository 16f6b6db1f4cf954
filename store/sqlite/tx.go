package sqlite

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"

	"github.com/groupd/groupd/domain"
)

// txn is the domain.Tx given to one Write function. It runs on the writer's
// connection inside the batch transaction, so its reads see its own writes.
// Every method that writes more than one row runs in a nested savepoint: it
// either fully happens or, on error, leaves nothing behind even if the
// caller goes on.
type txn struct {
	reader
	th *txnHandle
}

var _ domain.Tx = (*txn)(nil)

func newTxn(w *writer) *txn {
	th := &txnHandle{w: w, live: true}
	return &txn{reader: reader{h: th}, th: th}
}

func (t *txn) setDone() { t.th.live = false }

// atomic runs f inside a savepoint of its own. The savepoint statements
// run even when ctx has ended, so a failed f never leaves half its rows.
func (t *txn) atomic(f func() error) error {
	if err := t.th.control(`SAVEPOINT op`); err != nil {
		return err
	}
	if err := f(); err != nil {
		if e := t.th.control(`ROLLBACK TO op`); e == nil {
			_ = t.th.control(`RELEASE op`)
		}
		return err
	}
	return t.th.control(`RELEASE op`)
}

func affected(res interface{ RowsAffected() (int64, error) }) (int64, error) {
	return res.RowsAffected()
}

// LockGroup reads a group. SQLite has one writer, so the group cannot change
// under this transaction anyway.
func (t *txn) LockGroup(ctx context.Context, groupID string) (domain.Group, error) {
	return t.GetGroup(ctx, groupID)
}

// InsertUsers adds users; ErrUserExists naming the first taken ID.
func (t *txn) InsertUsers(ctx context.Context, users []domain.User) (err error) {
	defer wrap(&err, "sqlite.InsertUsers(%d users)", len(users))
	return t.atomic(func() error {
		for _, u := range users {
			res, err := t.th.exec(ctx, `INSERT INTO users (`+userCols+`) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (user_id) DO NOTHING`, u.UserID, u.Nickname, u.FaceURL, u.Ex, u.CreateTime)
			if err != nil {
				return err
			}
			if n, err := affected(res); err != nil {
				return err
			} else if n == 0 {
				return fmt.Errorf("user %s: %w", u.UserID, domain.ErrUserExists)
			}
		}
		return nil
	})
}

// UpdateUser overwrites a user's nickname, face URL and ex; ErrNotFound if
// the user does not exist.
func (t *txn) UpdateUser(ctx context.Context, u domain.User) (err error) {
	defer wrap(&err, "sqlite.UpdateUser(%q)", u.UserID)
	res, err := t.th.exec(ctx, `UPDATE users SET nickname = ?, face_url = ?, ex = ? WHERE user_id = ?`,
		u.Nickname, u.FaceURL, u.Ex, u.UserID)
	return mustAffect(res, err, "user %s", u.UserID)
}

// mustAffect is ErrNotFound when an UPDATE matched no row.
func mustAffect(res interface{ RowsAffected() (int64, error) }, err error, format string, args ...any) error {
	if err != nil {
		return err
	}
	n, err := affected(res)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), domain.ErrNotFound)
	}
	return nil
}

// InsertGroup adds a group with MemberCount 0 and a new Seq; ErrGroupExists
// if the ID is taken.
func (t *txn) InsertGroup(ctx context.Context, g domain.Group) (err error) {
	defer wrap(&err, "sqlite.InsertGroup(%q)", g.GroupID)
	res, err := t.th.exec(ctx, `INSERT INTO groups (group_id, name, notification, introduction, face_url, ex,
		status, group_type, creator_user_id, owner_user_id, need_verification, look_member_info,
		apply_member_friend, notification_update_time, notification_user_id, create_time,
		member_count, data_seq, member_count_limit, invite_mode, be_invited_mode,
		number_message, mute_all, muted_roles, mute_until)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (group_id) DO NOTHING`,
		g.GroupID, g.Name, g.Notification, g.Introduction, g.FaceURL, g.Ex,
		g.Status, g.GroupType, g.CreatorUserID, g.OwnerUserID, g.NeedVerification, g.LookMemberInfo,
		g.ApplyMemberFriend, g.NotificationUpdateTime, g.NotificationUserID, g.CreateTime,
		g.DataSeq, g.MemberCountLimit, g.InviteMode, g.BeInvitedMode,
		g.NumberMessage, g.MuteAll, formatRoles(g.MutedRoles), g.MuteUntil)
	if err != nil {
		return err
	}
	if n, err := affected(res); err != nil {
		return err
	} else if n == 0 {
		return fmt.Errorf("group %s: %w", g.GroupID, domain.ErrGroupExists)
	}
	return nil
}

// UpdateGroup overwrites every field of the group but MemberCount and Seq
// (DataSeq included: the caller counts changes); ErrNotFound if missing.
func (t *txn) UpdateGroup(ctx context.Context, g domain.Group) (err error) {
	defer wrap(&err, "sqlite.UpdateGroup(%q)", g.GroupID)
	res, err := t.th.exec(ctx, `UPDATE groups SET name = ?, notification = ?, introduction = ?,
		face_url = ?, ex = ?, status = ?, group_type = ?, creator_user_id = ?, owner_user_id = ?,
		need_verification = ?, look_member_info = ?, apply_member_friend = ?,
		notification_update_time = ?, notification_user_id = ?, create_time = ?, data_seq = ?,
		member_count_limit = ?, invite_mode = ?, be_invited_mode = ?, number_message = ?,
		mute_all = ?, muted_roles = ?, mute_until = ?
		WHERE group_id = ?`,
		g.Name, g.Notification, g.Introduction,
		g.FaceURL, g.Ex, g.Status, g.GroupType, g.CreatorUserID, g.OwnerUserID,
		g.NeedVerification, g.LookMemberInfo, g.ApplyMemberFriend,
		g.NotificationUpdateTime, g.NotificationUserID, g.CreateTime, g.DataSeq,
		g.MemberCountLimit, g.InviteMode, g.BeInvitedMode, g.NumberMessage,
		g.MuteAll, formatRoles(g.MutedRoles), g.MuteUntil,
		g.GroupID)
	return mustAffect(res, err, "group %s", g.GroupID)
}

// InsertMembers adds memberships and raises each group's MemberCount (and
// each user's joined count), all or nothing. It assigns each member a new Seq and writes it back into
// members[i].Seq. ErrNotFound if a group does not exist, ErrMemberExists
// naming the first membership that does.
//
// All or nothing without a savepoint: in a large transaction (a batch of
// many Writes, a bulk import) SAVEPOINT and RELEASE cost far more than the
// inserts. One member is inserted first, so that its only possible
// failures (taken or missing group) come before anything is written; more
// are checked first, then written.
func (t *txn) InsertMembers(ctx context.Context, members []domain.Member) (err error) {
	defer wrap(&err, "sqlite.InsertMembers(%d members)", len(members))
	if len(members) == 0 {
		return nil
	}
	counts := make(map[string]int64)
	for _, m := range members {
		counts[m.GroupID]++
	}
	groups := slices.Sorted(maps.Keys(counts))
	if len(members) > 1 {
		if err := t.checkNewMembers(ctx, groups, members); err != nil {
			return err
		}
	}
	for i, m := range members {
		// A new member's joined-group log starts with the group's data as
		// it is (see migration 0006).
		res, err := t.th.exec(ctx, `INSERT INTO group_members (group_id, user_id, role_level,
			custom_role, join_time, nickname, face_url, join_source, inviter_user_id,
			operator_user_id, mute_end_time, ex, group_data_seen)
			VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,
				coalesce((SELECT data_seq FROM groups WHERE group_id = ?1), 0))
			ON CONFLICT (group_id, user_id) DO NOTHING`,
			m.GroupID, m.UserID, m.RoleLevel, m.CustomRole, m.JoinTime, m.Nickname, m.FaceURL,
			m.JoinSource, m.InviterUserID, m.OperatorUserID, m.MuteEndTime, m.Ex)
		if err != nil {
			return err
		}
		n, err := affected(res)
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("member %s of group %s: %w", m.UserID, m.GroupID, domain.ErrMemberExists)
		}
		if members[i].Seq, err = res.LastInsertId(); err != nil {
			return err
		}
	}
	for _, gid := range groups {
		res, err := t.th.exec(ctx, `UPDATE groups SET member_count = member_count + ? WHERE group_id = ?`,
			counts[gid], gid)
		if err := mustAffect(res, err, "group %s", gid); err != nil {
			return err
		}
	}
	joined := make(map[string]int64)
	for _, m := range members {
		joined[m.UserID]++
	}
	for _, uid := range slices.Sorted(maps.Keys(joined)) {
		if _, err := t.th.exec(ctx, `INSERT INTO user_joined_counts (user_id, joined) VALUES (?, ?)
			ON CONFLICT (user_id) DO UPDATE SET joined = joined + excluded.joined`, uid, joined[uid]); err != nil {
			return err
		}
	}
	return nil
}

// checkNewMembers fails as inserting members in order would: ErrNotFound
// for the first missing group (in groups' order), then ErrMemberExists for
// the first member that exists or appears twice.
func (t *txn) checkNewMembers(ctx context.Context, groups []string, members []domain.Member) error {
	found, err := queryAll(ctx, t.th, scanString,
		`SELECT group_id FROM groups WHERE group_id IN (SELECT value FROM json_each(?))`, jsonList(groups))
	if err != nil {
		return err
	}
	if len(found) != len(groups) {
		have := make(map[string]bool, len(found))
		for _, g := range found {
			have[g] = true
		}
		for _, g := range groups {
			if !have[g] {
				return fmt.Errorf("group %s: %w", g, domain.ErrNotFound)
			}
		}
	}
	byGroup := make(map[string][]string, len(groups))
	for _, m := range members {
		byGroup[m.GroupID] = append(byGroup[m.GroupID], m.UserID)
	}
	type key struct{ g, u string }
	taken := make(map[key]bool)
	for _, g := range groups {
		ids, err := queryAll(ctx, t.th, scanString, `SELECT user_id FROM group_members
			WHERE group_id = ? AND user_id IN (SELECT value FROM json_each(?))`, g, jsonList(byGroup[g]))
		if err != nil {
			return err
		}
		for _, u := range ids {
			taken[key{g, u}] = true
		}
	}
	for _, m := range members {
		k := key{m.GroupID, m.UserID}
		if taken[k] {
			return fmt.Errorf("member %s of group %s: %w", m.UserID, m.GroupID, domain.ErrMemberExists)
		}
		taken[k] = true
	}
	return nil
}

// DeleteMembers removes the listed memberships that exist and lowers
// MemberCount (and the users' joined counts) by as many; it returns that
// number.
func (t *txn) DeleteMembers(ctx context.Context, groupID string, userIDs []string) (removed int, err error) {
	defer wrap(&err, "sqlite.DeleteMembers(%q, %d ids)", groupID, len(userIDs))
	if len(userIDs) == 0 {
		return 0, nil
	}
	err = t.atomic(func() error {
		ids := jsonList(userIDs)
		if _, err := t.th.exec(ctx, `UPDATE user_joined_counts SET joined = joined - 1
			WHERE user_id IN (SELECT user_id FROM group_members
				WHERE group_id = ? AND user_id IN (SELECT value FROM json_each(?)))`, groupID, ids); err != nil {
			return err
		}
		res, err := t.th.exec(ctx, `DELETE FROM group_members
			WHERE group_id = ? AND user_id IN (SELECT value FROM json_each(?))`, groupID, ids)
		if err != nil {
			return err
		}
		n, err := affected(res)
		if err != nil || n == 0 {
			return err
		}
		removed = int(n)
		_, err = t.th.exec(ctx, `UPDATE groups SET member_count = member_count - ? WHERE group_id = ?`, n, groupID)
		return err
	})
	if err != nil {
		return 0, err
	}
	return removed, nil
}

// DeleteAllMembers removes every membership of a group and sets its
// MemberCount to 0; it returns how many were removed.
func (t *txn) DeleteAllMembers(ctx context.Context, groupID string) (removed int, err error) {
	defer wrap(&err, "sqlite.DeleteAllMembers(%q)", groupID)
	err = t.atomic(func() error {
		if _, err := t.th.exec(ctx, `UPDATE user_joined_counts SET joined = joined - 1
			WHERE user_id IN (SELECT user_id FROM group_members WHERE group_id = ?)`, groupID); err != nil {
			return err
		}
		res, err := t.th.exec(ctx, `DELETE FROM group_members WHERE group_id = ?`, groupID)
		if err != nil {
			return err
		}
		n, err := affected(res)
		if err != nil {
			return err
		}
		removed = int(n)
		_, err = t.th.exec(ctx, `UPDATE groups SET member_count = 0 WHERE group_id = ?`, groupID)
		return err
	})
	if err != nil {
		return 0, err
	}
	return removed, nil
}

// UpdateMember overwrites a membership's fields except Seq and JoinTime;
// ErrNotFound if it does not exist.
func (t *txn) UpdateMember(ctx context.Context, m domain.Member) (err error) {
	defer wrap(&err, "sqlite.UpdateMember(%q, %q)", m.GroupID, m.UserID)
	res, err := t.th.exec(ctx, `UPDATE group_members SET role_level = ?, custom_role = ?, nickname = ?,
		face_url = ?, join_source = ?, inviter_user_id = ?, operator_user_id = ?, mute_end_time = ?, ex = ?
		WHERE group_id = ? AND user_id = ?`,
		m.RoleLevel, m.CustomRole, m.Nickname,
		m.FaceURL, m.JoinSource, m.InviterUserID, m.OperatorUserID, m.MuteEndTime, m.Ex,
		m.GroupID, m.UserID)
	return mustAffect(res, err, "member %s of group %s", m.UserID, m.GroupID)
}

// PutAttributes inserts or replaces attributes of a group; ErrNotFound if
// the group does not exist.
func (t *txn) PutAttributes(ctx context.Context, groupID string, attrs []domain.Attribute) (err error) {
	defer wrap(&err, "sqlite.PutAttributes(%q, %d attrs)", groupID, len(attrs))
	return t.atomic(func() error {
		for _, a := range attrs {
			if _, err := t.th.exec(ctx, `INSERT INTO group_attributes (group_id, key, value) VALUES (?, ?, ?)
				ON CONFLICT (group_id, key) DO UPDATE SET value = excluded.value`, groupID, a.Key, a.Value); err != nil {
				return err
			}
		}
		return nil
	})
}

// DeleteAttributes removes attributes by key; missing keys are ignored.
func (t *txn) DeleteAttributes(ctx context.Context, groupID string, keys []string) (err error) {
	defer wrap(&err, "sqlite.DeleteAttributes(%q, %d keys)", groupID, len(keys))
	if len(keys) == 0 {
		return nil
	}
	_, err = t.th.exec(ctx, `DELETE FROM group_attributes
		WHERE group_id = ? AND key IN (SELECT value FROM json_each(?))`, groupID, jsonList(keys))
	return err
}

// PutRequest inserts or replaces the request of (GroupID, UserID);
// ErrNotFound if the group does not exist.
func (t *txn) PutRequest(ctx context.Context, r domain.GroupRequest) (err error) {
	defer wrap(&err, "sqlite.PutRequest(%q, %q)", r.GroupID, r.UserID)
	_, err = t.th.exec(ctx, `INSERT INTO group_requests (`+requestCols+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (group_id, user_id) DO UPDATE SET handle_result = excluded.handle_result,
			req_msg = excluded.req_msg, handle_msg = excluded.handle_msg, req_time = excluded.req_time,
			handle_user_id = excluded.handle_user_id, handle_time = excluded.handle_time,
			join_source = excluded.join_source, inviter_user_id = excluded.inviter_user_id, ex = excluded.ex`,
		r.GroupID, r.UserID, r.HandleResult, r.ReqMsg, r.HandleMsg, r.ReqTime,
		r.HandleUserID, r.HandleTime, r.JoinSource, r.InviterUserID, r.Ex)
	return err
}

// LogVersion raises owner's version by one (creating the owner, with a new
// random VersionID, on first use) and records op at that version for each
// element, replacing the element's earlier entry. It returns the new version.
func (t *txn) LogVersion(ctx context.Context, owner domain.VersionOwner, op int, elementIDs []string) (version int64, err error) {
	defer wrap(&err, "sqlite.LogVersion(%s/%s, %d, %d ids)", owner.Kind, owner.ID, op, len(elementIDs))
	// Upserts only: nothing here fails but the database itself, so no
	// savepoint (costly in a large transaction) is needed.
	err = func() error {
		var err error
		version, err = queryInt(ctx, t.th, `INSERT INTO version_owners (kind, owner_id, version_id, version, min_version)
			VALUES (?, ?, ?, 1, 0)
			ON CONFLICT (kind, owner_id) DO UPDATE SET version = version + 1
			RETURNING version`, owner.Kind, owner.ID, newVersionID())
		if err != nil {
			return err
		}
		for _, id := range elementIDs {
			if _, err := t.th.exec(ctx, `INSERT INTO version_entries (kind, owner_id, element_id, op, version)
				VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (kind, owner_id, element_id) DO UPDATE SET op = excluded.op, version = excluded.version`,
				owner.Kind, owner.ID, id, op, version); err != nil {
				return err
			}
		}
		return nil
	}()
	if err != nil {
		return 0, err
	}
	return version, nil
}

// newVersionID is 16 random hex characters.
func newVersionID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // never fails
	return hex.EncodeToString(b[:])
}

// CompactVersions removes owner's entries at or below upTo and raises its
// MinVersion to upTo (never above its current version, never down). An
// owner without a log is left alone.
func (t *txn) CompactVersions(ctx context.Context, owner domain.VersionOwner, upTo int64) (err error) {
	defer wrap(&err, "sqlite.CompactVersions(%s/%s, %d)", owner.Kind, owner.ID, upTo)
	return t.atomic(func() error {
		if _, err := t.th.exec(ctx, `DELETE FROM version_entries WHERE kind = ? AND owner_id = ? AND version <= ?`,
			owner.Kind, owner.ID, upTo); err != nil {
			return err
		}
		_, err := t.th.exec(ctx, `UPDATE version_owners SET min_version = max(min_version, min(?, version))
			WHERE kind = ? AND owner_id = ?`, upTo, owner.Kind, owner.ID)
		return err
	})
}

// MarkGroupDataSeen records what userID's joined-group log has reported.
func (t *txn) MarkGroupDataSeen(ctx context.Context, userID string, seen []domain.GroupDataSeq) (err error) {
	defer wrap(&err, "sqlite.MarkGroupDataSeen(%q, %d groups)", userID, len(seen))
	for _, g := range seen {
		if _, err := t.th.exec(ctx, `UPDATE group_members SET group_data_seen = ?3
			WHERE group_id = ?1 AND user_id = ?2 AND group_data_seen < ?3`, g.GroupID, userID, g.DataSeq); err != nil {
			return err
		}
	}
	return nil
}
