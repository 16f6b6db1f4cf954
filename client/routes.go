// The route table and one method per route. Keep Endpoints and the
// methods in step; TestEndpointsMatchServer checks the paths against the
// server's routes.

package client

import (
	"context"
	"reflect"
)

// Endpoint describes one OpenIM route the client covers.
type Endpoint struct {
	Path     string
	Method   string // the Client method that calls it
	Public   bool   // needs no token
	Summary  string
	Request  reflect.Type
	Response reflect.Type // nil: the answer has no data
}

// Endpoints lists every route, in the server's order.
func Endpoints() []Endpoint {
	return []Endpoint{
		{Path: "/auth/get_admin_token", Method: "GetAdminToken", Public: true, Summary: "An admin token for the admin secret and an admin user ID.", Request: reflect.TypeFor[GetAdminTokenReq](), Response: reflect.TypeFor[TokenResp]()},
		{Path: "/auth/parse_token", Method: "ParseToken", Public: true, Summary: "Whose the token header (or body token) is and when it expires.", Request: reflect.TypeFor[ParseTokenReq](), Response: reflect.TypeFor[ParseTokenResp]()},
		{Path: "/auth/get_user_token", Method: "GetUserToken", Public: false, Summary: "A token for a registered, non-admin user (app admins only).", Request: reflect.TypeFor[UserPlatformReq](), Response: reflect.TypeFor[TokenResp]()},
		{Path: "/auth/force_logout", Method: "ForceLogout", Public: false, Summary: "Invalidates every token of the user on the platform (app admins only).", Request: reflect.TypeFor[UserPlatformReq](), Response: nil},
		{Path: "/user/user_register", Method: "UserRegister", Public: false, Summary: "Registers users (app admins only).", Request: reflect.TypeFor[UserRegisterReq](), Response: nil},
		{Path: "/user/get_users_info", Method: "GetUsersInfo", Public: false, Summary: "The registered users among userIDs.", Request: reflect.TypeFor[UserIDsReq](), Response: reflect.TypeFor[UsersInfoResp]()},
		{Path: "/user/update_user_info", Method: "UpdateUserInfo", Public: false, Summary: "Updates a profile; empty strings leave fields unchanged.", Request: reflect.TypeFor[UpdateUserInfoReq](), Response: nil},
		{Path: "/user/update_user_info_ex", Method: "UpdateUserInfoEx", Public: false, Summary: "Updates a profile; a present field is set, null or absent leaves it.", Request: reflect.TypeFor[UpdateUserInfoExReq](), Response: nil},
		{Path: "/user/get_users", Method: "GetUsers", Public: false, Summary: "Pages all users (app admins only).", Request: reflect.TypeFor[PageReq](), Response: reflect.TypeFor[UsersResp]()},
		{Path: "/group/create_group", Method: "CreateGroup", Public: false, Summary: "Creates a group with its owner, members and admins.", Request: reflect.TypeFor[CreateGroupReq](), Response: reflect.TypeFor[GroupInfoResp]()},
		{Path: "/group/get_groups_info", Method: "GetGroupsInfo", Public: false, Summary: "The groups found among groupIDs, in the order asked; none found answers 1004.", Request: reflect.TypeFor[GroupIDsReq](), Response: reflect.TypeFor[GroupInfosResp]()},
		{Path: "/group/get_joined_group_list", Method: "GetJoinedGroupList", Public: false, Summary: "Pages the groups a user joined.", Request: reflect.TypeFor[JoinedGroupListReq](), Response: reflect.TypeFor[GroupListResp]()},
		{Path: "/group/set_group_info", Method: "SetGroupInfo", Public: false, Summary: "Sets group info; empty strings leave fields unchanged.", Request: reflect.TypeFor[SetGroupInfoReq](), Response: nil},
		{Path: "/group/set_group_info_ex", Method: "SetGroupInfoEx", Public: false, Summary: "Sets group info; a present field is set, null or absent leaves it.", Request: reflect.TypeFor[SetGroupInfoExReq](), Response: nil},
		{Path: "/group/invite_user_to_group", Method: "InviteUserToGroup", Public: false, Summary: "Invites users into a group.", Request: reflect.TypeFor[InviteReq](), Response: nil},
		{Path: "/group/kick_group", Method: "KickGroup", Public: false, Summary: "Removes members from a group.", Request: reflect.TypeFor[KickReq](), Response: nil},
		{Path: "/group/quit_group", Method: "QuitGroup", Public: false, Summary: "Leaves a group (the owner cannot).", Request: reflect.TypeFor[QuitReq](), Response: nil},
		{Path: "/group/transfer_group", Method: "TransferGroup", Public: false, Summary: "Transfers a group's ownership.", Request: reflect.TypeFor[TransferReq](), Response: nil},
		{Path: "/group/dismiss_group", Method: "DismissGroup", Public: false, Summary: "Dismisses a group (status 2).", Request: reflect.TypeFor[DismissReq](), Response: nil},
		{Path: "/group/get_group_member_list", Method: "GetGroupMemberList", Public: false, Summary: "Pages a group's members: role level descending, then join time.", Request: reflect.TypeFor[MemberListReq](), Response: reflect.TypeFor[MemberListResp]()},
		{Path: "/group/get_group_members_info", Method: "GetGroupMembersInfo", Public: false, Summary: "The members of a group among userIDs.", Request: reflect.TypeFor[MembersInfoReq](), Response: reflect.TypeFor[MembersInfoResp]()},
		{Path: "/group/get_group_member_user_id", Method: "GetGroupMemberUserID", Public: false, Summary: "Every member's user ID.", Request: reflect.TypeFor[GroupIDReq](), Response: reflect.TypeFor[MemberUserIDsResp]()},
		{Path: "/group/get_group_abstract_info", Method: "GetGroupAbstractInfo", Public: false, Summary: "Member counts and member-list hashes of groups.", Request: reflect.TypeFor[GroupIDsReq](), Response: reflect.TypeFor[GroupAbstractsResp]()},
		{Path: "/group/join_group", Method: "JoinGroup", Public: false, Summary: "Applies to join a group (or joins it directly when needVerification is 2).", Request: reflect.TypeFor[JoinGroupReq](), Response: nil},
		{Path: "/group/group_application_response", Method: "GroupApplicationResponse", Public: false, Summary: "Agrees to (1) or refuses (-1) a join request.", Request: reflect.TypeFor[ApplicationResponseReq](), Response: nil},
		{Path: "/group/get_recv_group_applicationList", Method: "GetRecvGroupApplicationList", Public: false, Summary: "Pages the requests to the groups a user owns or administers.", Request: reflect.TypeFor[RecvApplicationListReq](), Response: reflect.TypeFor[GroupRequestsResp]()},
		{Path: "/group/get_user_req_group_applicationList", Method: "GetUserReqGroupApplicationList", Public: false, Summary: "Pages the requests a user made.", Request: reflect.TypeFor[UserReqApplicationListReq](), Response: reflect.TypeFor[GroupRequestsResp]()},
		{Path: "/group/get_group_users_req_application_list", Method: "GetGroupUsersReqApplicationList", Public: false, Summary: "The requests of some users to one group.", Request: reflect.TypeFor[GroupUsersReqApplicationListReq](), Response: reflect.TypeFor[GroupRequestsResp]()},
		{Path: "/group/get_specified_user_group_request_info", Method: "GetSpecifiedUserGroupRequestInfo", Public: false, Summary: "One user's request to one group, as a list of none or one.", Request: reflect.TypeFor[SpecifiedUserGroupRequestReq](), Response: reflect.TypeFor[GroupRequestsResp]()},
		{Path: "/group/get_group_application_unhandled_count", Method: "GetGroupApplicationUnhandledCount", Public: false, Summary: "Counts pending requests made after a time to the groups a user manages.", Request: reflect.TypeFor[UnhandledCountReq](), Response: reflect.TypeFor[CountResp]()},
		{Path: "/group/mute_group", Method: "MuteGroup", Public: false, Summary: "Mutes a whole group (status 3).", Request: reflect.TypeFor[GroupIDReq](), Response: nil},
		{Path: "/group/cancel_mute_group", Method: "CancelMuteGroup", Public: false, Summary: "Lifts a group mute.", Request: reflect.TypeFor[GroupIDReq](), Response: nil},
		{Path: "/group/mute_group_member", Method: "MuteGroupMember", Public: false, Summary: "Mutes one member for mutedSeconds.", Request: reflect.TypeFor[MuteMemberReq](), Response: nil},
		{Path: "/group/cancel_mute_group_member", Method: "CancelMuteGroupMember", Public: false, Summary: "Lifts a member's mute.", Request: reflect.TypeFor[CancelMuteMemberReq](), Response: nil},
		{Path: "/group/set_group_member_info", Method: "SetGroupMemberInfo", Public: false, Summary: "Sets members' nickname, faceURL, roleLevel or ex; all or nothing.", Request: reflect.TypeFor[SetMemberInfoReq](), Response: nil},
		{Path: "/group/get_groups", Method: "GetGroups", Public: false, Summary: "Searches groups by name substring or exact ID (app admins only).", Request: reflect.TypeFor[GetGroupsReq](), Response: reflect.TypeFor[GetGroupsResp]()},
		{Path: "/group/get_incremental_join_groups", Method: "GetIncrementalJoinGroups", Public: false, Summary: "Changes to a user's joined groups since a version.", Request: reflect.TypeFor[IncrementalJoinGroupsReq](), Response: reflect.TypeFor[IncrementalJoinGroupsResp]()},
		{Path: "/group/get_incremental_group_members", Method: "GetIncrementalGroupMembers", Public: false, Summary: "Changes to a group's members since a version.", Request: reflect.TypeFor[IncrementalGroupMembersReq](), Response: reflect.TypeFor[IncrementalGroupMembersResp]()},
		{Path: "/group/get_incremental_group_members_batch", Method: "GetIncrementalGroupMembersBatch", Public: false, Summary: "get_incremental_group_members for several groups.", Request: reflect.TypeFor[IncrementalGroupMembersBatchReq](), Response: reflect.TypeFor[IncrementalGroupMembersBatchResp]()},
		{Path: "/group/get_full_join_group_ids", Method: "GetFullJoinGroupIDs", Public: false, Summary: "Every group a user joined, unless idHash says the client has them.", Request: reflect.TypeFor[FullJoinGroupIDsReq](), Response: reflect.TypeFor[FullJoinGroupIDsResp]()},
		{Path: "/group/get_full_group_member_user_ids", Method: "GetFullGroupMemberUserIDs", Public: false, Summary: "Every member of a group, unless idHash says the client has them.", Request: reflect.TypeFor[FullGroupMemberUserIDsReq](), Response: reflect.TypeFor[FullGroupMemberUserIDsResp]()},
	}
}

func call[Resp any](ctx context.Context, c *Client, path string, req any) (*Resp, error) {
	var r Resp
	if err := c.Call(ctx, path, req, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// GetAdminToken calls /auth/get_admin_token: an admin token for the admin secret and an admin user ID.
func (c *Client) GetAdminToken(ctx context.Context, req *GetAdminTokenReq) (*TokenResp, error) {
	return call[TokenResp](ctx, c, "/auth/get_admin_token", req)
}

// ParseToken calls /auth/parse_token: whose the token header (or body token) is and when it expires.
func (c *Client) ParseToken(ctx context.Context, req *ParseTokenReq) (*ParseTokenResp, error) {
	return call[ParseTokenResp](ctx, c, "/auth/parse_token", req)
}

// GetUserToken calls /auth/get_user_token: a token for a registered, non-admin user (app admins only).
func (c *Client) GetUserToken(ctx context.Context, req *UserPlatformReq) (*TokenResp, error) {
	return call[TokenResp](ctx, c, "/auth/get_user_token", req)
}

// ForceLogout calls /auth/force_logout: invalidates every token of the user on the platform (app admins only).
func (c *Client) ForceLogout(ctx context.Context, req *UserPlatformReq) error {
	return c.Call(ctx, "/auth/force_logout", req, nil)
}

// UserRegister calls /user/user_register: registers users (app admins only).
func (c *Client) UserRegister(ctx context.Context, req *UserRegisterReq) error {
	return c.Call(ctx, "/user/user_register", req, nil)
}

// GetUsersInfo calls /user/get_users_info: the registered users among userIDs.
func (c *Client) GetUsersInfo(ctx context.Context, req *UserIDsReq) (*UsersInfoResp, error) {
	return call[UsersInfoResp](ctx, c, "/user/get_users_info", req)
}

// UpdateUserInfo calls /user/update_user_info: updates a profile; empty strings leave fields unchanged.
func (c *Client) UpdateUserInfo(ctx context.Context, req *UpdateUserInfoReq) error {
	return c.Call(ctx, "/user/update_user_info", req, nil)
}

// UpdateUserInfoEx calls /user/update_user_info_ex: updates a profile; a present field is set, null or absent leaves it.
func (c *Client) UpdateUserInfoEx(ctx context.Context, req *UpdateUserInfoExReq) error {
	return c.Call(ctx, "/user/update_user_info_ex", req, nil)
}

// GetUsers calls /user/get_users: pages all users (app admins only).
func (c *Client) GetUsers(ctx context.Context, req *PageReq) (*UsersResp, error) {
	return call[UsersResp](ctx, c, "/user/get_users", req)
}

// CreateGroup calls /group/create_group: creates a group with its owner, members and admins.
func (c *Client) CreateGroup(ctx context.Context, req *CreateGroupReq) (*GroupInfoResp, error) {
	return call[GroupInfoResp](ctx, c, "/group/create_group", req)
}

// GetGroupsInfo calls /group/get_groups_info: the groups found among groupIDs, in the order asked; none found answers 1004.
func (c *Client) GetGroupsInfo(ctx context.Context, req *GroupIDsReq) (*GroupInfosResp, error) {
	return call[GroupInfosResp](ctx, c, "/group/get_groups_info", req)
}

// GetJoinedGroupList calls /group/get_joined_group_list: pages the groups a user joined.
func (c *Client) GetJoinedGroupList(ctx context.Context, req *JoinedGroupListReq) (*GroupListResp, error) {
	return call[GroupListResp](ctx, c, "/group/get_joined_group_list", req)
}

// SetGroupInfo calls /group/set_group_info: sets group info; empty strings leave fields unchanged.
func (c *Client) SetGroupInfo(ctx context.Context, req *SetGroupInfoReq) error {
	return c.Call(ctx, "/group/set_group_info", req, nil)
}

// SetGroupInfoEx calls /group/set_group_info_ex: sets group info; a present field is set, null or absent leaves it.
func (c *Client) SetGroupInfoEx(ctx context.Context, req *SetGroupInfoExReq) error {
	return c.Call(ctx, "/group/set_group_info_ex", req, nil)
}

// InviteUserToGroup calls /group/invite_user_to_group: invites users into a group.
func (c *Client) InviteUserToGroup(ctx context.Context, req *InviteReq) error {
	return c.Call(ctx, "/group/invite_user_to_group", req, nil)
}

// KickGroup calls /group/kick_group: removes members from a group.
func (c *Client) KickGroup(ctx context.Context, req *KickReq) error {
	return c.Call(ctx, "/group/kick_group", req, nil)
}

// QuitGroup calls /group/quit_group: leaves a group (the owner cannot).
func (c *Client) QuitGroup(ctx context.Context, req *QuitReq) error {
	return c.Call(ctx, "/group/quit_group", req, nil)
}

// TransferGroup calls /group/transfer_group: transfers a group's ownership.
func (c *Client) TransferGroup(ctx context.Context, req *TransferReq) error {
	return c.Call(ctx, "/group/transfer_group", req, nil)
}

// DismissGroup calls /group/dismiss_group: dismisses a group (status 2).
func (c *Client) DismissGroup(ctx context.Context, req *DismissReq) error {
	return c.Call(ctx, "/group/dismiss_group", req, nil)
}

// GetGroupMemberList calls /group/get_group_member_list: pages a group's members: role level descending, then join time.
func (c *Client) GetGroupMemberList(ctx context.Context, req *MemberListReq) (*MemberListResp, error) {
	return call[MemberListResp](ctx, c, "/group/get_group_member_list", req)
}

// GetGroupMembersInfo calls /group/get_group_members_info: the members of a group among userIDs.
func (c *Client) GetGroupMembersInfo(ctx context.Context, req *MembersInfoReq) (*MembersInfoResp, error) {
	return call[MembersInfoResp](ctx, c, "/group/get_group_members_info", req)
}

// GetGroupMemberUserID calls /group/get_group_member_user_id: every member's user ID.
func (c *Client) GetGroupMemberUserID(ctx context.Context, req *GroupIDReq) (*MemberUserIDsResp, error) {
	return call[MemberUserIDsResp](ctx, c, "/group/get_group_member_user_id", req)
}

// GetGroupAbstractInfo calls /group/get_group_abstract_info: member counts and member-list hashes of groups.
func (c *Client) GetGroupAbstractInfo(ctx context.Context, req *GroupIDsReq) (*GroupAbstractsResp, error) {
	return call[GroupAbstractsResp](ctx, c, "/group/get_group_abstract_info", req)
}

// JoinGroup calls /group/join_group: applies to join a group (or joins it directly when needVerification is 2).
func (c *Client) JoinGroup(ctx context.Context, req *JoinGroupReq) error {
	return c.Call(ctx, "/group/join_group", req, nil)
}

// GroupApplicationResponse calls /group/group_application_response: agrees to (1) or refuses (-1) a join request.
func (c *Client) GroupApplicationResponse(ctx context.Context, req *ApplicationResponseReq) error {
	return c.Call(ctx, "/group/group_application_response", req, nil)
}

// GetRecvGroupApplicationList calls /group/get_recv_group_applicationList: pages the requests to the groups a user owns or administers.
func (c *Client) GetRecvGroupApplicationList(ctx context.Context, req *RecvApplicationListReq) (*GroupRequestsResp, error) {
	return call[GroupRequestsResp](ctx, c, "/group/get_recv_group_applicationList", req)
}

// GetUserReqGroupApplicationList calls /group/get_user_req_group_applicationList: pages the requests a user made.
func (c *Client) GetUserReqGroupApplicationList(ctx context.Context, req *UserReqApplicationListReq) (*GroupRequestsResp, error) {
	return call[GroupRequestsResp](ctx, c, "/group/get_user_req_group_applicationList", req)
}

// GetGroupUsersReqApplicationList calls /group/get_group_users_req_application_list: the requests of some users to one group.
func (c *Client) GetGroupUsersReqApplicationList(ctx context.Context, req *GroupUsersReqApplicationListReq) (*GroupRequestsResp, error) {
	return call[GroupRequestsResp](ctx, c, "/group/get_group_users_req_application_list", req)
}

// GetSpecifiedUserGroupRequestInfo calls /group/get_specified_user_group_request_info: one user's request to one group, as a list of none or one.
func (c *Client) GetSpecifiedUserGroupRequestInfo(ctx context.Context, req *SpecifiedUserGroupRequestReq) (*GroupRequestsResp, error) {
	return call[GroupRequestsResp](ctx, c, "/group/get_specified_user_group_request_info", req)
}

// GetGroupApplicationUnhandledCount calls /group/get_group_application_unhandled_count: counts pending requests made after a time to the groups a user manages.
func (c *Client) GetGroupApplicationUnhandledCount(ctx context.Context, req *UnhandledCountReq) (*CountResp, error) {
	return call[CountResp](ctx, c, "/group/get_group_application_unhandled_count", req)
}

// MuteGroup calls /group/mute_group: mutes a whole group (status 3).
func (c *Client) MuteGroup(ctx context.Context, req *GroupIDReq) error {
	return c.Call(ctx, "/group/mute_group", req, nil)
}

// CancelMuteGroup calls /group/cancel_mute_group: lifts a group mute.
func (c *Client) CancelMuteGroup(ctx context.Context, req *GroupIDReq) error {
	return c.Call(ctx, "/group/cancel_mute_group", req, nil)
}

// MuteGroupMember calls /group/mute_group_member: mutes one member for mutedSeconds.
func (c *Client) MuteGroupMember(ctx context.Context, req *MuteMemberReq) error {
	return c.Call(ctx, "/group/mute_group_member", req, nil)
}

// CancelMuteGroupMember calls /group/cancel_mute_group_member: lifts a member's mute.
func (c *Client) CancelMuteGroupMember(ctx context.Context, req *CancelMuteMemberReq) error {
	return c.Call(ctx, "/group/cancel_mute_group_member", req, nil)
}

// SetGroupMemberInfo calls /group/set_group_member_info: sets members' nickname, faceURL, roleLevel or ex; all or nothing.
func (c *Client) SetGroupMemberInfo(ctx context.Context, req *SetMemberInfoReq) error {
	return c.Call(ctx, "/group/set_group_member_info", req, nil)
}

// GetGroups calls /group/get_groups: searches groups by name substring or exact ID (app admins only).
func (c *Client) GetGroups(ctx context.Context, req *GetGroupsReq) (*GetGroupsResp, error) {
	return call[GetGroupsResp](ctx, c, "/group/get_groups", req)
}

// GetIncrementalJoinGroups calls /group/get_incremental_join_groups: changes to a user's joined groups since a version.
func (c *Client) GetIncrementalJoinGroups(ctx context.Context, req *IncrementalJoinGroupsReq) (*IncrementalJoinGroupsResp, error) {
	return call[IncrementalJoinGroupsResp](ctx, c, "/group/get_incremental_join_groups", req)
}

// GetIncrementalGroupMembers calls /group/get_incremental_group_members: changes to a group's members since a version.
func (c *Client) GetIncrementalGroupMembers(ctx context.Context, req *IncrementalGroupMembersReq) (*IncrementalGroupMembersResp, error) {
	return call[IncrementalGroupMembersResp](ctx, c, "/group/get_incremental_group_members", req)
}

// GetIncrementalGroupMembersBatch calls /group/get_incremental_group_members_batch: get_incremental_group_members for several groups.
func (c *Client) GetIncrementalGroupMembersBatch(ctx context.Context, req *IncrementalGroupMembersBatchReq) (*IncrementalGroupMembersBatchResp, error) {
	return call[IncrementalGroupMembersBatchResp](ctx, c, "/group/get_incremental_group_members_batch", req)
}

// GetFullJoinGroupIDs calls /group/get_full_join_group_ids: every group a user joined, unless idHash says the client has them.
func (c *Client) GetFullJoinGroupIDs(ctx context.Context, req *FullJoinGroupIDsReq) (*FullJoinGroupIDsResp, error) {
	return call[FullJoinGroupIDsResp](ctx, c, "/group/get_full_join_group_ids", req)
}

// GetFullGroupMemberUserIDs calls /group/get_full_group_member_user_ids: every member of a group, unless idHash says the client has them.
func (c *Client) GetFullGroupMemberUserIDs(ctx context.Context, req *FullGroupMemberUserIDsReq) (*FullGroupMemberUserIDsResp, error) {
	return call[FullGroupMemberUserIDsResp](ctx, c, "/group/get_full_group_member_user_ids", req)
}
