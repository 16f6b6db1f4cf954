package domain

import (
	"context"
	"slices"
)

// RegisterUsers adds users (app admins only). With partial false any
// invalid or existing user fails the whole call; with partial true the
// others are registered and the failures reported.
func (s *Service) RegisterUsers(ctx context.Context, a Actor, users []User, partial bool) ([]ItemError, error) {
	if err := requireAppAdmin(a); err != nil {
		return nil, err
	}
	if len(users) == 0 {
		return nil, Errorf(KindInvalid, "users list is empty")
	}
	if len(users) > s.limits.MaxIDsPerCall {
		return nil, Errorf(KindInvalid, "users list has %d entries, at most %d allowed", len(users), s.limits.MaxIDsPerCall)
	}
	var failed []ItemError
	valid := make([]User, 0, len(users))
	seen := make(map[string]bool, len(users))
	now := s.NowMillis()
	for _, u := range users {
		err := s.checkUser(u)
		if err == nil && s.reserved[u.UserID] {
			err = Errorf(KindInvalid, "userID %s is an app admin's and cannot be registered", quoted(u.UserID))
		}
		if err == nil && seen[u.UserID] {
			err = Errorf(KindInvalid, "userID %s appears twice", quoted(u.UserID))
		}
		if err != nil {
			if !partial {
				return nil, err
			}
			failed = append(failed, itemErr(u.UserID, err))
			continue
		}
		seen[u.UserID] = true
		u.CreateTime = now
		valid = append(valid, u)
	}
	if len(valid) == 0 {
		return failed, nil
	}
	err := s.store.Write(ctx, func(tx Tx) error {
		ids := make([]string, len(valid))
		for i, u := range valid {
			ids[i] = u.UserID
		}
		existing, err := existingUsers(ctx, tx, ids)
		if err != nil {
			return err
		}
		fresh := valid[:0:0]
		for _, u := range valid {
			if _, ok := existing[u.UserID]; ok {
				e := Errorf(KindUserExists, "user %s is already registered", u.UserID)
				if !partial {
					return e
				}
				failed = append(failed, itemErr(u.UserID, e))
				continue
			}
			fresh = append(fresh, u)
		}
		if len(fresh) == 0 {
			return nil
		}
		if err := tx.InsertUsers(ctx, fresh); err != nil {
			return storeErr(err, "register users")
		}
		return s.emitUsers(ctx, tx, a, EventUserRegistered, fresh, nil)
	})
	if err != nil {
		return nil, err
	}
	return failed, nil
}

func (s *Service) checkUser(u User) error {
	if err := s.checkID("userID", u.UserID); err != nil {
		return err
	}
	if err := s.checkText("nickname", u.Nickname, s.limits.MaxNameLen); err != nil {
		return err
	}
	if err := s.checkText("faceURL", u.FaceURL, s.limits.MaxTextLen); err != nil {
		return err
	}
	return s.checkText("ex", u.Ex, s.limits.MaxTextLen)
}

// GetUsers returns the registered users among ids, in the order asked.
func (s *Service) GetUsers(ctx context.Context, a Actor, ids []string) ([]User, error) {
	if err := s.checkIDList("userID", ids, false); err != nil {
		return nil, err
	}
	found, err := existingUsers(ctx, s.store, ids)
	if err != nil {
		return nil, err
	}
	out := make([]User, 0, len(found))
	for _, id := range ids {
		if u, ok := found[id]; ok {
			out = append(out, u)
		}
	}
	return out, nil
}

// FindUsers is GetUsers for calls that allow partial success: the
// registered users among ids in the order asked, and an item error for each
// invalid ID (KindInvalid) and each unregistered user (KindUserNotFound),
// in the order asked. A repeated ID is answered once.
func (s *Service) FindUsers(ctx context.Context, a Actor, ids []string) ([]User, []ItemError, error) {
	if len(ids) > s.limits.MaxIDsPerCall {
		return nil, nil, Errorf(KindInvalid, "userID list has %d entries, at most %d allowed", len(ids), s.limits.MaxIDsPerCall)
	}
	bad := make(map[string]error)
	seen := make(map[string]bool, len(ids))
	valid := make([]string, 0, len(ids))
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		if err := s.checkID("userID", id); err != nil {
			bad[id] = err
			continue
		}
		valid = append(valid, id)
	}
	found, err := existingUsers(ctx, s.store, valid)
	if err != nil {
		return nil, nil, err
	}
	users := make([]User, 0, len(found))
	var failed []ItemError
	clear(seen)
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		if err, ok := bad[id]; ok {
			failed = append(failed, itemErr(id, err))
		} else if u, ok := found[id]; ok {
			users = append(users, u)
		} else {
			failed = append(failed, itemErr(id, Errorf(KindUserNotFound, "user %s is not registered", id)))
		}
	}
	return users, failed, nil
}

// ListUsers pages all users (app admins only).
func (s *Service) ListUsers(ctx context.Context, a Actor, page Page) ([]User, int64, error) {
	if err := requireAppAdmin(a); err != nil {
		return nil, 0, err
	}
	if err := CheckPage(page); err != nil {
		return nil, 0, err
	}
	users, total, err := s.store.ListUsers(ctx, page)
	return users, total, storeErr(err, "list users")
}

// UserPatch changes a user's profile; nil fields stay unchanged.
type UserPatch struct {
	UserID   string
	Nickname *string
	FaceURL  *string
	Ex       *string
}

// UpdateUsers changes profiles in one transaction (each user themself or an
// app admin). With partial false the first invalid, unregistered or
// forbidden user fails the whole call; with partial true the others are
// changed and the failures reported, in the order of patches.
func (s *Service) UpdateUsers(ctx context.Context, a Actor, patches []UserPatch, partial bool) ([]ItemError, error) {
	if len(patches) == 0 {
		return nil, Errorf(KindInvalid, "users list is empty")
	}
	if len(patches) > s.limits.MaxIDsPerCall {
		return nil, Errorf(KindInvalid, "users list has %d entries, at most %d allowed", len(patches), s.limits.MaxIDsPerCall)
	}
	// failed[i] is the failure of patches[i]; reported in request order.
	failed := make([]error, len(patches))
	seen := make(map[string]bool, len(patches))
	ids := make([]string, 0, len(patches))
	for i, p := range patches {
		err := s.checkID("userID", p.UserID)
		if err == nil {
			err = requireSelfOrAdmin(a, p.UserID)
		}
		if err == nil && seen[p.UserID] {
			err = Errorf(KindInvalid, "userID %s appears twice", quoted(p.UserID))
		}
		if err != nil {
			if !partial {
				return nil, err
			}
			failed[i] = err
			continue
		}
		seen[p.UserID] = true
		ids = append(ids, p.UserID)
	}
	if len(ids) > 0 {
		checked := slices.Clone(failed)
		err := s.store.Write(ctx, func(tx Tx) error {
			copy(failed, checked) // fn may run again
			found, err := existingUsers(ctx, tx, ids)
			if err != nil {
				return err
			}
			for i, p := range patches {
				if failed[i] != nil {
					continue
				}
				u, ok := found[p.UserID]
				var e error
				if !ok {
					e = Errorf(KindUserNotFound, "user %s not found", p.UserID)
				} else {
					applyString(&u.Nickname, p.Nickname)
					applyString(&u.FaceURL, p.FaceURL)
					applyString(&u.Ex, p.Ex)
					e = s.checkUser(u)
				}
				if e != nil {
					if !partial {
						return e
					}
					failed[i] = e
					continue
				}
				if err := tx.UpdateUser(ctx, u); err != nil {
					return storeErr(err, "update user")
				}
				if err := s.emitUsers(ctx, tx, a, EventUserUpdated, []User{u}, map[string]*UserPatch{u.UserID: &p}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	var items []ItemError
	for i, err := range failed {
		if err != nil {
			items = append(items, itemErr(patches[i].UserID, err))
		}
	}
	return items, nil
}

// requireUser checks that a user is registered.
func requireUser(ctx context.Context, r Reader, userID string) (User, error) {
	users, err := r.GetUsers(ctx, []string{userID})
	if err != nil {
		return User{}, storeErr(err, "read user")
	}
	if len(users) == 0 {
		return User{}, Errorf(KindUserNotFound, "user %s not found", userID)
	}
	return users[0], nil
}

// UserExists reports whether userID is registered.
func (s *Service) UserExists(ctx context.Context, userID string) (bool, error) {
	if err := s.checkID("userID", userID); err != nil {
		return false, err
	}
	_, err := requireUser(ctx, s.store, userID)
	if IsKind(err, KindUserNotFound) {
		return false, nil
	}
	return err == nil, err
}

func applyString(dst *string, v *string) {
	if v != nil {
		*dst = *v
	}
}

func applyInt(dst *int, v *int) {
	if v != nil {
		*dst = *v
	}
}

// EnsureReservedUsers registers the app admins' user IDs that are not
// registered yet (nickname = ID), as OpenIM does at start: an app admin is
// a user others can see and add to groups, but no one can register its ID.
func (s *Service) EnsureReservedUsers(ctx context.Context) error {
	if len(s.reserved) == 0 {
		return nil
	}
	ids := make([]string, 0, len(s.reserved))
	for id := range s.reserved {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	err := s.ensureUsers(ctx, ids)
	if IsKind(err, KindUserExists) { // another node registered them meanwhile
		err = s.ensureUsers(ctx, ids)
	}
	return err
}

func (s *Service) ensureUsers(ctx context.Context, ids []string) error {
	return s.store.Write(ctx, func(tx Tx) error {
		found, err := existingUsers(ctx, tx, ids)
		if err != nil {
			return err
		}
		var missing []User
		for _, id := range ids {
			if _, ok := found[id]; !ok {
				missing = append(missing, User{UserID: id, Nickname: id, CreateTime: s.NowMillis()})
			}
		}
		if len(missing) == 0 {
			return nil
		}
		return storeErr(tx.InsertUsers(ctx, missing), "register app admins")
	})
}
