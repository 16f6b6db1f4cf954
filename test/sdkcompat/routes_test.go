package sdkcompat

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/openimsdk/openim-sdk-core/v3/pkg/api"
	"github.com/openimsdk/protocol/auth"
	"github.com/openimsdk/protocol/group"
	"github.com/openimsdk/protocol/sdkws"
	"github.com/openimsdk/protocol/user"
	"github.com/openimsdk/protocol/wrapperspb"
)

// happyPaths holds one happy-path case per OpenIM route groupd serves,
// keyed by route.
var happyPaths = map[string]func(t *testing.T, e *env){
	// ---- auth ----
	"/auth/get_admin_token": func(t *testing.T, e *env) {
		resp := call(t, &caller{env: e}, api.GetAdminToken, &auth.GetAdminTokenReq{Secret: adminSecret, UserID: adminUserID})
		if resp.Token == "" || resp.ExpireTimeSeconds <= 0 {
			t.Fatalf("get_admin_token answered %+v", resp)
		}
		admin := &caller{env: e, userID: adminUserID, token: resp.Token, platformID: platformIOS}
		parsed := call(t, admin, api.ParseToken, &auth.ParseTokenReq{Token: resp.Token})
		if parsed.UserID != adminUserID {
			t.Errorf("parse_token of the admin token: userID %q, want %q", parsed.UserID, adminUserID)
		}
		wantCode(t, &caller{env: e}, api.GetAdminToken, &auth.GetAdminTokenReq{Secret: "wrong-secret-0123456789", UserID: adminUserID}, codeNoPermission)
	},
	"/auth/get_user_token": func(t *testing.T, e *env) {
		u := e.users(t, 1)[0]
		resp := call(t, e.admin, api.GetUsersToken, &auth.GetUserTokenReq{PlatformID: platformAndroid, UserID: u})
		if resp.Token == "" || resp.ExpireTimeSeconds <= 0 {
			t.Fatalf("get_user_token answered %+v", resp)
		}
		c := &caller{env: e, userID: u, token: resp.Token, platformID: platformAndroid}
		info := call(t, c, api.GetUsersInfo, &user.GetDesignateUsersReq{UserIDs: []string{u}})
		if len(info.UsersInfo) != 1 || info.UsersInfo[0].UserID != u {
			t.Errorf("get_users_info with the new token answered %v", info.UsersInfo)
		}
	},
	"/auth/parse_token": func(t *testing.T, e *env) {
		u := e.users(t, 1)[0]
		c := e.as(t, u)
		resp := call(t, c, api.ParseToken, &auth.ParseTokenReq{Token: c.token})
		if resp.UserID != u || resp.PlatformID != platformIOS || resp.ExpireTimeSeconds <= 0 {
			t.Errorf("parse_token answered %+v, want userID %s platformID %d and an expiry", resp, u, platformIOS)
		}
	},
	"/auth/force_logout": func(t *testing.T, e *env) {
		u := e.users(t, 1)[0]
		tok := call(t, e.admin, api.GetUsersToken, &auth.GetUserTokenReq{PlatformID: platformAndroid, UserID: u})
		old := &caller{env: e, userID: u, token: tok.Token, platformID: platformAndroid}
		call(t, old, api.GetUsersInfo, &user.GetDesignateUsersReq{UserIDs: []string{u}})
		call(t, e.admin, forceLogout, &auth.ForceLogoutReq{PlatformID: platformAndroid, UserID: u})
		wantCode(t, old, api.GetUsersInfo, &user.GetDesignateUsersReq{UserIDs: []string{u}}, codeTokenKicked)
		tok = call(t, e.admin, api.GetUsersToken, &auth.GetUserTokenReq{PlatformID: platformAndroid, UserID: u})
		fresh := &caller{env: e, userID: u, token: tok.Token, platformID: platformAndroid}
		call(t, fresh, api.GetUsersInfo, &user.GetDesignateUsersReq{UserIDs: []string{u}})
	},

	// ---- users ----
	"/user/user_register": func(t *testing.T, e *env) {
		ids := e.users(t, 2)
		info := call(t, e.admin, api.GetUsersInfo, &user.GetDesignateUsersReq{UserIDs: ids})
		if !sameSet(userIDsOf(info.UsersInfo), ids) {
			t.Errorf("registered %v, get_users_info answered %v", ids, userIDsOf(info.UsersInfo))
		}
		wantCode(t, e.admin, api.UserRegister, &user.UserRegisterReq{Users: []*sdkws.UserInfo{{UserID: ids[0], Nickname: "again"}}}, codeRegistered)
	},
	"/user/get_users_info": func(t *testing.T, e *env) {
		u := e.users(t, 1)[0]
		resp := call(t, e.as(t, u), api.GetUsersInfo, &user.GetDesignateUsersReq{UserIDs: []string{u}})
		if len(resp.UsersInfo) != 1 {
			t.Fatalf("get_users_info answered %v", resp.UsersInfo)
		}
		got := resp.UsersInfo[0]
		if got.UserID != u || got.Nickname != "Nick-"+u || got.FaceURL != "https://example.com/"+u+".png" || got.CreateTime <= 0 {
			t.Errorf("get_users_info answered %+v", got)
		}
	},
	"/user/update_user_info": func(t *testing.T, e *env) {
		u := e.users(t, 1)[0]
		call(t, e.as(t, u), api.UpdateUserInfo, &user.UpdateUserInfoReq{UserInfo: &sdkws.UserInfo{UserID: u, Nickname: "Renamed"}})
		got := call(t, e.admin, api.GetUsersInfo, &user.GetDesignateUsersReq{UserIDs: []string{u}}).UsersInfo
		if len(got) != 1 || got[0].Nickname != "Renamed" || got[0].FaceURL != "https://example.com/"+u+".png" {
			t.Errorf("after update_user_info{nickname}: %v (faceURL must be unchanged)", got)
		}
	},
	"/user/update_user_info_ex": func(t *testing.T, e *env) {
		u := e.users(t, 1)[0]
		c := e.as(t, u)
		call(t, c, api.UpdateUserInfoEx, &user.UpdateUserInfoExReq{UserInfo: &sdkws.UserInfoWithEx{UserID: u, Ex: wrapperspb.String("ex-1")}})
		got := call(t, e.admin, api.GetUsersInfo, &user.GetDesignateUsersReq{UserIDs: []string{u}}).UsersInfo
		if len(got) != 1 || got[0].Ex != "ex-1" || got[0].Nickname != "Nick-"+u {
			t.Fatalf("after update_user_info_ex{ex}: %v (nickname must be unchanged)", got)
		}
		call(t, c, api.UpdateUserInfoEx, &user.UpdateUserInfoExReq{UserInfo: &sdkws.UserInfoWithEx{UserID: u, Ex: wrapperspb.String("")}})
		got = call(t, e.admin, api.GetUsersInfo, &user.GetDesignateUsersReq{UserIDs: []string{u}}).UsersInfo
		if len(got) != 1 || got[0].Ex != "" {
			t.Errorf("after update_user_info_ex{ex: \"\"}: %v, want ex cleared", got)
		}
	},
	"/user/get_users": func(t *testing.T, e *env) {
		e.users(t, 3)
		resp := call(t, e.admin, getUsers, &user.GetPaginationUsersReq{Pagination: page(2)})
		if resp.Total < 3 || len(resp.Users) != 2 {
			t.Errorf("get_users page of 2: total %d, %d users", resp.Total, len(resp.Users))
		}
	},

	// ---- groups ----
	"/group/create_group": func(t *testing.T, e *env) {
		ids := e.users(t, 4)
		owner := ids[0]
		id := newID("g")
		resp := call(t, e.as(t, owner), api.CreateGroup, &group.CreateGroupReq{
			OwnerUserID: owner, AdminUserIDs: ids[1:2], MemberUserIDs: ids[2:],
			GroupInfo: &sdkws.GroupInfo{GroupID: id, GroupName: "Created", GroupType: groupTypeWorking, Ex: "x", CreatorUserID: owner}})
		g := resp.GroupInfo
		if g == nil || g.GroupID != id || g.OwnerUserID != owner || g.MemberCount != 4 || g.GroupType != groupTypeWorking ||
			g.GroupName != "Created" || g.Ex != "x" || g.CreateTime <= 0 || g.Status != 0 {
			t.Fatalf("create_group answered %+v", g)
		}
		if m := e.member(t, id, ids[1]); m == nil || m.RoleLevel != roleAdmin {
			t.Errorf("admin %s: %+v, want roleLevel %d", ids[1], m, roleAdmin)
		}
		if m := e.member(t, id, ids[2]); m == nil || m.RoleLevel != roleOrdinary || m.JoinSource != 2 {
			t.Errorf("member %s: %+v, want roleLevel %d joinSource 2", ids[2], m, roleOrdinary)
		}
	},
	"/group/get_groups_info": func(t *testing.T, e *env) {
		ids := e.users(t, 2)
		g1 := e.group(t, groupSpec{owner: ids[0], members: ids[1:]})
		g2 := e.group(t, groupSpec{owner: ids[1]})
		resp := call(t, e.as(t, ids[1]), api.GetGroupsInfo, &group.GetGroupsInfoReq{GroupIDs: []string{g2, "missing-" + g1, g1}})
		if got := groupIDsOf(resp.GroupInfos); !slices.Equal(got, []string{g2, g1}) {
			t.Errorf("get_groups_info [g2 missing g1] answered %v, want [%s %s]", got, g2, g1)
		}
		if resp.GroupInfos[1].MemberCount != 2 || resp.GroupInfos[1].OwnerUserID != ids[0] {
			t.Errorf("g1: %+v", resp.GroupInfos[1])
		}
	},
	"/group/get_joined_group_list": func(t *testing.T, e *env) {
		ids := e.users(t, 2)
		g1 := e.group(t, groupSpec{owner: ids[0], members: ids[1:]})
		g2 := e.group(t, groupSpec{owner: ids[1]})
		resp := call(t, e.as(t, ids[1]), api.GetJoinedGroupList, &group.GetJoinedGroupListReq{FromUserID: ids[1], Pagination: page(10)})
		if resp.Total != 2 || !sameSet(groupIDsOf(resp.Groups), []string{g1, g2}) {
			t.Errorf("get_joined_group_list: total %d, %v; want [%s %s]", resp.Total, groupIDsOf(resp.Groups), g1, g2)
		}
	},
	"/group/set_group_info": func(t *testing.T, e *env) {
		ids := e.users(t, 2)
		g := e.group(t, groupSpec{owner: ids[0], members: ids[1:]})
		call(t, e.as(t, ids[0]), setGroupInfo, &group.SetGroupInfoReq{GroupInfoForSet: &sdkws.GroupInfoForSet{
			GroupID: g, GroupName: "Set", Notification: "Notice", NeedVerification: wrapperspb.Int32(verifyDirectly)}})
		info := e.groupInfo(t, g)
		if info.GroupName != "Set" || info.Notification != "Notice" || info.NeedVerification != verifyDirectly ||
			info.NotificationUserID != ids[0] || info.NotificationUpdateTime <= 0 {
			t.Errorf("after set_group_info: %+v", info)
		}
	},
	"/group/set_group_info_ex": func(t *testing.T, e *env) {
		ids := e.users(t, 2)
		g := e.group(t, groupSpec{owner: ids[0], members: ids[1:]})
		call(t, e.as(t, ids[0]), api.SetGroupInfoEx, &group.SetGroupInfoExReq{GroupID: g,
			Introduction: wrapperspb.String("Intro"), Ex: wrapperspb.String("ex-1"), ApplyMemberFriend: wrapperspb.Int32(1)})
		info := e.groupInfo(t, g)
		if info.Introduction != "Intro" || info.Ex != "ex-1" || info.ApplyMemberFriend != 1 || info.GroupName != "Group-"+g {
			t.Errorf("after set_group_info_ex: %+v (name must be unchanged)", info)
		}
		call(t, e.as(t, ids[0]), api.SetGroupInfoEx, &group.SetGroupInfoExReq{GroupID: g, Ex: wrapperspb.String("")})
		if info := e.groupInfo(t, g); info.Ex != "" || info.Introduction != "Intro" {
			t.Errorf("after set_group_info_ex{ex: \"\"}: %+v, want ex cleared, introduction kept", info)
		}
	},
	"/group/invite_user_to_group": func(t *testing.T, e *env) {
		ids := e.users(t, 3)
		g := e.group(t, groupSpec{owner: ids[0]})
		call(t, e.as(t, ids[0]), api.InviteUserToGroup, &group.InviteUserToGroupReq{GroupID: g, InvitedUserIDs: ids[1:], Reason: "hi"})
		if got := e.memberIDs(t, g); !sameSet(got, ids) {
			t.Errorf("members after invite: %v, want %v", got, ids)
		}
		if n := e.groupInfo(t, g).MemberCount; n != 3 {
			t.Errorf("memberCount %d, want 3", n)
		}
	},
	"/group/kick_group": func(t *testing.T, e *env) {
		ids := e.users(t, 3)
		g := e.group(t, groupSpec{owner: ids[0], members: ids[1:]})
		call(t, e.as(t, ids[0]), api.KickGroupMember, &group.KickGroupMemberReq{GroupID: g, KickedUserIDs: ids[1:2], Reason: "bye"})
		if got := e.memberIDs(t, g); !sameSet(got, []string{ids[0], ids[2]}) {
			t.Errorf("members after kick: %v", got)
		}
		if n := e.groupInfo(t, g).MemberCount; n != 2 {
			t.Errorf("memberCount %d, want 2", n)
		}
	},
	"/group/quit_group": func(t *testing.T, e *env) {
		ids := e.users(t, 2)
		g := e.group(t, groupSpec{owner: ids[0], members: ids[1:]})
		call(t, e.as(t, ids[1]), api.QuitGroup, &group.QuitGroupReq{GroupID: g, UserID: ids[1]})
		if got := e.memberIDs(t, g); !slices.Equal(got, ids[:1]) {
			t.Errorf("members after quit: %v", got)
		}
		wantCode(t, e.as(t, ids[0]), api.QuitGroup, &group.QuitGroupReq{GroupID: g, UserID: ids[0]}, codeNoPermission)
	},
	"/group/transfer_group": func(t *testing.T, e *env) {
		ids := e.users(t, 2)
		g := e.group(t, groupSpec{owner: ids[0], members: ids[1:]})
		call(t, e.as(t, ids[0]), api.TransferGroup, &group.TransferGroupOwnerReq{GroupID: g, OldOwnerUserID: ids[0], NewOwnerUserID: ids[1]})
		if info := e.groupInfo(t, g); info.OwnerUserID != ids[1] {
			t.Errorf("owner after transfer: %s, want %s", info.OwnerUserID, ids[1])
		}
		if m := e.member(t, g, ids[1]); m == nil || m.RoleLevel != roleOwner {
			t.Errorf("new owner: %+v", m)
		}
		if m := e.member(t, g, ids[0]); m == nil || m.RoleLevel != roleOrdinary {
			t.Errorf("old owner: %+v, want roleLevel %d", m, roleOrdinary)
		}
	},
	"/group/dismiss_group": func(t *testing.T, e *env) {
		ids := e.users(t, 2)
		g := e.group(t, groupSpec{owner: ids[0], members: ids[1:]})
		call(t, e.as(t, ids[0]), api.DismissGroup, &group.DismissGroupReq{GroupID: g})
		if info := e.groupInfo(t, g); info.Status != statusDismissed {
			t.Errorf("status after dismiss: %d, want %d", info.Status, statusDismissed)
		}
	},
	"/group/get_group_member_list": func(t *testing.T, e *env) {
		ids := e.users(t, 3)
		g := e.group(t, groupSpec{owner: ids[0], admins: ids[1:2], members: ids[2:]})
		resp := call(t, e.as(t, ids[2]), api.GetGroupMemberList, &group.GetGroupMemberListReq{GroupID: g, Pagination: page(10)})
		if resp.Total != 3 || !slices.Equal(memberUserIDs(resp.Members), ids) {
			t.Fatalf("get_group_member_list: total %d, %v, want %v", resp.Total, memberUserIDs(resp.Members), ids)
		}
		m := resp.Members[2]
		if m.GroupID != g || m.Nickname != "Nick-"+ids[2] || m.FaceURL != "https://example.com/"+ids[2]+".png" || m.JoinTime <= 0 {
			t.Errorf("member: %+v, want nickname and faceURL from the profile", m)
		}
		resp = call(t, e.as(t, ids[2]), api.GetGroupMemberList, &group.GetGroupMemberListReq{GroupID: g, Pagination: page(10), Keyword: "Nick-" + ids[1]})
		if !slices.Equal(memberUserIDs(resp.Members), ids[1:2]) {
			t.Errorf("keyword %q: %v", "Nick-"+ids[1], memberUserIDs(resp.Members))
		}
	},
	"/group/get_group_members_info": func(t *testing.T, e *env) {
		ids := e.users(t, 3)
		g := e.group(t, groupSpec{owner: ids[0], members: ids[1:]})
		resp := call(t, e.as(t, ids[1]), api.GetGroupMembersInfo, &group.GetGroupMembersInfoReq{GroupID: g, UserIDs: []string{ids[0], ids[2]}})
		if !sameSet(memberUserIDs(resp.Members), []string{ids[0], ids[2]}) {
			t.Errorf("get_group_members_info: %v", memberUserIDs(resp.Members))
		}
	},
	"/group/get_group_member_user_id": func(t *testing.T, e *env) {
		ids := e.users(t, 3)
		g := e.group(t, groupSpec{owner: ids[0], members: ids[1:]})
		resp := call(t, e.as(t, ids[1]), getGroupMemberUserID, &group.GetGroupMemberUserIDsReq{GroupID: g})
		if !sameSet(resp.UserIDs, ids) {
			t.Errorf("get_group_member_user_id: %v, want %v", resp.UserIDs, ids)
		}
	},
	"/group/get_group_abstract_info": func(t *testing.T, e *env) {
		ids := e.users(t, 3)
		g := e.group(t, groupSpec{owner: ids[0], members: ids[1:]})
		resp := call(t, e.as(t, ids[1]), getGroupAbstractInfo, &group.GetGroupAbstractInfoReq{GroupIDs: []string{g}})
		if len(resp.GroupAbstractInfos) != 1 || resp.GroupAbstractInfos[0].GroupID != g ||
			resp.GroupAbstractInfos[0].GroupMemberNumber != 3 || resp.GroupAbstractInfos[0].GroupMemberListHash == 0 {
			t.Errorf("get_group_abstract_info: %v", resp.GroupAbstractInfos)
		}
	},
	"/group/set_group_member_info": func(t *testing.T, e *env) {
		ids := e.users(t, 2)
		g := e.group(t, groupSpec{owner: ids[0], members: ids[1:]})
		// The SDK sends every optional field, null for the ones it leaves.
		call(t, e.as(t, ids[1]), api.SetGroupMemberInfo, &group.SetGroupMemberInfoReq{Members: []*group.SetGroupMemberInfo{
			{GroupID: g, UserID: ids[1], Nickname: wrapperspb.String("In-group"), Ex: wrapperspb.String("mex")}}})
		m := e.member(t, g, ids[1])
		if m == nil || m.Nickname != "In-group" || m.Ex != "mex" || m.RoleLevel != roleOrdinary || m.FaceURL != "https://example.com/"+ids[1]+".png" {
			t.Errorf("after set_group_member_info: %+v", m)
		}
	},
	"/group/mute_group": func(t *testing.T, e *env) {
		ids := e.users(t, 2)
		g := e.group(t, groupSpec{owner: ids[0], members: ids[1:]})
		call(t, e.as(t, ids[0]), api.MuteGroup, &group.MuteGroupReq{GroupID: g})
		if s := e.groupInfo(t, g).Status; s != statusMuted {
			t.Errorf("status after mute_group: %d, want %d", s, statusMuted)
		}
	},
	"/group/cancel_mute_group": func(t *testing.T, e *env) {
		ids := e.users(t, 2)
		g := e.group(t, groupSpec{owner: ids[0], members: ids[1:]})
		call(t, e.as(t, ids[0]), api.MuteGroup, &group.MuteGroupReq{GroupID: g})
		call(t, e.as(t, ids[0]), api.CancelMuteGroup, &group.CancelMuteGroupReq{GroupID: g})
		if s := e.groupInfo(t, g).Status; s != 0 {
			t.Errorf("status after cancel_mute_group: %d, want 0", s)
		}
	},
	"/group/mute_group_member": func(t *testing.T, e *env) {
		ids := e.users(t, 2)
		g := e.group(t, groupSpec{owner: ids[0], members: ids[1:]})
		before := time.Now().UnixMilli()
		call(t, e.as(t, ids[0]), api.MuteGroupMember, &group.MuteGroupMemberReq{GroupID: g, UserID: ids[1], MutedSeconds: 600})
		if m := e.member(t, g, ids[1]); m == nil || m.MuteEndTime < before+590_000 {
			t.Errorf("after mute_group_member 600s: %+v", m)
		}
	},
	"/group/cancel_mute_group_member": func(t *testing.T, e *env) {
		ids := e.users(t, 2)
		g := e.group(t, groupSpec{owner: ids[0], members: ids[1:]})
		call(t, e.as(t, ids[0]), api.MuteGroupMember, &group.MuteGroupMemberReq{GroupID: g, UserID: ids[1], MutedSeconds: 600})
		call(t, e.as(t, ids[0]), api.CancelMuteGroupMember, &group.CancelMuteGroupMemberReq{GroupID: g, UserID: ids[1]})
		if m := e.member(t, g, ids[1]); m == nil || m.MuteEndTime > time.Now().UnixMilli() {
			t.Errorf("after cancel_mute_group_member: %+v", m)
		}
	},
	"/group/join_group": func(t *testing.T, e *env) {
		ids := e.users(t, 2)
		g := e.group(t, groupSpec{owner: ids[0]})
		// What the SDK's JoinGroup sends: inviterUserID = the logged-in user.
		call(t, e.as(t, ids[1]), api.JoinGroup, &group.JoinGroupReq{GroupID: g, ReqMessage: "let me in", JoinSource: joinBySearch, InviterUserID: ids[1]})
		resp := call(t, e.as(t, ids[1]), api.GetSendGroupApplicationList, &group.GetUserReqApplicationListReq{UserID: ids[1], Pagination: page(10)})
		r := findRequest(resp.GroupRequests, g, ids[1])
		if r == nil || r.HandleResult != 0 || r.ReqMsg != "let me in" || r.JoinSource != joinBySearch {
			t.Errorf("request after join_group: %+v", r)
		}
	},
	"/group/group_application_response": func(t *testing.T, e *env) {
		ids := e.users(t, 3)
		g := e.group(t, groupSpec{owner: ids[0], members: ids[2:], needVerification: verifyAll})
		request(t, e, g, ids[2], ids[1])
		call(t, e.as(t, ids[0]), api.AcceptGroupApplication, &group.GroupApplicationResponseReq{GroupID: g, FromUserID: ids[1], HandledMsg: "welcome", HandleResult: handleAgree})
		if m := e.member(t, g, ids[1]); m == nil || m.RoleLevel != roleOrdinary {
			t.Errorf("applicant after agree: %+v", m)
		}
		resp := call(t, e.as(t, ids[1]), api.GetSendGroupApplicationList, &group.GetUserReqApplicationListReq{UserID: ids[1], Pagination: page(10)})
		if r := findRequest(resp.GroupRequests, g, ids[1]); r == nil || r.HandleResult != handleAgree || r.HandleMsg != "welcome" || r.HandleUserID != ids[0] || r.HandleTime <= 0 {
			t.Errorf("handled request: %+v", r)
		}
		wantCode(t, e.as(t, ids[0]), api.AcceptGroupApplication, &group.GroupApplicationResponseReq{GroupID: g, FromUserID: ids[1], HandleResult: handleAgree}, 1206)
	},
	"/group/get_recv_group_applicationList": func(t *testing.T, e *env) {
		ids := e.users(t, 4)
		g := e.group(t, groupSpec{owner: ids[0], admins: ids[1:2], members: ids[3:], needVerification: verifyAll})
		request(t, e, g, ids[3], ids[2])
		for _, manager := range ids[:2] {
			resp := call(t, e.as(t, manager), api.GetRecvGroupApplicationList, &group.GetGroupApplicationListReq{FromUserID: manager, Pagination: page(10)})
			if resp.Total != 1 || findRequest(resp.GroupRequests, g, ids[2]) == nil {
				t.Errorf("get_recv_group_applicationList of %s: total %d, %v", manager, resp.Total, requestUsers(resp.GroupRequests))
			}
		}
	},
	"/group/get_user_req_group_applicationList": func(t *testing.T, e *env) {
		ids := e.users(t, 3)
		g1 := e.group(t, groupSpec{owner: ids[0], members: ids[2:], needVerification: verifyAll})
		g2 := e.group(t, groupSpec{owner: ids[0], members: ids[2:], needVerification: verifyAll})
		request(t, e, g1, ids[2], ids[1])
		request(t, e, g2, ids[2], ids[1])
		resp := call(t, e.as(t, ids[1]), api.GetSendGroupApplicationList, &group.GetUserReqApplicationListReq{UserID: ids[1], Pagination: page(10)})
		if resp.Total != 2 || findRequest(resp.GroupRequests, g1, ids[1]) == nil || findRequest(resp.GroupRequests, g2, ids[1]) == nil {
			t.Errorf("get_user_req_group_applicationList: total %d, %d requests", resp.Total, len(resp.GroupRequests))
		}
	},
	"/group/get_group_users_req_application_list": func(t *testing.T, e *env) {
		ids := e.users(t, 4)
		g := e.group(t, groupSpec{owner: ids[0], members: ids[3:], needVerification: verifyAll})
		request(t, e, g, ids[3], ids[1], ids[2])
		resp := call(t, e.as(t, ids[0]), getGroupUsersReqApplicationList, &group.GetGroupUsersReqApplicationListReq{GroupID: g, UserIDs: ids[1:2]})
		if resp.Total != 1 || !slices.Equal(requestUsers(resp.GroupRequests), ids[1:2]) {
			t.Errorf("get_group_users_req_application_list: total %d, %v", resp.Total, requestUsers(resp.GroupRequests))
		}
	},
	"/group/get_specified_user_group_request_info": func(t *testing.T, e *env) {
		ids := e.users(t, 3)
		g := e.group(t, groupSpec{owner: ids[0], members: ids[2:], needVerification: verifyAll})
		request(t, e, g, ids[2], ids[1])
		resp := call(t, e.as(t, ids[0]), getSpecifiedUserGroupRequest, &group.GetSpecifiedUserGroupRequestInfoReq{GroupID: g, UserID: ids[1]})
		if resp.Total != 1 || findRequest(resp.GroupRequests, g, ids[1]) == nil {
			t.Errorf("get_specified_user_group_request_info: total %d, %v", resp.Total, requestUsers(resp.GroupRequests))
		}
	},
	"/group/get_group_application_unhandled_count": func(t *testing.T, e *env) {
		ids := e.users(t, 4)
		g := e.group(t, groupSpec{owner: ids[0], members: ids[3:], needVerification: verifyAll})
		request(t, e, g, ids[3], ids[1], ids[2])
		resp := call(t, e.as(t, ids[0]), getGroupApplicationUnhandled, &unhandledCountReq{UserID: ids[0]})
		if resp.Count != 2 {
			t.Errorf("get_group_application_unhandled_count: %d, want 2", resp.Count)
		}
	},
	"/group/get_groups": func(t *testing.T, e *env) {
		ids := e.users(t, 1)
		g := e.group(t, groupSpec{owner: ids[0]})
		byName := call(t, e.admin, getGroups, &group.GetGroupsReq{Pagination: page(10), GroupName: "Group-" + g})
		byID := call(t, e.admin, getGroups, &group.GetGroupsReq{Pagination: page(10), GroupID: g})
		for name, resp := range map[string]*group.GetGroupsResp{"by name": byName, "by groupID": byID} {
			if resp.Total != 1 || len(resp.Groups) != 1 || resp.Groups[0].GroupInfo == nil || resp.Groups[0].GroupInfo.GroupID != g ||
				resp.Groups[0].GroupOwnerUserID != ids[0] || resp.Groups[0].GroupOwnerUserName != "Nick-"+ids[0] {
				t.Errorf("get_groups %s: total %d, %v", name, resp.Total, resp.Groups)
			}
		}
	},
	"/group/get_incremental_join_groups": func(t *testing.T, e *env) {
		ids := e.users(t, 2)
		c := e.as(t, ids[1])
		g1 := e.group(t, groupSpec{owner: ids[0], members: ids[1:]})
		first := call(t, c, api.GetIncrementalJoinGroup, &group.GetIncrementalJoinGroupReq{UserID: ids[1]})
		if !first.Full || first.VersionID == "" {
			t.Fatalf("first get_incremental_join_groups: %+v, want full with a versionID", first)
		}
		g2 := e.group(t, groupSpec{owner: ids[0], members: ids[1:]})
		next := call(t, c, api.GetIncrementalJoinGroup, &group.GetIncrementalJoinGroupReq{UserID: ids[1], VersionID: first.VersionID, Version: first.Version})
		if next.Full || next.VersionID != first.VersionID || next.Version <= first.Version || !slices.Equal(groupIDsOf(next.Insert), []string{g2}) {
			t.Errorf("incremental after joining %s: %+v (g1 %s)", g2, next, g1)
		}
	},
	"/group/get_incremental_group_members": func(t *testing.T, e *env) {
		ids := e.users(t, 3)
		g := e.group(t, groupSpec{owner: ids[0], members: ids[1:2]})
		c := e.as(t, ids[1])
		first := call(t, c, getIncrementalGroupMembers, &group.GetIncrementalGroupMemberReq{GroupID: g})
		if !first.Full || first.VersionID == "" {
			t.Fatalf("first get_incremental_group_members: %+v, want full with a versionID", first)
		}
		call(t, e.as(t, ids[0]), api.InviteUserToGroup, &group.InviteUserToGroupReq{GroupID: g, InvitedUserIDs: ids[2:]})
		next := call(t, c, getIncrementalGroupMembers, &group.GetIncrementalGroupMemberReq{GroupID: g, VersionID: first.VersionID, Version: first.Version})
		if next.Full || next.Version <= first.Version || !slices.Equal(memberUserIDs(next.Insert), ids[2:]) {
			t.Errorf("incremental after invite: %+v", next)
		}
	},
	"/group/get_incremental_group_members_batch": func(t *testing.T, e *env) {
		ids := e.users(t, 3)
		g1 := e.group(t, groupSpec{owner: ids[0], members: ids[1:2]})
		g2 := e.group(t, groupSpec{owner: ids[0], members: ids[1:2]})
		c := e.as(t, ids[1])
		resp := call(t, c, api.GetIncrementalGroupMemberBatch, &group.BatchGetIncrementalGroupMemberReq{UserID: ids[1],
			ReqList: []*group.GetIncrementalGroupMemberReq{{GroupID: g1}, {GroupID: g2}}})
		if len(resp.RespList) != 2 || resp.RespList[g1] == nil || resp.RespList[g2] == nil || !resp.RespList[g1].Full || resp.RespList[g1].VersionID == "" {
			t.Fatalf("get_incremental_group_members_batch: %v", resp.RespList)
		}
		v := resp.RespList[g2]
		call(t, e.as(t, ids[0]), api.InviteUserToGroup, &group.InviteUserToGroupReq{GroupID: g2, InvitedUserIDs: ids[2:]})
		resp = call(t, c, api.GetIncrementalGroupMemberBatch, &group.BatchGetIncrementalGroupMemberReq{UserID: ids[1],
			ReqList: []*group.GetIncrementalGroupMemberReq{{GroupID: g2, VersionID: v.VersionID, Version: v.Version}}})
		if r := resp.RespList[g2]; r == nil || r.Full || !slices.Equal(memberUserIDs(r.Insert), ids[2:]) {
			t.Errorf("batch after invite: %v", resp.RespList)
		}
	},
	"/group/get_full_join_group_ids": func(t *testing.T, e *env) {
		ids := e.users(t, 2)
		g1 := e.group(t, groupSpec{owner: ids[0], members: ids[1:]})
		g2 := e.group(t, groupSpec{owner: ids[1]})
		resp := call(t, e.as(t, ids[1]), api.GetFullJoinedGroupIDs, &group.GetFullJoinGroupIDsReq{UserID: ids[1]})
		if resp.VersionID == "" || resp.Equal || !sameSet(resp.GroupIDs, []string{g1, g2}) {
			t.Errorf("get_full_join_group_ids: %+v", resp)
		}
	},
	"/group/get_full_group_member_user_ids": func(t *testing.T, e *env) {
		ids := e.users(t, 3)
		g := e.group(t, groupSpec{owner: ids[0], members: ids[1:]})
		resp := call(t, e.as(t, ids[2]), api.GetFullGroupMemberUserIDs, &group.GetFullGroupMemberUserIDsReq{GroupID: g})
		if resp.VersionID == "" || resp.Equal || !sameSet(resp.UserIDs, ids) {
			t.Errorf("get_full_group_member_user_ids: %+v", resp)
		}
	},
}

// apply files userID's join request to groupID the way the SDK does.
func apply(t *testing.T, e *env, groupID, userID string) {
	t.Helper()
	call(t, e.as(t, userID), api.JoinGroup, &group.JoinGroupReq{GroupID: groupID, ReqMessage: "hello", JoinSource: joinBySearch, InviterUserID: userID})
}

// request files pending requests of userIDs to groupID without join_group:
// an ordinary member's invitation into a group with needVerification 1
// becomes requests (so these happy paths do not hang on join_group's).
func request(t *testing.T, e *env, groupID, inviter string, userIDs ...string) {
	t.Helper()
	call(t, e.as(t, inviter), api.InviteUserToGroup, &group.InviteUserToGroupReq{GroupID: groupID, InvitedUserIDs: userIDs, Reason: "join us"})
	for _, u := range userIDs {
		if e.member(t, groupID, u) != nil {
			t.Fatalf("%s invited %s into %s (needVerification 1): a member, want a pending request", inviter, u, groupID)
		}
	}
}

// TestRoutes runs the happy path of every route, through the SDK.
func TestRoutes(t *testing.T) {
	routes := make([]string, 0, len(happyPaths))
	for r := range happyPaths {
		routes = append(routes, r)
	}
	sort.Strings(routes)
	eachBackend(t, func(t *testing.T, e *env) {
		for _, r := range routes {
			t.Run(r[1:], func(t *testing.T) { happyPaths[r](t, e) })
		}
	})
}

// TestEveryRouteCovered checks that TestRoutes has a case for every route
// groupd registers (openim/openim.go), so a new route cannot go untested.
func TestEveryRouteCovered(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "..", "openim", "openim.go"))
	if err != nil {
		t.Fatal(err)
	}
	matches := regexp.MustCompile(`h\.handle\("(/[^"]+)"`).FindAllStringSubmatch(string(src), -1)
	if len(matches) < 40 {
		t.Fatalf("found %d routes in openim/openim.go; the pattern h.handle(\"/...\") no longer matches", len(matches))
	}
	served := map[string]bool{}
	for _, m := range matches {
		served[m[1]] = true
		if happyPaths[m[1]] == nil {
			t.Errorf("route %s has no happy-path case", m[1])
		}
	}
	for r := range happyPaths {
		if !served[r] {
			t.Errorf("happy-path case for %s, which groupd does not serve", r)
		}
	}
}

func userIDsOf(us []*sdkws.UserInfo) []string {
	var ids []string
	for _, u := range us {
		ids = append(ids, u.UserID)
	}
	return ids
}

func groupIDsOf(gs []*sdkws.GroupInfo) []string {
	var ids []string
	for _, g := range gs {
		ids = append(ids, g.GroupID)
	}
	return ids
}
