package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
)

// Setting returns the value of the installation setting name (a row of
// the settings table); ok is false when it is not set.
func (db *DB) Setting(ctx context.Context, name string) (value string, ok bool, err error) {
	defer wrap(&err, "setting %s", name)
	err = db.pool.QueryRow(ctx, `SELECT value FROM settings WHERE name = $1`, name).Scan(&value)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, nil
	}
	return value, err == nil, err
}

// SwapSetting sets the setting name to value if its value is old ("" for
// not set) and reports whether it did: a compare-and-swap in one
// statement, so that nodes racing to create or change a setting agree on
// one value.
func (db *DB) SwapSetting(ctx context.Context, name, old, value string) (swapped bool, err error) {
	defer wrap(&err, "swap setting %s", name)
	var q string
	args := []any{name, value}
	if old == "" {
		q = `INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`
	} else {
		q = `UPDATE settings SET value = $2 WHERE name = $1 AND value = $3`
		args = append(args, old)
	}
	tag, err := db.pool.Exec(ctx, q, args...)
	if err != nil {
		return false, err
	}
	return tag.RowsAffected() == 1, nil
}
