package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/groupd/groupd/domain"
)

func write(t *testing.T, s domain.Store, fn func(tx domain.Tx) error) {
	t.Helper()
	if err := s.Write(t.Context(), fn); err != nil {
		t.Fatalf("Write: %v", err)
	}
}

func wantErrIs(t *testing.T, err, target error, mention string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("err = %v, want errors.Is %v", err, target)
	}
	if mention != "" && !strings.Contains(err.Error(), mention) {
		t.Fatalf("err = %q, want it to name %q", err, mention)
	}
}

// ok and ok2 hold a call's results for .must(t), which fails the test on
// an error: ok(s.GetGroup(ctx, id)).must(t).
func ok[T any](v T, err error) result[T] { return result[T]{v, err} }

type result[T any] struct {
	v   T
	err error
}

func (r result[T]) must(t *testing.T) T {
	t.Helper()
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.v
}

func ok2[T any](v T, n int64, err error) result2[T] { return result2[T]{v, n, err} }

type result2[T any] struct {
	v   T
	n   int64
	err error
}

func (r result2[T]) must(t *testing.T) (T, int64) {
	t.Helper()
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.v, r.n
}

func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantEqual[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got  %+v\n want %+v", what, got, want)
	}
}

// wantNonNil checks that a list answer for "none" is empty, not nil.
func wantEmpty[T any](t *testing.T, what string, got []T) {
	t.Helper()
	if got == nil || len(got) != 0 {
		t.Fatalf("%s = %#v, want an empty non-nil slice", what, got)
	}
}

func newUser(id string, created int64) domain.User {
	return domain.User{UserID: id, Nickname: "nick " + id, FaceURL: "https://face/" + id, Ex: `{"u":"` + id + `"}`, CreateTime: created}
}

func newGroup(id string, created int64) domain.Group {
	return domain.Group{
		GroupID: id, Name: "name " + id, Notification: "notice", Introduction: "intro", FaceURL: "https://g/" + id,
		Ex: `{"g":1}`, Status: domain.StatusNormal, GroupType: domain.GroupTypeWorking, CreatorUserID: "creator",
		OwnerUserID: "owner", NeedVerification: domain.VerifyAllNeedApproval, LookMemberInfo: 1, ApplyMemberFriend: 1,
		NotificationUpdateTime: 11, NotificationUserID: "notifier", CreateTime: created, DataSeq: 1,
		MemberCountLimit: 500, InviteMode: 1, BeInvitedMode: 1, NumberMessage: 9,
		MuteAll: true, MutedRoles: []int{1, 3}, MuteUntil: 12345,
	}
}

func newMember(gid, uid string, role int) domain.Member {
	return domain.Member{
		GroupID: gid, UserID: uid, RoleLevel: role, CustomRole: 0, JoinTime: 1000, Nickname: "nick " + uid,
		FaceURL: "https://m/" + uid, JoinSource: domain.JoinSourceInvitation, InviterUserID: "inviter",
		OperatorUserID: "operator", MuteEndTime: 0, Ex: `{"m":1}`,
	}
}

func addGroups(t *testing.T, s domain.Store, ids ...string) {
	t.Helper()
	write(t, s, func(tx domain.Tx) error {
		for i, id := range ids {
			if err := tx.InsertGroup(t.Context(), newGroup(id, int64(1000+i))); err != nil {
				return err
			}
		}
		return nil
	})
}

// addMembers inserts each member in its own Write, so join order is the
// order given.
func addMembers(t *testing.T, s domain.Store, ms ...domain.Member) {
	t.Helper()
	for _, m := range ms {
		write(t, s, func(tx domain.Tx) error { return tx.InsertMembers(t.Context(), []domain.Member{m}) })
	}
}

func getGroup(t *testing.T, s domain.Reader, id string) domain.Group {
	t.Helper()
	return ok(s.GetGroup(t.Context(), id)).must(t)
}

func getMember(t *testing.T, s domain.Reader, gid, uid string) domain.Member {
	t.Helper()
	return ok(s.GetMember(t.Context(), gid, uid)).must(t)
}

func memberCount(t *testing.T, s domain.Reader, gid string) int64 {
	t.Helper()
	return getGroup(t, s, gid).MemberCount
}

func userIDs(ms []domain.Member) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.UserID
	}
	return out
}

func groupIDsOfMembers(ms []domain.Member) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.GroupID
	}
	return out
}

func groupIDs(gs []domain.Group) []string {
	out := make([]string, len(gs))
	for i, g := range gs {
		out[i] = g.GroupID
	}
	return out
}

func sortedGroupIDs(gs []domain.Group) []string {
	out := groupIDs(gs)
	slices.Sort(out)
	return out
}

// sameGroup compares groups treating nil and empty MutedRoles alike.
func sameGroup(t *testing.T, got, want domain.Group) {
	t.Helper()
	if len(got.MutedRoles) == 0 {
		got.MutedRoles = nil
	}
	if len(want.MutedRoles) == 0 {
		want.MutedRoles = nil
	}
	wantEqual(t, "group", got, want)
}

// checker collects failures inside a Write function, which may run on a
// goroutine of the store where t.Fatal must not be called.
type checker struct{ errs []error }

func (c *checker) eq(what string, got, want any, err error) {
	switch {
	case err != nil:
		c.errs = append(c.errs, fmt.Errorf("%s: %w", what, err))
	case !reflect.DeepEqual(got, want):
		c.errs = append(c.errs, fmt.Errorf("%s:\n got  %+v\n want %+v", what, got, want))
	}
}

func (c *checker) report(t *testing.T) {
	t.Helper()
	for _, err := range c.errs {
		t.Error(err)
	}
	if len(c.errs) > 0 {
		t.FailNow()
	}
}
