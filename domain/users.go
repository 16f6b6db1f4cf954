package domain

import "context"

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
		if err == nil && seen[u.UserID] {
			err = Errorf(KindInvalid, "userID %q appears twice", u.UserID)
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
		return storeErr(tx.InsertUsers(ctx, fresh), "register users")
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

// UpdateUser changes a profile (the user themself or an app admin).
func (s *Service) UpdateUser(ctx context.Context, a Actor, p UserPatch) error {
	if err := s.checkID("userID", p.UserID); err != nil {
		return err
	}
	if err := requireSelfOrAdmin(a, p.UserID); err != nil {
		return err
	}
	return s.store.Write(ctx, func(tx Tx) error {
		users, err := tx.GetUsers(ctx, []string{p.UserID})
		if err != nil {
			return storeErr(err, "read user")
		}
		if len(users) == 0 {
			return Errorf(KindUserNotFound, "user %s not found", p.UserID)
		}
		u := users[0]
		applyString(&u.Nickname, p.Nickname)
		applyString(&u.FaceURL, p.FaceURL)
		applyString(&u.Ex, p.Ex)
		if err := s.checkUser(u); err != nil {
			return err
		}
		return storeErr(tx.UpdateUser(ctx, u), "update user")
	})
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
