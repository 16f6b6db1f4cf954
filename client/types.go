package client

// The wire types of the OpenIM dialect, as groupd sends and accepts them.
// Every field is sent (no omitempty) except the optional fields of the "_ex"
// and set_group_member_info requests, where a nil pointer means "leave
// unchanged" and a value (even "") means "set".

// Pagination is OpenIM's {pageNumber, showNumber}: pageNumber starts at 1;
// showNumber 0 means 100, more than 10,000 is refused (1001).
type Pagination struct {
	PageNumber int32 `json:"pageNumber"`
	ShowNumber int32 `json:"showNumber" maximum:"10000"`
}

// GroupInfo is OpenIM's GroupInfo. Times are Unix milliseconds.
type GroupInfo struct {
	GroupID                string `json:"groupID"`
	GroupName              string `json:"groupName"`
	Notification           string `json:"notification"`
	Introduction           string `json:"introduction"`
	FaceURL                string `json:"faceURL"`
	OwnerUserID            string `json:"ownerUserID"`
	CreateTime             int64  `json:"createTime"`
	MemberCount            int64  `json:"memberCount"`
	Ex                     string `json:"ex"`
	Status                 int32  `json:"status"` // 0 normal, 1 banned, 2 dismissed, 3 muted
	CreatorUserID          string `json:"creatorUserID"`
	GroupType              int32  `json:"groupType"`
	NeedVerification       int32  `json:"needVerification"` // 0 apply needs approval, 1 all need approval, 2 join directly
	LookMemberInfo         int32  `json:"lookMemberInfo"`
	ApplyMemberFriend      int32  `json:"applyMemberFriend"`
	NotificationUpdateTime int64  `json:"notificationUpdateTime"`
	NotificationUserID     string `json:"notificationUserID"`
}

// Group statuses.
const (
	GroupStatusNormal    = 0
	GroupStatusBanned    = 1
	GroupStatusDismissed = 2
	GroupStatusMuted     = 3
)

// Role levels.
const (
	RoleOwner  = 100
	RoleAdmin  = 60
	RoleMember = 20
)

// MemberInfo is OpenIM's GroupMemberFullInfo.
type MemberInfo struct {
	GroupID        string `json:"groupID"`
	UserID         string `json:"userID"`
	RoleLevel      int32  `json:"roleLevel"` // 100 owner, 60 admin, 20 member
	JoinTime       int64  `json:"joinTime"`
	Nickname       string `json:"nickname"`
	FaceURL        string `json:"faceURL"`
	AppMangerLevel int32  `json:"appMangerLevel"`
	JoinSource     int32  `json:"joinSource"`
	OperatorUserID string `json:"operatorUserID"`
	Ex             string `json:"ex"`
	MuteEndTime    int64  `json:"muteEndTime"` // Unix ms; 0 = not muted
	InviterUserID  string `json:"inviterUserID"`
}

// UserInfo is OpenIM's UserInfo.
type UserInfo struct {
	UserID           string `json:"userID"`
	Nickname         string `json:"nickname"`
	FaceURL          string `json:"faceURL"`
	Ex               string `json:"ex"`
	CreateTime       int64  `json:"createTime"`
	AppMangerLevel   int32  `json:"appMangerLevel"`
	GlobalRecvMsgOpt int32  `json:"globalRecvMsgOpt"`
}

// PublicUserInfo is OpenIM's PublicUserInfo (the applicant of a request).
type PublicUserInfo struct {
	UserID   string `json:"userID"`
	Nickname string `json:"nickname"`
	FaceURL  string `json:"faceURL"`
	Ex       string `json:"ex"`
}

// GroupRequest is OpenIM's GroupRequest (a join application or invitation).
type GroupRequest struct {
	UserInfo      PublicUserInfo `json:"userInfo"`
	GroupInfo     GroupInfo      `json:"groupInfo"`
	HandleResult  int32          `json:"handleResult"` // 0 pending, 1 agreed, -1 refused
	ReqMsg        string         `json:"reqMsg"`
	HandleMsg     string         `json:"handleMsg"`
	ReqTime       int64          `json:"reqTime"`
	HandleUserID  string         `json:"handleUserID"`
	HandleTime    int64          `json:"handleTime"`
	Ex            string         `json:"ex"`
	JoinSource    int32          `json:"joinSource"`
	InviterUserID string         `json:"inviterUserID"`
}

// --- auth ---

// GetAdminTokenReq is /auth/get_admin_token's request.
type GetAdminTokenReq struct {
	Secret string `json:"secret"`
	UserID string `json:"userID"`
}

// TokenResp answers get_admin_token and get_user_token.
type TokenResp struct {
	Token             string `json:"token"`
	ExpireTimeSeconds int64  `json:"expireTimeSeconds"` // the token's lifetime in seconds
}

// UserPlatformReq is get_user_token's and force_logout's request.
type UserPlatformReq struct {
	PlatformID int32  `json:"platformID"`
	UserID     string `json:"userID"`
}

// ParseTokenReq is /auth/parse_token's request; the token header wins over Token.
type ParseTokenReq struct {
	Token string `json:"token"`
}

// ParseTokenResp is /auth/parse_token's answer.
type ParseTokenResp struct {
	UserID            string `json:"userID"`
	PlatformID        int32  `json:"platformID"`
	ExpireTimeSeconds int64  `json:"expireTimeSeconds"` // Unix seconds of the expiry
}

// --- users ---

// NewUser is one user of user_register.
type NewUser struct {
	UserID   string `json:"userID"`
	Nickname string `json:"nickname"`
	FaceURL  string `json:"faceURL"`
	Ex       string `json:"ex"`
}

// UserRegisterReq is /user/user_register's request.
type UserRegisterReq struct {
	Users []NewUser `json:"users"`
}

// UserIDsReq is /user/get_users_info's request.
type UserIDsReq struct {
	UserIDs []string `json:"userIDs"`
}

// UsersInfoResp is /user/get_users_info's answer.
type UsersInfoResp struct {
	UsersInfo []UserInfo `json:"usersInfo"`
}

// UpdateUserInfoReq is /user/update_user_info's request: empty strings
// leave fields unchanged.
type UpdateUserInfoReq struct {
	UserInfo NewUser `json:"userInfo"`
}

// UserInfoPatch is update_user_info_ex's userInfo: nil leaves a field unchanged.
type UserInfoPatch struct {
	UserID   string  `json:"userID"`
	Nickname *string `json:"nickname,omitempty"`
	FaceURL  *string `json:"faceURL,omitempty"`
	Ex       *string `json:"ex,omitempty"`
}

// UpdateUserInfoExReq is /user/update_user_info_ex's request.
type UpdateUserInfoExReq struct {
	UserInfo UserInfoPatch `json:"userInfo"`
}

// PageReq is a request with only a pagination (get_users).
type PageReq struct {
	Pagination Pagination `json:"pagination"`
}

// UsersResp is /user/get_users's answer.
type UsersResp struct {
	Total int64      `json:"total"`
	Users []UserInfo `json:"users"`
}

// --- groups ---

// NewGroupInfo is create_group's groupInfo. An empty GroupID lets the
// server pick a numeric one; GroupType must be 2.
type NewGroupInfo struct {
	GroupID           string `json:"groupID"`
	GroupName         string `json:"groupName"`
	Notification      string `json:"notification"`
	Introduction      string `json:"introduction"`
	FaceURL           string `json:"faceURL"`
	Ex                string `json:"ex"`
	GroupType         int32  `json:"groupType"`
	NeedVerification  int32  `json:"needVerification"`
	LookMemberInfo    int32  `json:"lookMemberInfo"`
	ApplyMemberFriend int32  `json:"applyMemberFriend"`
}

// CreateGroupReq is /group/create_group's request.
type CreateGroupReq struct {
	MemberUserIDs []string     `json:"memberUserIDs,omitempty"`
	AdminUserIDs  []string     `json:"adminUserIDs,omitempty"`
	OwnerUserID   string       `json:"ownerUserID"`
	GroupInfo     NewGroupInfo `json:"groupInfo"`
}

// GroupInfoResp is /group/create_group's answer.
type GroupInfoResp struct {
	GroupInfo GroupInfo `json:"groupInfo"`
}

// GroupIDsReq is get_groups_info's and get_group_abstract_info's request.
type GroupIDsReq struct {
	GroupIDs []string `json:"groupIDs"`
}

// GroupInfosResp is /group/get_groups_info's answer.
type GroupInfosResp struct {
	GroupInfos []GroupInfo `json:"groupInfos"`
}

// JoinedGroupListReq is /group/get_joined_group_list's request.
type JoinedGroupListReq struct {
	FromUserID string     `json:"fromUserID"`
	Pagination Pagination `json:"pagination"`
}

// GroupListResp is /group/get_joined_group_list's answer.
type GroupListResp struct {
	Total  int64       `json:"total"`
	Groups []GroupInfo `json:"groups"`
}

// GroupInfoForSet is set_group_info's groupInfoForSet: empty strings and
// nil numbers leave fields unchanged.
type GroupInfoForSet struct {
	GroupID           string `json:"groupID"`
	GroupName         string `json:"groupName"`
	Notification      string `json:"notification"`
	Introduction      string `json:"introduction"`
	FaceURL           string `json:"faceURL"`
	Ex                string `json:"ex"`
	NeedVerification  *int32 `json:"needVerification,omitempty"`
	LookMemberInfo    *int32 `json:"lookMemberInfo,omitempty"`
	ApplyMemberFriend *int32 `json:"applyMemberFriend,omitempty"`
}

// SetGroupInfoReq is /group/set_group_info's request.
type SetGroupInfoReq struct {
	GroupInfoForSet GroupInfoForSet `json:"groupInfoForSet"`
}

// SetGroupInfoExReq is /group/set_group_info_ex's request: nil leaves a
// field unchanged, a value (even "") sets it.
type SetGroupInfoExReq struct {
	GroupID           string  `json:"groupID"`
	GroupName         *string `json:"groupName,omitempty"`
	Notification      *string `json:"notification,omitempty"`
	Introduction      *string `json:"introduction,omitempty"`
	FaceURL           *string `json:"faceURL,omitempty"`
	Ex                *string `json:"ex,omitempty"`
	NeedVerification  *int32  `json:"needVerification,omitempty"`
	LookMemberInfo    *int32  `json:"lookMemberInfo,omitempty"`
	ApplyMemberFriend *int32  `json:"applyMemberFriend,omitempty"`
}

// InviteReq is /group/invite_user_to_group's request.
type InviteReq struct {
	GroupID        string   `json:"groupID"`
	Reason         string   `json:"reason"`
	InvitedUserIDs []string `json:"invitedUserIDs"`
}

// KickReq is /group/kick_group's request.
type KickReq struct {
	GroupID       string   `json:"groupID"`
	KickedUserIDs []string `json:"kickedUserIDs"`
	Reason        string   `json:"reason"`
}

// QuitReq is /group/quit_group's request; an empty UserID is the token's user.
type QuitReq struct {
	GroupID string `json:"groupID"`
	UserID  string `json:"userID"`
}

// TransferReq is /group/transfer_group's request.
type TransferReq struct {
	GroupID        string `json:"groupID"`
	OldOwnerUserID string `json:"oldOwnerUserID"`
	NewOwnerUserID string `json:"newOwnerUserID"`
}

// DismissReq is /group/dismiss_group's request.
type DismissReq struct {
	GroupID      string `json:"groupID"`
	DeleteMember bool   `json:"deleteMember"`
}

// Member list filters of get_group_member_list.
const (
	FilterAll             = 0
	FilterOwner           = 1
	FilterAdmins          = 2
	FilterMembers         = 3
	FilterOwnerAndAdmins  = 4
	FilterAdminsAndMember = 5
)

// MemberListReq is /group/get_group_member_list's request.
type MemberListReq struct {
	GroupID    string     `json:"groupID"`
	Pagination Pagination `json:"pagination"`
	Filter     int32      `json:"filter"`
	Keyword    string     `json:"keyword"`
}

// MemberListResp is /group/get_group_member_list's answer.
type MemberListResp struct {
	Total   int64        `json:"total"`
	Members []MemberInfo `json:"members"`
}

// MembersInfoReq is /group/get_group_members_info's request.
type MembersInfoReq struct {
	GroupID string   `json:"groupID"`
	UserIDs []string `json:"userIDs"`
}

// MembersInfoResp is /group/get_group_members_info's answer.
type MembersInfoResp struct {
	Members []MemberInfo `json:"members"`
}

// GroupIDReq is a request naming one group (get_group_member_user_id,
// mute_group, cancel_mute_group).
type GroupIDReq struct {
	GroupID string `json:"groupID"`
}

// MemberUserIDsResp is /group/get_group_member_user_id's answer.
type MemberUserIDsResp struct {
	UserIDs []string `json:"userIDs"`
}

// GroupAbstract is one group of get_group_abstract_info.
type GroupAbstract struct {
	GroupID             string `json:"groupID"`
	GroupMemberNumber   int64  `json:"groupMemberNumber"`
	GroupMemberListHash uint64 `json:"groupMemberListHash"`
}

// GroupAbstractsResp is /group/get_group_abstract_info's answer.
type GroupAbstractsResp struct {
	GroupAbstractInfos []GroupAbstract `json:"groupAbstractInfos"`
}

// --- join requests ---

// JoinGroupReq is /group/join_group's request. InviterUserID is the
// applicant, as OpenIM's server reads it (its SDK sends the logged-in user):
// a user token may name only itself, an app admin anyone. UserID is
// groupd's older spelling of the applicant; empty both means the token's
// user.
type JoinGroupReq struct {
	GroupID       string `json:"groupID"`
	ReqMessage    string `json:"reqMessage"`
	JoinSource    int32  `json:"joinSource"`
	InviterUserID string `json:"inviterUserID"`
	Ex            string `json:"ex"`
	UserID        string `json:"userID"`
}

// ApplicationResponseReq is /group/group_application_response's request;
// HandleResult 1 agrees, -1 refuses.
type ApplicationResponseReq struct {
	GroupID      string `json:"groupID"`
	FromUserID   string `json:"fromUserID"`
	HandledMsg   string `json:"handledMsg"`
	HandleResult int32  `json:"handleResult"`
}

// RecvApplicationListReq is /group/get_recv_group_applicationList's request.
type RecvApplicationListReq struct {
	FromUserID    string     `json:"fromUserID"`
	Pagination    Pagination `json:"pagination"`
	GroupIDs      []string   `json:"groupIDs,omitempty"`
	HandleResults []int32    `json:"handleResults,omitempty"`
}

// UserReqApplicationListReq is /group/get_user_req_group_applicationList's request.
type UserReqApplicationListReq struct {
	UserID        string     `json:"userID"`
	Pagination    Pagination `json:"pagination"`
	GroupIDs      []string   `json:"groupIDs,omitempty"`
	HandleResults []int32    `json:"handleResults,omitempty"`
}

// GroupUsersReqApplicationListReq is
// /group/get_group_users_req_application_list's request.
type GroupUsersReqApplicationListReq struct {
	GroupID string   `json:"groupID"`
	UserIDs []string `json:"userIDs"`
}

// SpecifiedUserGroupRequestReq is
// /group/get_specified_user_group_request_info's request.
type SpecifiedUserGroupRequestReq struct {
	GroupID string `json:"groupID"`
	UserID  string `json:"userID"`
}

// GroupRequestsResp answers the request lists.
type GroupRequestsResp struct {
	Total         int64          `json:"total"`
	GroupRequests []GroupRequest `json:"groupRequests"`
}

// UnhandledCountReq is /group/get_group_application_unhandled_count's request.
type UnhandledCountReq struct {
	UserID string `json:"userID"`
	Time   int64  `json:"time"`
}

// CountResp is /group/get_group_application_unhandled_count's answer.
type CountResp struct {
	Count int64 `json:"count"`
}

// --- mutes, member info, search ---

// MuteMemberReq is /group/mute_group_member's request.
type MuteMemberReq struct {
	GroupID      string `json:"groupID"`
	UserID       string `json:"userID"`
	MutedSeconds int64  `json:"mutedSeconds"`
}

// CancelMuteMemberReq is /group/cancel_mute_group_member's request.
type CancelMuteMemberReq struct {
	GroupID string `json:"groupID"`
	UserID  string `json:"userID"`
}

// MemberPatch is one member of set_group_member_info: nil leaves a field
// unchanged.
type MemberPatch struct {
	GroupID   string  `json:"groupID"`
	UserID    string  `json:"userID"`
	Nickname  *string `json:"nickname,omitempty"`
	FaceURL   *string `json:"faceURL,omitempty"`
	RoleLevel *int32  `json:"roleLevel,omitempty"`
	Ex        *string `json:"ex,omitempty"`
}

// SetMemberInfoReq is /group/set_group_member_info's request.
type SetMemberInfoReq struct {
	Members []MemberPatch `json:"members"`
}

// GetGroupsReq is /group/get_groups's request (app admins' search).
type GetGroupsReq struct {
	Pagination Pagination `json:"pagination"`
	GroupName  string     `json:"groupName"`
	GroupID    string     `json:"groupID"`
}

// CMSGroup is one group of get_groups.
type CMSGroup struct {
	GroupInfo          GroupInfo `json:"groupInfo"`
	GroupOwnerUserName string    `json:"groupOwnerUserName"`
	GroupOwnerUserID   string    `json:"groupOwnerUserID"`
}

// GetGroupsResp is /group/get_groups's answer.
type GetGroupsResp struct {
	Total  int64      `json:"total"`
	Groups []CMSGroup `json:"groups"`
}

// --- incremental sync ---

// IncrementalJoinGroupsReq is /group/get_incremental_join_groups's request.
type IncrementalJoinGroupsReq struct {
	UserID    string `json:"userID"`
	VersionID string `json:"versionID"`
	Version   uint64 `json:"version"`
}

// IncrementalJoinGroupsResp is /group/get_incremental_join_groups's answer.
type IncrementalJoinGroupsResp struct {
	Version     uint64      `json:"version"`
	VersionID   string      `json:"versionID"`
	Full        bool        `json:"full"`
	Delete      []string    `json:"delete"`
	Insert      []GroupInfo `json:"insert"`
	Update      []GroupInfo `json:"update"`
	SortVersion uint64      `json:"sortVersion"`
}

// IncrementalGroupMembersReq is /group/get_incremental_group_members's request.
type IncrementalGroupMembersReq struct {
	GroupID   string `json:"groupID"`
	VersionID string `json:"versionID"`
	Version   uint64 `json:"version"`
}

// IncrementalGroupMembersResp is /group/get_incremental_group_members's answer.
type IncrementalGroupMembersResp struct {
	Version   uint64       `json:"version"`
	VersionID string       `json:"versionID"`
	Full      bool         `json:"full"`
	Delete    []string     `json:"delete"`
	Insert    []MemberInfo `json:"insert"`
	Update    []MemberInfo `json:"update"`
	// Group is set when the group's info changed since the client's version.
	Group       *GroupInfo `json:"group,omitempty"`
	SortVersion uint64     `json:"sortVersion"`
}

// IncrementalGroupMembersBatchReq is
// /group/get_incremental_group_members_batch's request.
type IncrementalGroupMembersBatchReq struct {
	UserID  string                       `json:"userID"`
	ReqList []IncrementalGroupMembersReq `json:"reqList"`
}

// IncrementalGroupMembersBatchResp answers the batch, keyed by group ID.
type IncrementalGroupMembersBatchResp struct {
	RespList map[string]IncrementalGroupMembersResp `json:"respList"`
}

// FullJoinGroupIDsReq is /group/get_full_join_group_ids's request.
type FullJoinGroupIDsReq struct {
	IDHash uint64 `json:"idHash"`
	UserID string `json:"userID"`
}

// FullJoinGroupIDsResp is /group/get_full_join_group_ids's answer.
type FullJoinGroupIDsResp struct {
	Version   uint64   `json:"version"`
	VersionID string   `json:"versionID"`
	Equal     bool     `json:"equal"`
	GroupIDs  []string `json:"groupIDs"`
}

// FullGroupMemberUserIDsReq is /group/get_full_group_member_user_ids's request.
type FullGroupMemberUserIDsReq struct {
	IDHash  uint64 `json:"idHash"`
	GroupID string `json:"groupID"`
}

// FullGroupMemberUserIDsResp is /group/get_full_group_member_user_ids's answer.
type FullGroupMemberUserIDsResp struct {
	Version   uint64   `json:"version"`
	VersionID string   `json:"versionID"`
	Equal     bool     `json:"equal"`
	UserIDs   []string `json:"userIDs"`
}
