// Package storecheck holds store decorators for tests that must know
// whether a request changed anything: the fuzz targets check that a
// refused request commits nothing.
package storecheck

import (
	"context"
	"sync/atomic"

	"github.com/groupd/groupd/domain"
)

// Mutations wraps a store and counts the committed Writes that changed
// something: a Write whose function called a mutating Tx method that
// succeeded (a delete that removed rows, an insert, an update, a log
// entry) and returned nil.
type Mutations struct {
	domain.Store
	n atomic.Int64
}

// NewMutations wraps s.
func NewMutations(s domain.Store) *Mutations { return &Mutations{Store: s} }

// Count returns how many changing Writes were committed so far.
func (s *Mutations) Count() int64 { return s.n.Load() }

func (s *Mutations) Write(ctx context.Context, fn func(domain.Tx) error) error {
	var changed bool
	err := s.Store.Write(ctx, func(tx domain.Tx) error {
		changed = false // fn may run more than once
		return fn(&mutTx{Tx: tx, changed: &changed})
	})
	if err == nil && changed {
		s.n.Add(1)
	}
	return err
}

type mutTx struct {
	domain.Tx
	changed *bool
}

func (t *mutTx) mark(err error) error {
	if err == nil {
		*t.changed = true
	}
	return err
}

func (t *mutTx) InsertUsers(ctx context.Context, u []domain.User) error {
	return t.mark(t.Tx.InsertUsers(ctx, u))
}

func (t *mutTx) UpdateUser(ctx context.Context, u domain.User) error {
	return t.mark(t.Tx.UpdateUser(ctx, u))
}

func (t *mutTx) InsertGroup(ctx context.Context, g domain.Group) error {
	return t.mark(t.Tx.InsertGroup(ctx, g))
}

func (t *mutTx) UpdateGroup(ctx context.Context, g domain.Group) error {
	return t.mark(t.Tx.UpdateGroup(ctx, g))
}

func (t *mutTx) InsertMembers(ctx context.Context, m []domain.Member) error {
	return t.mark(t.Tx.InsertMembers(ctx, m))
}

func (t *mutTx) DeleteMembers(ctx context.Context, g string, ids []string) (int, error) {
	n, err := t.Tx.DeleteMembers(ctx, g, ids)
	if n > 0 {
		t.mark(err)
	}
	return n, err
}

func (t *mutTx) DeleteAllMembers(ctx context.Context, g string) (int, error) {
	n, err := t.Tx.DeleteAllMembers(ctx, g)
	if n > 0 {
		t.mark(err)
	}
	return n, err
}

func (t *mutTx) UpdateMember(ctx context.Context, m domain.Member) error {
	return t.mark(t.Tx.UpdateMember(ctx, m))
}

func (t *mutTx) PutAttributes(ctx context.Context, g string, a []domain.Attribute) error {
	return t.mark(t.Tx.PutAttributes(ctx, g, a))
}

func (t *mutTx) DeleteAttributes(ctx context.Context, g string, keys []string) error {
	return t.mark(t.Tx.DeleteAttributes(ctx, g, keys))
}

func (t *mutTx) PutRequest(ctx context.Context, r domain.GroupRequest) error {
	return t.mark(t.Tx.PutRequest(ctx, r))
}

func (t *mutTx) LogVersion(ctx context.Context, o domain.VersionOwner, op int, ids []string) (int64, error) {
	v, err := t.Tx.LogVersion(ctx, o, op, ids)
	t.mark(err)
	return v, err
}
