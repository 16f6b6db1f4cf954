package feed

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"
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

// adminPlatformID is the platform of the tokens /auth/get_admin_token
// issues, and only it.
const adminPlatformID = 10

// OpenIMAuth checks tokens as the OpenIM API does: the token is passed to
// /auth/parse_token on api (the server's handler of the OpenIM paths), so
// revoked, expired and forged tokens are refused exactly as there. An app
// admin's token (platform 10) sees everything.
func OpenIMAuth(api http.Handler) Authenticator {
	return func(ctx context.Context, token, remoteAddr string) (Viewer, error) {
		if token == "" {
			return Viewer{}, &AuthError{Status: http.StatusUnauthorized, Code: 1001, Name: "ArgsError", Detail: "header token (or ?token=) is required"}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, "/auth/parse_token", strings.NewReader("{}"))
		if err != nil {
			return Viewer{}, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("token", token)
		req.Header.Set("operationID", "events-feed")
		req.RemoteAddr = remoteAddr
		rec := &recorder{header: http.Header{}}
		api.ServeHTTP(rec, req)
		var env struct {
			ErrCode int    `json:"errCode"`
			ErrMsg  string `json:"errMsg"`
			ErrDlt  string `json:"errDlt"`
			Data    struct {
				UserID            string `json:"userID"`
				PlatformID        int32  `json:"platformID"`
				ExpireTimeSeconds int64  `json:"expireTimeSeconds"`
			} `json:"data"`
		}
		if err := json.Unmarshal(rec.body.Bytes(), &env); err != nil {
			return Viewer{}, errors.New("parse_token answered no OpenIM envelope")
		}
		if env.ErrCode != 0 {
			return Viewer{}, &AuthError{Status: http.StatusUnauthorized, Code: env.ErrCode, Name: env.ErrMsg, Detail: env.ErrDlt}
		}
		v := Viewer{UserID: env.Data.UserID, Admin: env.Data.PlatformID == adminPlatformID}
		if env.Data.ExpireTimeSeconds > 0 {
			v.Expires = time.Unix(env.Data.ExpireTimeSeconds, 0)
		}
		return v, nil
	}
}

type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) WriteHeader(code int)        { r.status = code }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
