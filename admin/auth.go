package admin

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
)

// adminPlatformID is the platform of the tokens /auth/get_admin_token
// issues, and only it (get_user_token refuses platform 10).
const adminPlatformID = 10

// RequireAdminToken serves next only to requests whose "token" header holds
// an app admin's token, as the OpenIM API itself says: the request's token
// is passed to /auth/parse_token on api (the server's handler of the
// OpenIM paths), so revoked, expired and forged tokens are refused exactly
// as there. Others are answered HTTP 401 (no or a bad token) or 403 (a
// user's token) with an OpenIM-shaped body. The console's own data, such
// as the dashboard's history, is served behind it.
func RequireAdminToken(api http.Handler, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := r.Header.Get("token")
		if token == "" {
			deny(w, http.StatusUnauthorized, 1001, "ArgsError", "header must have token")
			return
		}
		req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, "/auth/parse_token", strings.NewReader("{}"))
		if err != nil {
			deny(w, http.StatusInternalServerError, 500, "ServerInternalError", err.Error())
			return
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("token", token)
		opID := r.Header.Get("operationID")
		if opID == "" {
			opID = "admin-console"
		}
		req.Header.Set("operationID", opID)
		req.RemoteAddr = r.RemoteAddr
		rec := &recorder{header: http.Header{}}
		api.ServeHTTP(rec, req)
		var env struct {
			ErrCode int    `json:"errCode"`
			ErrMsg  string `json:"errMsg"`
			ErrDlt  string `json:"errDlt"`
			Data    struct {
				PlatformID int32 `json:"platformID"`
			} `json:"data"`
		}
		if err := json.Unmarshal(rec.body.Bytes(), &env); err != nil {
			deny(w, http.StatusInternalServerError, 500, "ServerInternalError", "parse_token answered no OpenIM envelope")
			return
		}
		switch {
		case env.ErrCode != 0:
			deny(w, http.StatusUnauthorized, env.ErrCode, env.ErrMsg, env.ErrDlt)
		case env.Data.PlatformID != adminPlatformID:
			deny(w, http.StatusForbidden, 1002, "NoPermissionError", "an app admin's token is needed: [1002]NoPermissionError")
		default:
			next.ServeHTTP(w, r)
		}
	})
}

func deny(w http.ResponseWriter, status, code int, name, dlt string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"errCode": code, "errMsg": name, "errDlt": dlt})
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
