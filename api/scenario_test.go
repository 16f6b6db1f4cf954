package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/groupd/groupd/client"
	"github.com/groupd/groupd/client/zim"
	"github.com/groupd/groupd/internal/testserver"
)

// step is one call of the scenario that exercises every route.
type step struct {
	key string // OpenIM path or "/#Action=X"
	req any    // OpenIM and ZIM POST: the body; ZIM GET: the query struct
}

func ptr[T any](v T) *T { return &v }

// scenario calls every OpenIM route and every ZIM Action once, in an order
// in which each succeeds on a fresh server.
func scenario() []step {
	page := client.Pagination{PageNumber: 1, ShowNumber: 20}
	a := func(name string, req any) step { return step{"/#Action=" + name, req} }
	return []step{
		{"/auth/get_admin_token", client.GetAdminTokenReq{Secret: testserver.Secret, UserID: "imAdmin"}},
		{"/user/user_register", client.UserRegisterReq{Users: []client.NewUser{
			{UserID: "4771680259", Nickname: "Alice"}, {UserID: "9906953281", Nickname: "Bob"},
			{UserID: "3517105008", Nickname: "Carol"}, {UserID: "6002003004", Nickname: "Dave"}, {UserID: "7001002003", Nickname: "Erin"}}}},
		{"/user/get_users_info", client.UserIDsReq{UserIDs: []string{"4771680259", "9906953281"}}},
		{"/user/update_user_info", client.UpdateUserInfoReq{UserInfo: client.NewUser{UserID: "4771680259", FaceURL: "https://example.com/alice.png"}}},
		{"/user/update_user_info_ex", client.UpdateUserInfoExReq{UserInfo: client.UserInfoPatch{UserID: "4771680259", Ex: ptr(`{"team":"a"}`)}}},
		{"/user/get_users", client.PageReq{Pagination: page}},
		{"/group/create_group", client.CreateGroupReq{OwnerUserID: "4771680259", MemberUserIDs: []string{"9906953281", "3517105008"},
			AdminUserIDs: []string{}, GroupInfo: client.NewGroupInfo{GroupID: "2559217223", GroupName: "Group1", GroupType: 2}}},
		{"/group/get_groups_info", client.GroupIDsReq{GroupIDs: []string{"2559217223"}}},
		{"/group/get_joined_group_list", client.JoinedGroupListReq{FromUserID: "9906953281", Pagination: page}},
		{"/group/set_group_info", client.SetGroupInfoReq{GroupInfoForSet: client.GroupInfoForSet{GroupID: "2559217223", Notification: "Welcome"}}},
		{"/group/set_group_info_ex", client.SetGroupInfoExReq{GroupID: "2559217223", Introduction: ptr("Our team"), NeedVerification: ptr[int32](0)}},
		{"/group/invite_user_to_group", client.InviteReq{GroupID: "2559217223", InvitedUserIDs: []string{"7001002003"}, Reason: "welcome"}},
		{"/group/get_group_member_list", client.MemberListReq{GroupID: "2559217223", Pagination: page}},
		{"/group/get_group_members_info", client.MembersInfoReq{GroupID: "2559217223", UserIDs: []string{"9906953281"}}},
		{"/group/get_group_member_user_id", client.GroupIDReq{GroupID: "2559217223"}},
		{"/group/get_group_abstract_info", client.GroupIDsReq{GroupIDs: []string{"2559217223"}}},
		{"/group/set_group_member_info", client.SetMemberInfoReq{Members: []client.MemberPatch{{GroupID: "2559217223", UserID: "9906953281", RoleLevel: ptr[int32](60), Nickname: ptr("Bobby")}}}},
		{"/group/mute_group_member", client.MuteMemberReq{GroupID: "2559217223", UserID: "3517105008", MutedSeconds: 600}},
		{"/group/cancel_mute_group_member", client.CancelMuteMemberReq{GroupID: "2559217223", UserID: "3517105008"}},
		{"/group/mute_group", client.GroupIDReq{GroupID: "2559217223"}},
		{"/group/cancel_mute_group", client.GroupIDReq{GroupID: "2559217223"}},
		{"/group/get_groups", client.GetGroupsReq{Pagination: page, GroupName: "Group"}},
		{"/group/join_group", client.JoinGroupReq{GroupID: "2559217223", UserID: "6002003004", JoinSource: 3, ReqMessage: "let me in"}},
		{"/group/get_recv_group_applicationList", client.RecvApplicationListReq{FromUserID: "4771680259", Pagination: page, GroupIDs: []string{}, HandleResults: []int32{}}},
		{"/group/get_user_req_group_applicationList", client.UserReqApplicationListReq{UserID: "6002003004", Pagination: page, GroupIDs: []string{}, HandleResults: []int32{0}}},
		{"/group/get_group_users_req_application_list", client.GroupUsersReqApplicationListReq{GroupID: "2559217223", UserIDs: []string{"6002003004"}}},
		{"/group/get_specified_user_group_request_info", client.SpecifiedUserGroupRequestReq{GroupID: "2559217223", UserID: "6002003004"}},
		{"/group/get_group_application_unhandled_count", client.UnhandledCountReq{UserID: "4771680259"}},
		{"/group/group_application_response", client.ApplicationResponseReq{GroupID: "2559217223", FromUserID: "6002003004", HandledMsg: "welcome", HandleResult: 1}},
		{"/group/get_incremental_join_groups", client.IncrementalJoinGroupsReq{UserID: "6002003004"}},
		{"/group/get_incremental_group_members", client.IncrementalGroupMembersReq{GroupID: "2559217223"}},
		{"/group/get_incremental_group_members_batch", client.IncrementalGroupMembersBatchReq{UserID: "4771680259", ReqList: []client.IncrementalGroupMembersReq{{GroupID: "2559217223"}}}},
		{"/group/get_full_join_group_ids", client.FullJoinGroupIDsReq{UserID: "6002003004"}},
		{"/group/get_full_group_member_user_ids", client.FullGroupMemberUserIDsReq{GroupID: "2559217223"}},
		{"/auth/get_user_token", client.UserPlatformReq{PlatformID: 1, UserID: "9906953281"}},
		{"/auth/parse_token", client.ParseTokenReq{}},
		{"/group/kick_group", client.KickReq{GroupID: "2559217223", KickedUserIDs: []string{"7001002003"}, Reason: "bye"}},
		{"/group/quit_group", client.QuitReq{GroupID: "2559217223", UserID: "3517105008"}},
		{"/group/transfer_group", client.TransferReq{GroupID: "2559217223", OldOwnerUserID: "4771680259", NewOwnerUserID: "6002003004"}},
		{"/auth/force_logout", client.UserPlatformReq{PlatformID: 1, UserID: "9906953281"}},
		{"/group/dismiss_group", client.DismissReq{GroupID: "2559217223", DeleteMember: false}},

		a("UserRegister", zim.UserRegisterReq{UserInfo: []zim.RegisterUser{{UserID: "alice", UserName: "Alice"}, {UserID: "bob", UserName: "Bob"}, {UserID: "carol", UserName: "Carol"}}}),
		a("ModifyUserInfo", zim.ModifyUserInfoReq{UserInfo: []zim.ModifyUser{{UserID: "carol", UserName: ptr("Caroline"), Extra: ptr(`{"team":"go"}`)}}}),
		a("QueryUserInfos", zim.QueryUserInfosReq{UserIDs: []string{"alice", "carol"}}),
		a("CreateGroup", zim.CreateGroupReq{GroupID: "team", GroupName: "Team", GroupOwner: "alice", UserID: []string{"bob"},
			Attributes: []zim.Attribute{{Key: "topic", Value: "go"}}}),
		a("InviteUsersIntoGroup", zim.InviteUsersIntoGroupReq{FromUserID: "alice", GroupID: "team", UserIDs: []string{"carol"}}),
		a("UpdateGroupData", zim.UpdateGroupDataReq{FromUserID: "alice", GroupID: "team", GroupNotice: ptr("Be nice")}),
		a("ModifyGroupAttribute", zim.ModifyGroupAttributeReq{Action: 0, FromUserID: "alice", GroupID: "team", Attributes: []zim.Attribute{{Key: "lang", Value: "en"}}}),
		a("QueryGroupInfo", zim.GroupRef{FromUserID: "alice", GroupID: "team"}),
		a("QueryGroupMemberList", zim.QueryGroupMemberListReq{GroupID: "team", Limit: 100}),
		a("QueryAppGroupList", zim.QueryAppGroupListQuery{Limit: 100}),
		a("QueryGroupsInfoOfUser", zim.QueryGroupsInfoOfUserReq{FromUserID: "bob", Limit: 10}),
		a("SetGroupMemberRole", zim.SetGroupMemberRoleQuery{FromUserID: "alice", GroupID: "team", ToUserID: "bob", Role: 2}),
		a("SetGroupMembersNickname", zim.SetGroupMembersNicknameReq{FromUserID: "alice", GroupID: "team", UserIDs: []zim.Nickname{{UserID: "bob", Nickname: "Bobby"}}}),
		a("MuteGroup", zim.MuteGroupQuery{FromUserID: "alice", GroupID: "team", IsAllMuted: true, Duration: 600}),
		a("MuteGroupMembers", zim.MuteGroupMembersQuery{FromUserID: "alice", GroupID: "team", UserIDs: []string{"carol"}, Duration: 600}),
		a("FetchForbidGroupList", zim.FetchForbidGroupListReq{FromUserID: "alice"}),
		a("ModifyGroupLimit", zim.ModifyGroupLimitQuery{FromUserID: "alice", GroupID: "team", JoinMode: ptr(1), MemberCountLimit: ptr[int64](500)}),
		a("KickoutGroupUser", zim.KickoutGroupUserReq{FromUserID: "alice", GroupID: "team", UserID: []string{"carol"}}),
		a("TransferGroupOwner", zim.TransferGroupOwnerQuery{FromUserID: "alice", GroupID: "team", NewOwner: "bob"}),
		a("DismissGroup", zim.GroupOpQuery{FromUserID: "bob", GroupID: "team"}),
	}
}

// call is one step as sent and answered.
type call struct {
	step
	body  []byte // the request body (nil for ZIM GET)
	query string // ZIM GET: the Action's own parameters
	resp  []byte
}

// runScenario runs the scenario on a fresh server.
func runScenario(t *testing.T) []call {
	t.Helper()
	srv := testserver.New(t, testserver.Options{})
	token, err := client.New(srv.URL, client.WithSecret(testserver.Secret)).Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	signer := zim.Signer{AppID: testserver.ZIMAppID, ServerSecret: testserver.ZIMServerSecret}
	var calls []call
	for i, st := range scenario() {
		c := call{step: st}
		var req *http.Request
		if action, ok := cutAction(st.key); ok {
			if isGET(action) {
				q := zim.Values(st.req)
				c.query = q.Encode()
				req, _ = http.NewRequest(http.MethodGet, signer.URL(srv.URL, action, q), nil)
			} else {
				c.body, _ = json.Marshal(st.req)
				req, _ = http.NewRequest(http.MethodPost, signer.URL(srv.URL, action, nil), bytes.NewReader(c.body))
				req.Header.Set("Content-Type", "application/json")
			}
		} else {
			c.body, _ = json.Marshal(st.req)
			req, _ = http.NewRequest(http.MethodPost, srv.URL+st.key, bytes.NewReader(c.body))
			req.Header.Set("operationID", "spec-"+string(rune('a'+i%26)))
			req.Header.Set("Content-Type", "application/json")
			if st.key != "/auth/get_admin_token" {
				req.Header.Set("token", token)
			}
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		c.resp, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		var env struct {
			ErrCode *int
			Code    *int
		}
		json.Unmarshal(c.resp, &env)
		if (env.ErrCode == nil || *env.ErrCode != 0) && (env.Code == nil || *env.Code != 0) {
			t.Fatalf("scenario step %s failed: %s", st.key, c.resp)
		}
		calls = append(calls, c)
	}
	return calls
}

func cutAction(key string) (string, bool) {
	const p = "/#Action="
	if len(key) > len(p) && key[:len(p)] == p {
		return key[len(p):], true
	}
	return "", false
}

func isGET(action string) bool {
	for _, a := range zim.Actions() {
		if a.Name == action {
			return a.Method == http.MethodGet
		}
	}
	return false
}
