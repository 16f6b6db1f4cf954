package postgres

import (
	"context"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/groupd/groupd/domain"
)

// querier is what the pool and a transaction have in common.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// reader implements domain.Reader over the pool (DB) or a transaction (tx).
type reader struct {
	q querier
}

type scanner interface {
	Scan(dest ...any) error
}

const userCols = `user_id, nickname, face_url, ex, create_time`

func scanUser(s scanner) (u domain.User, err error) {
	err = s.Scan(&u.UserID, &u.Nickname, &u.FaceURL, &u.Ex, &u.CreateTime)
	return u, err
}

const groupCols = `group_id, name, notification, introduction, face_url, ex, status, group_type,
	creator_user_id, owner_user_id, need_verification, look_member_info, apply_member_friend,
	notification_update_time, notification_user_id, create_time, member_count, data_seq,
	member_count_limit, invite_mode, be_invited_mode, number_message, mute_all, muted_roles,
	mute_until, seq`

func scanGroup(s scanner) (g domain.Group, err error) {
	err = s.Scan(&g.GroupID, &g.Name, &g.Notification, &g.Introduction, &g.FaceURL, &g.Ex, &g.Status, &g.GroupType,
		&g.CreatorUserID, &g.OwnerUserID, &g.NeedVerification, &g.LookMemberInfo, &g.ApplyMemberFriend,
		&g.NotificationUpdateTime, &g.NotificationUserID, &g.CreateTime, &g.MemberCount, &g.DataSeq,
		&g.MemberCountLimit, &g.InviteMode, &g.BeInvitedMode, &g.NumberMessage, &g.MuteAll, &g.MutedRoles,
		&g.MuteUntil, &g.Seq)
	if g.MutedRoles == nil {
		g.MutedRoles = []int{}
	}
	return g, err
}

const memberCols = `group_id, user_id, role_level, custom_role, join_time, nickname, face_url, join_source,
	inviter_user_id, operator_user_id, mute_end_time, ex, seq`

// memberColsM is memberCols of the table aliased m.
var memberColsM = qualify("m", memberCols)

func qualify(alias, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = alias + "." + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

func scanMember(s scanner) (m domain.Member, err error) {
	err = s.Scan(&m.GroupID, &m.UserID, &m.RoleLevel, &m.CustomRole, &m.JoinTime, &m.Nickname, &m.FaceURL, &m.JoinSource,
		&m.InviterUserID, &m.OperatorUserID, &m.MuteEndTime, &m.Ex, &m.Seq)
	return m, err
}

const requestCols = `group_id, user_id, handle_result, req_msg, handle_msg, req_time, handle_user_id,
	handle_time, join_source, inviter_user_id, ex`

func scanRequest(s scanner) (r domain.GroupRequest, err error) {
	err = s.Scan(&r.GroupID, &r.UserID, &r.HandleResult, &r.ReqMsg, &r.HandleMsg, &r.ReqTime, &r.HandleUserID,
		&r.HandleTime, &r.JoinSource, &r.InviterUserID, &r.Ex)
	return r, err
}

func scanString(s scanner) (v string, err error) {
	err = s.Scan(&v)
	return v, err
}

// collect scans every row; it never returns a nil slice without an error.
func collect[T any](rows pgx.Rows, err error, scan func(scanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// args collects positional parameters and hands out their placeholders.
type args []any

func (a *args) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// limitArg is a LIMIT parameter: n, or NULL (no limit) when n <= 0.
func limitArg(n int) any {
	if n <= 0 {
		return nil
	}
	return int64(n)
}

// pageSQL renders LIMIT/OFFSET for p: Limit <= 0 means no limit, a
// negative Offset counts as 0.
func pageSQL(a *args, p domain.Page) string {
	return " LIMIT " + a.add(limitArg(p.Limit)) + " OFFSET " + a.add(int64(max(p.Offset, 0)))
}

// totalScanner scans the leading total column of a page query.
type totalScanner struct {
	s     scanner
	total *int64
}

func (t totalScanner) Scan(dest ...any) error {
	return t.s.Scan(append([]any{t.total}, dest...)...)
}

// pageQuery reads one page and the total in one statement, so both come
// from one snapshot and one round trip: the total is an uncorrelated scalar
// subquery, evaluated once. body(page) is the rest of the SELECT, from its
// columns on, with page (LIMIT/OFFSET) where it belongs. Only an empty page
// needs a second statement for the total.
func pageQuery[T any](ctx context.Context, q querier, scan func(scanner) (T, error),
	totalSQL string, body func(page string) string, a args, p domain.Page) (_ []T, total int64, err error) {
	n := len(a)
	page := pageSQL(&a, p)
	rows, err := q.Query(ctx, `SELECT (`+totalSQL+`), `+body(page), a...)
	items, err := collect(rows, err, func(s scanner) (T, error) {
		return scan(totalScanner{s: s, total: &total})
	})
	if err != nil || len(items) > 0 {
		return items, total, err
	}
	err = q.QueryRow(ctx, `SELECT (`+totalSQL+`)`, a[:n]...).Scan(&total)
	return items, total, err
}

// likeContains returns a LIKE pattern matching s anywhere, with s's
// wildcards escaped (backslash is PostgreSQL's default LIKE escape).
func likeContains(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}

func (r reader) GetUsers(ctx context.Context, ids []string) (_ []domain.User, err error) {
	defer wrap(&err, "get users")
	if len(ids) == 0 {
		return []domain.User{}, nil
	}
	rows, err := r.q.Query(ctx, `SELECT `+userCols+` FROM users WHERE user_id = ANY($1)`, ids)
	return collect(rows, err, scanUser)
}

func (r reader) ListUsers(ctx context.Context, page domain.Page) (_ []domain.User, total int64, err error) {
	defer wrap(&err, "list users")
	return pageQuery(ctx, r.q, scanUser, `SELECT count(*) FROM users`, func(page string) string {
		return userCols + ` FROM users ORDER BY seq` + page
	}, nil, page)
}

func (r reader) GetGroup(ctx context.Context, groupID string) (_ domain.Group, err error) {
	defer wrap(&err, "get group %s", groupID)
	return scanGroup(r.q.QueryRow(ctx, `SELECT `+groupCols+` FROM groups WHERE group_id = $1`, groupID))
}

func (r reader) GetGroups(ctx context.Context, ids []string) (_ []domain.Group, err error) {
	defer wrap(&err, "get groups")
	if len(ids) == 0 {
		return []domain.Group{}, nil
	}
	rows, err := r.q.Query(ctx, `SELECT `+groupCols+` FROM groups WHERE group_id = ANY($1)`, ids)
	return collect(rows, err, scanGroup)
}

func (r reader) ListGroupsAfter(ctx context.Context, afterSeq int64, limit int) (_ []domain.Group, err error) {
	defer wrap(&err, "list groups after %d", afterSeq)
	rows, err := r.q.Query(ctx, `SELECT `+groupCols+` FROM groups WHERE seq > $1 ORDER BY seq LIMIT $2`, afterSeq, limitArg(limit))
	return collect(rows, err, scanGroup)
}

func (r reader) CountGroups(ctx context.Context) (n int64, err error) {
	defer wrap(&err, "count groups")
	err = r.q.QueryRow(ctx, `SELECT count(*) FROM groups`).Scan(&n)
	return n, err
}

// liveGroups is the condition of a group that is not dismissed, written as
// the partial index groups_live_seq (0002) has it: the planner uses the
// index only for a query whose condition implies the index's.
var liveGroups = `status <> ` + strconv.Itoa(domain.StatusDismissed)

// ListLiveGroupsAfter pages the groups that are not dismissed over the
// partial index groups_live_seq: dismissed groups cost nothing to skip.
func (r reader) ListLiveGroupsAfter(ctx context.Context, afterSeq int64, limit int) (_ []domain.Group, err error) {
	defer wrap(&err, "list live groups after %d", afterSeq)
	rows, err := r.q.Query(ctx, `SELECT `+groupCols+` FROM groups WHERE `+liveGroups+` AND seq > $1 ORDER BY seq LIMIT $2`, afterSeq, limitArg(limit))
	return collect(rows, err, scanGroup)
}

func (r reader) CountLiveGroups(ctx context.Context) (n int64, err error) {
	defer wrap(&err, "count live groups")
	err = r.q.QueryRow(ctx, `SELECT count(*) FROM groups WHERE `+liveGroups).Scan(&n)
	return n, err
}

func (r reader) SearchGroups(ctx context.Context, q domain.GroupSearch) (_ []domain.Group, total int64, err error) {
	defer wrap(&err, "search groups")
	var a args
	where := ` WHERE status <> ` + a.add(domain.StatusDismissed)
	if q.GroupID != "" {
		where += ` AND group_id = ` + a.add(q.GroupID)
	}
	if q.NameSubstr != "" {
		where += ` AND name LIKE ` + a.add(likeContains(q.NameSubstr))
	}
	return pageQuery(ctx, r.q, scanGroup, `SELECT count(*) FROM groups`+where, func(page string) string {
		return groupCols + ` FROM groups` + where + ` ORDER BY create_time DESC, seq DESC` + page
	}, a, q.Page)
}

func (r reader) GetMember(ctx context.Context, groupID, userID string) (_ domain.Member, err error) {
	defer wrap(&err, "get member %s of group %s", userID, groupID)
	return scanMember(r.q.QueryRow(ctx, `SELECT `+memberCols+` FROM group_members WHERE group_id = $1 AND user_id = $2`, groupID, userID))
}

func (r reader) GetMembers(ctx context.Context, groupID string, userIDs []string) (_ []domain.Member, err error) {
	defer wrap(&err, "get members of group %s", groupID)
	if len(userIDs) == 0 {
		return []domain.Member{}, nil
	}
	rows, err := r.q.Query(ctx, `SELECT `+memberCols+` FROM group_members WHERE group_id = $1 AND user_id = ANY($2) ORDER BY seq`, groupID, userIDs)
	return collect(rows, err, scanMember)
}

func (r reader) ListMembers(ctx context.Context, q domain.MemberQuery) (_ []domain.Member, total int64, err error) {
	defer wrap(&err, "list members of group %s", q.GroupID)
	var a args
	where := ` WHERE group_id = ` + a.add(q.GroupID)
	// Unfiltered, the total is the group's member_count.
	totalSQL := `SELECT COALESCE((SELECT member_count FROM groups WHERE group_id = $1), 0)`
	if len(q.RoleLevels) > 0 {
		where += ` AND role_level = ANY(` + a.add(q.RoleLevels) + `::integer[])`
	}
	if q.Keyword != "" {
		// An empty group nickname shows the profile nickname, so match that.
		like := a.add(likeContains(q.Keyword))
		where += ` AND (user_id = ` + a.add(q.Keyword) + ` OR nickname LIKE ` + like + ` OR (nickname = '' AND EXISTS (
			SELECT 1 FROM users u WHERE u.user_id = group_members.user_id AND u.nickname LIKE ` + like + `)))`
	}
	if len(q.RoleLevels) > 0 || q.Keyword != "" {
		totalSQL = `SELECT count(*) FROM group_members` + where
	}
	// Deferred join: the inner query walks the offset in the covering index
	// (group_id, role_level DESC, seq) INCLUDE (user_id) without touching
	// the table (unless a keyword needs the nickname); only the page's rows
	// are read in full.
	return pageQuery(ctx, r.q, scanMember, totalSQL, func(page string) string {
		return memberColsM + ` FROM (SELECT user_id, role_level, seq FROM group_members` + where +
			` ORDER BY role_level DESC, seq` + page + `) p
			JOIN group_members m ON m.group_id = $1 AND m.user_id = p.user_id
			ORDER BY p.role_level DESC, p.seq`
	}, a, q.Page)
}

func (r reader) ListMembersAfter(ctx context.Context, groupID string, afterSeq int64, limit int) (_ []domain.Member, err error) {
	defer wrap(&err, "list members of group %s after %d", groupID, afterSeq)
	rows, err := r.q.Query(ctx, `SELECT `+memberCols+` FROM group_members WHERE group_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
		groupID, afterSeq, limitArg(limit))
	return collect(rows, err, scanMember)
}

func (r reader) MemberUserIDs(ctx context.Context, groupID string) (_ []string, err error) {
	defer wrap(&err, "member IDs of group %s", groupID)
	rows, err := r.q.Query(ctx, `SELECT user_id FROM group_members WHERE group_id = $1 ORDER BY role_level DESC, seq`, groupID)
	return collect(rows, err, scanString)
}

func (r reader) ListJoined(ctx context.Context, userID string, page domain.Page) (_ []domain.Member, total int64, err error) {
	defer wrap(&err, "list groups joined by %s", userID)
	// Deferred join over the covering index (user_id, seq) INCLUDE (group_id).
	return pageQuery(ctx, r.q, scanMember, `SELECT count(*) FROM group_members WHERE user_id = $1`, func(page string) string {
		return memberColsM + ` FROM (SELECT group_id, seq FROM group_members WHERE user_id = $1 ORDER BY seq` + page + `) p
			JOIN group_members m ON m.group_id = p.group_id AND m.user_id = $1
			ORDER BY p.seq`
	}, args{userID}, page)
}

func (r reader) ListJoinedAfter(ctx context.Context, userID string, afterSeq int64, limit int) (_ []domain.Member, err error) {
	defer wrap(&err, "list groups joined by %s after %d", userID, afterSeq)
	rows, err := r.q.Query(ctx, `SELECT `+memberCols+` FROM group_members WHERE user_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
		userID, afterSeq, limitArg(limit))
	return collect(rows, err, scanMember)
}

func (r reader) CountJoined(ctx context.Context, userID string) (n int64, err error) {
	defer wrap(&err, "count groups joined by %s", userID)
	err = r.q.QueryRow(ctx, `SELECT count(*) FROM group_members WHERE user_id = $1`, userID).Scan(&n)
	return n, err
}

func (r reader) JoinedGroupIDs(ctx context.Context, userID string) (_ []string, err error) {
	defer wrap(&err, "groups joined by %s", userID)
	rows, err := r.q.Query(ctx, `SELECT group_id FROM group_members WHERE user_id = $1 ORDER BY seq`, userID)
	return collect(rows, err, scanString)
}

func (r reader) GetAttributes(ctx context.Context, groupID string) (_ []domain.Attribute, err error) {
	defer wrap(&err, "attributes of group %s", groupID)
	rows, err := r.q.Query(ctx, `SELECT key, value FROM group_attributes WHERE group_id = $1 ORDER BY key`, groupID)
	return collect(rows, err, func(s scanner) (a domain.Attribute, err error) {
		err = s.Scan(&a.Key, &a.Value)
		return a, err
	})
}

func (r reader) GetRequest(ctx context.Context, groupID, userID string) (_ domain.GroupRequest, err error) {
	defer wrap(&err, "request of %s to group %s", userID, groupID)
	return scanRequest(r.q.QueryRow(ctx, `SELECT `+requestCols+` FROM group_requests WHERE group_id = $1 AND user_id = $2`, groupID, userID))
}

func (r reader) ListRequests(ctx context.Context, q domain.RequestQuery) (_ []domain.GroupRequest, total int64, err error) {
	defer wrap(&err, "list requests")
	var a args
	var conds []string
	if len(q.GroupIDs) > 0 {
		conds = append(conds, `group_id = ANY(`+a.add(q.GroupIDs)+`::text[])`)
	}
	if q.UserID != "" {
		conds = append(conds, `user_id = `+a.add(q.UserID))
	}
	if len(q.UserIDs) > 0 {
		conds = append(conds, `user_id = ANY(`+a.add(q.UserIDs)+`::text[])`)
	}
	if len(q.HandleResults) > 0 {
		conds = append(conds, `handle_result = ANY(`+a.add(q.HandleResults)+`::integer[])`)
	}
	where := ""
	if len(conds) > 0 {
		where = ` WHERE ` + strings.Join(conds, ` AND `)
	}
	return pageQuery(ctx, r.q, scanRequest, `SELECT count(*) FROM group_requests`+where, func(page string) string {
		return requestCols + ` FROM group_requests` + where + ` ORDER BY req_time DESC, group_id, user_id` + page
	}, a, q.Page)
}

// VersionLog reads the state and the entries in one statement, so both come
// from one snapshot. An owner that never logged has the zero state and no
// entries. limit <= 0 means no limit; a limit that would split the entries
// of one version is exceeded to finish that version, so a client resuming
// from the last version it got never misses an element.
func (r reader) VersionLog(ctx context.Context, owner domain.VersionOwner, since int64, limit int) (state domain.VersionState, entries []domain.VersionEntry, err error) {
	defer wrap(&err, "version log %s/%s since %d", owner.Kind, owner.ID, since)
	// Entries go up to the version of the limit-th entry.
	rows, err := r.q.Query(ctx, `SELECT o.version_id, o.version, o.min_version, e.element_id, e.op, e.version
		FROM version_owners o
		LEFT JOIN LATERAL (
			SELECT element_id, op, version FROM version_entries
			WHERE kind = o.kind AND owner_id = o.owner_id AND version > $3
				AND version <= COALESCE(CASE WHEN $4 > 0 THEN (
					SELECT version FROM version_entries
					WHERE kind = o.kind AND owner_id = o.owner_id AND version > $3
					ORDER BY version OFFSET GREATEST($4 - 1, 0) LIMIT 1) END, o.version)
		) e ON true
		WHERE o.kind = $1 AND o.owner_id = $2
		ORDER BY e.version, e.element_id`,
		owner.Kind, owner.ID, since, int64(max(limit, 0)))
	if err != nil {
		return state, nil, err
	}
	defer rows.Close()
	entries = []domain.VersionEntry{}
	for rows.Next() {
		var elem *string
		var op *int
		var version *int64
		if err := rows.Scan(&state.VersionID, &state.Version, &state.MinVersion, &elem, &op, &version); err != nil {
			return state, nil, err
		}
		if elem != nil {
			entries = append(entries, domain.VersionEntry{ElementID: *elem, Op: *op, Version: *version})
		}
	}
	return state, entries, rows.Err()
}
