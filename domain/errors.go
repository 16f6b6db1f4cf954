package domain

import (
	"errors"
	"fmt"
)

// Kind classifies a domain error. Each wire dialect maps kinds (and, where
// needed, the detail) to its own codes in one table.
type Kind int

const (
	KindInternal      Kind = iota // unexpected failure; detail is never shown to clients
	KindInvalid                   // bad argument
	KindNotFound                  // generic record not found
	KindUserNotFound              // a named user does not exist
	KindUserExists                // user already registered
	KindGroupNotFound             // group does not exist
	KindGroupExists               // group ID already taken
	KindNoPermission              // actor may not do this
	KindNotMember                 // user is not in the group
	KindDismissed                 // group is dismissed
	KindGroupType                 // group type not supported
	KindLimitReached              // a size or count limit would be exceeded
	KindHandled                   // request handled already
	KindMuted                     // member muted
	KindGroupMuted                // group muted
	KindRateLimited               // too many requests
	KindUnavailable               // a backing service is down
	KindAlreadyMember             // user is already a member
	KindDuplicate                 // duplicate key in a request
)

var kindNames = map[Kind]string{
	KindInternal: "internal", KindInvalid: "invalid argument", KindNotFound: "not found",
	KindUserNotFound: "user not found", KindUserExists: "user exists", KindGroupNotFound: "group not found",
	KindGroupExists: "group exists", KindNoPermission: "no permission", KindNotMember: "not a member",
	KindDismissed: "group dismissed", KindGroupType: "group type not supported", KindLimitReached: "limit reached",
	KindHandled: "already handled", KindMuted: "member muted", KindGroupMuted: "group muted",
	KindRateLimited: "rate limited", KindUnavailable: "unavailable", KindAlreadyMember: "already a member",
	KindDuplicate: "duplicate",
}

func (k Kind) String() string { return kindNames[k] }

// Error is the one error type of the domain: a kind plus a message safe to
// show to the caller.
type Error struct {
	Kind    Kind
	Message string
	// Cause is the underlying error, for logs only.
	Cause error
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("%s: %s: %v", e.Kind, e.Message, e.Cause)
	}
	return fmt.Sprintf("%s: %s", e.Kind, e.Message)
}

func (e *Error) Unwrap() error { return e.Cause }

// Errorf builds a domain error of the given kind.
func Errorf(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// ErrorKind returns the kind of err: KindInternal unless err wraps an *Error.
func ErrorKind(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// ErrorMessage returns the client-safe message of err ("" for internal errors).
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Kind != KindInternal {
		return e.Message
	}
	return ""
}

// IsKind reports whether err is a domain error of kind k.
func IsKind(err error, k Kind) bool { return err != nil && ErrorKind(err) == k }

// Sentinel errors the stores return; the service turns them into messages
// with detail.
var (
	ErrNotFound     = &Error{Kind: KindNotFound, Message: "record not found"}
	ErrUnavailable  = &Error{Kind: KindUnavailable, Message: "storage unavailable"}
	ErrGroupExists  = &Error{Kind: KindGroupExists, Message: "group ID exists"}
	ErrUserExists   = &Error{Kind: KindUserExists, Message: "user already registered"}
	ErrMemberExists = &Error{Kind: KindAlreadyMember, Message: "already a member"}
)

// Details (Error.Cause) that tell apart cases of one kind which a dialect
// answers with different codes (OpenIM's group service answers "kick the
// owner" 1001 but "admin kicks an admin" 1002; ZIM has a code for an actor
// outside the group). Dialects test them with errors.Is.
var (
	// ErrActorNotMember: the actor is not a member of the group at all.
	ErrActorNotMember = errors.New("actor is not a member of the group")
	// ErrTargetNotMember: the user acted on is not a member of the group.
	ErrTargetNotMember = errors.New("target is not a member of the group")
	// ErrTargetSelf: the actor acts on themself where that is not allowed.
	ErrTargetSelf = errors.New("target is the actor")
	// ErrTargetOwner: the user acted on is the group's owner, out of reach.
	ErrTargetOwner = errors.New("target is the group owner")
)

// withDetail sets e's detail and returns it.
func (e *Error) withDetail(detail error) *Error {
	e.Cause = detail
	return e
}

// notMember is the error for targetID not being a member of groupID.
func notMember(groupID, targetID string) *Error {
	return Errorf(KindNotMember, "user %s is not a member of group %s", targetID, groupID).withDetail(ErrTargetNotMember)
}
