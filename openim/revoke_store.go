package openim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/groupd/groupd/domain"
)

// StoreRevoker keeps the token generations in the database, on every
// backend: every groupd node on one database sees a force_logout as soon
// as it is acknowledged, it survives restarts (and the loss of any cache
// in front of it, such as redisx.Revoker), and a database backup holds it.
// Each (user, platform) is a version counter of the store's version log
// under the owner kind "tk": Revoke raises it by one in a write
// transaction, Generation reads it (one point read).
type StoreRevoker struct {
	store domain.Store
}

// NewStoreRevoker returns a StoreRevoker over store.
func NewStoreRevoker(store domain.Store) *StoreRevoker { return &StoreRevoker{store: store} }

// VersionTokens is the version-log owner kind of token generations.
const VersionTokens = "tk"

func tokenOwner(userID string, platformID int) domain.VersionOwner {
	return domain.VersionOwner{Kind: VersionTokens, ID: strconv.Itoa(platformID) + "/" + userID}
}

// Generation implements TokenRevoker.
func (s *StoreRevoker) Generation(ctx context.Context, userID string, platformID int) (uint64, error) {
	st, err := s.store.VersionState(ctx, tokenOwner(userID, platformID))
	if err != nil {
		return 0, err
	}
	return uint64(max(st.Version, 0)), nil
}

// Revoke implements TokenRevoker: it returns once the new generation is
// committed.
func (s *StoreRevoker) Revoke(ctx context.Context, userID string, platformID int) error {
	return s.store.Write(ctx, func(tx domain.Tx) error {
		_, err := tx.LogVersion(ctx, tokenOwner(userID, platformID), 0, nil)
		return err
	})
}

// ImportRevocationsFile moves the force_logout state an older groupd kept
// in a JSON file ("<platform>/<user>": generation) into the store, raising
// each generation to at least the file's, then renames the file to
// path+".imported". A missing file is nothing to import.
func ImportRevocationsFile(ctx context.Context, store domain.Store, path string) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read token revocations: %w", err)
	}
	var gens map[string]uint64
	if err := json.Unmarshal(b, &gens); err != nil {
		return fmt.Errorf("parse token revocations %s: %w", path, err)
	}
	err = store.Write(ctx, func(tx domain.Tx) error {
		for key, gen := range gens {
			platform, user, ok := strings.Cut(key, "/")
			p, perr := strconv.Atoi(platform)
			if !ok || perr != nil {
				return fmt.Errorf("token revocations %s: bad key %q", path, key)
			}
			owner := tokenOwner(user, p)
			st, err := tx.VersionState(ctx, owner)
			if err != nil {
				return err
			}
			for v := max(st.Version, 0); uint64(v) < gen; v++ {
				if _, err := tx.LogVersion(ctx, owner, 0, nil); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("import token revocations: %w", err)
	}
	return os.Rename(path, path+".imported")
}
