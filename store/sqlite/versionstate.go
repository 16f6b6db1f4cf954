package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/groupd/groupd/domain"
)

var _ domain.VersionStateReader = (*DB)(nil)

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

var _ domain.JoinedIDPager = (*DB)(nil)

// JoinedGroupIDPage pages userID's joined group IDs in join order from the
// covering index (user_id, seq, group_id), with the kept count as total.
func (r reader) JoinedGroupIDPage(ctx context.Context, userID string, page domain.Page) (ids []string, total int64, err error) {
	defer wrap(&err, "sqlite.JoinedGroupIDPage(%q, %+v)", userID, page)
	limit, offset := limitOffset(page)
	err = r.h.snapshot(ctx, func(h handle) error { // the total agrees with the page, as in ListJoined
		ids, err = queryAll(ctx, h, scanString,
			`SELECT group_id FROM group_members WHERE user_id = ? ORDER BY seq LIMIT ? OFFSET ?`, userID, limit, offset)
		if err != nil {
			return err
		}
		total, err = countJoined(ctx, h, userID)
		return err
	})
	return ids, total, err
}
