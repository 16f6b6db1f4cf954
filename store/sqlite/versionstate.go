package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/groupd/groupd/domain"
)

// VersionState returns owner's version-log state in one point read (the
// zero state when the owner never logged a change).
func (r reader) VersionState(ctx context.Context, owner domain.VersionOwner) (st domain.VersionState, err error) {
	defer wrap(&err, "sqlite.VersionState(%s/%s)", owner.Kind, owner.ID)
	st, err = queryOne(ctx, r.h, func(s scanner) (st domain.VersionState, err error) {
		err = s.Scan(&st.VersionID, &st.Version, &st.MinVersion)
		return st, err
	}, `SELECT version_id, version, min_version FROM version_owners WHERE kind = ? AND owner_id = ?`, owner.Kind, owner.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.VersionState{}, nil
	}
	return st, err
}

// JoinedGroupIDPage pages userID's joined group IDs in join order from the
// covering index (user_id, seq, group_id), with the kept count as total.
// Page and total come from one statement, so they agree (as ListJoined's
// do) without the cost of a read transaction; only a page past the end
// reads the total on its own.
func (r reader) JoinedGroupIDPage(ctx context.Context, userID string, page domain.Page) (ids []string, total int64, err error) {
	defer wrap(&err, "sqlite.JoinedGroupIDPage(%q, %+v)", userID, page)
	limit, offset := limitOffset(page)
	rows, err := r.h.query(ctx, `SELECT group_id, coalesce((SELECT joined FROM user_joined_counts WHERE user_id = ?1), 0)
		FROM group_members WHERE user_id = ?1 ORDER BY seq LIMIT ?2 OFFSET ?3`, userID, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	ids = []string{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id, &total); err != nil {
			return nil, 0, err
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	if len(ids) == 0 {
		total, err = countJoined(ctx, r.h, userID)
	}
	return ids, total, err
}

// membersWithCount reads an unfiltered page of a group's members and the
// group's MemberCount in one statement. ok is false for an empty page (the
// statement then yields no count).
func (r reader) membersWithCount(ctx context.Context, groupID string, limit, offset int64) (ms []domain.Member, total int64, ok bool, err error) {
	rows, err := r.h.query(ctx, `SELECT `+memberCols+`,
		coalesce((SELECT member_count FROM groups WHERE group_id = ?1), 0)
		FROM group_members WHERE group_id = ?1 ORDER BY role_level DESC, seq LIMIT ?2 OFFSET ?3`, groupID, limit, offset)
	if err != nil {
		return nil, 0, false, err
	}
	defer rows.Close()
	ms = []domain.Member{}
	for rows.Next() {
		var m domain.Member
		if err := rows.Scan(&m.GroupID, &m.UserID, &m.RoleLevel, &m.CustomRole, &m.JoinTime, &m.Nickname, &m.FaceURL,
			&m.JoinSource, &m.InviterUserID, &m.OperatorUserID, &m.MuteEndTime, &m.Ex, &m.Seq, &total); err != nil {
			return nil, 0, false, err
		}
		ms = append(ms, m)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, false, err
	}
	return ms, total, len(ms) > 0, nil
}

// GroupsWithMutedMembers reports which of groupIDs have a member muted past
// now, from the partial index of muted members (group_members_muted): a
// short probe per group, however large the group.
func (r reader) GroupsWithMutedMembers(ctx context.Context, groupIDs []string, now int64) (_ map[string]bool, err error) {
	defer wrap(&err, "sqlite.GroupsWithMutedMembers(%d groups)", len(groupIDs))
	out := make(map[string]bool)
	if len(groupIDs) == 0 {
		return out, nil
	}
	ids, err := queryAll(ctx, r.h, scanString, `SELECT DISTINCT group_id FROM group_members
		WHERE group_id IN (SELECT value FROM json_each(?)) AND mute_end_time > ? AND mute_end_time > 0`, jsonList(groupIDs), now)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// GroupDataUnseen walks userID's memberships (the group_members_user index)
// and each group's row by its key.
func (r reader) GroupDataUnseen(ctx context.Context, userID string) (_ []domain.GroupDataSeq, err error) {
	defer wrap(&err, "sqlite.GroupDataUnseen(%q)", userID)
	return queryAll(ctx, r.h, func(s scanner) (g domain.GroupDataSeq, err error) {
		return g, s.Scan(&g.GroupID, &g.DataSeq)
	}, `SELECT m.group_id, g.data_seq FROM group_members m JOIN groups g ON g.group_id = m.group_id
		WHERE m.user_id = ? AND g.data_seq > m.group_data_seen`, userID)
}
