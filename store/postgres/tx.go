package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/groupd/groupd/domain"
)

// tx implements domain.Tx. A failed statement aborts a PostgreSQL
// transaction, so the inserts that may meet an existing key use
// ON CONFLICT DO NOTHING and report the conflict themselves instead of
// letting the statement fail: the caller may go on using the transaction.
type tx struct {
	reader
}

var _ domain.Tx = (*tx)(nil)

// mustAffect reports ErrNotFound when a statement touched no row.
func mustAffect(tag pgconn.CommandTag, err error) error {
	if err == nil && tag.RowsAffected() == 0 {
		return domain.ErrNotFound
	}
	return err
}

// LockGroup takes the group row lock until the transaction ends. FOR NO KEY
// UPDATE conflicts with itself and with every UPDATE of the row (so member
// changes of one group run one at a time, across nodes) but not with the
// KEY SHARE locks the foreign keys of group_members, group_requests and
// group_attributes take, so inserts that do not lock the group (PutRequest)
// are not held up by it.
func (t *tx) LockGroup(ctx context.Context, groupID string) (_ domain.Group, err error) {
	defer wrap(&err, "lock group %s", groupID)
	return scanGroup(t.q.QueryRow(ctx, `SELECT `+groupCols+` FROM groups WHERE group_id = $1 FOR NO KEY UPDATE`, groupID))
}

func (t *tx) InsertUsers(ctx context.Context, users []domain.User) (err error) {
	defer wrap(&err, "insert %d users", len(users))
	if len(users) == 0 {
		return nil
	}
	n := len(users)
	ids, nicks, faces, exs, times := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]int64, n)
	for i, u := range users {
		ids[i], nicks[i], faces[i], exs[i], times[i] = u.UserID, u.Nickname, u.FaceURL, u.Ex, u.CreateTime
	}
	// ORDER BY ord draws seq (creation order) in the order given.
	rows, err := t.q.Query(ctx, `INSERT INTO users (user_id, nickname, face_url, ex, create_time)
		SELECT u, n, f, e, c FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[])
			WITH ORDINALITY AS t(u, n, f, e, c, ord)
		ORDER BY ord
		ON CONFLICT (user_id) DO NOTHING
		RETURNING user_id`, ids, nicks, faces, exs, times)
	inserted, err := collect(rows, err, scanString)
	if err != nil {
		return err
	}
	if len(inserted) == n {
		return nil
	}
	taken := firstMissing(ids, inserted)
	if _, err := t.q.Exec(ctx, `DELETE FROM users WHERE user_id = ANY($1)`, inserted); err != nil {
		return err
	}
	return fmt.Errorf("user %s: %w", taken, domain.ErrUserExists)
}

// firstMissing returns the first of want that got is short of (a key that
// was taken, or given twice).
func firstMissing(want, got []string) string {
	left := make(map[string]int, len(got))
	for _, id := range got {
		left[id]++
	}
	for _, id := range want {
		if left[id] == 0 {
			return id
		}
		left[id]--
	}
	return ""
}

func (t *tx) UpdateUser(ctx context.Context, u domain.User) (err error) {
	defer wrap(&err, "update user %s", u.UserID)
	return mustAffect(t.q.Exec(ctx, `UPDATE users SET nickname = $2, face_url = $3, ex = $4 WHERE user_id = $1`,
		u.UserID, u.Nickname, u.FaceURL, u.Ex))
}

func (t *tx) InsertGroup(ctx context.Context, g domain.Group) (err error) {
	defer wrap(&err, "insert group %s", g.GroupID)
	tag, err := t.q.Exec(ctx, `INSERT INTO groups (group_id, name, notification, introduction, face_url, ex, status, group_type,
			creator_user_id, owner_user_id, need_verification, look_member_info, apply_member_friend,
			notification_update_time, notification_user_id, create_time, member_count, data_seq,
			member_count_limit, invite_mode, be_invited_mode, number_message, mute_all, muted_roles, mute_until)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 0, $17,
			$18, $19, $20, $21, $22, $23, $24)
		ON CONFLICT (group_id) DO NOTHING`,
		g.GroupID, g.Name, g.Notification, g.Introduction, g.FaceURL, g.Ex, g.Status, g.GroupType,
		g.CreatorUserID, g.OwnerUserID, g.NeedVerification, g.LookMemberInfo, g.ApplyMemberFriend,
		g.NotificationUpdateTime, g.NotificationUserID, g.CreateTime, g.DataSeq,
		g.MemberCountLimit, g.InviteMode, g.BeInvitedMode, g.NumberMessage, g.MuteAll, roles(g.MutedRoles), g.MuteUntil)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("group %s: %w", g.GroupID, domain.ErrGroupExists)
	}
	return nil
}

// roles never hands pgx a nil slice, which it would send as NULL.
func roles(r []int) []int {
	if r == nil {
		return []int{}
	}
	return r
}

func (t *tx) UpdateGroup(ctx context.Context, g domain.Group) (err error) {
	defer wrap(&err, "update group %s", g.GroupID)
	return mustAffect(t.q.Exec(ctx, `UPDATE groups SET name = $2, notification = $3, introduction = $4, face_url = $5, ex = $6,
			status = $7, group_type = $8, creator_user_id = $9, owner_user_id = $10, need_verification = $11,
			look_member_info = $12, apply_member_friend = $13, notification_update_time = $14,
			notification_user_id = $15, create_time = $16, data_seq = $17, member_count_limit = $18,
			invite_mode = $19, be_invited_mode = $20, number_message = $21, mute_all = $22, muted_roles = $23,
			mute_until = $24
		WHERE group_id = $1`,
		g.GroupID, g.Name, g.Notification, g.Introduction, g.FaceURL, g.Ex, g.Status, g.GroupType,
		g.CreatorUserID, g.OwnerUserID, g.NeedVerification, g.LookMemberInfo, g.ApplyMemberFriend,
		g.NotificationUpdateTime, g.NotificationUserID, g.CreateTime, g.DataSeq,
		g.MemberCountLimit, g.InviteMode, g.BeInvitedMode, g.NumberMessage, g.MuteAll, roles(g.MutedRoles), g.MuteUntil))
}

// InsertMembers raises each group's member_count first (in group ID order,
// so concurrent callers lock groups in one order), which also finds a
// missing group (ErrNotFound) before anything is inserted. It then inserts
// every row with ON CONFLICT DO NOTHING; if a membership existed, it takes
// its rows and counts back out and reports ErrMemberExists, leaving the
// transaction usable. On success it writes each Seq into members[i].Seq.
func (t *tx) InsertMembers(ctx context.Context, members []domain.Member) (err error) {
	defer wrap(&err, "insert %d members", len(members))
	if len(members) == 0 {
		return nil
	}
	counts := map[string]int64{}
	for _, m := range members {
		counts[m.GroupID]++
	}
	groups := slices.Sorted(maps.Keys(counts))
	// With one group (every invitation, join and creation) its count is
	// raised in the statement that inserts the members: one round trip.
	oneGroup := len(groups) == 1
	if !oneGroup {
		for _, gid := range groups {
			if err := mustAffect(t.q.Exec(ctx, `UPDATE groups SET member_count = member_count + $2 WHERE group_id = $1`, gid, counts[gid])); err != nil {
				return fmt.Errorf("group %s: %w", gid, err)
			}
		}
	}
	n := len(members)
	var (
		gids, uids, nicks, faces, invs, ops, exs = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		roleLevels, customRoles, sources         = make([]int, n), make([]int, n), make([]int, n)
		joins, mutes                             = make([]int64, n), make([]int64, n)
	)
	for i, m := range members {
		gids[i], uids[i], nicks[i], faces[i], invs[i], ops[i], exs[i] = m.GroupID, m.UserID, m.Nickname, m.FaceURL, m.InviterUserID, m.OperatorUserID, m.Ex
		roleLevels[i], customRoles[i], sources[i] = m.RoleLevel, m.CustomRole, m.JoinSource
		joins[i], mutes[i] = m.JoinTime, m.MuteEndTime
	}
	// ORDER BY ord draws seq in the order given.
	// A new member's joined-group log starts with the group's data as it
	// is (see migration 0007).
	const insert = `INSERT INTO group_members (group_id, user_id, role_level, custom_role, join_time,
			nickname, face_url, join_source, inviter_user_id, operator_user_id, mute_end_time, ex, group_data_seen)
		SELECT g, u, rl, cr, jt, nn, fu, js, iv, op, mt, ex,
			coalesce((SELECT data_seq FROM groups WHERE group_id = g), 0)
		FROM unnest($1::text[], $2::text[], $3::integer[], $4::integer[], $5::bigint[], $6::text[], $7::text[],
			$8::integer[], $9::text[], $10::text[], $11::bigint[], $12::text[])
			WITH ORDINALITY AS t(g, u, rl, cr, jt, nn, fu, js, iv, op, mt, ex, ord)
		%s
		ORDER BY ord
		ON CONFLICT (group_id, user_id) DO NOTHING
		RETURNING group_id, user_id, seq`
	args := []any{gids, uids, roleLevels, customRoles, joins, nicks, faces, sources, invs, ops, mutes, exs}
	var rows pgx.Rows
	if oneGroup {
		// The group's row comes back as ('', -1) when it exists (user IDs
		// are never empty); without it nothing is inserted.
		rows, err = t.q.Query(ctx, `WITH cnt AS (
				UPDATE groups SET member_count = member_count + $13 WHERE group_id = $14 RETURNING group_id),
			ins AS (`+fmt.Sprintf(insert, "WHERE EXISTS (SELECT 1 FROM cnt)")+`)
			SELECT group_id, user_id, seq FROM ins UNION ALL SELECT group_id, '', -1 FROM cnt`,
			append(args, counts[groups[0]], groups[0])...)
	} else {
		rows, err = t.q.Query(ctx, fmt.Sprintf(insert, ""), args...)
	}
	type key struct{ group, user string }
	seqs := map[key]int64{}
	groupFound := !oneGroup
	_, err = collect(rows, err, func(s scanner) (k key, err error) {
		var seq int64
		err = s.Scan(&k.group, &k.user, &seq)
		if k.user == "" && seq == -1 {
			groupFound = true
			return k, err
		}
		seqs[k] = seq
		return k, err
	})
	if err != nil {
		return err
	}
	if !groupFound {
		return fmt.Errorf("group %s: %w", groups[0], domain.ErrNotFound)
	}
	if len(seqs) == n {
		for i, m := range members {
			members[i].Seq = seqs[key{m.GroupID, m.UserID}]
		}
		return nil
	}
	// A membership existed (or was given twice): the first one not
	// inserted, or met again, is the one to name.
	var taken domain.Member
	seen := map[key]bool{}
	for _, m := range members {
		k := key{m.GroupID, m.UserID}
		if _, ok := seqs[k]; !ok || seen[k] {
			taken = m
			break
		}
		seen[k] = true
	}
	insG, insU := make([]string, 0, len(seqs)), make([]string, 0, len(seqs))
	for k := range seqs {
		insG, insU = append(insG, k.group), append(insU, k.user)
	}
	if _, err := t.q.Exec(ctx, `DELETE FROM group_members m USING unnest($1::text[], $2::text[]) AS d(g, u)
		WHERE m.group_id = d.g AND m.user_id = d.u`, insG, insU); err != nil {
		return err
	}
	for _, gid := range groups {
		if err := t.addMemberCount(ctx, gid, -counts[gid]); err != nil {
			return err
		}
	}
	return fmt.Errorf("member %s of group %s: %w", taken.UserID, taken.GroupID, domain.ErrMemberExists)
}

func (t *tx) addMemberCount(ctx context.Context, groupID string, delta int64) error {
	if delta == 0 {
		return nil
	}
	_, err := t.q.Exec(ctx, `UPDATE groups SET member_count = member_count + $2 WHERE group_id = $1`, groupID, delta)
	return err
}

func (t *tx) DeleteMembers(ctx context.Context, groupID string, userIDs []string) (_ int, err error) {
	defer wrap(&err, "delete members of group %s", groupID)
	if len(userIDs) == 0 {
		return 0, nil
	}
	tag, err := t.q.Exec(ctx, `DELETE FROM group_members WHERE group_id = $1 AND user_id = ANY($2)`, groupID, userIDs)
	if err != nil {
		return 0, err
	}
	n := tag.RowsAffected()
	return int(n), t.addMemberCount(ctx, groupID, -n)
}

func (t *tx) DeleteAllMembers(ctx context.Context, groupID string) (_ int, err error) {
	defer wrap(&err, "delete all members of group %s", groupID)
	tag, err := t.q.Exec(ctx, `DELETE FROM group_members WHERE group_id = $1`, groupID)
	if err != nil {
		return 0, err
	}
	n := tag.RowsAffected()
	return int(n), t.addMemberCount(ctx, groupID, -n)
}

func (t *tx) UpdateMember(ctx context.Context, m domain.Member) (err error) {
	defer wrap(&err, "update member %s of group %s", m.UserID, m.GroupID)
	return mustAffect(t.q.Exec(ctx, `UPDATE group_members SET role_level = $3, custom_role = $4, nickname = $5,
			face_url = $6, join_source = $7, inviter_user_id = $8, operator_user_id = $9, mute_end_time = $10, ex = $11
		WHERE group_id = $1 AND user_id = $2`,
		m.GroupID, m.UserID, m.RoleLevel, m.CustomRole, m.Nickname, m.FaceURL, m.JoinSource,
		m.InviterUserID, m.OperatorUserID, m.MuteEndTime, m.Ex))
}

func (t *tx) PutAttributes(ctx context.Context, groupID string, attrs []domain.Attribute) (err error) {
	defer wrap(&err, "put attributes of group %s", groupID)
	if len(attrs) == 0 {
		return nil
	}
	// The last value of a key given twice wins; one upsert may not touch
	// a row twice.
	pos := map[string]int{}
	var keys, values []string
	for _, a := range attrs {
		if i, ok := pos[a.Key]; ok {
			values[i] = a.Value
			continue
		}
		pos[a.Key] = len(keys)
		keys, values = append(keys, a.Key), append(values, a.Value)
	}
	// Joining groups finds a missing group without a failing statement.
	return mustAffect(t.q.Exec(ctx, `INSERT INTO group_attributes (group_id, key, value)
		SELECT g.group_id, k, v FROM groups g, unnest($2::text[], $3::text[]) AS t(k, v)
		WHERE g.group_id = $1
		ON CONFLICT (group_id, key) DO UPDATE SET value = EXCLUDED.value`, groupID, keys, values))
}

func (t *tx) DeleteAttributes(ctx context.Context, groupID string, keys []string) (err error) {
	defer wrap(&err, "delete attributes of group %s", groupID)
	if len(keys) == 0 {
		return nil
	}
	_, err = t.q.Exec(ctx, `DELETE FROM group_attributes WHERE group_id = $1 AND key = ANY($2)`, groupID, keys)
	return err
}

func (t *tx) PutRequest(ctx context.Context, r domain.GroupRequest) (err error) {
	defer wrap(&err, "put request of %s to group %s", r.UserID, r.GroupID)
	// WHERE EXISTS finds a missing group without a failing statement.
	return mustAffect(t.q.Exec(ctx, `INSERT INTO group_requests (`+requestCols+`)
		SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11
		WHERE EXISTS (SELECT 1 FROM groups WHERE group_id = $1)
		ON CONFLICT (group_id, user_id) DO UPDATE SET handle_result = EXCLUDED.handle_result,
			req_msg = EXCLUDED.req_msg, handle_msg = EXCLUDED.handle_msg, req_time = EXCLUDED.req_time,
			handle_user_id = EXCLUDED.handle_user_id, handle_time = EXCLUDED.handle_time,
			join_source = EXCLUDED.join_source, inviter_user_id = EXCLUDED.inviter_user_id, ex = EXCLUDED.ex`,
		r.GroupID, r.UserID, r.HandleResult, r.ReqMsg, r.HandleMsg, r.ReqTime, r.HandleUserID,
		r.HandleTime, r.JoinSource, r.InviterUserID, r.Ex))
}

// LogVersion raises the owner's version with an upsert whose row lock
// orders concurrent writers to one owner; a new owner starts at version 1
// with a fresh random version ID.
func (t *tx) LogVersion(ctx context.Context, owner domain.VersionOwner, op int, elementIDs []string) (v int64, err error) {
	defer wrap(&err, "log version %s/%s", owner.Kind, owner.ID)
	// One round trip: the owner's new version and its entries in one
	// statement (the entries take the version the owner's row returns).
	err = t.q.QueryRow(ctx, `WITH o AS (
			INSERT INTO version_owners (kind, owner_id, version_id, version) VALUES ($1, $2, $3, 1)
			ON CONFLICT (kind, owner_id) DO UPDATE SET version = version_owners.version + 1
			RETURNING version),
		e AS (
			INSERT INTO version_entries (kind, owner_id, element_id, op, version)
			SELECT $1, $2, e, $5, o.version FROM o, unnest($4::text[]) AS e
			ON CONFLICT (kind, owner_id, element_id) DO UPDATE SET op = EXCLUDED.op, version = EXCLUDED.version)
		SELECT version FROM o`, owner.Kind, owner.ID, newVersionID(), dedupe(elementIDs), op).Scan(&v)
	if err != nil {
		return 0, err
	}
	return v, nil
}

func dedupe(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// newVersionID is 16 random hex characters.
func newVersionID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (t *tx) CompactVersions(ctx context.Context, owner domain.VersionOwner, upTo int64) (err error) {
	defer wrap(&err, "compact versions %s/%s", owner.Kind, owner.ID)
	if _, err := t.q.Exec(ctx, `DELETE FROM version_entries WHERE kind = $1 AND owner_id = $2 AND version <= $3`,
		owner.Kind, owner.ID, upTo); err != nil {
		return err
	}
	_, err = t.q.Exec(ctx, `UPDATE version_owners SET min_version = GREATEST(min_version, LEAST($3, version)) WHERE kind = $1 AND owner_id = $2`,
		owner.Kind, owner.ID, upTo)
	return err
}

// MarkGroupDataSeen records what userID's joined-group log has reported.
func (t *tx) MarkGroupDataSeen(ctx context.Context, userID string, seen []domain.GroupDataSeq) (err error) {
	defer wrap(&err, "mark group data seen by %s (%d groups)", userID, len(seen))
	if len(seen) == 0 {
		return nil
	}
	gids, seqs := make([]string, len(seen)), make([]int64, len(seen))
	for i, g := range seen {
		gids[i], seqs[i] = g.GroupID, g.DataSeq
	}
	_, err = t.q.Exec(ctx, `UPDATE group_members m SET group_data_seen = s.seq
		FROM unnest($2::text[], $3::bigint[]) AS s(g, seq)
		WHERE m.group_id = s.g AND m.user_id = $1 AND m.group_data_seen < s.seq`, userID, gids, seqs)
	return err
}
