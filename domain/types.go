// Package domain holds groupd's model: users, groups, members, requests, the
// rules that govern them, and the storage interface the backends implement.
// It imports no storage driver and no HTTP code.
package domain

// Role levels, as OpenIM numbers them. ZIM's roles map 1⇔100, 2⇔60, 3⇔20;
// ZIM custom roles (see IsCustomRole) are stored as RoleMember with
// Member.CustomRole set.
const (
	RoleOwner  = 100
	RoleAdmin  = 60
	RoleMember = 20
)

// Group status as stored. OpenIM's status 3, "muted", is not stored: the
// OpenIM dialect derives it from the mute state.
const (
	StatusNormal    = 0
	StatusBanned    = 1
	StatusDismissed = 2
)

// Join rules. The first three are OpenIM's needVerification values; the
// fourth is ZIM's invite-only JoinMode 2, which OpenIM has no value for.
const (
	VerifyApplyNeedApproval = 0 // applications need approval, invites join directly
	VerifyAllNeedApproval   = 1 // everything needs approval unless owner/admin invites
	VerifyDirect            = 2 // anyone joins directly
	VerifyInviteOnly        = 3 // only invitations (ZIM JoinMode 2)
)

// Group types.
const (
	GroupTypeNormal  = 0
	GroupTypeSuper   = 1
	GroupTypeWorking = 2
)

// Join sources.
const (
	JoinSourceAdmin      = 1
	JoinSourceInvitation = 2
	JoinSourceSearch     = 3
	JoinSourceQRCode     = 4
)

// Request handle results.
const (
	RequestPending = 0
	RequestAgreed  = 1
	RequestRefused = -1
)

// Version log operations for incremental sync.
const (
	OpInsert = 1
	OpDelete = 2
	OpUpdate = 3
)

// User is a registered user.
type User struct {
	UserID     string
	Nickname   string
	FaceURL    string
	Ex         string
	CreateTime int64 // Unix ms
}

// Group is a group's own data, limits and mute state.
type Group struct {
	GroupID                string
	Name                   string
	Notification           string
	Introduction           string
	FaceURL                string
	Ex                     string
	Status                 int // StatusNormal, StatusBanned or StatusDismissed
	GroupType              int
	CreatorUserID          string
	OwnerUserID            string
	NeedVerification       int // one of the Verify* constants
	LookMemberInfo         int
	ApplyMemberFriend      int
	NotificationUpdateTime int64
	NotificationUserID     string
	CreateTime             int64
	// MemberCount is maintained by the store in the same transaction as
	// every membership change.
	MemberCount int64
	// DataSeq counts changes to the group's own data (ZIM GroupDataSeq).
	DataSeq int64

	// Limits (ZIM LimitInfo). MemberCountLimit 0 means no per-group limit.
	MemberCountLimit int64
	InviteMode       int // 0 any member may invite, 1 owner/admin only
	BeInvitedMode    int // 0 direct, 1 consent
	NumberMessage    int64

	// Mute state. MuteAll mutes every member; MutedRoles mutes members whose
	// ZIM role is listed. MuteUntil is Unix ms, 0 = until cancelled.
	MuteAll    bool
	MutedRoles []int
	MuteUntil  int64

	// Seq is a store-assigned number increasing in creation order; the
	// cursor of keyset paging over all groups.
	Seq int64
}

// Member is one user's membership of one group.
type Member struct {
	GroupID        string
	UserID         string
	RoleLevel      int // RoleOwner, RoleAdmin or RoleMember
	CustomRole     int // ZIM custom role (IsCustomRole) or 0
	JoinTime       int64
	Nickname       string
	FaceURL        string
	JoinSource     int
	InviterUserID  string
	OperatorUserID string
	MuteEndTime    int64 // Unix ms, 0 = not muted
	Ex             string
	// Seq is a store-assigned number, increasing in insertion order across
	// the whole store. It orders members and joined groups and is the
	// cursor of keyset paging.
	Seq int64
}

// GroupRequest is an application (or invitation needing approval) to join a group.
type GroupRequest struct {
	GroupID       string
	UserID        string
	HandleResult  int
	ReqMsg        string
	HandleMsg     string
	ReqTime       int64
	HandleUserID  string
	HandleTime    int64
	JoinSource    int
	InviterUserID string
	Ex            string
}

// Attribute is one custom key/value of a group (ZIM group attributes).
type Attribute struct {
	Key   string
	Value string
}

// Page is offset paging: Offset entries skipped, at most Limit returned.
type Page struct {
	Offset int
	Limit  int
}

// Actor is who performs a call: a user, possibly an app admin.
type Actor struct {
	UserID string
	Admin  bool
}
