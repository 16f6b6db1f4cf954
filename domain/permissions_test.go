package domain_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/groupd/groupd/domain"
	"github.com/groupd/groupd/internal/teststore"
)

// The permission rules of the group operations, as one table: who acts
// (role) × what they do (operation) × on whom (target) → allowed, or the
// error kind and, where the domain sets one, the detail the dialects tell
// cases apart by (ErrActorNotMember, ErrTargetNotMember, ErrTargetSelf,
// ErrTargetOwner).
//
// Every case runs on a fresh group of a real SQLite store:
//
//	owner o; admins a1, a2; members m1, m2
//	x: registered, not a member (the non-member actor)
//	y: registered, not a member, with a pending request to join (the
//	   non-member target)
//	imAdmin: the app admin, registered as OpenIM registers it, not a member
//
// needVerification 0 (invitations join directly) and inviteMode 0 (any
// member invites). The actors are imAdmin (app admin), o, a1, m1 and x; the
// targets are the actor themself, o, a2, m2 and y. An allowed call must
// have its effect; a refused one must change nothing.

type role int

const (
	appAdmin role = iota
	owner
	admin
	member
	nonMember
)

var roleNames = [...]string{"app admin", "owner", "admin", "member", "non-member"}

func (r role) String() string { return roleNames[r] }

// actor is who acts for each role.
func (r role) actor() domain.Actor {
	return [...]domain.Actor{
		{UserID: "imAdmin", Admin: true}, {UserID: "o"}, {UserID: "a1"}, {UserID: "m1"}, {UserID: "x"},
	}[r]
}

type target int

const (
	tSelf target = iota
	tOwner
	tAdmin
	tMember
	tNonMember
)

var targetNames = [...]string{"self", "owner", "admin", "member", "non-member"}

// id is the user acted on, for actor a.
func (t target) id(a domain.Actor) string {
	if t == tSelf {
		return a.UserID
	}
	return [...]string{"", "o", "a2", "m2", "y"}[t]
}

// outcome is what a call answers: ok, or an error of kind with detail
// (nil: the error must carry none of the four details).
type outcome struct {
	ok     bool
	kind   domain.Kind
	detail error
}

var (
	allowed = outcome{ok: true}
	// deny is KindNoPermission without a detail.
	deny        = outcome{kind: domain.KindNoPermission}
	denyActor   = outcome{kind: domain.KindNoPermission, detail: domain.ErrActorNotMember}
	denySelf    = outcome{kind: domain.KindNoPermission, detail: domain.ErrTargetSelf}
	denyOwner   = outcome{kind: domain.KindNoPermission, detail: domain.ErrTargetOwner}
	actorOut    = outcome{kind: domain.KindNotMember, detail: domain.ErrActorNotMember}
	targetOut   = outcome{kind: domain.KindNotMember, detail: domain.ErrTargetNotMember}
	isMember    = outcome{kind: domain.KindAlreadyMember}
	invalid     = outcome{kind: domain.KindInvalid}
	noRequest   = outcome{kind: domain.KindNotFound}
	allDetails  = []error{domain.ErrActorNotMember, domain.ErrTargetNotMember, domain.ErrTargetSelf, domain.ErrTargetOwner}
	muteUntilMs = permNow.Add(time.Hour).UnixMilli()
)

func (o outcome) String() string {
	if o.ok {
		return "allowed"
	}
	if o.detail == nil {
		return o.kind.String()
	}
	return fmt.Sprintf("%s (%v)", o.kind, o.detail)
}

var permNow = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// op is one operation: do performs it as a on target id in group g; effect
// checks, after an allowed call, that it did what it says.
type op struct {
	name string
	// targeted is false for operations on the group alone (one column).
	targeted bool
	do       func(ctx context.Context, s *domain.Service, a domain.Actor, g, id string, before snapshot) error
	effect   func(t *testing.T, before, after snapshot, a domain.Actor, id string)
	// want holds, by role, the outcome for each target (self, owner,
	// admin, member, non-member); untargeted operations use want[r][0].
	want [5][5]outcome
}

// toggledRole is the role a "set member role" call asks for: an admin
// becomes a member, anyone else (the owner, a member, a non-member) an admin.
func toggledRole(before snapshot, id string) int {
	if m, ok := before.members[id]; ok && m.RoleLevel == domain.RoleAdmin {
		return domain.RoleMember
	}
	return domain.RoleAdmin
}

var ops = []op{
	{
		name: "invite", targeted: true,
		do: func(ctx context.Context, s *domain.Service, a domain.Actor, g, id string, _ snapshot) error {
			_, err := s.InviteMembers(ctx, a, domain.InviteInput{GroupID: g, UserIDs: []string{id}})
			return err
		},
		effect: func(t *testing.T, before, after snapshot, a domain.Actor, id string) {
			if m, ok := after.members[id]; !ok || m.RoleLevel != domain.RoleMember {
				t.Errorf("%s not added as a member: %+v", id, m)
			}
		},
		want: [5][5]outcome{
			//           self      owner     admin     member    non-member
			appAdmin:  {allowed, isMember, isMember, isMember, allowed},
			owner:     {isMember, isMember, isMember, isMember, allowed},
			admin:     {isMember, isMember, isMember, isMember, allowed},
			member:    {isMember, isMember, isMember, isMember, allowed},
			nonMember: {actorOut, actorOut, actorOut, actorOut, actorOut},
		},
	},
	{
		name: "kick", targeted: true,
		do: func(ctx context.Context, s *domain.Service, a domain.Actor, g, id string, _ snapshot) error {
			_, err := s.Kick(ctx, a, domain.KickInput{GroupID: g, UserIDs: []string{id}})
			return err
		},
		effect: func(t *testing.T, before, after snapshot, a domain.Actor, id string) {
			if _, ok := after.members[id]; ok {
				t.Errorf("%s still a member", id)
			}
			if after.group.MemberCount != before.group.MemberCount-1 {
				t.Errorf("member count %d, want %d", after.group.MemberCount, before.group.MemberCount-1)
			}
		},
		// Self, owner and non-member targets are refused before the
		// actor's role is looked at (OpenIM's order).
		want: [5][5]outcome{
			appAdmin:  {denySelf, denyOwner, allowed, allowed, targetOut},
			owner:     {denySelf, denySelf, allowed, allowed, targetOut},
			admin:     {denySelf, denyOwner, deny, allowed, targetOut},
			member:    {denySelf, denyOwner, deny, deny, targetOut},
			nonMember: {denySelf, denyOwner, denyActor, denyActor, targetOut},
		},
	},
	{
		name: "mute member", targeted: true,
		do: func(ctx context.Context, s *domain.Service, a domain.Actor, g, id string, _ snapshot) error {
			_, err := s.MuteMembers(ctx, a, g, []string{id}, muteUntilMs, false)
			return err
		},
		effect: func(t *testing.T, before, after snapshot, a domain.Actor, id string) {
			if m := after.members[id]; m.MuteEndTime != muteUntilMs {
				t.Errorf("%s mute end %d, want %d", id, m.MuteEndTime, muteUntilMs)
			}
		},
		// The app admin mutes anyone, the owner included; the owner mutes
		// admins and members; an admin ordinary members.
		want: [5][5]outcome{
			appAdmin:  {targetOut, allowed, allowed, allowed, targetOut},
			owner:     {deny, deny, allowed, allowed, targetOut},
			admin:     {deny, deny, deny, allowed, targetOut},
			member:    {deny, deny, deny, deny, deny},
			nonMember: {denyActor, denyActor, denyActor, denyActor, denyActor},
		},
	},
	{
		name: "set member role", targeted: true,
		do: func(ctx context.Context, s *domain.Service, a domain.Actor, g, id string, before snapshot) error {
			r := toggledRole(before, id)
			_, err := s.SetMemberInfo(ctx, a, []domain.MemberPatch{{GroupID: g, UserID: id, RoleLevel: &r}}, false)
			return err
		},
		effect: func(t *testing.T, before, after snapshot, a domain.Actor, id string) {
			if got, want := after.members[id].RoleLevel, toggledRole(before, id); got != want {
				t.Errorf("%s role %d, want %d", id, got, want)
			}
		},
		// The owner's role never changes (transfer instead); a user may
		// lower their own role, never raise it; an admin sets ordinary
		// members' roles (promotes them too).
		want: [5][5]outcome{
			appAdmin:  {targetOut, denyOwner, allowed, allowed, targetOut},
			owner:     {invalid, invalid, allowed, allowed, targetOut},
			admin:     {allowed, denyOwner, deny, allowed, targetOut},
			member:    {denySelf, denyOwner, deny, deny, targetOut},
			nonMember: {denyActor, denyActor, denyActor, denyActor, denyActor},
		},
	},
	{
		name: "transfer owner", targeted: true,
		do: func(ctx context.Context, s *domain.Service, a domain.Actor, g, id string, _ snapshot) error {
			return s.TransferOwner(ctx, a, g, "", id)
		},
		effect: func(t *testing.T, before, after snapshot, a domain.Actor, id string) {
			if after.group.OwnerUserID != id || after.members[id].RoleLevel != domain.RoleOwner {
				t.Errorf("owner %s (role of %s: %d), want %s", after.group.OwnerUserID, id, after.members[id].RoleLevel, id)
			}
			if got, want := after.members["o"].RoleLevel, before.members[id].RoleLevel; got != want {
				t.Errorf("old owner's role %d, want the new owner's previous %d", got, want)
			}
		},
		want: [5][5]outcome{
			appAdmin:  {targetOut, invalid, allowed, allowed, targetOut},
			owner:     {invalid, invalid, allowed, allowed, targetOut},
			admin:     {deny, deny, deny, deny, deny},
			member:    {deny, deny, deny, deny, deny},
			nonMember: {deny, deny, deny, deny, deny},
		},
	},
	{
		name: "dismiss",
		do: func(ctx context.Context, s *domain.Service, a domain.Actor, g, _ string, _ snapshot) error {
			return s.DismissGroup(ctx, a, g, false)
		},
		effect: func(t *testing.T, before, after snapshot, a domain.Actor, id string) {
			if after.group.Status != domain.StatusDismissed {
				t.Errorf("status %d, want dismissed", after.group.Status)
			}
		},
		want: [5][5]outcome{
			appAdmin: {allowed}, owner: {allowed}, admin: {deny}, member: {deny}, nonMember: {deny},
		},
	},
	{
		name: "set group info",
		do: func(ctx context.Context, s *domain.Service, a domain.Actor, g, _ string, _ snapshot) error {
			name := "renamed"
			return s.UpdateGroup(ctx, a, g, domain.GroupPatch{Name: &name})
		},
		effect: func(t *testing.T, before, after snapshot, a domain.Actor, id string) {
			if after.group.Name != "renamed" || after.group.DataSeq != before.group.DataSeq+1 {
				t.Errorf("name %q, data seq %d (was %d)", after.group.Name, after.group.DataSeq, before.group.DataSeq)
			}
		},
		want: [5][5]outcome{
			appAdmin: {allowed}, owner: {allowed}, admin: {allowed}, member: {deny}, nonMember: {denyActor},
		},
	},
	{
		name: "handle join request", targeted: true,
		do: func(ctx context.Context, s *domain.Service, a domain.Actor, g, id string, _ snapshot) error {
			return s.HandleRequest(ctx, a, g, id, "", domain.RequestAgreed)
		},
		effect: func(t *testing.T, before, after snapshot, a domain.Actor, id string) {
			if _, ok := after.members[id]; !ok {
				t.Errorf("%s not a member after approval", id)
			}
			if after.request.HandleResult != domain.RequestAgreed || after.request.HandleUserID != a.UserID {
				t.Errorf("request %+v, want agreed by %s", after.request, a.UserID)
			}
		},
		// Only y has a request: managers find none from anyone else, after
		// the permission check.
		want: [5][5]outcome{
			appAdmin:  {noRequest, noRequest, noRequest, noRequest, allowed},
			owner:     {noRequest, noRequest, noRequest, noRequest, allowed},
			admin:     {noRequest, noRequest, noRequest, noRequest, allowed},
			member:    {deny, deny, deny, deny, deny},
			nonMember: {denyActor, denyActor, denyActor, denyActor, denyActor},
		},
	},
	{
		name: "quit", targeted: true,
		do: func(ctx context.Context, s *domain.Service, a domain.Actor, g, id string, _ snapshot) error {
			return s.QuitGroup(ctx, a, g, id)
		},
		effect: func(t *testing.T, before, after snapshot, a domain.Actor, id string) {
			if _, ok := after.members[id]; ok {
				t.Errorf("%s still a member", id)
			}
		},
		// A user quits for themself (the app admin for anyone); the owner
		// never quits.
		want: [5][5]outcome{
			appAdmin:  {targetOut, deny, allowed, allowed, targetOut},
			owner:     {deny, deny, deny, deny, deny},
			admin:     {allowed, deny, deny, deny, deny},
			member:    {allowed, deny, deny, deny, deny},
			nonMember: {targetOut, deny, deny, deny, deny},
		},
	},
}

// snapshot is what a call may change: the group, its members and y's request.
type snapshot struct {
	group   domain.Group
	members map[string]domain.Member
	request domain.GroupRequest
}

func takeSnapshot(t *testing.T, s *domain.Service, g string) snapshot {
	t.Helper()
	ctx := context.Background()
	root := domain.Actor{UserID: "imAdmin", Admin: true}
	grp, err := s.GetGroup(ctx, root, g)
	if err != nil {
		t.Fatal(err)
	}
	ms, _, err := s.ListMembers(ctx, root, domain.MemberQuery{GroupID: g})
	if err != nil {
		t.Fatal(err)
	}
	byID := make(map[string]domain.Member, len(ms))
	for _, m := range ms {
		byID[m.UserID] = m
	}
	req, err := s.Store().GetRequest(ctx, g, "y")
	if err != nil {
		t.Fatalf("y's request: %v", err)
	}
	return snapshot{group: grp, members: byID, request: req}
}

func TestPermissionTable(t *testing.T) {
	ctx := context.Background()
	db := teststore.Open(t, teststore.SQLite)
	s := domain.NewService(db, domain.Options{Now: func() time.Time { return permNow }, ReservedUserIDs: []string{"imAdmin"}})
	if err := s.EnsureReservedUsers(ctx); err != nil {
		t.Fatal(err)
	}
	root := domain.Actor{UserID: "imAdmin", Admin: true}
	var users []domain.User
	for _, id := range []string{"o", "a1", "a2", "m1", "m2", "x", "y"} {
		users = append(users, domain.User{UserID: id, Nickname: id})
	}
	if _, err := s.RegisterUsers(ctx, root, users, false); err != nil {
		t.Fatal(err)
	}
	n := 0
	newGroup := func(t *testing.T) string {
		t.Helper()
		n++
		g := fmt.Sprintf("g%03d", n)
		_, _, err := s.CreateGroup(ctx, root, domain.CreateGroupInput{
			Group:       domain.Group{GroupID: g, Name: g, GroupType: domain.GroupTypeWorking, NeedVerification: domain.VerifyApplyNeedApproval},
			OwnerUserID: "o", AdminUserIDs: []string{"a1", "a2"}, MemberUserIDs: []string{"m1", "m2"},
			JoinSource: domain.JoinSourceInvitation,
		})
		if err != nil {
			t.Fatal(err)
		}
		joined, err := s.JoinGroup(ctx, domain.Actor{UserID: "y"}, domain.JoinInput{GroupID: g, JoinSource: domain.JoinSourceSearch})
		if err != nil || joined {
			t.Fatalf("y's request: joined %v, %v", joined, err)
		}
		return g
	}

	cases := 0
	for _, o := range ops {
		for r := appAdmin; r <= nonMember; r++ {
			targets := []target{tSelf, tOwner, tAdmin, tMember, tNonMember}
			if !o.targeted {
				targets = targets[:1]
			}
			for _, tg := range targets {
				want := o.want[r][tg]
				name := fmt.Sprintf("%s/%s/%s", o.name, r, targetNames[tg])
				if !o.targeted {
					name = fmt.Sprintf("%s/%s", o.name, r)
				}
				cases++
				t.Run(name, func(t *testing.T) {
					a := r.actor()
					id := tg.id(a)
					g := newGroup(t)
					before := takeSnapshot(t, s, g)
					err := o.do(ctx, s, a, g, id, before)
					after := takeSnapshot(t, s, g)
					checkOutcome(t, err, want)
					switch {
					case err == nil && want.ok:
						o.effect(t, before, after, a, id)
					case err != nil && !reflect.DeepEqual(before, after):
						t.Errorf("a refused call changed state:\n before %+v\n after  %+v", before, after)
					}
				})
			}
		}
	}
	if cases != 5*(7*5+2) {
		t.Fatalf("%d cases ran, want %d", cases, 5*(7*5+2))
	}
}

func checkOutcome(t *testing.T, err error, want outcome) {
	t.Helper()
	if want.ok {
		if err != nil {
			t.Fatalf("got %v, want allowed", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("allowed, want %s", want)
	}
	var de *domain.Error
	if !errors.As(err, &de) {
		t.Fatalf("got %v (not a domain error), want %s", err, want)
	}
	if de.Kind != want.kind {
		t.Fatalf("got %v (kind %s), want %s", err, de.Kind, want)
	}
	for _, d := range allDetails {
		if is, wanted := errors.Is(err, d), d == want.detail; is != wanted {
			t.Fatalf("got %v: detail %q present %v, want %s", err, d, is, want)
		}
	}
}
