package storetest

import (
	"slices"
	"strings"
	"testing"

	"github.com/groupd/groupd/domain"
)

var userTests = []test{
	{"InsertUsersThenGetUsersReturnsOnlyExisting", func(t *testing.T, s domain.Store) {
		u1, u2 := newUser("u1", 100), newUser("u2", 200)
		write(t, s, func(tx domain.Tx) error { return tx.InsertUsers(t.Context(), []domain.User{u1, u2}) })
		got := ok(s.GetUsers(t.Context(), []string{"u2", "missing", "u1"})).must(t)
		slices.SortFunc(got, func(a, b domain.User) int { return strings.Compare(a.UserID, b.UserID) })
		wantEqual(t, "users", got, []domain.User{u1, u2})
	}},
	{"GetUsersOfNoneIsEmpty", func(t *testing.T, s domain.Store) {
		wantEmpty(t, "GetUsers(nil)", ok(s.GetUsers(t.Context(), nil)).must(t))
		wantEmpty(t, "GetUsers(missing)", ok(s.GetUsers(t.Context(), []string{"missing"})).must(t))
	}},
	{"ErrUserExistsNamesTheUser", func(t *testing.T, s domain.Store) {
		write(t, s, func(tx domain.Tx) error { return tx.InsertUsers(t.Context(), []domain.User{newUser("taken", 1)}) })
		err := s.Write(t.Context(), func(tx domain.Tx) error {
			return tx.InsertUsers(t.Context(), []domain.User{newUser("fresh", 1), newUser("taken", 2)})
		})
		wantErrIs(t, err, domain.ErrUserExists, "taken")
		wantEmpty(t, "users of the failed Write", ok(s.GetUsers(t.Context(), []string{"fresh"})).must(t))
	}},
	{"ErrUserExistsForDuplicateInOneCall", func(t *testing.T, s domain.Store) {
		err := s.Write(t.Context(), func(tx domain.Tx) error {
			return tx.InsertUsers(t.Context(), []domain.User{newUser("dup", 1), newUser("dup", 2)})
		})
		wantErrIs(t, err, domain.ErrUserExists, "dup")
	}},
	{"UpdateUserOverwritesProfile", func(t *testing.T, s domain.Store) {
		u := newUser("u1", 100)
		write(t, s, func(tx domain.Tx) error { return tx.InsertUsers(t.Context(), []domain.User{u}) })
		u.Nickname, u.FaceURL, u.Ex = "new nick", "https://new", "new ex"
		write(t, s, func(tx domain.Tx) error { return tx.UpdateUser(t.Context(), u) })
		wantEqual(t, "user", ok(s.GetUsers(t.Context(), []string{"u1"})).must(t), []domain.User{u})
	}},
	{"UpdateUserMissingIsErrNotFound", func(t *testing.T, s domain.Store) {
		err := s.Write(t.Context(), func(tx domain.Tx) error { return tx.UpdateUser(t.Context(), newUser("ghost", 1)) })
		wantErrIs(t, err, domain.ErrNotFound, "")
	}},
	{"ListUsersPagesInCreationOrder", func(t *testing.T, s domain.Store) {
		order := []string{"u-c", "u-a", "u-e", "u-b", "u-d"}
		for i, id := range order {
			write(t, s, func(tx domain.Tx) error { return tx.InsertUsers(t.Context(), []domain.User{newUser(id, int64(i))}) })
		}
		for _, c := range []struct {
			name string
			page domain.Page
			want []string
		}{
			{"first", domain.Page{Offset: 0, Limit: 2}, order[0:2]},
			{"middle", domain.Page{Offset: 2, Limit: 2}, order[2:4]},
			{"last", domain.Page{Offset: 4, Limit: 2}, order[4:]},
			{"past the end", domain.Page{Offset: 9, Limit: 2}, []string{}},
		} {
			users, total := ok2(s.ListUsers(t.Context(), c.page)).must(t)
			ids := make([]string, 0, len(users))
			for _, u := range users {
				ids = append(ids, u.UserID)
			}
			wantEqual(t, c.name+" ids", ids, c.want)
			wantEqual(t, c.name+" total", total, int64(5))
			if users == nil {
				t.Fatalf("%s: nil slice", c.name)
			}
		}
	}},
}
