// Package openim serves groupd over OpenIM's REST API: POST routes with
// JSON bodies, the {errCode, errMsg, errDlt, data} envelope, and HS256 JWT
// tokens in the "token" header. It decodes, authenticates and maps errors;
// every rule lives in the domain service.
package openim

import (
	"context"
	"log/slog"
	"net/http"
	"reflect"
	"runtime/debug"
	"slices"
	"time"

	"github.com/groupd/groupd/domain"
	"github.com/groupd/groupd/internal/logbuf"
	"github.com/groupd/groupd/internal/reqinfo"
	"github.com/groupd/groupd/internal/webhookconf"
)

// Defaults of Config's zero fields.
const (
	DefaultTokenTTL     = 90 * 24 * time.Hour
	DefaultMaxBodyBytes = 1 << 20
	// DefaultGzipMinBytes is the smallest answer compressed by default
	// (see Config.GzipMinBytes).
	DefaultGzipMinBytes = 16 << 10
	DefaultAdminUserID  = "imAdmin"
)

// Config configures the OpenIM handler.
type Config struct {
	// Secret is the admin secret of get_admin_token; the token signing key
	// is derived from it (and TokenSalt). Required.
	Secret string
	// TokenSalt is the installation's random salt (kept in its database):
	// with it the signing key comes from Secret and TokenSalt, so that a
	// token is no test of a guessed secret. Empty: from Secret alone.
	TokenSalt []byte
	// TokenSaltCreated is when TokenSalt was made: tokens issued before
	// it, signed with the key of Secret alone, stay valid until they expire.
	TokenSaltCreated time.Time
	// AdminUserIDs are the app admins' user IDs (default imAdmin).
	AdminUserIDs []string
	// TokenTTL is how long tokens live (default 90 days).
	TokenTTL time.Duration
	// Now is the clock of token times; time.Now when nil.
	Now func() time.Time
	// Revoker keeps force_logout state; in memory when nil.
	Revoker TokenRevoker
	// MaxBodyBytes caps request bodies (default 1 MiB).
	MaxBodyBytes int64
	// GzipMinBytes is the smallest answer (JSON bytes) sent gzip-compressed
	// to a client that accepts gzip: 0 means DefaultGzipMinBytes, a
	// negative value never compresses, 1 compresses every answer. Below
	// the threshold compressing costs more server CPU than the bytes it
	// saves are worth on a data-centre network: gzip (BestSpeed) of a
	// 4–9 KiB answer took about a sixth of the server's CPU per request.
	GzipMinBytes int
	// UserQPS limits each user's requests per second (app admins are not
	// limited); over it a request answers HTTP 429. 0 = no limit, as in OpenIM.
	UserQPS float64
	// Webhooks is OpenIM's webhooks.yml: its enabled before-callbacks are
	// called synchronously before each change (beforehooks.go); the
	// after-callbacks in it are package events'.
	Webhooks webhookconf.Config
}

// Handler serves the OpenIM routes.
type Handler struct {
	svc    *domain.Service
	cfg    Config
	log    *slog.Logger
	tokens *tokens
	mux    *http.ServeMux
	// routeList is what routes() registered, for Routes.
	routeList []Route
	users     *userLimiter // nil: no per-user limit
	secrets   *secretThrottle
}

// NewHandler returns the OpenIM API over svc. It panics when cfg.Secret is
// empty: groupd never runs with a well-known secret.
func NewHandler(svc *domain.Service, cfg Config, logger *slog.Logger) http.Handler {
	if cfg.Secret == "" {
		panic("openim: Config.Secret is empty")
	}
	if len(cfg.AdminUserIDs) == 0 {
		cfg.AdminUserIDs = []string{DefaultAdminUserID}
	}
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = DefaultTokenTTL
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Revoker == nil {
		cfg.Revoker = NewMemoryRevoker()
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.GzipMinBytes == 0 {
		cfg.GzipMinBytes = DefaultGzipMinBytes
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	h := &Handler{
		svc: svc, cfg: cfg, log: logger, mux: http.NewServeMux(),
		tokens: newTokens(cfg),
	}
	h.users = newUserLimiter(cfg.UserQPS, cfg.Now)
	h.secrets = newSecretThrottle(cfg.Now)
	h.routes()
	return h
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

func (h *Handler) routes() {
	public, authed := false, true
	h.handle("/auth/get_admin_token", public, bind(h.getAdminToken))
	h.handle("/auth/parse_token", public, bind(h.parseToken))
	h.handle("/auth/get_user_token", authed, bind(h.getUserToken))
	h.handle("/auth/force_logout", authed, bind(h.forceLogout))

	h.handle("/user/user_register", authed, bind(h.userRegister))
	h.handle("/user/get_users_info", authed, bind(h.getUsersInfo))
	h.handle("/user/update_user_info", authed, bind(h.updateUserInfo))
	h.handle("/user/update_user_info_ex", authed, bind(h.updateUserInfoEx))
	h.handle("/user/get_users", authed, bind(h.getUsers))

	h.handle("/group/create_group", authed, bind(h.createGroup))
	h.handle("/group/get_groups_info", authed, bind(h.getGroupsInfo))
	h.handle("/group/get_joined_group_list", authed, bind(h.getJoinedGroupList))
	h.handle("/group/set_group_info", authed, bind(h.setGroupInfo))
	h.handle("/group/set_group_info_ex", authed, bind(h.setGroupInfoEx))
	h.handle("/group/invite_user_to_group", authed, bind(h.inviteUserToGroup))
	h.handle("/group/kick_group", authed, bind(h.kickGroup))
	h.handle("/group/quit_group", authed, bind(h.quitGroup))
	h.handle("/group/transfer_group", authed, bind(h.transferGroup))
	h.handle("/group/dismiss_group", authed, bind(h.dismissGroup))
	h.handle("/group/get_group_member_list", authed, bind(h.getGroupMemberList))
	h.handle("/group/get_group_members_info", authed, bind(h.getGroupMembersInfo))
	h.handle("/group/get_group_member_user_id", authed, bind(h.getGroupMemberUserID))
	h.handle("/group/get_group_abstract_info", authed, bind(h.getGroupAbstractInfo))

	h.handle("/group/join_group", authed, bind(h.joinGroup))
	h.handle("/group/group_application_response", authed, bind(h.groupApplicationResponse))
	h.handle("/group/get_recv_group_applicationList", authed, bind(h.getRecvGroupApplicationList))
	h.handle("/group/get_user_req_group_applicationList", authed, bind(h.getUserReqGroupApplicationList))
	h.handle("/group/get_group_users_req_application_list", authed, bind(h.getGroupUsersReqApplicationList))
	h.handle("/group/get_specified_user_group_request_info", authed, bind(h.getSpecifiedUserGroupRequestInfo))
	h.handle("/group/get_group_application_unhandled_count", authed, bind(h.getGroupApplicationUnhandledCount))

	h.handle("/group/mute_group", authed, bind(h.muteGroup))
	h.handle("/group/cancel_mute_group", authed, bind(h.cancelMuteGroup))
	h.handle("/group/mute_group_member", authed, bind(h.muteGroupMember))
	h.handle("/group/cancel_mute_group_member", authed, bind(h.cancelMuteGroupMember))
	h.handle("/group/set_group_member_info", authed, bind(h.setGroupMemberInfo))
	h.handle("/group/get_groups", authed, bind(h.getGroups))

	h.handle("/group/get_incremental_join_groups", authed, bind(h.getIncrementalJoinGroups))
	h.handle("/group/get_incremental_group_members", authed, bind(h.getIncrementalGroupMembers))
	h.handle("/group/get_incremental_group_members_batch", authed, bind(h.getIncrementalGroupMembersBatch))
	h.handle("/group/get_full_join_group_ids", authed, bind(h.getFullJoinGroupIDs))
	h.handle("/group/get_full_group_member_user_ids", authed, bind(h.getFullGroupMemberUserIDs))
}

// call is one request as the endpoint functions see it.
type call struct {
	r      *http.Request
	claims *Claims      // nil on public routes
	actor  domain.Actor // zero on public routes
}

// endpoint serves one decoded, authenticated call. A nil result omits data.
type endpoint struct {
	serve func(ctx context.Context, c *call) (any, error)
	req   reflect.Type // the request body's type, for Routes
}

// bind makes an endpoint that decodes the body into a fresh Req first.
func bind[Req any](fn func(ctx context.Context, c *call, req *Req) (any, error)) endpoint {
	return endpoint{req: reflect.TypeFor[Req](), serve: func(ctx context.Context, c *call) (any, error) {
		var req Req
		if err := decode(c.r, &req); err != nil {
			return nil, err
		}
		return fn(ctx, c, &req)
	}}
}

// handle registers path with the common steps every route shares: body
// cap, operationID and token headers, panic recovery, the answer and the
// request log.
func (h *Handler) handle(path string, needToken bool, ep endpoint) {
	h.routeList = append(h.routeList, Route{Path: path, Public: !needToken, Request: ep.req})
	h.mux.HandleFunc("POST "+path, func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		r.Body = http.MaxBytesReader(w, r.Body, h.cfg.MaxBodyBytes)
		opID := r.Header.Get("operationID")
		c := &call{r: r}
		ctx := domain.WithOrigin(r.Context(), domain.Origin{Dialect: "openim", OperationID: opID, Route: path}) // events carry it
		data, err := h.serve(ctx, c, opID, needToken, ep)
		code, status := respond(w, r, data, forRoute(path, err), h.cfg.GzipMinBytes)
		reqinfo.Record(r.Context(), "openim", path, code, status == http.StatusTooManyRequests)
		attrs := []slog.Attr{
			slog.String("operationID", opID), slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("errCode", code), slog.Duration("duration", time.Since(start)),
		}
		if c.actor.UserID != "" {
			attrs = append(attrs, slog.String("userID", c.actor.UserID))
		}
		if status != http.StatusOK {
			attrs = append(attrs, slog.Int("status", status))
		}
		level := slog.LevelInfo
		if code == codeInternal && status == http.StatusOK {
			level = slog.LevelError
			if err != nil {
				attrs = append(attrs, slog.String("error", err.Error()))
			}
		}
		// A record without a source PC: Logger.LogAttrs would walk the
		// stack for it on every request (about 3% of a small read's CPU).
		if hl := h.log.Handler(); hl.Enabled(r.Context(), level) {
			rec := slog.NewRecord(time.Now(), level, logbuf.RequestMessage, 0)
			rec.AddAttrs(attrs...)
			_ = hl.Handle(r.Context(), rec)
		}
	})
}

func (h *Handler) serve(ctx context.Context, c *call, opID string, needToken bool, ep endpoint) (data any, err error) {
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler { // the handler means to abort the connection
				panic(p)
			}
			h.log.Error("panic", "operationID", opID, "panic", p, "stack", string(debug.Stack()))
			data, err = nil, errorf(codeInternal, "")
		}
	}()
	if opID == "" {
		return nil, errorf(codeArgs, "header must have operationID")
	}
	if needToken {
		if err := h.authenticate(ctx, c, c.r.Header.Get("token")); err != nil {
			return nil, err
		}
		if h.users != nil && !c.actor.Admin && !h.users.allow(c.actor.UserID) {
			return nil, errRateLimited(h.cfg.UserQPS)
		}
	}
	return ep.serve(ctx, c)
}

// errNoToken is OpenIM's exact answer to a missing token header.
var errNoToken = &apiError{code: codeArgs, dlt: "header must have token"}

// authenticate verifies the token and sets the call's actor.
func (h *Handler) authenticate(ctx context.Context, c *call, raw string) error {
	if raw == "" {
		return errNoToken
	}
	claims, err := h.tokens.verify(ctx, raw)
	if err != nil {
		return err
	}
	c.claims = claims
	c.actor = domain.Actor{UserID: claims.UserID, Admin: h.isAdmin(claims.UserID)}
	return nil
}

func (h *Handler) isAdmin(userID string) bool { return slices.Contains(h.cfg.AdminUserIDs, userID) }

// appMangerLevel is OpenIM's account type: 2 app admin, 0 normal user.
func (h *Handler) appMangerLevel(userID string) int {
	if h.isAdmin(userID) {
		return 2
	}
	return 0
}
