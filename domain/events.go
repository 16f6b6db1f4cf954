package domain

import (
	"context"
	"encoding/json"
	"strings"
)

// Events. Every committed change appends its events in the same
// transaction (Tx.AppendEvents): no acknowledged change without its event,
// no event without its change. A dispatcher (package events) reads them
// back through EventLog and delivers them to the sinks (OpenIM webhooks,
// ZIM callbacks, NATS, the SSE change feed).
//
// Order: every event belongs to one partition, the group it is about
// (PartitionOf) or, for user events, the user ("u:" + userID). The store
// numbers a partition's events 1, 2, 3, … (Event.Seq) in commit order, so a
// receiver can be served each group's events in order.

// Event types.
const (
	EventUserRegistered    = "user.registered"
	EventUserUpdated       = "user.updated"
	EventGroupCreated      = "group.created"
	EventGroupUpdated      = "group.updated"
	EventGroupMuted        = "group.muted" // mute set or cancelled (Data.Group has the state)
	EventGroupDismissed    = "group.dismissed"
	EventOwnerTransferred  = "group.owner_transferred"
	EventAttributesSet     = "group.attributes_set"
	EventAttributesDeleted = "group.attributes_deleted"
	EventMembersJoined     = "member.joined" // direct join, invitation, approved request
	EventMemberQuit        = "member.quit"
	EventMembersKicked     = "member.kicked"
	EventMemberUpdated     = "member.updated" // nickname, face, ex, role
	EventMembersMuted      = "member.muted"   // mute set or cancelled (Data.MuteEndTime)
	EventRequestCreated    = "request.created"
	EventRequestHandled    = "request.handled"
)

// Join kinds of EventMembersJoined (Data.JoinKind).
const (
	JoinKindCreate   = "create"   // initial member of a new group (only in EventGroupCreated)
	JoinKindInvite   = "invite"   // added by InviteMembers
	JoinKindApply    = "apply"    // joined directly (needVerification 2)
	JoinKindApproved = "approved" // request agreed by HandleRequest
)

// Event is one committed change.
type Event struct {
	// ID is store-assigned and unique; within a partition it increases in
	// commit order. Receivers de-duplicate by it.
	ID int64
	// Partition is the ordering key: the group ID, or "u:" + user ID.
	Partition string
	// Seq is store-assigned: 1, 2, 3, … per partition, in commit order.
	Seq int64
	// TxID orders events for readers of the log (see EventLog.ReadEvents):
	// the PostgreSQL transaction ID, 0 on SQLite.
	TxID int64

	Type    string
	GroupID string // "" for user events
	// UserIDs are the users the event is about (joined, left, kicked,
	// muted, applied, registered, …); a user's change feed shows them.
	UserIDs []string
	Time    int64 // Unix ms
	// OperatorUserID is who made the change ("" for a ZIM server call
	// naming no operator).
	OperatorUserID string
	// Dialect ("openim", "zim" or "" when unknown) and OperationID (OpenIM
	// operationID, ZIM RequestId) of the request that made the change.
	Dialect     string
	OperationID string
	// Data is EventData as JSON: what a receiver needs without calling back.
	Data []byte
}

// Pos is the event's position in EventLog order.
func (e Event) Pos() EventPos { return EventPos{TxID: e.TxID, ID: e.ID} }

// Decode returns the event's data.
func (e Event) Decode() (EventData, error) {
	var d EventData
	if len(e.Data) == 0 {
		return d, nil
	}
	err := json.Unmarshal(e.Data, &d)
	return d, err
}

// EventData is the payload of an event; each type sets the fields it needs.
type EventData struct {
	Group       *Group         `json:"group,omitempty"`   // the group after the change
	Members     []Member       `json:"members,omitempty"` // memberships added or changed (after)
	UserIDs     []string       `json:"userIDs,omitempty"` // users removed (quit, kicked) or members of a dismissed group
	Users       []User         `json:"users,omitempty"`   // registered or updated users (after)
	Requests    []GroupRequest `json:"requests,omitempty"`
	Attributes  []Attribute    `json:"attributes,omitempty"`
	Keys        []string       `json:"keys,omitempty"` // deleted attribute keys
	Reason      string         `json:"reason,omitempty"`
	JoinKind    string         `json:"joinKind,omitempty"`
	OldOwner    string         `json:"oldOwner,omitempty"`
	NewOwner    string         `json:"newOwner,omitempty"`
	MuteEndTime int64          `json:"muteEndTime,omitempty"`
	// Patches say which fields a call set (nil = not set), for receivers
	// that tell "set to the same value" from "not set" (OpenIM's *Ex
	// callbacks).
	GroupPatch  *GroupPatch  `json:"groupPatch,omitempty"`
	MemberPatch *MemberPatch `json:"memberPatch,omitempty"`
	UserPatch   *UserPatch   `json:"userPatch,omitempty"`
	// MembersDeleted is set on a dismissal that removed the memberships.
	MembersDeleted bool `json:"membersDeleted,omitempty"`
	// Route is the OpenIM path or ZIM Action of the request (Origin.Route):
	// OpenIM sends different callbacks for set_group_info and its _ex twin.
	Route string `json:"route,omitempty"`
}

// EventPos is a position in the event log: events are read in (TxID, ID)
// order.
type EventPos struct {
	TxID int64
	ID   int64
}

// Less reports whether p comes before q.
func (p EventPos) Less(q EventPos) bool {
	return p.TxID < q.TxID || p.TxID == q.TxID && p.ID < q.ID
}

// UserPartition is the partition of a user's own events.
func UserPartition(userID string) string { return "u:" + userID }

// Origin is the request a change came from; the wire dialects put it in
// the context (WithOrigin) and the events carry it.
type Origin struct {
	Dialect     string // "openim" or "zim"
	OperationID string // OpenIM operationID header, ZIM RequestId
	Route       string // OpenIM path or ZIM Action
}

type originKey struct{}

// WithOrigin returns ctx carrying o.
func WithOrigin(ctx context.Context, o Origin) context.Context {
	return context.WithValue(ctx, originKey{}, o)
}

// OriginFrom returns the Origin in ctx (zero when none).
func OriginFrom(ctx context.Context) Origin {
	o, _ := ctx.Value(originKey{}).(Origin)
	return o
}

// EventLog is the store side of the dispatcher: reading committed events
// back, the dispatcher's durable state, retention and leases. Both stores
// implement it; store/storetest checks it.
type EventLog interface {
	// ReadEvents returns up to limit events after pos in (TxID, ID) order.
	// The order is stable: no event committed later can sort before the
	// last one returned (PostgreSQL returns only the events of
	// transactions older than every one still running).
	ReadEvents(ctx context.Context, after EventPos, limit int) ([]Event, error)
	// EventPosOf returns the position of event id, to resume reading after
	// it (a change feed's Last-Event-ID); id 0 is the start of the log. ok
	// is false when the event is not kept (retention removed it) or never
	// existed.
	EventPosOf(ctx context.Context, id int64) (pos EventPos, ok bool, err error)
	// EventHead returns the position of the newest event ReadEvents can
	// return now (zero when the log is empty).
	EventHead(ctx context.Context) (EventPos, error)
	// PruneEvents deletes up to limit events older than before (Unix ms),
	// oldest first, and returns how many it deleted. Callers loop; each
	// call is a short transaction of its own so writes are never held up.
	PruneEvents(ctx context.Context, before int64, limit int) (int, error)

	// SinkState returns a sink's low-water mark: every event before it is
	// delivered or dead-lettered. ok is false for a sink never saved.
	SinkState(ctx context.Context, sink string) (pos EventPos, ok bool, err error)
	// DeliveredSeqs returns the last delivered Seq of each partition among
	// partitions that has one for sink.
	DeliveredSeqs(ctx context.Context, sink string, partitions []string) (map[string]int64, error)
	// SaveSinkProgress records in one transaction a sink's low-water mark,
	// the last delivered Seq of partitions, and new dead letters.
	SaveSinkProgress(ctx context.Context, sink string, pos EventPos, seqs map[string]int64, dead []DeadLetter) error

	// DeadLetters lists up to limit dead letters of sink ("" = every
	// sink), oldest first.
	DeadLetters(ctx context.Context, sink string, limit int) ([]DeadLetter, error)
	// CountDeadLetters counts dead letters per sink.
	CountDeadLetters(ctx context.Context) (map[string]int64, error)
	// ReplayDeadLetters marks dead letters of sink ("" = every sink) for
	// another delivery; eventIDs narrows them (nil = all). It returns how
	// many were marked.
	ReplayDeadLetters(ctx context.Context, sink string, eventIDs []int64) (int, error)
	// TakeReplays returns up to limit dead letters of sink marked for
	// replay, with their events (an event pruned since is dropped).
	TakeReplays(ctx context.Context, sink string, limit int) ([]DeadLetter, []Event, error)
	// ResolveDeadLetter deletes a dead letter (delivered on replay) or,
	// with errMsg set, marks it dead again with the new error.
	ResolveDeadLetter(ctx context.Context, sink string, eventID int64, errMsg string) error

	// TryLease tries to become the one deliverer of name among nodes
	// sharing the store. ok is false when another node holds it.
	TryLease(ctx context.Context, name string) (lease Lease, ok bool, err error)
}

// Lease is held by one node until Release or until the node dies.
type Lease interface {
	// Check reports an error when the lease may be lost (its connection
	// broke): the holder must stop and try again.
	Check(ctx context.Context) error
	Release()
}

// DeadLetter is an event a sink gave up on after its retry horizon.
type DeadLetter struct {
	Sink      string
	EventID   int64
	Partition string
	Type      string
	Attempts  int
	Error     string
	DeadAt    int64 // Unix ms
	Replay    bool  // marked for another delivery
}

// ---- appending events ----

// emit appends one event of the actor's change in tx.
func (s *Service) emit(ctx context.Context, tx Tx, a Actor, typ, groupID string, userIDs []string, d EventData) error {
	if s.noEvents {
		return nil
	}
	ev, err := s.newEvent(ctx, a, typ, groupID, userIDs, d)
	if err != nil {
		return err
	}
	return storeErr(tx.AppendEvents(ctx, []Event{ev}), "append event")
}

func (s *Service) newEvent(ctx context.Context, a Actor, typ, groupID string, userIDs []string, d EventData) (Event, error) {
	o := OriginFrom(ctx)
	d.Route = o.Route
	data, err := json.Marshal(d)
	if err != nil {
		return Event{}, &Error{Kind: KindInternal, Message: "internal error", Cause: err}
	}
	part := groupID
	if part == "" && len(userIDs) > 0 {
		part = UserPartition(userIDs[0])
	}
	return Event{Partition: part, Type: typ, GroupID: groupID, UserIDs: userIDs, Time: s.NowMillis(),
		OperatorUserID: a.UserID, Dialect: o.Dialect, OperationID: o.OperationID, Data: data}, nil
}

// emitUsers appends one event per user (each user is its own partition).
func (s *Service) emitUsers(ctx context.Context, tx Tx, a Actor, typ string, users []User, patches map[string]*UserPatch) error {
	if s.noEvents || len(users) == 0 {
		return nil
	}
	evs := make([]Event, len(users))
	for i, u := range users {
		ev, err := s.newEvent(ctx, a, typ, "", []string{u.UserID}, EventData{Users: []User{u}, UserPatch: patches[u.UserID]})
		if err != nil {
			return err
		}
		evs[i] = ev
	}
	return storeErr(tx.AppendEvents(ctx, evs), "append events")
}

// JoinUserIDs and SplitUserIDs encode Event.UserIDs in one text column:
// IDs never hold control characters (checkID), so a newline separates them.
func JoinUserIDs(ids []string) string { return strings.Join(ids, "\n") }

// SplitUserIDs is the inverse of JoinUserIDs.
func SplitUserIDs(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// emitJoined appends the event of members added to g (g as locked, before
// the insert).
func (s *Service) emitJoined(ctx context.Context, tx Tx, a Actor, g Group, ms []Member, kind, reason string) error {
	g.MemberCount += int64(len(ms))
	return s.emit(ctx, tx, a, EventMembersJoined, g.GroupID, memberIDs(ms), EventData{Group: &g, Members: ms, JoinKind: kind, Reason: reason})
}
