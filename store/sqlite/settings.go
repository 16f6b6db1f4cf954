package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/groupd/groupd/domain"
)

// Setting returns the value of the installation setting name (a row of
// the settings table); ok is false when it is not set.
func (db *DB) Setting(ctx context.Context, name string) (value string, ok bool, err error) {
	defer wrap(&err, "sqlite.Setting(%q)", name)
	err = db.rdb.QueryRowContext(ctx, `SELECT value FROM settings WHERE name = ?`, name).Scan(&value)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return value, err == nil, err
}

// SwapSetting sets the setting name to value if its value is old ("" for
// not set), durably, and reports whether it did: a compare-and-swap, so
// that processes racing to create or change a setting agree on one value.
func (db *DB) SwapSetting(ctx context.Context, name, old, value string) (swapped bool, err error) {
	defer wrap(&err, "sqlite.SwapSetting(%q)", name)
	err = db.Write(ctx, func(tx domain.Tx) error {
		t := tx.(*txn)
		var res sql.Result
		var err error
		if old == "" {
			res, err = t.th.exec(ctx, `INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`, name, value)
		} else {
			res, err = t.th.exec(ctx, `UPDATE settings SET value = ? WHERE name = ? AND value = ?`, value, name, old)
		}
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		swapped = n == 1
		return err
	})
	return swapped, err
}
