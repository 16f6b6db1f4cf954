package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/groupd/groupd/domain"
)

// VersionState reads owner's version-log position in one point read.
func (r reader) VersionState(ctx context.Context, owner domain.VersionOwner) (st domain.VersionState, err error) {
	defer wrap(&err, "version state %s/%s", owner.Kind, owner.ID)
	err = r.q.QueryRow(ctx, `SELECT version_id, version, min_version FROM version_owners WHERE kind = $1 AND owner_id = $2`,
		owner.Kind, owner.ID).Scan(&st.VersionID, &st.Version, &st.MinVersion)
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.VersionState{}, nil
	}
	return st, err
}

// JoinedGroupIDPage pages userID's joined group IDs in join order from the
// covering index (user_id, seq) INCLUDE (group_id), with the total from
// user_joined_counts (kept by trigger) in the same statement, so page and
// total agree without a count(*) over the user's memberships.
func (r reader) JoinedGroupIDPage(ctx context.Context, userID string, page domain.Page) (_ []string, total int64, err error) {
	defer wrap(&err, "joined group IDs of %s", userID)
	a := args{userID}
	rows, err := r.q.Query(ctx, `SELECT c.joined, p.group_id
		FROM (SELECT coalesce((SELECT joined FROM user_joined_counts WHERE user_id = $1), 0) AS joined) c
		LEFT JOIN LATERAL (
			SELECT group_id, seq FROM group_members WHERE user_id = $1 ORDER BY seq`+pageSQL(&a, page)+`
		) p ON true
		ORDER BY p.seq`, a...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	ids := []string{}
	for rows.Next() {
		var id *string
		if err := rows.Scan(&total, &id); err != nil {
			return nil, 0, err
		}
		if id != nil {
			ids = append(ids, *id)
		}
	}
	return ids, total, rows.Err()
}

// GroupsWithMutedMembers reports which of groupIDs have a member muted past
// now, from the partial index group_members_muted.
func (r reader) GroupsWithMutedMembers(ctx context.Context, groupIDs []string, now int64) (_ map[string]bool, err error) {
	defer wrap(&err, "groups with muted members among %d", len(groupIDs))
	out := make(map[string]bool)
	if len(groupIDs) == 0 {
		return out, nil
	}
	rows, err := r.q.Query(ctx, `SELECT DISTINCT group_id FROM group_members
		WHERE group_id = ANY($1) AND mute_end_time > $2 AND mute_end_time > 0`, groupIDs, now)
	ids, err := collect(rows, err, scanString)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// GroupDataUnseen walks userID's memberships (group_members_user) and each
// group's row by its key.
func (r reader) GroupDataUnseen(ctx context.Context, userID string) (_ []domain.GroupDataSeq, err error) {
	defer wrap(&err, "group data unseen by %s", userID)
	rows, err := r.q.Query(ctx, `SELECT m.group_id, g.data_seq FROM group_members m JOIN groups g ON g.group_id = m.group_id
		WHERE m.user_id = $1 AND g.data_seq > m.group_data_seen`, userID)
	return collect(rows, err, func(s scanner) (g domain.GroupDataSeq, err error) {
		return g, s.Scan(&g.GroupID, &g.DataSeq)
	})
}
