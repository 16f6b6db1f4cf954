package domain

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"
)

// Limits bound what one call may carry. Zero fields take the defaults.
type Limits struct {
	MaxIDsPerCall   int // IDs in one list argument (default 1000)
	MaxIDLen        int // bytes in a user or group ID (default 64)
	MaxNameLen      int // bytes in a group name or nickname (default 256)
	MaxTextLen      int // bytes in notification, introduction, ex, URLs (default 65536)
	MaxAttributes   int // attributes per group (default 10)
	MaxAttrKeyLen   int // bytes in an attribute key (default 16)
	MaxAttrValueLen int // bytes in an attribute value (default 1024)
	// DefaultMemberCountLimit applies to new groups (0 = no per-group limit).
	DefaultMemberCountLimit int64
}

func (l Limits) withDefaults() Limits {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&l.MaxIDsPerCall, 1000)
	def(&l.MaxIDLen, 64)
	def(&l.MaxNameLen, 256)
	def(&l.MaxTextLen, 65536)
	def(&l.MaxAttributes, 10)
	def(&l.MaxAttrKeyLen, 16)
	def(&l.MaxAttrValueLen, 1024)
	return l
}

// Service holds every rule of the model; both wire dialects call it.
type Service struct {
	store  Store
	now    func() time.Time
	limits Limits
	sync   SyncOptions
	// reserved holds user IDs that cannot be registered (app admins).
	reserved map[string]bool
	// noEvents turns off appending events (to measure their cost).
	noEvents bool
}

// Options configure a Service.
type Options struct {
	Limits Limits
	// Now is the clock; time.Now when nil. Tests pass their own.
	Now func() time.Time
	// Sync bounds the incremental-sync version logs (see SyncOptions).
	Sync SyncOptions
	// ReservedUserIDs are the app admins' user IDs, which no one may
	// register as an ordinary user.
	ReservedUserIDs []string
	// NoEvents appends no events to the log (to measure their cost; the
	// dispatcher and change feed then see nothing).
	NoEvents bool
}

// NewService returns a Service over store.
func NewService(store Store, opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	reserved := make(map[string]bool, len(opts.ReservedUserIDs))
	for _, id := range opts.ReservedUserIDs {
		reserved[id] = true
	}
	return &Service{store: store, now: opts.Now, limits: opts.Limits.withDefaults(), sync: opts.Sync.withDefaults(),
		reserved: reserved, noEvents: opts.NoEvents}
}

// Limits returns the limits in force.
func (s *Service) Limits() Limits { return s.limits }

// Store returns the underlying store (for health checks).
func (s *Service) Store() Store { return s.store }

// NowMillis is the service clock in Unix milliseconds.
func (s *Service) NowMillis() int64 { return s.now().UnixMilli() }

// ItemError reports one failed item of a call that allows partial success.
type ItemError struct {
	ID   string
	Kind Kind
	Msg  string
}

func itemErr(id string, err error) ItemError {
	return ItemError{ID: id, Kind: ErrorKind(err), Msg: ErrorMessage(err)}
}

// storeErr turns a store error into a domain error with the client-safe
// detail, keeping the cause for logs.
func storeErr(err error, what string) error {
	if err == nil {
		return nil
	}
	var de *Error
	if errors.As(err, &de) {
		return &Error{Kind: de.Kind, Message: what + ": " + de.Message, Cause: err}
	}
	return &Error{Kind: KindInternal, Message: "internal error", Cause: fmt.Errorf("%s: %w", what, err)}
}

// ---- validation helpers ----

func (s *Service) checkID(kind, id string) error {
	if id == "" {
		return Errorf(KindInvalid, "%s is empty", kind)
	}
	if len(id) > s.limits.MaxIDLen {
		return Errorf(KindInvalid, "%s %s is longer than %d bytes", kind, quoted(id), s.limits.MaxIDLen)
	}
	if p := idProblem(id); p != "" {
		return Errorf(KindInvalid, "%s %s %s", kind, quoted(id), p)
	}
	return nil
}

// checkIDList validates a list of IDs: non-empty (unless allowEmpty), bounded,
// each valid, no duplicates.
func (s *Service) checkIDList(kind string, ids []string, allowEmpty bool) error {
	if len(ids) == 0 && !allowEmpty {
		return Errorf(KindInvalid, "%s list is empty", kind)
	}
	if len(ids) > s.limits.MaxIDsPerCall {
		return Errorf(KindInvalid, "%s list has %d entries, at most %d allowed", kind, len(ids), s.limits.MaxIDsPerCall)
	}
	seen := make(map[string]struct{}, len(ids))
	for _, id := range ids {
		if err := s.checkID(kind, id); err != nil {
			return err
		}
		if _, dup := seen[id]; dup {
			return Errorf(KindInvalid, "%s %s appears twice", kind, quoted(id))
		}
		seen[id] = struct{}{}
	}
	return nil
}

func (s *Service) checkText(field, v string, max int) error {
	if len(v) > max {
		return Errorf(KindInvalid, "%s is longer than %d bytes", field, max)
	}
	if p := textProblem(v); p != "" {
		return Errorf(KindInvalid, "%s %s", field, p)
	}
	return nil
}

// CheckPage validates offset paging arguments.
func CheckPage(p Page) error {
	if p.Offset < 0 {
		return Errorf(KindInvalid, "page offset is negative")
	}
	if p.Limit < 0 {
		return Errorf(KindInvalid, "page size is negative")
	}
	return nil
}

// ---- IDs ----

// IDStyle selects how a server-chosen group ID looks.
type IDStyle int

const (
	IDNumeric IDStyle = iota // OpenIM: a 10-digit numeric string
	IDHash                   // ZIM: "#" followed by random digits
)

// NewGroupID returns a fresh random group ID of style (the caller learns
// only at creation whether it is taken).
func NewGroupID(style IDStyle) string { return newGroupID(style) }

func newGroupID(style IDStyle) string {
	n := strconv.FormatUint(1_000_000_000+rand.Uint64N(9_000_000_000), 10)
	if style == IDHash {
		return "#" + n
	}
	return n
}

// ---- permissions ----

// member returns userID's membership of groupID, or ok=false.
func member(ctx context.Context, r Reader, groupID, userID string) (Member, bool, error) {
	m, err := r.GetMember(ctx, groupID, userID)
	if errors.Is(err, ErrNotFound) {
		return Member{}, false, nil
	}
	if err != nil {
		return Member{}, false, storeErr(err, "read member")
	}
	return m, true, nil
}

// actorRole returns the role level of the actor in the group: the member's
// role, or 0 when not a member. App admins who are not members get 0 too;
// callers check Admin first.
func actorRole(ctx context.Context, r Reader, groupID string, a Actor) (int, error) {
	m, ok, err := member(ctx, r, groupID, a.UserID)
	if err != nil || !ok {
		return 0, err
	}
	return m.RoleLevel, nil
}

// requireManager allows the owner, admins and app admins.
func requireManager(ctx context.Context, r Reader, groupID string, a Actor) (int, error) {
	role, err := actorRole(ctx, r, groupID, a)
	if err != nil {
		return 0, err
	}
	if a.Admin || role >= RoleAdmin {
		return role, nil
	}
	e := Errorf(KindNoPermission, "user %s is not owner or admin of group %s", a.UserID, groupID)
	if role == 0 {
		e.Cause = ErrActorNotMember // detail for dialects that tell the two apart (ZIM)
	}
	return 0, e
}

// requireMember allows members and app admins. For an app admin it reads
// nothing and returns role 0: no caller decides anything on an app admin's
// role, and this check runs on every read.
func requireMember(ctx context.Context, r Reader, groupID string, a Actor) (int, error) {
	if a.Admin {
		return 0, nil
	}
	role, err := actorRole(ctx, r, groupID, a)
	if err != nil {
		return 0, err
	}
	if a.Admin || role > 0 {
		return role, nil
	}
	return 0, Errorf(KindNotMember, "user %s is not a member of group %s", a.UserID, groupID).withDetail(ErrActorNotMember)
}

// requireSelfOrAdmin allows a user to act on their own data, and app admins on anyone's.
func requireSelfOrAdmin(a Actor, userID string) error {
	if a.Admin || a.UserID == userID {
		return nil
	}
	return Errorf(KindNoPermission, "user %s may not act for user %s", a.UserID, userID)
}

func requireAppAdmin(a Actor) error {
	if a.Admin {
		return nil
	}
	return Errorf(KindNoPermission, "user %s is not an app admin", a.UserID)
}

// loadGroup reads a group (locking it inside a write) and maps absence.
func lockGroup(ctx context.Context, tx Tx, groupID string) (Group, error) {
	g, err := tx.LockGroup(ctx, groupID)
	if errors.Is(err, ErrNotFound) {
		return Group{}, Errorf(KindGroupNotFound, "group %s not found", groupID)
	}
	if err != nil {
		return Group{}, storeErr(err, "read group")
	}
	return g, nil
}

// lockLiveGroup is lockGroup for changes: a dismissed group refuses them.
func lockLiveGroup(ctx context.Context, tx Tx, groupID string) (Group, error) {
	g, err := lockGroup(ctx, tx, groupID)
	if err != nil {
		return g, err
	}
	if g.Status == StatusDismissed {
		return g, Errorf(KindDismissed, "group %s is dismissed", groupID)
	}
	return g, nil
}

func (s *Service) getGroup(ctx context.Context, groupID string) (Group, error) {
	g, err := s.store.GetGroup(ctx, groupID)
	if errors.Is(err, ErrNotFound) {
		return Group{}, Errorf(KindGroupNotFound, "group %s not found", groupID)
	}
	return g, storeErr(err, "read group")
}

// existingUsers returns the set of IDs among ids that are registered.
func existingUsers(ctx context.Context, r Reader, ids []string) (map[string]User, error) {
	users, err := r.GetUsers(ctx, ids)
	if err != nil {
		return nil, storeErr(err, "read users")
	}
	m := make(map[string]User, len(users))
	for _, u := range users {
		m[u.UserID] = u
	}
	return m, nil
}

// ---- mute state ----

// MuteActive reports whether the group-wide mute (all or by role) is in force at now (ms).
func (g Group) MuteActive(now int64) bool {
	if !g.MuteAll && len(g.MutedRoles) == 0 {
		return false
	}
	return g.MuteUntil == 0 || g.MuteUntil > now
}

// MuteEnd returns the member's mute end (ms), or 0 when not muted at now.
func (m Member) MuteEnd(now int64) int64 {
	if m.MuteEndTime > now {
		return m.MuteEndTime
	}
	return 0
}

// IsCustomRole reports whether r is a ZIM custom role: a positive number
// other than 1 (owner), 2 (admin) and 3 (member). ZIM recommends numbers
// above 100 but does not require them. A custom role has member rights.
func IsCustomRole(r int) bool { return r > 0 && r != 1 && r != 2 && r != 3 }
