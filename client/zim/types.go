package zim

import (
	"fmt"
	"net/url"
	"reflect"
	"strconv"
	"strings"
)

// The wire types of the ZIM dialect. POST Actions send their request as a
// JSON body; GET Actions send theirs in the query (the `query` tags; an
// array field goes as Name[]=a&Name[]=b). Every answer embeds Envelope.

// Envelope is the part common to every answer.
type Envelope struct {
	Code      int    `json:"Code"`
	Message   string `json:"Message"`
	RequestID string `json:"RequestId"`
}

// Attribute is a group attribute.
type Attribute struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// ItemError is one failed item of a partial call (ErrorUsers, ErrorList).
type ItemError struct {
	UserID  string `json:"UserId"`
	SubCode int    `json:"SubCode"`
}

// RegisterError is one failed user of UserRegister or ModifyUserInfo.
type RegisterError struct {
	UserID     string `json:"UserId"`
	SubCode    int    `json:"SubCode"`
	SubMessage string `json:"SubMessage"`
}

// RegisterUser is one user of UserRegister.
type RegisterUser struct {
	UserID     string `json:"UserId"`
	UserName   string `json:"UserName"`
	UserAvatar string `json:"UserAvatar"`
}

// UserRegisterReq is UserRegister's body (up to 100 users).
type UserRegisterReq struct {
	UserInfo []RegisterUser `json:"UserInfo"`
}

// UserRegisterResp is UserRegister's answer.
type UserRegisterResp struct {
	Envelope
	ErrorList []RegisterError `json:"ErrorList"`
}

// ModifyUser is one user of ModifyUserInfo: nil leaves a field, "" clears it.
type ModifyUser struct {
	UserID     string  `json:"UserId"`
	UserName   *string `json:"UserName,omitempty"`
	UserAvatar *string `json:"UserAvatar,omitempty"`
	Extra      *string `json:"Extra,omitempty"`
}

// ModifyUserInfoReq is ModifyUserInfo's body (up to 100 users).
type ModifyUserInfoReq struct {
	UserInfo []ModifyUser `json:"UserInfo"`
}

// ModifyUserInfoResp is ModifyUserInfo's answer: the users that could not
// be changed (660700012 not registered).
type ModifyUserInfoResp struct {
	Envelope
	ErrorList []RegisterError `json:"ErrorList"`
}

// QueryUserInfosReq is QueryUserInfos' body (up to 100 user IDs).
type QueryUserInfosReq struct {
	UserIDs []string `json:"UserIds"`
}

// UserInfo is one user of QueryUserInfos.
type UserInfo struct {
	UserID     string `json:"UserId"`
	UserName   string `json:"UserName"`
	UserAvatar string `json:"UserAvatar"`
	Extra      string `json:"Extra"`
}

// QueryUserInfosResp is QueryUserInfos' answer: the registered users in
// Result, the others in ErrorList (SubCode 660000002).
type QueryUserInfosResp struct {
	Envelope
	Result    []UserInfo  `json:"Result"`
	ErrorList []ItemError `json:"ErrorList"`
}

// CreateGroupReq is CreateGroup's body. An empty GroupId lets the server
// pick one starting with '#'.
type CreateGroupReq struct {
	GroupID         string      `json:"GroupId"`
	GroupName       string      `json:"GroupName"`
	GroupNotice     string      `json:"GroupNotice"`
	GroupAvatar     string      `json:"GroupAvatar"`
	GroupOwner      string      `json:"GroupOwner"`
	UserID          []string    `json:"UserId,omitempty"`
	Attributes      []Attribute `json:"Attributes,omitempty"`
	CreateGroupTime int64       `json:"CreateGroupTime,omitempty"`
}

// MemberName is one member of CreateGroup's answer.
type MemberName struct {
	UserID   string `json:"UserId"`
	UserName string `json:"UserName"`
}

// CreateGroupResp is CreateGroup's answer.
type CreateGroupResp struct {
	Envelope
	GroupID    string       `json:"GroupId"`
	Members    []MemberName `json:"Members"`
	ErrorUsers []ItemError  `json:"ErrorUsers"`
}

// GroupOpQuery is the query of DismissGroup.
type GroupOpQuery struct {
	FromUserID string `query:"FromUserId"`
	GroupID    string `query:"GroupId"`
}

// TransferGroupOwnerQuery is TransferGroupOwner's query.
type TransferGroupOwnerQuery struct {
	FromUserID string `query:"FromUserId"`
	GroupID    string `query:"GroupId"`
	NewOwner   string `query:"NewOwner"`
}

// InviteMember is one entry of InviteUsersIntoGroup's GroupMemberInfos.
type InviteMember struct {
	UserID         string `json:"UserId"`
	EnterGroupTime int64  `json:"EnterGroupTime"`
	IsInvite       int    `json:"IsInvite"`
}

// InviteUsersIntoGroupReq is InviteUsersIntoGroup's body: UserIds or
// GroupMemberInfos, up to 100.
type InviteUsersIntoGroupReq struct {
	FromUserID       string         `json:"FromUserId"`
	GroupID          string         `json:"GroupId"`
	UserIDs          []string       `json:"UserIds,omitempty"`
	GroupMemberInfos []InviteMember `json:"GroupMemberInfos,omitempty"`
}

// ErrorUsersResp answers the Actions that report failed users in ErrorUsers.
type ErrorUsersResp struct {
	Envelope
	ErrorUsers []ItemError `json:"ErrorUsers"`
}

// KickoutGroupUserReq is KickoutGroupUser's body (up to 50 users).
type KickoutGroupUserReq struct {
	FromUserID   string   `json:"FromUserId"`
	GroupID      string   `json:"GroupId"`
	UserID       []string `json:"UserId"`
	CustomReason string   `json:"CustomReason,omitempty"`
}

// KickoutGroupUserResp is KickoutGroupUser's answer.
type KickoutGroupUserResp struct {
	Envelope
	ErrorList []ItemError `json:"ErrorList"`
}

// UpdateGroupDataReq is UpdateGroupData's body: nil leaves a field, "" clears it.
type UpdateGroupDataReq struct {
	FromUserID  string  `json:"FromUserId"`
	GroupID     string  `json:"GroupId"`
	GroupAvatar *string `json:"GroupAvatar,omitempty"`
	GroupName   *string `json:"GroupName,omitempty"`
	GroupNotice *string `json:"GroupNotice,omitempty"`
}

// ModifyGroupAttributeReq is ModifyGroupAttribute's body: Action 0 upserts,
// 1 deletes.
type ModifyGroupAttributeReq struct {
	Action     int         `json:"Action"`
	FromUserID string      `json:"FromUserId"`
	GroupID    string      `json:"GroupId"`
	Attributes []Attribute `json:"Attributes"`
}

// FailKey is one attribute ModifyGroupAttribute could not change.
type FailKey struct {
	Reason string `json:"Reason"`
	Key    string `json:"Key"`
}

// AttributeList wraps the attributes of ModifyGroupAttribute's answer.
type AttributeList struct {
	Attributes []Attribute `json:"Attributes"`
}

// ModifyGroupAttributeResp is ModifyGroupAttribute's answer.
type ModifyGroupAttributeResp struct {
	Envelope
	FailKeys   []FailKey     `json:"FailKeys"`
	Attributes AttributeList `json:"Attributes"`
}

// GroupRef is the body of QueryGroupInfo.
type GroupRef struct {
	FromUserID string `json:"FromUserId"`
	GroupID    string `json:"GroupId"`
}

// LimitInfo is a group's limits.
type LimitInfo struct {
	MemberCountLimit int64 `json:"MemberCountLimit"`
	JoinMode         int   `json:"JoinMode"`
	InviteMode       int   `json:"InviteMode"`
	BeInvitedMode    int   `json:"BeInvitedMode"`
	NumberMessage    int64 `json:"NumberMessage"`
}

// QueryGroupInfoResp is QueryGroupInfo's answer.
type QueryGroupInfoResp struct {
	Envelope
	GroupName        string      `json:"GroupName"`
	GroupNotice      string      `json:"GroupNotice"`
	GroupDataSeq     int64       `json:"GroupDataSeq"`
	GroupAvatar      string      `json:"GroupAvatar"`
	IsAllForbid      bool        `json:"IsAllForbid"`
	ForbidList       []int       `json:"ForbidList"`
	LimitInfo        LimitInfo   `json:"LimitInfo"`
	ForbidExpireTime int64       `json:"ForbidExpireTime"`
	GroupCreateTime  int64       `json:"GroupCreateTime"`
	GroupID          string      `json:"GroupId"`
	GroupAttributes  []Attribute `json:"GroupAttributes"`
}

// QueryGroupMemberListReq is QueryGroupMemberList's body.
type QueryGroupMemberListReq struct {
	GroupID string `json:"GroupId"`
	Limit   int    `json:"Limit"`
	Next    int64  `json:"Next"`
}

// MemberEntry is one member of QueryGroupMemberList.
type MemberEntry struct {
	UserID       string `json:"UserId"`
	UserName     string `json:"UserName"`
	UserNickName string `json:"UserNickName"`
	Role         int    `json:"Role"`
}

// QueryGroupMemberListResp is QueryGroupMemberList's answer; Next 0 = done.
type QueryGroupMemberListResp struct {
	Envelope
	TotalCount int64         `json:"TotalCount"`
	Next       int64         `json:"Next"`
	MemberList []MemberEntry `json:"MemberList"`
}

// QueryAppGroupListQuery is QueryAppGroupList's query.
type QueryAppGroupListQuery struct {
	Limit int64 `query:"Limit"`
	Next  int64 `query:"Next"`
}

// GroupName is one group of QueryAppGroupList.
type GroupName struct {
	GroupID   string `json:"GroupId"`
	GroupName string `json:"GroupName"`
}

// QueryAppGroupListResp is QueryAppGroupList's answer.
type QueryAppGroupListResp struct {
	Envelope
	TotalCount  int64       `json:"TotalCount"`
	Next        int64       `json:"Next"`
	GroupIDList []GroupName `json:"GroupIdList"`
}

// QueryGroupsInfoOfUserReq is QueryGroupsInfoOfUser's body.
type QueryGroupsInfoOfUserReq struct {
	FromUserID string `json:"FromUserId"`
	Limit      int    `json:"Limit"`
	Next       string `json:"Next"`
}

// GroupBrief is one group of QueryGroupsInfoOfUser.
type GroupBrief struct {
	GroupID     string `json:"GroupId"`
	GroupName   string `json:"GroupName"`
	GroupAvatar string `json:"GroupAvatar"`
}

// QueryGroupsInfoOfUserResp is QueryGroupsInfoOfUser's answer; NextRsp "0" = end.
type QueryGroupsInfoOfUserResp struct {
	Envelope
	NextRsp         string       `json:"NextRsp"`
	HasJoinGroupNum int64        `json:"HasJoinGroupNum"`
	GroupInfoList   []GroupBrief `json:"GroupInfoList"`
}

// MuteGroupQuery is MuteGroup's query: Duration -1 forever, 0 cancels,
// else seconds.
type MuteGroupQuery struct {
	FromUserID   string `query:"FromUserId"`
	GroupID      string `query:"GroupId"`
	IsAllMuted   bool   `query:"IsAllMuted"`
	MuteRoleList []int  `query:"MuteRoleList"`
	Duration     int64  `query:"Duration"`
}

// MuteGroupMembersQuery is MuteGroupMembers' query (up to 20 users).
type MuteGroupMembersQuery struct {
	FromUserID string   `query:"FromUserId"`
	GroupID    string   `query:"GroupId"`
	UserIDs    []string `query:"UserIds"`
	Duration   int64    `query:"Duration"`
}

// FetchForbidGroupListReq is FetchForbidGroupList's body.
type FetchForbidGroupListReq struct {
	FromUserID string `json:"FromUserId"`
	StartFlag  int64  `json:"StartFlag"`
}

// ForbidGroup is one muted group: ForbidType bits 1 all, 2 role, 4 user.
type ForbidGroup struct {
	GroupID    string `json:"GroupId"`
	ForbidType int    `json:"ForbidType"`
}

// FetchForbidGroupListResp is FetchForbidGroupList's answer.
type FetchForbidGroupListResp struct {
	Envelope
	FetchEnd  int           `json:"FetchEnd"`
	NextFlag  int64         `json:"NextFlag"`
	GroupList []ForbidGroup `json:"GroupList"`
}

// ModifyGroupLimitQuery is ModifyGroupLimit's query; nil leaves a limit.
type ModifyGroupLimitQuery struct {
	FromUserID       string `query:"FromUserId"`
	GroupID          string `query:"GroupId"`
	JoinMode         *int   `query:"JoinMode"`
	InviteMode       *int   `query:"InviteMode"`
	BeInvitedMode    *int   `query:"BeInvitedMode"`
	MemberCountLimit *int64 `query:"MemberCountLimit"`
}

// SetGroupMemberRoleQuery is SetGroupMemberRole's query: Role 2 admin,
// 3 member, any other positive number a custom role (ZIM recommends > 100).
type SetGroupMemberRoleQuery struct {
	FromUserID string `query:"FromUserId"`
	GroupID    string `query:"GroupId"`
	ToUserID   string `query:"ToUserId"`
	Role       int    `query:"Role"`
}

// Nickname is one entry of SetGroupMembersNickname.
type Nickname struct {
	UserID   string `json:"UserId"`
	Nickname string `json:"Nickname"`
}

// SetGroupMembersNicknameReq is SetGroupMembersNickname's body (up to 20).
type SetGroupMembersNicknameReq struct {
	FromUserID string     `json:"FromUserId"`
	GroupID    string     `json:"GroupId"`
	UserIDs    []Nickname `json:"UserIds"`
}

// Action describes one Action of the ZIM dialect.
type Action struct {
	Name     string
	Method   string // GET: Request is a query struct; POST: a JSON body
	Summary  string
	Request  reflect.Type
	Response reflect.Type
}

// Actions lists every Action groupd serves.
func Actions() []Action {
	return []Action{
		{"UserRegister", "POST", "Registers up to 100 users; failures in ErrorList.", reflect.TypeFor[UserRegisterReq](), reflect.TypeFor[UserRegisterResp]()},
		{"ModifyUserInfo", "POST", "Changes name, avatar and extra information of up to 100 users; failures in ErrorList.", reflect.TypeFor[ModifyUserInfoReq](), reflect.TypeFor[ModifyUserInfoResp]()},
		{"QueryUserInfos", "POST", "Profiles of up to 100 users; unknown ones in ErrorList.", reflect.TypeFor[QueryUserInfosReq](), reflect.TypeFor[QueryUserInfosResp]()},
		{"CreateGroup", "POST", "Creates a group; unregistered members in ErrorUsers.", reflect.TypeFor[CreateGroupReq](), reflect.TypeFor[CreateGroupResp]()},
		{"DismissGroup", "GET", "Dismisses a group (1/s per group).", reflect.TypeFor[GroupOpQuery](), reflect.TypeFor[Envelope]()},
		{"InviteUsersIntoGroup", "POST", "Adds up to 100 members (1/s per group).", reflect.TypeFor[InviteUsersIntoGroupReq](), reflect.TypeFor[ErrorUsersResp]()},
		{"KickoutGroupUser", "POST", "Removes up to 50 members.", reflect.TypeFor[KickoutGroupUserReq](), reflect.TypeFor[KickoutGroupUserResp]()},
		{"TransferGroupOwner", "GET", "Transfers ownership to a member (1/s per group).", reflect.TypeFor[TransferGroupOwnerQuery](), reflect.TypeFor[Envelope]()},
		{"UpdateGroupData", "POST", "Sets name, notice or avatar; an omitted field stays, \"\" clears it.", reflect.TypeFor[UpdateGroupDataReq](), reflect.TypeFor[Envelope]()},
		{"ModifyGroupAttribute", "POST", "Upserts (Action 0) or deletes (1) group attributes.", reflect.TypeFor[ModifyGroupAttributeReq](), reflect.TypeFor[ModifyGroupAttributeResp]()},
		{"QueryGroupInfo", "POST", "A group's data, limits, mutes and attributes.", reflect.TypeFor[GroupRef](), reflect.TypeFor[QueryGroupInfoResp]()},
		{"QueryGroupMemberList", "POST", "Pages a group's members with a Next cursor.", reflect.TypeFor[QueryGroupMemberListReq](), reflect.TypeFor[QueryGroupMemberListResp]()},
		{"QueryAppGroupList", "GET", "Pages the app's groups that are not dismissed (1/s).", reflect.TypeFor[QueryAppGroupListQuery](), reflect.TypeFor[QueryAppGroupListResp]()},
		{"QueryGroupsInfoOfUser", "POST", "Pages the groups a user joined.", reflect.TypeFor[QueryGroupsInfoOfUserReq](), reflect.TypeFor[QueryGroupsInfoOfUserResp]()},
		{"MuteGroup", "GET", "Mutes all members or some roles, or cancels the group mute.", reflect.TypeFor[MuteGroupQuery](), reflect.TypeFor[Envelope]()},
		{"MuteGroupMembers", "GET", "Mutes or unmutes up to 20 members.", reflect.TypeFor[MuteGroupMembersQuery](), reflect.TypeFor[ErrorUsersResp]()},
		{"FetchForbidGroupList", "POST", "Scans 10,000 groups per call for mutes.", reflect.TypeFor[FetchForbidGroupListReq](), reflect.TypeFor[FetchForbidGroupListResp]()},
		{"ModifyGroupLimit", "GET", "Sets join, invite and be-invited modes and the member count limit.", reflect.TypeFor[ModifyGroupLimitQuery](), reflect.TypeFor[Envelope]()},
		{"SetGroupMemberRole", "GET", "Sets a member's role.", reflect.TypeFor[SetGroupMemberRoleQuery](), reflect.TypeFor[Envelope]()},
		{"SetGroupMembersNickname", "POST", "Sets up to 20 members' nicknames (1/s per group).", reflect.TypeFor[SetGroupMembersNicknameReq](), reflect.TypeFor[ErrorUsersResp]()},
	}
}

// Values encodes a query struct (the `query` tags) as GET parameters:
// arrays as Name[]=a&Name[]=b, nil pointers left out.
func Values(q any) url.Values {
	out := url.Values{}
	v := reflect.Indirect(reflect.ValueOf(q))
	t := v.Type()
	for i := range t.NumField() {
		name := t.Field(i).Tag.Get("query")
		if name == "" {
			continue
		}
		f := v.Field(i)
		if f.Kind() == reflect.Pointer {
			if f.IsNil() {
				continue
			}
			f = f.Elem()
		}
		if f.Kind() == reflect.Slice {
			for j := range f.Len() {
				out.Add(name+"[]", scalar(f.Index(j)))
			}
			continue
		}
		out.Set(name, scalar(f))
	}
	return out
}

func scalar(v reflect.Value) string {
	switch v.Kind() {
	case reflect.String:
		return v.String()
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(v.Uint(), 10)
	}
	return strings.TrimSpace(fmt.Sprint(v.Interface()))
}
