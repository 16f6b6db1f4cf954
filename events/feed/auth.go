package feed

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/groupd/groupd/internal/parsetoken"
)

// Viewer is who reads a feed.
type Viewer struct {
	UserID string
	// Admin sees every event; others see the events of their groups and
	// the events about themselves.
	Admin bool
	// Expires ends the feed (zero: never); the client reconnects with a
	// fresh token and its cursor.
	Expires time.Time
}

// AuthError is an authentication failure: Status is 401 or 403, Code,
// Name and Detail the OpenIM error fields.
type AuthError struct {
	Status int
	Code   int
	Name   string
	Detail string
}

func (e *AuthError) Error() string { return e.Name + ": " + e.Detail }

// Authenticator says whose token is (ErrBadToken-like *AuthError when it
// is not valid).
type Authenticator func(ctx context.Context, token, remoteAddr string) (Viewer, error)

// OpenIMAuth checks tokens as the OpenIM API does (parsetoken.Check on api,
// the server's handler of the OpenIM paths), so revoked, expired and
// forged tokens are refused exactly as there. An app admin's token sees
// everything.
func OpenIMAuth(api http.Handler) Authenticator {
	return func(ctx context.Context, token, remoteAddr string) (Viewer, error) {
		if token == "" {
			return Viewer{}, &AuthError{Status: http.StatusUnauthorized, Code: 1001, Name: "ArgsError", Detail: "header token (or ?token=) is required"}
		}
		info, err := parsetoken.Check(ctx, api, token, remoteAddr, "events-feed")
		var refused *parsetoken.Refused
		if errors.As(err, &refused) {
			return Viewer{}, &AuthError{Status: http.StatusUnauthorized, Code: refused.Code, Name: refused.Name, Detail: refused.Detail}
		}
		if err != nil {
			return Viewer{}, err
		}
		return Viewer{UserID: info.UserID, Admin: info.Admin(), Expires: info.Expires}, nil
	}
}
