package openim

import (
	"context"
	"math"
	"strconv"

	"github.com/groupd/groupd/domain"
)

// StoreRevoker keeps the token generations in the database, so that every
// groupd node on one database sees a force_logout as soon as it is
// acknowledged, and it survives restarts (and the loss of any cache in
// front of it, such as redisx.Revoker). Each (user, platform) is a version
// counter of the store's version log under the owner kind "tk": Revoke
// raises it by one in a write transaction, Generation reads it (one indexed
// row).
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
	st, _, err := s.store.VersionLog(ctx, tokenOwner(userID, platformID), math.MaxInt64, 1)
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
