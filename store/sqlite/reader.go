package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/groupd/groupd/domain"
)

// reader implements domain.Reader on a handle: the read pool for the DB, the
// writer's connection for a Tx.
//
// Page.Limit <= 0 means no limit; a negative Page.Offset counts as 0. A page
// and its total are read by two statements, so under concurrent writes they
// may disagree by the writes in between.
// ID lists are passed as one JSON array and expanded with json_each, so a
// query has one text whatever the list's length.
type reader struct{ h handle }

const userCols = `user_id, nickname, face_url, ex, create_time`

func scanUser(s scanner) (u domain.User, err error) {
	err = s.Scan(&u.UserID, &u.Nickname, &u.FaceURL, &u.Ex, &u.CreateTime)
	return u, err
}

const groupCols = `group_id, name, notification, introduction, face_url, ex, status,
	group_type, creator_user_id, owner_user_id, need_verification, look_member_info,
	apply_member_friend, notification_update_time, notification_user_id, create_time,
	member_count, data_seq, member_count_limit, invite_mode, be_invited_mode,
	number_message, mute_all, muted_roles, mute_until, seq`

func scanGroup(s scanner) (g domain.Group, err error) {
	var roles string
	err = s.Scan(&g.GroupID, &g.Name, &g.Notification, &g.Introduction, &g.FaceURL, &g.Ex, &g.Status,
		&g.GroupType, &g.CreatorUserID, &g.OwnerUserID, &g.NeedVerification, &g.LookMemberInfo,
		&g.ApplyMemberFriend, &g.NotificationUpdateTime, &g.NotificationUserID, &g.CreateTime,
		&g.MemberCount, &g.DataSeq, &g.MemberCountLimit, &g.InviteMode, &g.BeInvitedMode,
		&g.NumberMessage, &g.MuteAll, &roles, &g.MuteUntil, &g.Seq)
	if err != nil {
		return g, err
	}
	g.MutedRoles, err = parseRoles(roles)
	return g, err
}

// formatRoles stores muted roles as a comma list ("" for none).
func formatRoles(roles []int) string {
	parts := make([]string, len(roles))
	for i, r := range roles {
		parts[i] = strconv.Itoa(r)
	}
	return strings.Join(parts, ",")
}

func parseRoles(s string) ([]int, error) {
	if s == "" {
		return []int{}, nil
	}
	parts := strings.Split(s, ",")
	roles := make([]int, len(parts))
	for i, p := range parts {
		r, err := strconv.Atoi(p)
		if err != nil {
			return nil, fmt.Errorf("muted_roles %q: %w", s, err)
		}
		roles[i] = r
	}
	return roles, nil
}

const memberCols = `group_id, user_id, role_level, custom_role, join_time, nickname, face_url,
	join_source, inviter_user_id, operator_user_id, mute_end_time, ex, seq`

func scanMember(s scanner) (m domain.Member, err error) {
	err = s.Scan(&m.GroupID, &m.UserID, &m.RoleLevel, &m.CustomRole, &m.JoinTime, &m.Nickname, &m.FaceURL,
		&m.JoinSource, &m.InviterUserID, &m.OperatorUserID, &m.MuteEndTime, &m.Ex, &m.Seq)
	return m, err
}

const requestCols = `group_id, user_id, handle_result, req_msg, handle_msg, req_time,
	handle_user_id, handle_time, join_source, inviter_user_id, ex`

func scanRequest(s scanner) (r domain.GroupRequest, err error) {
	err = s.Scan(&r.GroupID, &r.UserID, &r.HandleResult, &r.ReqMsg, &r.HandleMsg, &r.ReqTime,
		&r.HandleUserID, &r.HandleTime, &r.JoinSource, &r.InviterUserID, &r.Ex)
	return r, err
}

func scanAttribute(s scanner) (a domain.Attribute, err error) {
	err = s.Scan(&a.Key, &a.Value)
	return a, err
}

func scanString(s scanner) (v string, err error) {
	err = s.Scan(&v)
	return v, err
}

type scanner interface{ Scan(dest ...any) error }

// queryAll runs q and scans every row; never nil on success.
func queryAll[T any](ctx context.Context, h handle, scan func(scanner) (T, error), q string, args ...any) ([]T, error) {
	rows, err := h.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]T, 0)
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// queryOne runs q and scans its first row; sql.ErrNoRows if there is none.
func queryOne[T any](ctx context.Context, h handle, scan func(scanner) (T, error), q string, args ...any) (T, error) {
	var zero T
	rows, err := h.query(ctx, q, args...)
	if err != nil {
		return zero, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return zero, err
		}
		return zero, sql.ErrNoRows
	}
	v, err := scan(rows)
	if err != nil {
		return zero, err
	}
	return v, rows.Close()
}

func queryInt(ctx context.Context, h handle, q string, args ...any) (int64, error) {
	return queryOne(ctx, h, func(s scanner) (n int64, err error) {
		err = s.Scan(&n)
		return n, err
	}, q, args...)
}

// jsonList encodes ids (or ints) as the JSON array json_each expands.
func jsonList[T string | int](xs []T) string {
	b, _ := json.Marshal(xs) // cannot fail for strings and ints
	return string(b)
}

// limitOffset turns a Page into SQLite's LIMIT (-1 = none) and OFFSET.
func limitOffset(p domain.Page) (int64, int64) {
	limit := int64(p.Limit)
	if limit <= 0 {
		limit = -1
	}
	return limit, int64(max(p.Offset, 0))
}

// deepOffset is where offset paging switches to skipping the offset in a
// covering index first: cheaper per skipped row, dearer for the page itself.
const deepOffset = 200

func limitOf(n int) int64 {
	if n <= 0 {
		return -1
	}
	return int64(n)
}

// notFound turns sql.ErrNoRows into domain.ErrNotFound naming what is missing.
func notFound(err error, format string, args ...any) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), domain.ErrNotFound)
	}
	return err
}

// GetUsers returns the users that exist among ids.
func (r reader) GetUsers(ctx context.Context, ids []string) (_ []domain.User, err error) {
	defer wrap(&err, "sqlite.GetUsers(%d ids)", len(ids))
	if len(ids) == 0 {
		return []domain.User{}, nil
	}
	if len(ids) == 1 { // the common case, without json_each's set-up (≈20% of the call)
		return queryAll(ctx, r.h, scanUser, `SELECT `+userCols+` FROM users WHERE user_id = ?`, ids[0])
	}
	return queryAll(ctx, r.h, scanUser,
		`SELECT `+userCols+` FROM users WHERE user_id IN (SELECT value FROM json_each(?))`, jsonList(ids))
}

// ListUsers pages all users by creation order.
func (r reader) ListUsers(ctx context.Context, page domain.Page) (users []domain.User, total int64, err error) {
	defer wrap(&err, "sqlite.ListUsers(%+v)", page)
	limit, offset := limitOffset(page)
	err = func(h handle) error {
		if users, err = queryAll(ctx, h, scanUser,
			`SELECT `+userCols+` FROM users ORDER BY seq LIMIT ? OFFSET ?`, limit, offset); err != nil {
			return err
		}
		total, err = queryInt(ctx, h, `SELECT count(*) FROM users`)
		return err
	}(r.h)
	return users, total, err
}

// GetGroup returns one group or ErrNotFound.
func (r reader) GetGroup(ctx context.Context, groupID string) (_ domain.Group, err error) {
	defer wrap(&err, "sqlite.GetGroup(%q)", groupID)
	g, err := queryOne(ctx, r.h, scanGroup, `SELECT `+groupCols+` FROM groups WHERE group_id = ?`, groupID)
	return g, notFound(err, "group %s", groupID)
}

// GetGroups returns the groups that exist among ids.
func (r reader) GetGroups(ctx context.Context, ids []string) (_ []domain.Group, err error) {
	defer wrap(&err, "sqlite.GetGroups(%d ids)", len(ids))
	if len(ids) == 0 {
		return []domain.Group{}, nil
	}
	if len(ids) == 1 {
		return queryAll(ctx, r.h, scanGroup, `SELECT `+groupCols+` FROM groups WHERE group_id = ?`, ids[0])
	}
	return queryAll(ctx, r.h, scanGroup,
		`SELECT `+groupCols+` FROM groups WHERE group_id IN (SELECT value FROM json_each(?))`, jsonList(ids))
}

// ListGroupsAfter returns up to limit groups with Seq > afterSeq, by Seq
// (limit <= 0: all).
func (r reader) ListGroupsAfter(ctx context.Context, afterSeq int64, limit int) (_ []domain.Group, err error) {
	defer wrap(&err, "sqlite.ListGroupsAfter(%d, %d)", afterSeq, limit)
	return queryAll(ctx, r.h, scanGroup,
		`SELECT `+groupCols+` FROM groups WHERE seq > ? ORDER BY seq LIMIT ?`, afterSeq, limitOf(limit))
}

// CountGroups counts all groups.
func (r reader) CountGroups(ctx context.Context) (_ int64, err error) {
	defer wrap(&err, "sqlite.CountGroups")
	return queryInt(ctx, r.h, `SELECT count(*) FROM groups`)
}

// liveGroups is the condition of a group that is not dismissed, written as
// the partial index groups_live_seq (0002) has it, so that SQLite uses it.
var liveGroups = `status <> ` + strconv.Itoa(domain.StatusDismissed)

// ListLiveGroupsAfter returns up to limit groups that are not dismissed
// with Seq > afterSeq, by Seq (limit <= 0: all), from the partial index
// groups_live_seq: dismissed groups cost nothing to skip.
func (r reader) ListLiveGroupsAfter(ctx context.Context, afterSeq int64, limit int) (_ []domain.Group, err error) {
	defer wrap(&err, "sqlite.ListLiveGroupsAfter(%d, %d)", afterSeq, limit)
	return queryAll(ctx, r.h, scanGroup,
		`SELECT `+groupCols+` FROM groups INDEXED BY groups_live_seq WHERE `+liveGroups+` AND seq > ? ORDER BY seq LIMIT ?`,
		afterSeq, limitOf(limit))
}

// CountLiveGroups counts the groups that are not dismissed (over the
// partial index groups_live_seq).
func (r reader) CountLiveGroups(ctx context.Context) (_ int64, err error) {
	defer wrap(&err, "sqlite.CountLiveGroups")
	return queryInt(ctx, r.h, `SELECT count(*) FROM groups INDEXED BY groups_live_seq WHERE `+liveGroups)
}

// SearchGroups pages non-dismissed groups, newest first (create_time, then
// Seq, descending). NameSubstr is a case-sensitive substring (instr, so no
// wildcard needs escaping). Without GroupID this walks every group: it is an
// admin query.
func (r reader) SearchGroups(ctx context.Context, q domain.GroupSearch) (groups []domain.Group, total int64, err error) {
	defer wrap(&err, "sqlite.SearchGroups(%+v)", q)
	where := `status <> ` + strconv.Itoa(domain.StatusDismissed)
	var args []any
	if q.GroupID != "" {
		where += ` AND group_id = ?`
		args = append(args, q.GroupID)
	}
	if q.NameSubstr != "" {
		where += ` AND instr(name, ?) > 0`
		args = append(args, q.NameSubstr)
	}
	limit, offset := limitOffset(q.Page)
	err = func(h handle) error {
		if groups, err = queryAll(ctx, h, scanGroup,
			`SELECT `+groupCols+` FROM groups WHERE `+where+` ORDER BY create_time DESC, seq DESC LIMIT ? OFFSET ?`,
			append(args, limit, offset)...); err != nil {
			return err
		}
		total, err = queryInt(ctx, h, `SELECT count(*) FROM groups WHERE `+where, args...)
		return err
	}(r.h)
	return groups, total, err
}

// GetMember returns one membership or ErrNotFound.
func (r reader) GetMember(ctx context.Context, groupID, userID string) (_ domain.Member, err error) {
	defer wrap(&err, "sqlite.GetMember(%q, %q)", groupID, userID)
	m, err := queryOne(ctx, r.h, scanMember,
		`SELECT `+memberCols+` FROM group_members WHERE group_id = ? AND user_id = ?`, groupID, userID)
	return m, notFound(err, "member %s of group %s", userID, groupID)
}

// GetMembers returns the memberships of groupID among userIDs.
func (r reader) GetMembers(ctx context.Context, groupID string, userIDs []string) (_ []domain.Member, err error) {
	defer wrap(&err, "sqlite.GetMembers(%q, %d ids)", groupID, len(userIDs))
	if len(userIDs) == 0 {
		return []domain.Member{}, nil
	}
	if len(userIDs) == 1 {
		return queryAll(ctx, r.h, scanMember,
			`SELECT `+memberCols+` FROM group_members WHERE group_id = ? AND user_id = ?`, groupID, userIDs[0])
	}
	return queryAll(ctx, r.h, scanMember,
		`SELECT `+memberCols+` FROM group_members
		 WHERE group_id = ? AND user_id IN (SELECT value FROM json_each(?))`, groupID, jsonList(userIDs))
}

// ListMembers pages a group's members by role level descending, then join
// order. Keyword matches the user ID exactly or a substring of the nickname
// (the profile's when the group nickname is empty; case-sensitive). Unfiltered, the total is the group's MemberCount.
func (r reader) ListMembers(ctx context.Context, q domain.MemberQuery) (members []domain.Member, total int64, err error) {
	defer wrap(&err, "sqlite.ListMembers(%+v)", q)
	where := `group_id = ?`
	args := []any{q.GroupID}
	if len(q.RoleLevels) > 0 {
		where += ` AND role_level IN (SELECT value FROM json_each(?))`
		args = append(args, jsonList(q.RoleLevels))
	}
	if q.Keyword != "" {
		// An empty group nickname shows the profile nickname, so match that.
		where += ` AND (user_id = ? OR instr(nickname, ?) > 0 OR (nickname = '' AND EXISTS (
			SELECT 1 FROM users u WHERE u.user_id = group_members.user_id AND instr(u.nickname, ?) > 0)))`
		args = append(args, q.Keyword, q.Keyword, q.Keyword)
	}
	limit, offset := limitOffset(q.Page)
	if len(q.RoleLevels) == 0 && q.Keyword == "" && offset < deepOffset {
		// The common first pages: page and total in one statement, so
		// they agree without the cost of a read transaction.
		var ok bool
		if members, total, ok, err = r.membersWithCount(ctx, q.GroupID, limit, offset); ok || err != nil {
			return members, total, err
		}
	}
	// One snapshot: the total agrees with the page even while members
	// join and leave (PostgreSQL reads both in one statement).
	err = r.h.snapshot(ctx, func(h handle) error {
		query := `SELECT ` + memberCols + ` FROM group_members WHERE ` + where + `
			ORDER BY role_level DESC, seq LIMIT ? OFFSET ?`
		if offset >= deepOffset {
			// The inner query skips the offset in the index (covering
			// unless there is a keyword); the outer one reads the page.
			query = `SELECT ` + memberCols + ` FROM group_members WHERE seq IN (
				SELECT seq FROM group_members WHERE ` + where + `
				ORDER BY role_level DESC, seq LIMIT ? OFFSET ?)
			 ORDER BY role_level DESC, seq`
		}
		if members, err = queryAll(ctx, h, scanMember, query, append(args, limit, offset)...); err != nil {
			return err
		}
		if len(q.RoleLevels) == 0 && q.Keyword == "" {
			total, err = queryInt(ctx, h, `SELECT member_count FROM groups WHERE group_id = ?`, q.GroupID)
			if errors.Is(err, sql.ErrNoRows) {
				total, err = 0, nil
			}
			return err
		}
		total, err = queryInt(ctx, h, `SELECT count(*) FROM group_members WHERE `+where, args...)
		return err
	})
	return members, total, err
}

// ListMembersAfter returns up to limit members with Seq > afterSeq, by Seq
// (limit <= 0: all).
func (r reader) ListMembersAfter(ctx context.Context, groupID string, afterSeq int64, limit int) (_ []domain.Member, err error) {
	defer wrap(&err, "sqlite.ListMembersAfter(%q, %d, %d)", groupID, afterSeq, limit)
	return queryAll(ctx, r.h, scanMember,
		`SELECT `+memberCols+` FROM group_members WHERE group_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
		groupID, afterSeq, limitOf(limit))
}

// MemberUserIDs returns all member IDs of a group in list order (role
// level descending, then join order), from the index group_members_role.
func (r reader) MemberUserIDs(ctx context.Context, groupID string) (_ []string, err error) {
	defer wrap(&err, "sqlite.MemberUserIDs(%q)", groupID)
	return queryAll(ctx, r.h, scanString,
		`SELECT user_id FROM group_members WHERE group_id = ? ORDER BY role_level DESC, seq`, groupID)
}

// ListJoined pages userID's memberships in join order.
func (r reader) ListJoined(ctx context.Context, userID string, page domain.Page) (members []domain.Member, total int64, err error) {
	defer wrap(&err, "sqlite.ListJoined(%q, %+v)", userID, page)
	limit, offset := limitOffset(page)
	err = r.h.snapshot(ctx, func(h handle) error { // the total agrees with the page
		q := `SELECT ` + memberCols + ` FROM group_members WHERE user_id = ? ORDER BY seq LIMIT ? OFFSET ?`
		if offset >= deepOffset {
			// The inner query skips the offset in the covering index.
			q = `SELECT ` + memberCols + ` FROM group_members WHERE seq IN (
				SELECT seq FROM group_members WHERE user_id = ? ORDER BY seq LIMIT ? OFFSET ?)
			 ORDER BY seq`
		}
		if members, err = queryAll(ctx, h, scanMember, q, userID, limit, offset); err != nil {
			return err
		}
		total, err = countJoined(ctx, h, userID)
		return err
	})
	return members, total, err
}

// ListJoinedAfter returns up to limit memberships of userID with Seq >
// afterSeq, by Seq (limit <= 0: all).
func (r reader) ListJoinedAfter(ctx context.Context, userID string, afterSeq int64, limit int) (_ []domain.Member, err error) {
	defer wrap(&err, "sqlite.ListJoinedAfter(%q, %d, %d)", userID, afterSeq, limit)
	return queryAll(ctx, r.h, scanMember,
		`SELECT `+memberCols+` FROM group_members WHERE user_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
		userID, afterSeq, limitOf(limit))
}

// CountJoined counts userID's memberships.
func (r reader) CountJoined(ctx context.Context, userID string) (_ int64, err error) {
	defer wrap(&err, "sqlite.CountJoined(%q)", userID)
	return countJoined(ctx, r.h, userID)
}

// countJoined reads the count InsertMembers and DeleteMembers keep.
func countJoined(ctx context.Context, h handle, userID string) (int64, error) {
	n, err := queryInt(ctx, h, `SELECT joined FROM user_joined_counts WHERE user_id = ?`, userID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return n, err
}

// JoinedGroupIDs returns all group IDs userID is a member of, in join order.
func (r reader) JoinedGroupIDs(ctx context.Context, userID string) (_ []string, err error) {
	defer wrap(&err, "sqlite.JoinedGroupIDs(%q)", userID)
	return queryAll(ctx, r.h, scanString,
		`SELECT group_id FROM group_members WHERE user_id = ? ORDER BY seq`, userID)
}

// GetAttributes returns a group's attributes ordered by key.
func (r reader) GetAttributes(ctx context.Context, groupID string) (_ []domain.Attribute, err error) {
	defer wrap(&err, "sqlite.GetAttributes(%q)", groupID)
	return queryAll(ctx, r.h, scanAttribute,
		`SELECT key, value FROM group_attributes WHERE group_id = ? ORDER BY key`, groupID)
}

// GetRequest returns one group request or ErrNotFound.
func (r reader) GetRequest(ctx context.Context, groupID, userID string) (_ domain.GroupRequest, err error) {
	defer wrap(&err, "sqlite.GetRequest(%q, %q)", groupID, userID)
	req, err := queryOne(ctx, r.h, scanRequest,
		`SELECT `+requestCols+` FROM group_requests WHERE group_id = ? AND user_id = ?`, groupID, userID)
	return req, notFound(err, "request of %s to group %s", userID, groupID)
}

// ListRequests pages group requests, newest first (req_time descending,
// then group and user ID), matching every filter that is set.
func (r reader) ListRequests(ctx context.Context, q domain.RequestQuery) (reqs []domain.GroupRequest, total int64, err error) {
	defer wrap(&err, "sqlite.ListRequests(%+v)", q)
	var conds []string
	var args []any
	if len(q.GroupIDs) > 0 {
		conds = append(conds, `group_id IN (SELECT value FROM json_each(?))`)
		args = append(args, jsonList(q.GroupIDs))
	}
	if q.UserID != "" {
		conds = append(conds, `user_id = ?`)
		args = append(args, q.UserID)
	}
	if len(q.UserIDs) > 0 {
		conds = append(conds, `user_id IN (SELECT value FROM json_each(?))`)
		args = append(args, jsonList(q.UserIDs))
	}
	if len(q.HandleResults) > 0 {
		conds = append(conds, `handle_result IN (SELECT value FROM json_each(?))`)
		args = append(args, jsonList(q.HandleResults))
	}
	where := ""
	if len(conds) > 0 {
		where = ` WHERE ` + strings.Join(conds, ` AND `)
	}
	limit, offset := limitOffset(q.Page)
	err = func(h handle) error {
		if reqs, err = queryAll(ctx, h, scanRequest,
			`SELECT `+requestCols+` FROM group_requests`+where+`
			 ORDER BY req_time DESC, group_id, user_id LIMIT ? OFFSET ?`, append(args, limit, offset)...); err != nil {
			return err
		}
		total, err = queryInt(ctx, h, `SELECT count(*) FROM group_requests`+where, args...)
		return err
	}(r.h)
	return reqs, total, err
}

// VersionLog returns owner's entries with version > since, by version, and
// the owner's state, read from one snapshot. An owner that has never logged
// a change has the zero VersionState (empty VersionID, version 0) and no
// entries. limit <= 0 means no limit; a limit that would split the entries
// of one version is exceeded to finish that version, so a client resuming
// from the last version it got never misses an element.
func (r reader) VersionLog(ctx context.Context, owner domain.VersionOwner, since int64, limit int) (state domain.VersionState, entries []domain.VersionEntry, err error) {
	defer wrap(&err, "sqlite.VersionLog(%s/%s, %d, %d)", owner.Kind, owner.ID, since, limit)
	scanEntry := func(s scanner) (e domain.VersionEntry, err error) {
		err = s.Scan(&e.ElementID, &e.Op, &e.Version)
		return e, err
	}
	err = r.h.snapshot(ctx, func(h handle) error {
		state, err = queryOne(ctx, h, func(s scanner) (st domain.VersionState, err error) {
			err = s.Scan(&st.VersionID, &st.Version, &st.MinVersion)
			return st, err
		}, `SELECT version_id, version, min_version FROM version_owners WHERE kind = ? AND owner_id = ?`,
			owner.Kind, owner.ID)
		if errors.Is(err, sql.ErrNoRows) {
			state, entries = domain.VersionState{}, []domain.VersionEntry{}
			return nil
		}
		if err != nil {
			return err
		}
		const q = `SELECT element_id, op, version FROM version_entries
			WHERE kind = ? AND owner_id = ? AND version > ? ORDER BY version, element_id LIMIT ?`
		if entries, err = queryAll(ctx, h, scanEntry, q, owner.Kind, owner.ID, since, limitOf(limit)); err != nil {
			return err
		}
		if limit <= 0 || len(entries) < limit {
			return nil
		}
		// Finish the last version if the limit cut it.
		last := entries[len(entries)-1]
		rest, err := queryAll(ctx, h, scanEntry, `SELECT element_id, op, version FROM version_entries
			WHERE kind = ? AND owner_id = ? AND version = ? AND element_id > ? ORDER BY element_id`,
			owner.Kind, owner.ID, last.Version, last.ElementID)
		entries = append(entries, rest...)
		return err
	})
	return state, entries, err
}
