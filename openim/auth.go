package openim

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"

	"github.com/groupd/groupd/domain"
)

type tokenResp struct {
	Token             string `json:"token"`
	ExpireTimeSeconds int64  `json:"expireTimeSeconds"`
}

type getAdminTokenReq struct {
	Secret string `json:"secret"`
	UserID string `json:"userID"`
}

// getAdminToken: the configured secret and an admin user ID give an admin
// token. Wrong secrets are throttled per client address and overall (see
// AdminSecretFailuresPerAddress).
func (h *Handler) getAdminToken(ctx context.Context, c *call, req *getAdminTokenReq) (any, error) {
	done, wait, ok := h.secrets.begin(c.r.RemoteAddr)
	if !ok {
		if h.secrets.shouldLog() {
			h.log.Warn("admin secret attempts throttled (logged once a second at most)", "remote", clientKey(c.r.RemoteAddr), "retryIn", wait.String())
		}
		return nil, errSecretThrottled(wait)
	}
	given, want := sha256.Sum256([]byte(req.Secret)), sha256.Sum256([]byte(h.cfg.Secret))
	right := subtle.ConstantTimeCompare(given[:], want[:]) == 1
	done(right)
	if !right {
		return nil, errorf(codeNoPermission, "secret is wrong")
	}
	if !h.isAdmin(req.UserID) {
		return nil, errorf(codeArgs, "userID %q is not an admin user ID", req.UserID)
	}
	return h.issue(ctx, req.UserID, AdminPlatformID)
}

type userPlatformReq struct {
	PlatformID int32  `json:"platformID"`
	UserID     string `json:"userID"`
}

func (req *userPlatformReq) check() error {
	if req.UserID == "" {
		return errorf(codeArgs, "userID is empty")
	}
	if req.PlatformID < 1 || req.PlatformID > AdminPlatformID {
		return errorf(codeArgs, "platformID %d is not between 1 and %d", req.PlatformID, AdminPlatformID)
	}
	return nil
}

// getUserToken: app admins get tokens for registered, non-admin users on
// platforms 1–9.
func (h *Handler) getUserToken(ctx context.Context, c *call, req *userPlatformReq) (any, error) {
	if !c.actor.Admin {
		return nil, errorf(codeNoPermission, "only app admins may get user tokens")
	}
	if err := req.check(); err != nil {
		return nil, err
	}
	if req.PlatformID == AdminPlatformID {
		return nil, errorf(codeArgs, "platformID %d is the admin platform; use get_admin_token", AdminPlatformID)
	}
	if h.isAdmin(req.UserID) {
		return nil, errorf(codeNoPermission, "user %s is an app admin; use get_admin_token", req.UserID)
	}
	ok, err := h.svc.UserExists(ctx, req.UserID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, domain.Errorf(domain.KindUserNotFound, "user %s is not registered", req.UserID)
	}
	return h.issue(ctx, req.UserID, int(req.PlatformID))
}

func (h *Handler) issue(ctx context.Context, userID string, platformID int) (any, error) {
	tok, err := h.tokens.issue(ctx, userID, platformID)
	if err != nil {
		return nil, err
	}
	return tokenResp{Token: tok, ExpireTimeSeconds: int64(h.cfg.TokenTTL.Seconds())}, nil
}

type parseTokenReq struct {
	Token string `json:"token"`
}

type parseTokenResp struct {
	UserID            string `json:"userID"`
	PlatformID        int    `json:"platformID"`
	ExpireTimeSeconds int64  `json:"expireTimeSeconds"`
}

// parseToken checks the token header (or a "token" body field) and tells
// whose it is and when it expires (Unix seconds).
func (h *Handler) parseToken(ctx context.Context, c *call, req *parseTokenReq) (any, error) {
	raw := c.r.Header.Get("token")
	if raw == "" {
		raw = req.Token
	}
	if err := h.authenticate(ctx, c, raw); err != nil {
		return nil, err
	}
	return parseTokenResp{UserID: c.claims.UserID, PlatformID: c.claims.PlatformID,
		ExpireTimeSeconds: c.claims.ExpiresAt.Unix()}, nil
}

// forceLogout: app admins kick every token of (userID, platformID) issued so far.
func (h *Handler) forceLogout(ctx context.Context, c *call, req *userPlatformReq) (any, error) {
	if !c.actor.Admin {
		return nil, errorf(codeNoPermission, "only app admins may force a logout")
	}
	if err := req.check(); err != nil {
		return nil, err
	}
	return nil, h.cfg.Revoker.Revoke(ctx, req.UserID, int(req.PlatformID))
}
