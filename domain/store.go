package domain

import "context"

// Store is the storage interface every backend (sqlite, postgres) implements
// and the conformance suite in store/storetest checks. Stores do storage and
// atomicity; the rules live in Service.
//
// Errors: a missing row is ErrNotFound, a taken primary key is ErrGroupExists,
// ErrUserExists or ErrMemberExists, a backend that cannot be reached is
// ErrUnavailable (all matched with errors.Is).
type Store interface {
	Reader
	// EventLog reads the durable event log back for delivery (events.go).
	EventLog
	// Write runs fn in one write transaction and commits it durably before
	// returning. If fn returns an error nothing it wrote is kept. fn may be
	// run more than once (a backend may retry on serialization failure), so
	// it must have no effects outside tx.
	Write(ctx context.Context, fn func(tx Tx) error) error
	// Ping reports whether the backend is reachable.
	Ping(ctx context.Context) error
	Close() error
}

// Reader holds the queries. Lists never return nil slices for "none";
// callers treat nil and empty alike.
type Reader interface {
	// GetUsers returns the users that exist among ids, in no particular order.
	GetUsers(ctx context.Context, ids []string) ([]User, error)
	// ListUsers pages all users by creation order.
	ListUsers(ctx context.Context, page Page) (users []User, total int64, err error)

	// GetGroup returns one group or ErrNotFound.
	GetGroup(ctx context.Context, groupID string) (Group, error)
	// GetGroups returns the groups that exist among ids, in no particular order.
	GetGroups(ctx context.Context, ids []string) ([]Group, error)
	// ListGroupsAfter returns up to limit groups with Seq > afterSeq, by Seq.
	ListGroupsAfter(ctx context.Context, afterSeq int64, limit int) ([]Group, error)
	// CountGroups counts all groups.
	CountGroups(ctx context.Context) (int64, error)
	// ListLiveGroupsAfter returns up to limit groups that are not dismissed
	// with Seq > afterSeq, by Seq, reading O(limit) rows however many
	// dismissed groups lie between.
	ListLiveGroupsAfter(ctx context.Context, afterSeq int64, limit int) ([]Group, error)
	// CountLiveGroups counts the groups that are not dismissed.
	CountLiveGroups(ctx context.Context) (int64, error)
	// SearchGroups pages non-dismissed groups, newest first, matching q.
	SearchGroups(ctx context.Context, q GroupSearch) (groups []Group, total int64, err error)

	// GetMember returns one membership or ErrNotFound.
	GetMember(ctx context.Context, groupID, userID string) (Member, error)
	// GetMembers returns the memberships of groupID among userIDs.
	GetMembers(ctx context.Context, groupID string, userIDs []string) ([]Member, error)
	// ListMembers pages a group's members ordered by role level descending,
	// then Seq (join order) ascending.
	ListMembers(ctx context.Context, q MemberQuery) (members []Member, total int64, err error)
	// ListMembersAfter returns up to limit members with Seq > afterSeq, by Seq.
	ListMembersAfter(ctx context.Context, groupID string, afterSeq int64, limit int) ([]Member, error)
	// MemberUserIDs returns all member IDs of a group in list order: role
	// level descending, then Seq (join order) ascending, as ListMembers.
	MemberUserIDs(ctx context.Context, groupID string) ([]string, error)

	// ListJoined pages userID's memberships in join order.
	ListJoined(ctx context.Context, userID string, page Page) (members []Member, total int64, err error)
	// ListJoinedAfter returns up to limit memberships of userID with Seq > afterSeq, by Seq.
	ListJoinedAfter(ctx context.Context, userID string, afterSeq int64, limit int) ([]Member, error)
	// JoinedGroupIDPage pages userID's joined group IDs in join order, with
	// their total, from an index (no per-request count of the user's rows).
	JoinedGroupIDPage(ctx context.Context, userID string, page Page) (groupIDs []string, total int64, err error)
	// CountJoined counts userID's memberships.
	CountJoined(ctx context.Context, userID string) (int64, error)
	// JoinedGroupIDs returns all group IDs userID is a member of, in join order.
	JoinedGroupIDs(ctx context.Context, userID string) ([]string, error)

	// GetAttributes returns a group's attributes ordered by key.
	GetAttributes(ctx context.Context, groupID string) ([]Attribute, error)

	// GetRequest returns one group request or ErrNotFound.
	GetRequest(ctx context.Context, groupID, userID string) (GroupRequest, error)
	// ListRequests pages group requests, newest first, matching q.
	ListRequests(ctx context.Context, q RequestQuery) (reqs []GroupRequest, total int64, err error)

	// GroupsWithMutedMembers reports which of groupIDs have a member whose
	// mute ends after now (ms), from an index of muted members.
	GroupsWithMutedMembers(ctx context.Context, groupIDs []string, now int64) (map[string]bool, error)

	// GroupDataUnseen returns userID's groups whose DataSeq is above the
	// one last reported to userID's joined-group log (see
	// MarkGroupDataSeen; a membership starts at its group's DataSeq), with
	// their DataSeq. Its cost is the user's memberships, never a group's.
	GroupDataUnseen(ctx context.Context, userID string) ([]GroupDataSeq, error)

	// VersionState returns owner's version-log position in one point read
	// (the zero state when the owner never logged a change).
	VersionState(ctx context.Context, owner VersionOwner) (VersionState, error)
	// VersionLog returns the log entries of owner with version > since,
	// by version, plus the owner's current version state.
	VersionLog(ctx context.Context, owner VersionOwner, since int64, limit int) (state VersionState, entries []VersionEntry, err error)
}

// Tx is a write transaction. Its reads see its own writes.
type Tx interface {
	Reader

	// LockGroup reads a group and holds it so that no other transaction
	// changes the group or its membership until this one ends (SELECT … FOR
	// UPDATE on PostgreSQL; SQLite has one writer). ErrNotFound if missing.
	LockGroup(ctx context.Context, groupID string) (Group, error)

	// InsertUsers adds users; ErrUserExists (wrapped, naming the ID) if one exists.
	InsertUsers(ctx context.Context, users []User) error
	// UpdateUser overwrites a user's profile fields.
	UpdateUser(ctx context.Context, u User) error

	// InsertGroup adds a group with MemberCount 0; ErrGroupExists if taken.
	InsertGroup(ctx context.Context, g Group) error
	// UpdateGroup overwrites a group's own data, limits and mute state. It
	// never changes MemberCount (the store keeps it) or Seq.
	UpdateGroup(ctx context.Context, g Group) error

	// InsertMembers adds memberships, assigns their Seq and raises the
	// group's MemberCount in the same transaction. ErrMemberExists if one exists.
	InsertMembers(ctx context.Context, members []Member) error
	// DeleteMembers removes memberships that exist and lowers MemberCount;
	// it returns how many were removed.
	DeleteMembers(ctx context.Context, groupID string, userIDs []string) (int, error)
	// DeleteAllMembers removes every membership of a group.
	DeleteAllMembers(ctx context.Context, groupID string) (int, error)
	// UpdateMember overwrites a membership's fields (not Seq or JoinTime).
	UpdateMember(ctx context.Context, m Member) error

	// PutAttributes inserts or replaces attributes of a group.
	PutAttributes(ctx context.Context, groupID string, attrs []Attribute) error
	// DeleteAttributes removes attributes by key; missing keys are ignored.
	DeleteAttributes(ctx context.Context, groupID string, keys []string) error

	// PutRequest inserts or replaces the request of (GroupID, UserID).
	PutRequest(ctx context.Context, r GroupRequest) error

	// LogVersion appends changes to owner's version log: each entry's
	// element gets the next version; the owner's version rises by one for
	// the whole call. It returns the new version.
	LogVersion(ctx context.Context, owner VersionOwner, op int, elementIDs []string) (int64, error)
	// MarkGroupDataSeen records that userID's joined-group log has reported
	// each group's data up to its DataSeq (never lowering what is
	// recorded; memberships that no longer exist are skipped).
	MarkGroupDataSeen(ctx context.Context, userID string, seen []GroupDataSeq) error
	// CompactVersions removes entries of owner at or below version upTo and
	// records upTo as the oldest version a client can resume from.
	CompactVersions(ctx context.Context, owner VersionOwner, upTo int64) error

	// AppendEvents adds events to the event log in this transaction. The
	// store assigns each its ID and, per Partition, the next Seq (1, 2, 3,
	// … in commit order); the caller's ID, Seq and TxID are ignored.
	AppendEvents(ctx context.Context, events []Event) error
}

// MemberQuery selects members of one group.
type MemberQuery struct {
	GroupID string
	// RoleLevels, when not empty, keeps only members with these role levels.
	RoleLevels []int
	// Keyword, when not empty, keeps members whose user ID equals it or whose
	// nickname contains it.
	Keyword string
	Page    Page
}

// GroupSearch selects groups for the admin search.
type GroupSearch struct {
	GroupID    string // exact match, when set
	NameSubstr string // substring of the name, when set
	Page       Page
}

// RequestQuery selects group requests. Set GroupIDs (requests to these
// groups) and/or UserID (requests by this user).
type RequestQuery struct {
	GroupIDs      []string
	UserID        string
	UserIDs       []string
	HandleResults []int
	Page          Page
}

// VersionOwner names a version log: a group's member list or a user's
// joined-group list.
type VersionOwner struct {
	Kind string // VersionGroupMembers or VersionUserGroups
	ID   string
}

const (
	VersionGroupMembers = "gm"
	VersionUserGroups   = "ug"
)

// GroupDataSeq is a group's DataSeq, as reported to a joined-group log.
type GroupDataSeq struct {
	GroupID string
	DataSeq int64
}

// VersionState is an owner's version log position.
type VersionState struct {
	VersionID  string // random per owner; changes when the log restarts
	Version    int64  // current version
	MinVersion int64  // oldest version a client may resume from
}

// VersionEntry is one element's latest change.
type VersionEntry struct {
	ElementID string
	Op        int
	Version   int64
}
