package postgres

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/groupd/groupd/domain"
)

// wrap turns *errp into the error a store method returns: prefixed with the
// operation, no rows as domain.ErrNotFound, unreachable servers as
// domain.ErrUnavailable and unique violations as the matching Err*Exists.
// Errors that already carry a domain error keep it. Use it deferred.
func wrap(errp *error, format string, args ...any) {
	err := *errp
	if err == nil {
		return
	}
	what := "postgres: " + fmt.Sprintf(format, args...)
	var de *domain.Error
	var pe *pgconn.PgError
	switch {
	case errors.As(err, &de):
		*errp = fmt.Errorf("%s: %w", what, err)
	case errors.Is(err, pgx.ErrNoRows):
		*errp = fmt.Errorf("%s: %w", what, domain.ErrNotFound)
	case isConnErr(err):
		*errp = fmt.Errorf("%s: %w: %w", what, domain.ErrUnavailable, err)
	case errors.As(err, &pe) && pe.Code == "23505":
		*errp = fmt.Errorf("%s: %w", what, uniqueErr(pe))
	case errors.As(err, &pe) && pe.Code == "23503": // foreign key: no such group
		*errp = fmt.Errorf("%s: %s: %w: %w", what, pe.Detail, domain.ErrNotFound, err)
	default:
		*errp = fmt.Errorf("%s: %w", what, err)
	}
}

// uniqueErr maps a unique violation to the domain error of its table,
// naming the key; the PgError stays in the chain. The inserts use ON
// CONFLICT and report taken keys themselves: this is the safety net.
func uniqueErr(pe *pgconn.PgError) error {
	switch pe.ConstraintName {
	case "users_pkey":
		return fmt.Errorf("%s: %w: %w", pe.Detail, domain.ErrUserExists, pe)
	case "groups_pkey":
		return fmt.Errorf("%s: %w: %w", pe.Detail, domain.ErrGroupExists, pe)
	case "group_members_pkey":
		return fmt.Errorf("%s: %w: %w", pe.Detail, domain.ErrMemberExists, pe)
	}
	return pe
}
