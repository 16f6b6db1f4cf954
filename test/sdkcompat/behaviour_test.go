package sdkcompat

import (
	"crypto/md5"
	"encoding/binary"
	"encoding/json"
	"slices"
	"sort"
	"testing"

	"github.com/openimsdk/openim-sdk-core/v3/pkg/api"
	"github.com/openimsdk/protocol/group"
	"github.com/openimsdk/protocol/sdkws"
	"github.com/openimsdk/protocol/user"
	"github.com/openimsdk/protocol/wrapperspb"
)

// The behaviours of the compatibility issue, one test each (numbered as in
// the issue).

// 1. join_group: inviterUserID is the applicant.
func TestJoinGroupApplicant(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ids := e.users(t, 9)
		owner, member, self, selfEmpty, onBehalf, other, direct, directAdmin, victim :=
			ids[0], ids[1], ids[2], ids[3], ids[4], ids[5], ids[6], ids[7], ids[8]
		ghost := newID("ghost")                                                     // never registered
		g := e.group(t, groupSpec{owner: owner, members: []string{member}})         // applications need approval
		gd := e.group(t, groupSpec{owner: owner, needVerification: verifyDirectly}) // joins directly

		cases := []struct {
			name      string
			by        string // the caller; adminUserID for the app admin
			groupID   string
			inviter   string // the request's inviterUserID
			want      int
			applicant string // who must now have a request (g) or be a member (gd)
		}{
			{"user applies for itself (SDK form)", self, g, self, 0, self},
			{"user applies with empty inviterUserID", selfEmpty, g, "", 0, selfEmpty},
			{"user names another user", other, g, victim, codeNoPermission, ""},
			{"app admin applies on behalf of a user", adminUserID, g, onBehalf, 0, onBehalf},
			{"app admin names an unregistered user", adminUserID, g, ghost, codeNotFound, ""},
			{"member applies (SDK form)", member, g, member, codeArgs, ""},
			{"app admin applies for a member", adminUserID, g, member, codeArgs, ""},
			{"owner applies (SDK form)", owner, g, owner, codeArgs, ""},
			{"user joins a needVerification 2 group (SDK form)", direct, gd, direct, 0, direct},
			{"app admin joins a user into a needVerification 2 group", adminUserID, gd, directAdmin, 0, directAdmin},
			{"user names another user for a needVerification 2 group", other, gd, victim, codeNoPermission, ""},
			{"member joins a needVerification 2 group again", direct, gd, direct, codeArgs, ""},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				c := e.admin
				if tc.by != adminUserID {
					c = e.as(t, tc.by)
				}
				req := &group.JoinGroupReq{GroupID: tc.groupID, ReqMessage: "please: " + tc.name, JoinSource: joinBySearch, InviterUserID: tc.inviter}
				wantCode(t, c, api.JoinGroup, req, tc.want)
				if tc.applicant == "" {
					return
				}
				if tc.groupID == gd {
					if m := e.member(t, gd, tc.applicant); m == nil || m.RoleLevel != roleOrdinary {
						t.Errorf("%s after a direct join: member %+v, want an ordinary member", tc.applicant, m)
					}
					if !slices.Contains(e.joinedGroupIDs(t, tc.applicant), gd) {
						t.Errorf("get_joined_group_list of %s lacks %s after a direct join", tc.applicant, gd)
					}
					return
				}
				if m := e.member(t, g, tc.applicant); m != nil {
					t.Errorf("%s applied to a group that needs approval and is a member: %+v", tc.applicant, m)
				}
				recv := call(t, e.as(t, owner), api.GetRecvGroupApplicationList, &group.GetGroupApplicationListReq{FromUserID: owner, Pagination: page(100)})
				if r := findRequest(recv.GroupRequests, g, tc.applicant); r == nil || r.HandleResult != 0 || r.ReqMsg != req.ReqMessage || r.JoinSource != joinBySearch {
					t.Errorf("get_recv_group_applicationList of the owner: request of %s = %+v; requests from %v", tc.applicant, r, requestUsers(recv.GroupRequests))
				}
				sent := call(t, e.as(t, tc.applicant), api.GetSendGroupApplicationList, &group.GetUserReqApplicationListReq{UserID: tc.applicant, Pagination: page(100)})
				if r := findRequest(sent.GroupRequests, g, tc.applicant); r == nil || r.HandleResult != 0 || r.ReqMsg != req.ReqMessage {
					t.Errorf("get_user_req_group_applicationList of %s: request = %+v (total %d)", tc.applicant, r, sent.Total)
				}
			})
		}

		t.Run("nothing filed under anyone else", func(t *testing.T) {
			recv := call(t, e.as(t, owner), api.GetRecvGroupApplicationList, &group.GetGroupApplicationListReq{FromUserID: owner, Pagination: page(100)})
			if want := []string{self, selfEmpty, onBehalf}; recv.Total != 3 || !sameSet(requestUsers(recv.GroupRequests), want) {
				t.Errorf("owner's received requests: total %d from %v, want exactly %v", recv.Total, requestUsers(recv.GroupRequests), want)
			}
			for _, u := range []string{other, victim, member, owner} {
				sent := call(t, e.admin, api.GetSendGroupApplicationList, &group.GetUserReqApplicationListReq{UserID: u, Pagination: page(100)})
				if sent.Total != 0 || len(sent.GroupRequests) != 0 {
					t.Errorf("%s has %d requests, want none", u, sent.Total)
				}
			}
			if got, want := e.memberIDs(t, gd), []string{owner, direct, directAdmin}; !sameSet(got, want) {
				t.Errorf("members of the needVerification 2 group: %v, want %v", got, want)
			}
			if n := e.groupInfo(t, gd).MemberCount; n != 3 {
				t.Errorf("memberCount of the needVerification 2 group: %d, want 3", n)
			}
		})
	})
}

// 2. Member ID lists are ordered owner, admins, members (then join order),
// and every role change bumps sortVersion.
func TestMemberOrderAndSortVersion(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ids := e.users(t, 5) // IDs sort in creation order, so join order = ID order
		o, m1, m2, m3, m4 := ids[0], ids[1], ids[2], ids[3], ids[4]
		g := e.group(t, groupSpec{owner: o})
		oc := e.as(t, o)
		for _, u := range ids[1:] { // one at a time: a distinct join order
			call(t, oc, api.InviteUserToGroup, &group.InviteUserToGroupReq{GroupID: g, InvitedUserIDs: []string{u}})
		}
		member := e.as(t, m2) // reads as an ordinary member, as the SDK does

		checkOrder := func(t *testing.T, want []string) {
			t.Helper()
			full := call(t, member, api.GetFullGroupMemberUserIDs, &group.GetFullGroupMemberUserIDsReq{GroupID: g})
			if !slices.Equal(full.UserIDs, want) {
				t.Errorf("get_full_group_member_user_ids: %v, want %v", full.UserIDs, want)
			}
			plain := call(t, member, getGroupMemberUserID, &group.GetGroupMemberUserIDsReq{GroupID: g})
			if !slices.Equal(plain.UserIDs, want) {
				t.Errorf("get_group_member_user_id: %v, want %v", plain.UserIDs, want)
			}
		}
		setRole := func(t *testing.T, userID string, role int32) {
			t.Helper()
			call(t, oc, api.SetGroupMemberInfo, &group.SetGroupMemberInfoReq{Members: []*group.SetGroupMemberInfo{
				{GroupID: g, UserID: userID, RoleLevel: wrapperspb.Int32(role)}}})
		}
		t.Run("initial", func(t *testing.T) { checkOrder(t, []string{o, m1, m2, m3, m4}) })

		steps := []struct {
			name   string
			change func(t *testing.T)
			want   []string
		}{
			{"promote m3 to admin", func(t *testing.T) { setRole(t, m3, roleAdmin) }, []string{o, m3, m1, m2, m4}},
			{"promote m1 to admin", func(t *testing.T) { setRole(t, m1, roleAdmin) }, []string{o, m1, m3, m2, m4}},
			{"demote m3 to ordinary", func(t *testing.T) { setRole(t, m3, roleOrdinary) }, []string{o, m1, m2, m3, m4}},
			{"transfer the group to m4", func(t *testing.T) {
				call(t, oc, api.TransferGroup, &group.TransferGroupOwnerReq{GroupID: g, OldOwnerUserID: o, NewOwnerUserID: m4})
			}, []string{m4, m1, o, m2, m3}}, // the old owner takes m4's role (ordinary) and keeps its join order
		}
		for _, s := range steps {
			t.Run(s.name, func(t *testing.T) {
				base := call(t, member, getIncrementalGroupMembers, &group.GetIncrementalGroupMemberReq{GroupID: g})
				if base.VersionID == "" {
					t.Fatalf("get_incremental_group_members answered no versionID: %+v", base)
				}
				s.change(t)
				single := call(t, member, getIncrementalGroupMembers, &group.GetIncrementalGroupMemberReq{GroupID: g, VersionID: base.VersionID, Version: base.Version})
				if single.SortVersion <= base.Version {
					t.Errorf("get_incremental_group_members from version %d after %s: sortVersion %d, want > %d (the SDK refetches the order only when sortVersion > 0)",
						base.Version, s.name, single.SortVersion, base.Version)
				}
				batch := call(t, member, api.GetIncrementalGroupMemberBatch, &group.BatchGetIncrementalGroupMemberReq{UserID: m2,
					ReqList: []*group.GetIncrementalGroupMemberReq{{GroupID: g, VersionID: base.VersionID, Version: base.Version}}})
				if r := batch.RespList[g]; r == nil || r.SortVersion <= base.Version {
					t.Errorf("get_incremental_group_members_batch from version %d after %s: %+v, want sortVersion > %d", base.Version, s.name, r, base.Version)
				}
				checkOrder(t, s.want)
			})
		}
	})
}

// 3. get_incremental_group_members carries the group, with a fresh
// memberCount, whenever a member changed in the range.
func TestIncrementalMembersCarriesGroup(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ids := e.users(t, 4)
		o, m1, m2, m3 := ids[0], ids[1], ids[2], ids[3]
		g := e.group(t, groupSpec{owner: o, members: []string{m1, m3}})
		oc := e.as(t, o)
		steps := []struct {
			name      string
			change    func(t *testing.T)
			wantCount uint32
		}{
			{"invite", func(t *testing.T) {
				call(t, oc, api.InviteUserToGroup, &group.InviteUserToGroupReq{GroupID: g, InvitedUserIDs: []string{m2}})
			}, 4},
			{"member nickname", func(t *testing.T) {
				call(t, e.as(t, m1), api.SetGroupMemberInfo, &group.SetGroupMemberInfoReq{Members: []*group.SetGroupMemberInfo{
					{GroupID: g, UserID: m1, Nickname: wrapperspb.String("nick-in-group")}}})
			}, 4},
			{"member role", func(t *testing.T) {
				call(t, oc, api.SetGroupMemberInfo, &group.SetGroupMemberInfoReq{Members: []*group.SetGroupMemberInfo{
					{GroupID: g, UserID: m1, RoleLevel: wrapperspb.Int32(roleAdmin)}}})
			}, 4},
			{"mute member", func(t *testing.T) {
				call(t, oc, api.MuteGroupMember, &group.MuteGroupMemberReq{GroupID: g, UserID: m2, MutedSeconds: 600})
			}, 4},
			{"kick", func(t *testing.T) {
				call(t, oc, api.KickGroupMember, &group.KickGroupMemberReq{GroupID: g, KickedUserIDs: []string{m2}})
			}, 3},
			{"quit", func(t *testing.T) {
				call(t, e.as(t, m3), api.QuitGroup, &group.QuitGroupReq{GroupID: g, UserID: m3})
			}, 2},
		}
		for _, s := range steps {
			t.Run(s.name, func(t *testing.T) {
				base := call(t, oc, getIncrementalGroupMembers, &group.GetIncrementalGroupMemberReq{GroupID: g})
				s.change(t)
				single := call(t, oc, getIncrementalGroupMembers, &group.GetIncrementalGroupMemberReq{GroupID: g, VersionID: base.VersionID, Version: base.Version})
				if single.Group == nil || single.Group.GroupID != g || single.Group.MemberCount != s.wantCount {
					t.Errorf("get_incremental_group_members after %s: group %+v, want the group with memberCount %d", s.name, single.Group, s.wantCount)
				}
				batch := call(t, oc, api.GetIncrementalGroupMemberBatch, &group.BatchGetIncrementalGroupMemberReq{UserID: o,
					ReqList: []*group.GetIncrementalGroupMemberReq{{GroupID: g, VersionID: base.VersionID, Version: base.Version}}})
				if r := batch.RespList[g]; r == nil || r.Group == nil || r.Group.GroupID != g || r.Group.MemberCount != s.wantCount {
					t.Errorf("get_incremental_group_members_batch after %s: %+v, want the group with memberCount %d", s.name, r, s.wantCount)
				}
			})
		}
	})
}

// 4. A user who never joined a group gets full: true and a real version
// record on the first get_incremental_join_groups.
func TestIncrementalJoinGroupsFirstSync(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ids := e.users(t, 2)
		u := e.as(t, ids[1])
		first := call(t, u, api.GetIncrementalJoinGroup, &group.GetIncrementalJoinGroupReq{UserID: ids[1]})
		if !first.Full || first.VersionID == "" {
			t.Fatalf("first get_incremental_join_groups of a user with no groups: full %v, versionID %q, version %d; want full: true and a versionID",
				first.Full, first.VersionID, first.Version)
		}
		// The record the SDK saved works: nothing changed, then one join.
		again := call(t, u, api.GetIncrementalJoinGroup, &group.GetIncrementalJoinGroupReq{UserID: ids[1], VersionID: first.VersionID, Version: first.Version})
		if again.Full || again.VersionID != first.VersionID || len(again.Insert)+len(again.Update)+len(again.Delete) != 0 {
			t.Errorf("get_incremental_join_groups from the saved record, nothing changed: %+v", again)
		}
		g := e.group(t, groupSpec{owner: ids[0], members: ids[1:]})
		next := call(t, u, api.GetIncrementalJoinGroup, &group.GetIncrementalJoinGroupReq{UserID: ids[1], VersionID: first.VersionID, Version: first.Version})
		if next.Full || next.Version <= first.Version || !slices.Equal(groupIDsOf(next.Insert), []string{g}) {
			t.Errorf("get_incremental_join_groups from the saved record after joining %s: %+v", g, next)
		}
	})
}

// 5. get_group_member_list filters.
func TestMemberListFilter(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ids := e.users(t, 5)
		o, a1, a2, m1, m2 := ids[0], ids[1], ids[2], ids[3], ids[4]
		g := e.group(t, groupSpec{owner: o, admins: []string{a1, a2}, members: []string{m1, m2}})
		c := e.as(t, m1)
		cases := []struct {
			filter int32
			name   string
			want   []string
		}{
			{0, "all", []string{o, a1, a2, m1, m2}},
			{1, "owner", []string{o}},
			{2, "admins", []string{a1, a2}},
			{3, "ordinary members", []string{m1, m2}},
			{4, "admins and ordinary members", []string{a1, a2, m1, m2}},
			{5, "owner and admins", []string{o, a1, a2}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				resp := call(t, c, api.GetGroupMemberList, &group.GetGroupMemberListReq{GroupID: g, Filter: tc.filter, Pagination: page(100)})
				if got := memberUserIDs(resp.Members); int(resp.Total) != len(tc.want) || !sameSet(got, tc.want) {
					t.Errorf("filter %d: total %d, %v; want %v", tc.filter, resp.Total, got, tc.want)
				}
			})
		}
	})
}

// 6. groupMemberListHash is v3.8's: it changes on any member edit and
// equals open-im-server's pkg/notification/grouphash over the member list.
func TestGroupAbstractInfoHash(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ids := e.users(t, 4)
		o, m1, m2, m3 := ids[0], ids[1], ids[2], ids[3]
		// Members listed out of ID order: the hash sorts by userID itself.
		g := e.group(t, groupSpec{owner: o, members: []string{m3, m1, m2}})
		reader := e.as(t, m1)
		oc := e.as(t, o)
		hash := func(t *testing.T) uint64 {
			t.Helper()
			resp := call(t, reader, getGroupAbstractInfo, &group.GetGroupAbstractInfoReq{GroupIDs: []string{g}})
			if len(resp.GroupAbstractInfos) != 1 || resp.GroupAbstractInfos[0].GroupID != g {
				t.Fatalf("get_group_abstract_info: %v", resp.GroupAbstractInfos)
			}
			if n := resp.GroupAbstractInfos[0].GroupMemberNumber; n != 4 {
				t.Errorf("groupMemberNumber %d, want 4", n)
			}
			return resp.GroupAbstractInfos[0].GroupMemberListHash
		}
		// expected computes v3.8's hash from get_group_members_info.
		expected := func(t *testing.T) uint64 {
			t.Helper()
			userIDs := call(t, reader, getGroupMemberUserID, &group.GetGroupMemberUserIDsReq{GroupID: g}).UserIDs
			members := call(t, reader, api.GetGroupMembersInfo, &group.GetGroupMembersInfoReq{GroupID: g, UserIDs: userIDs}).Members
			return groupHashV38(t, members)
		}
		prev := hash(t)
		if want := expected(t); prev != want {
			t.Errorf("initial groupMemberListHash %d, want %d (v3.8 grouphash over get_group_members_info)", prev, want)
		}
		steps := []struct {
			name   string
			change func(t *testing.T)
		}{
			{"nickname edit", func(t *testing.T) {
				call(t, e.as(t, m2), api.SetGroupMemberInfo, &group.SetGroupMemberInfoReq{Members: []*group.SetGroupMemberInfo{
					{GroupID: g, UserID: m2, Nickname: wrapperspb.String("renamed-in-group")}}})
			}},
			{"role change", func(t *testing.T) {
				call(t, oc, api.SetGroupMemberInfo, &group.SetGroupMemberInfoReq{Members: []*group.SetGroupMemberInfo{
					{GroupID: g, UserID: m3, RoleLevel: wrapperspb.Int32(roleAdmin)}}})
			}},
			{"mute", func(t *testing.T) {
				call(t, oc, api.MuteGroupMember, &group.MuteGroupMemberReq{GroupID: g, UserID: m1, MutedSeconds: 600})
			}},
		}
		for _, s := range steps {
			t.Run(s.name, func(t *testing.T) {
				s.change(t)
				got := hash(t)
				if got == prev {
					t.Errorf("groupMemberListHash unchanged (%d) after %s", got, s.name)
				}
				if want := expected(t); got != want {
					t.Errorf("groupMemberListHash after %s: %d, want %d (v3.8 grouphash over get_group_members_info)", s.name, got, want)
				}
				prev = got
			})
		}
	})
}

// groupHashV38 is open-im-server v3.8.3's pkg/notification/grouphash
// GetGroupHash: the members sorted by userID, appMangerLevel zeroed, JSON
// encoded (encoding/json over the protocol structs), md5, first 8 bytes
// big-endian.
func groupHashV38(t *testing.T, members []*sdkws.GroupMemberFullInfo) uint64 {
	t.Helper()
	sorted := slices.Clone(members)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].UserID < sorted[j].UserID })
	res := make([]*sdkws.GroupMemberFullInfo, 0, len(sorted))
	for _, m := range sorted {
		c := &sdkws.GroupMemberFullInfo{
			GroupID: m.GroupID, UserID: m.UserID, RoleLevel: m.RoleLevel, JoinTime: m.JoinTime,
			Nickname: m.Nickname, FaceURL: m.FaceURL, AppMangerLevel: 0, JoinSource: m.JoinSource,
			OperatorUserID: m.OperatorUserID, Ex: m.Ex, MuteEndTime: m.MuteEndTime, InviterUserID: m.InviterUserID,
		}
		res = append(res, c)
	}
	data, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	sum := md5.Sum(data)
	return binary.BigEndian.Uint64(sum[:])
}

// 7. A group admin may change an ordinary member's role (promote to admin
// included) but may not touch the owner or other admins.
func TestAdminSetsMemberInfo(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ids := e.users(t, 6)
		o, a, a2, m1, m2, m3 := ids[0], ids[1], ids[2], ids[3], ids[4], ids[5]
		g := e.group(t, groupSpec{owner: o, admins: []string{a, a2}, members: []string{m1, m2, m3}})
		ac := e.as(t, a)
		cases := []struct {
			name     string
			target   string
			role     int32  // 0: not set
			nickname string // "": not set
			want     int
			wantRole int32 // the target's role after
		}{
			{"promote an ordinary member to admin", m1, roleAdmin, "", 0, roleAdmin},
			{"set an ordinary member's nickname", m2, 0, "by-admin", 0, roleOrdinary},
			{"set an ordinary member's roleLevel to ordinary", m3, roleOrdinary, "", 0, roleOrdinary},
			{"set the owner's nickname", o, 0, "by-admin", codeNoPermission, roleOwner},
			{"demote the owner", o, roleOrdinary, "", codeNoPermission, roleOwner},
			{"set another admin's nickname", a2, 0, "by-admin", codeNoPermission, roleAdmin},
			{"demote another admin", a2, roleOrdinary, "", codeNoPermission, roleAdmin},
			{"make an ordinary member owner", m2, roleOwner, "", codeNoPermission, roleOrdinary},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				before := e.member(t, g, tc.target)
				if before == nil {
					t.Fatalf("%s is not a member", tc.target)
				}
				set := &group.SetGroupMemberInfo{GroupID: g, UserID: tc.target}
				if tc.role != 0 {
					set.RoleLevel = wrapperspb.Int32(tc.role)
				}
				if tc.nickname != "" {
					set.Nickname = wrapperspb.String(tc.nickname)
				}
				wantCode(t, ac, api.SetGroupMemberInfo, &group.SetGroupMemberInfoReq{Members: []*group.SetGroupMemberInfo{set}}, tc.want)
				after := e.member(t, g, tc.target)
				if after == nil {
					t.Fatalf("%s is no longer a member", tc.target)
				}
				if after.RoleLevel != tc.wantRole {
					t.Errorf("%s's roleLevel %d, want %d", tc.target, after.RoleLevel, tc.wantRole)
				}
				wantNick := before.Nickname
				if tc.want == 0 && tc.nickname != "" {
					wantNick = tc.nickname
				}
				if after.Nickname != wantNick {
					t.Errorf("%s's nickname %q, want %q", tc.target, after.Nickname, wantNick)
				}
			})
		}
	})
}

// 8. Dismissed groups: quit works when members were kept, a second dismiss
// with deleteMember removes them, and get_groups by groupID finds it.
func TestDismissedGroups(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ids := e.users(t, 3)
		o, m1, m2 := ids[0], ids[1], ids[2]
		g := e.group(t, groupSpec{owner: o, members: []string{m1, m2}})
		call(t, e.as(t, o), api.DismissGroup, &group.DismissGroupReq{GroupID: g, DeleteMember: false})
		if s := e.groupInfo(t, g).Status; s != statusDismissed {
			t.Fatalf("status after dismiss: %d, want %d", s, statusDismissed)
		}
		steps := []struct {
			name  string
			check func(t *testing.T)
		}{
			{"quit a dismissed group whose members were kept", func(t *testing.T) {
				call(t, e.as(t, m1), api.QuitGroup, &group.QuitGroupReq{GroupID: g, UserID: m1})
				if m := e.member(t, g, m1); m != nil {
					t.Errorf("%s is still a member after quitting: %+v", m1, m)
				}
			}},
			{"dismiss again without deleteMember", func(t *testing.T) {
				wantCode(t, e.admin, api.DismissGroup, &group.DismissGroupReq{GroupID: g, DeleteMember: false}, codeDismissed)
			}},
			{"dismiss again with deleteMember removes the members", func(t *testing.T) {
				call(t, e.admin, api.DismissGroup, &group.DismissGroupReq{GroupID: g, DeleteMember: true})
				resp := call(t, e.admin, api.GetGroupMembersInfo, &group.GetGroupMembersInfoReq{GroupID: g, UserIDs: []string{o, m2}})
				if len(resp.Members) != 0 {
					t.Errorf("members after dismiss with deleteMember: %v, want none", memberUserIDs(resp.Members))
				}
				for _, u := range []string{o, m2} {
					if slices.Contains(e.joinedGroupIDs(t, u), g) {
						t.Errorf("get_joined_group_list of %s still has %s", u, g)
					}
				}
				if info := e.groupInfo(t, g); info.MemberCount != 0 || info.Status != statusDismissed {
					t.Errorf("group after dismiss with deleteMember: memberCount %d status %d, want 0 and %d", info.MemberCount, info.Status, statusDismissed)
				}
			}},
			{"get_groups by groupID finds the dismissed group", func(t *testing.T) {
				resp := call(t, e.admin, getGroups, &group.GetGroupsReq{Pagination: page(10), GroupID: g})
				if resp.Total != 1 || len(resp.Groups) != 1 || resp.Groups[0].GroupInfo == nil ||
					resp.Groups[0].GroupInfo.GroupID != g || resp.Groups[0].GroupInfo.Status != statusDismissed {
					t.Errorf("get_groups{groupID: %s}: total %d, %v", g, resp.Total, resp.Groups)
				}
			}},
		}
		for _, s := range steps {
			t.Run(s.name, s.check)
		}
	})
}

// 9. set_group_info_ex refuses an empty groupName; set_group_info with
// ex "" clears ex.
func TestSetGroupInfoEmptyStrings(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ids := e.users(t, 1)
		oc := e.as(t, ids[0])
		t.Run("set_group_info_ex with an empty groupName is refused", func(t *testing.T) {
			g := e.group(t, groupSpec{owner: ids[0]})
			wantCode(t, oc, api.SetGroupInfoEx, &group.SetGroupInfoExReq{GroupID: g, GroupName: wrapperspb.String("")}, codeArgs)
			if name := e.groupInfo(t, g).GroupName; name != "Group-"+g {
				t.Errorf("groupName %q after a refused empty name, want %q", name, "Group-"+g)
			}
		})
		t.Run("set_group_info with an empty ex clears ex", func(t *testing.T) {
			g := e.group(t, groupSpec{owner: ids[0]})
			call(t, oc, setGroupInfo, &group.SetGroupInfoReq{GroupInfoForSet: &sdkws.GroupInfoForSet{GroupID: g, Ex: wrapperspb.String("ex-1")}})
			if ex := e.groupInfo(t, g).Ex; ex != "ex-1" {
				t.Fatalf("ex %q after set_group_info{ex: ex-1}", ex)
			}
			call(t, oc, setGroupInfo, &group.SetGroupInfoReq{GroupInfoForSet: &sdkws.GroupInfoForSet{GroupID: g, Ex: wrapperspb.String("")}})
			info := e.groupInfo(t, g)
			if info.Ex != "" {
				t.Errorf("ex %q after set_group_info{ex: \"\"}, want cleared", info.Ex)
			}
			if info.GroupName != "Group-"+g {
				t.Errorf("groupName %q after set_group_info{groupName: \"\"}, want unchanged", info.GroupName)
			}
		})
	})
}

// 10. Duplicate IDs are answered once, not refused.
func TestDuplicateIDs(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ids := e.users(t, 3)
		g1 := e.group(t, groupSpec{owner: ids[0], members: ids[1:]})
		g2 := e.group(t, groupSpec{owner: ids[0]})
		c := e.as(t, ids[0])
		t.Run("get_groups_info", func(t *testing.T) {
			resp, err := api.GetGroupsInfo.Invoke(c.ctx(), &group.GetGroupsInfoReq{GroupIDs: []string{g1, g1, g2, g1}})
			if err != nil {
				t.Fatalf("get_groups_info with duplicate IDs: %v", err)
			}
			if got := groupIDsOf(resp.GroupInfos); !slices.Equal(got, []string{g1, g2}) {
				t.Errorf("get_groups_info [g1 g1 g2 g1]: %v, want [%s %s]", got, g1, g2)
			}
		})
		t.Run("get_group_members_info", func(t *testing.T) {
			resp, err := api.GetGroupMembersInfo.Invoke(c.ctx(), &group.GetGroupMembersInfoReq{GroupID: g1, UserIDs: []string{ids[1], ids[1], ids[2]}})
			if err != nil {
				t.Fatalf("get_group_members_info with duplicate IDs: %v", err)
			}
			if got := memberUserIDs(resp.Members); len(got) != 2 || !sameSet(got, ids[1:]) {
				t.Errorf("get_group_members_info [m1 m1 m2]: %v, want each of %v once", got, ids[1:])
			}
		})
	})
}

// 11. showNumber above 1000 is served.
func TestShowNumberAbove1000(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ids := e.users(t, 4)
		o := ids[0]
		g := e.group(t, groupSpec{owner: o, members: ids[1:3], needVerification: verifyAll})
		request(t, e, g, ids[1], ids[3])
		p := func() *sdkws.RequestPagination { return page(maxShowNumberTest) }
		cases := []struct {
			name string
			run  func(t *testing.T) (total, n int)
			min  int
		}{
			{"get_group_member_list", func(t *testing.T) (int, int) {
				r := call(t, e.as(t, o), api.GetGroupMemberList, &group.GetGroupMemberListReq{GroupID: g, Pagination: p()})
				return int(r.Total), len(r.Members)
			}, 3},
			{"get_joined_group_list", func(t *testing.T) (int, int) {
				r := call(t, e.as(t, o), api.GetJoinedGroupList, &group.GetJoinedGroupListReq{FromUserID: o, Pagination: p()})
				return int(r.Total), len(r.Groups)
			}, 1},
			{"get_users", func(t *testing.T) (int, int) {
				r := call(t, e.admin, getUsers, &user.GetPaginationUsersReq{Pagination: p()})
				return int(r.Total), len(r.Users)
			}, 4},
			{"get_groups", func(t *testing.T) (int, int) {
				r := call(t, e.admin, getGroups, &group.GetGroupsReq{Pagination: p()})
				return int(r.Total), len(r.Groups)
			}, 1},
			{"get_recv_group_applicationList", func(t *testing.T) (int, int) {
				r := call(t, e.as(t, o), api.GetRecvGroupApplicationList, &group.GetGroupApplicationListReq{FromUserID: o, Pagination: p()})
				return int(r.Total), len(r.GroupRequests)
			}, 1},
			{"get_user_req_group_applicationList", func(t *testing.T) (int, int) {
				r := call(t, e.as(t, ids[3]), api.GetSendGroupApplicationList, &group.GetUserReqApplicationListReq{UserID: ids[3], Pagination: p()})
				return int(r.Total), len(r.GroupRequests)
			}, 1},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				total, n := tc.run(t)
				if n < tc.min || n != total {
					t.Errorf("showNumber %d: %d items of total %d, want all of them (at least %d)", maxShowNumberTest, n, total, tc.min)
				}
			})
		}
	})
}

// 12. The exact error codes of v3.8 (never 1203 or 1205).
func TestErrorCodes(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ids := e.users(t, 5)
		o, a, m1, m2, outsider := ids[0], ids[1], ids[2], ids[3], ids[4]
		ghost := newID("ghost") // never registered
		g := e.group(t, groupSpec{owner: o, admins: []string{a}, members: []string{m1, m2}})
		as := func(t *testing.T, userID string) *caller {
			t.Helper()
			if userID == adminUserID {
				return e.admin
			}
			return e.as(t, userID)
		}
		kick := func(by string, kicked ...string) func(t *testing.T) error {
			return func(t *testing.T) error {
				_, err := api.KickGroupMember.Invoke(as(t, by).ctx(), &group.KickGroupMemberReq{GroupID: g, KickedUserIDs: kicked})
				return err
			}
		}
		memberRead := func(name string, f func(c *caller) error) errCase {
			return errCase{"member read by a non-member: " + name, func(t *testing.T) error { return f(as(t, outsider)) }, codeNoPermission}
		}
		cases := []errCase{
			{"owner kicks itself", kick(o, o), codeArgs},
			{"admin kicks itself", kick(a, a), codeArgs},
			{"member kicks itself", kick(m1, m1), codeArgs},
			{"admin kicks the owner", kick(a, o), codeArgs},
			{"app admin kicks the owner", kick(adminUserID, o), codeArgs},
			{"owner kicks a non-member", kick(o, outsider), codeUserNotFound},
			{"transfer to a non-member", func(t *testing.T) error {
				_, err := api.TransferGroup.Invoke(as(t, o).ctx(), &group.TransferGroupOwnerReq{GroupID: g, OldOwnerUserID: o, NewOwnerUserID: outsider})
				return err
			}, codeArgs},
			{"join when already a member", func(t *testing.T) error {
				_, err := api.JoinGroup.Invoke(as(t, m1).ctx(), &group.JoinGroupReq{GroupID: g, JoinSource: joinBySearch, InviterUserID: m1})
				return err
			}, codeArgs},
			{"invite an unknown user", func(t *testing.T) error {
				_, err := api.InviteUserToGroup.Invoke(as(t, o).ctx(), &group.InviteUserToGroupReq{GroupID: g, InvitedUserIDs: []string{ghost}})
				return err
			}, codeNotFound},
			{"quit by a non-member", func(t *testing.T) error {
				_, err := api.QuitGroup.Invoke(as(t, outsider).ctx(), &group.QuitGroupReq{GroupID: g, UserID: outsider})
				return err
			}, codeNotFound},
			{"set_group_info by a non-member", func(t *testing.T) error {
				_, err := setGroupInfo.Invoke(as(t, outsider).ctx(), &group.SetGroupInfoReq{GroupInfoForSet: &sdkws.GroupInfoForSet{GroupID: g, GroupName: "hijack"}})
				return err
			}, codeNotFound},
			{"set_group_info_ex by a non-member", func(t *testing.T) error {
				_, err := api.SetGroupInfoEx.Invoke(as(t, outsider).ctx(), &group.SetGroupInfoExReq{GroupID: g, GroupName: wrapperspb.String("hijack")})
				return err
			}, codeNotFound},
			{"mute_group_member by a non-member", func(t *testing.T) error {
				_, err := api.MuteGroupMember.Invoke(as(t, outsider).ctx(), &group.MuteGroupMemberReq{GroupID: g, UserID: m1, MutedSeconds: 60})
				return err
			}, codeNotFound},
			{"set_group_member_info on a non-member", func(t *testing.T) error {
				_, err := api.SetGroupMemberInfo.Invoke(as(t, o).ctx(), &group.SetGroupMemberInfoReq{Members: []*group.SetGroupMemberInfo{
					{GroupID: g, UserID: outsider, Nickname: wrapperspb.String("x")}}})
				return err
			}, codeArgs},
			{"owner changes its own role", func(t *testing.T) error {
				_, err := api.SetGroupMemberInfo.Invoke(as(t, o).ctx(), &group.SetGroupMemberInfoReq{Members: []*group.SetGroupMemberInfo{
					{GroupID: g, UserID: o, RoleLevel: wrapperspb.Int32(roleAdmin)}}})
				return err
			}, codeArgs},
			memberRead("get_group_member_list", func(c *caller) error {
				_, err := api.GetGroupMemberList.Invoke(c.ctx(), &group.GetGroupMemberListReq{GroupID: g, Pagination: page(10)})
				return err
			}),
			memberRead("get_group_members_info", func(c *caller) error {
				_, err := api.GetGroupMembersInfo.Invoke(c.ctx(), &group.GetGroupMembersInfoReq{GroupID: g, UserIDs: []string{o}})
				return err
			}),
			memberRead("get_group_member_user_id", func(c *caller) error {
				_, err := getGroupMemberUserID.Invoke(c.ctx(), &group.GetGroupMemberUserIDsReq{GroupID: g})
				return err
			}),
			memberRead("get_full_group_member_user_ids", func(c *caller) error {
				_, err := api.GetFullGroupMemberUserIDs.Invoke(c.ctx(), &group.GetFullGroupMemberUserIDsReq{GroupID: g})
				return err
			}),
			memberRead("get_incremental_group_members", func(c *caller) error {
				_, err := getIncrementalGroupMembers.Invoke(c.ctx(), &group.GetIncrementalGroupMemberReq{GroupID: g})
				return err
			}),
			memberRead("get_group_abstract_info", func(c *caller) error {
				_, err := getGroupAbstractInfo.Invoke(c.ctx(), &group.GetGroupAbstractInfoReq{GroupIDs: []string{g}})
				return err
			}),
			{"create_group with groupType 0", createGroupOfType(e, o, 0), codeArgs},
			{"create_group with groupType 1", createGroupOfType(e, o, 1), codeArgs},
			{"get_groups_info with none of the IDs found", func(t *testing.T) error {
				_, err := api.GetGroupsInfo.Invoke(as(t, o).ctx(), &group.GetGroupsInfoReq{GroupIDs: []string{"missing-" + g}})
				return err
			}, codeNotFound},
			{"get_joined_group_list of an unknown user", func(t *testing.T) error {
				_, err := api.GetJoinedGroupList.Invoke(e.admin.ctx(), &group.GetJoinedGroupListReq{FromUserID: ghost, Pagination: page(10)})
				return err
			}, codeNotFound},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				err := tc.run(t)
				got := errCode(err)
				if got != tc.want {
					t.Errorf("errCode %d, want %d (error: %v)", got, tc.want, err)
				}
				if got == 1203 || got == 1205 {
					t.Errorf("answered %d: v3.8 never answers 1203 or 1205 here", got)
				}
			})
		}
		// Nothing the refused calls tried happened.
		if got := e.memberIDs(t, g); !sameSet(got, []string{o, a, m1, m2}) {
			t.Errorf("members after the refused calls: %v, want %v", got, []string{o, a, m1, m2})
		}
	})
}

// errCase is a call that must be refused with errCode want.
type errCase struct {
	name string
	run  func(t *testing.T) error
	want int
}

func createGroupOfType(e *env, owner string, groupType int32) func(t *testing.T) error {
	return func(t *testing.T) error {
		_, err := api.CreateGroup.Invoke(e.admin.ctx(), &group.CreateGroupReq{OwnerUserID: owner,
			GroupInfo: &sdkws.GroupInfo{GroupID: newID("g"), GroupName: "typed", GroupType: groupType}})
		return err
	}
}
