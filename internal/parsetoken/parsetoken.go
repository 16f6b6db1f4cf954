// Package parsetoken checks an OpenIM token the way the OpenIM API itself
// does, for the server's own pages and streams (the admin console, the
// change feed): the token is passed to /auth/parse_token on the server's
// handler of the OpenIM paths, so revoked, expired and forged tokens are
// refused exactly as there, and no second copy of the token rules exists.
package parsetoken

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"
)

// AdminPlatformID is the platform of the tokens /auth/get_admin_token
// issues, and only it (get_user_token refuses platform 10).
const AdminPlatformID = 10

// Info is a valid token's holder.
type Info struct {
	UserID     string
	PlatformID int32
	Expires    time.Time // zero: none given
}

// Admin reports whether the token is an app admin's.
func (i Info) Admin() bool { return i.PlatformID == AdminPlatformID }

// Refused is parse_token's refusal, with OpenIM's error fields.
type Refused struct {
	Code   int
	Name   string
	Detail string
}

func (e *Refused) Error() string { return e.Name + ": " + e.Detail }

// Check asks api's /auth/parse_token about token (not empty). A refused
// token is a *Refused; any other error is the server's.
func Check(ctx context.Context, api http.Handler, token, remoteAddr, operationID string) (Info, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "/auth/parse_token", strings.NewReader("{}"))
	if err != nil {
		return Info{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("token", token)
	req.Header.Set("operationID", operationID)
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
		return Info{}, errors.New("parse_token answered no OpenIM envelope")
	}
	if env.ErrCode != 0 {
		return Info{}, &Refused{Code: env.ErrCode, Name: env.ErrMsg, Detail: env.ErrDlt}
	}
	info := Info{UserID: env.Data.UserID, PlatformID: env.Data.PlatformID}
	if env.Data.ExpireTimeSeconds > 0 {
		info.Expires = time.Unix(env.Data.ExpireTimeSeconds, 0)
	}
	return info, nil
}

// recorder keeps the internal answer of parse_token.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) WriteHeader(code int)        { r.status = code }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
