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
