package admin

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/groupd/groupd/internal/parsetoken"
)

// RequireAdminToken serves next only to requests whose "token" header holds
// an app admin's token, as the OpenIM API itself says (parsetoken.Check
// on api, the server's handler of the OpenIM paths), so revoked, expired
// and forged tokens are refused exactly as there. Others are answered HTTP
// 401 (no or a bad token) or 403 (a user's token) with an OpenIM-shaped
// body. The console's own data, such as the dashboard's history, is served
// behind it.
func RequireAdminToken(api http.Handler, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := r.Header.Get("token")
		if token == "" {
			deny(w, http.StatusUnauthorized, 1001, "ArgsError", "header must have token")
			return
		}
		opID := r.Header.Get("operationID")
		if opID == "" {
			opID = "admin-console"
		}
		info, err := parsetoken.Check(r.Context(), api, token, r.RemoteAddr, opID)
		var refused *parsetoken.Refused
		switch {
		case errors.As(err, &refused):
			deny(w, http.StatusUnauthorized, refused.Code, refused.Name, refused.Detail)
		case err != nil:
			deny(w, http.StatusInternalServerError, 500, "ServerInternalError", err.Error())
		case !info.Admin():
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
