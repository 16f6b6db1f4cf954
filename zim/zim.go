// Package zim serves groupd's groups in the wire dialect of ZEGOCLOUD ZIM's
// server API: signed requests to /?Action=..., each Action on the HTTP method
// the reference documents, answered with {Code, Message, RequestId, ...}.
// It decodes, authenticates and validates requests and maps domain errors to
// ZIM codes; every rule lives in the domain.
package zim

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/groupd/groupd/domain"
	"github.com/groupd/groupd/internal/reqinfo"
)

// Defaults of the reference.
const (
	DefaultQPS      = 20 // requests per second per AppID and Action
	DefaultGroupQPS = 1  // requests per second per group for the group-limited Actions
	DefaultMaxSkew  = 10 * time.Minute
)

// Config configures the ZIM dialect.
type Config struct {
	AppID        uint32
	ServerSecret string // empty: every request answers 100000010
	// QPS limits each Action per AppID; 0 turns the limit off.
	QPS float64
	// GroupQPS limits DismissGroup, InviteUsersIntoGroup, TransferGroupOwner
	// and SetGroupMembersNickname per group, and QueryAppGroupList per AppID
	// (the reference's 1/s limits); 0 turns the limit off.
	GroupQPS float64
	// MaxSkew is how far Timestamp may be from the server time (default 10 minutes).
	MaxSkew time.Duration
	// Now is the clock of signatures and rate limits (default time.Now).
	Now func() time.Time

	// Shared state for a cluster; nil: in memory, built from the fields above.
	AppLimiter   Limiter
	GroupLimiter Limiter
	Nonces       NonceStore
}

type handler struct {
	svc      *domain.Service
	cfg      Config
	log      *slog.Logger
	appLim   Limiter
	groupLim Limiter
	nonces   NonceStore
}

// NewHandler returns the ZIM server API handler, to be mounted on "/".
// Attribute limits are the service's (domain.Limits).
func NewHandler(svc *domain.Service, cfg Config, logger *slog.Logger) http.Handler {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxSkew <= 0 {
		cfg.MaxSkew = DefaultMaxSkew
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	h := &handler{svc: svc, cfg: cfg, log: logger, appLim: cfg.AppLimiter, groupLim: cfg.GroupLimiter, nonces: cfg.Nonces}
	if h.appLim == nil && cfg.QPS > 0 {
		h.appLim = NewMemoryLimiter(cfg.QPS, cfg.Now)
	}
	if h.groupLim == nil && cfg.GroupQPS > 0 {
		h.groupLim = NewMemoryLimiter(cfg.GroupQPS, cfg.Now)
	}
	if h.nonces == nil {
		h.nonces = NewMemoryNonces(0, cfg.Now)
	}
	return h
}

func (h *handler) now() time.Time { return h.cfg.Now() }

// Envelope is the part common to every response.
type Envelope struct {
	Code      int    `json:"Code"`
	Message   string `json:"Message"`
	RequestID string `json:"RequestId"`
}

func (e *Envelope) envelope() *Envelope { return e }

// response is any response body: it embeds Envelope.
type response interface{ envelope() *Envelope }

// action is one Action of the API.
type action struct {
	method string
	// appRateCode answers the per-AppID limit (default 660300005): the
	// Action's own frequency code where its reference table names one
	// (660300006 where that is the only one it names).
	appRateCode int
	// groupLimited Actions are limited per group (1/s).
	groupLimited bool
	// appSlowCode, when set, limits the Action per AppID at the 1/s rate and
	// answers with this code (QueryAppGroupList).
	appSlowCode int
	// allFailedCode answers a call none of whose items succeeded; 0 = the
	// items' SubCode when they share one, else 660600033.
	allFailedCode int
	serve         func(h *handler, c *call) (response, error)
}

// actions is the routing table: Action name → method, limits, handler.
var actions = map[string]action{
	"UserRegister":            {method: http.MethodPost, appRateCode: CodeUserRegisterRate, serve: (*handler).userRegister},
	"ModifyUserInfo":          {method: http.MethodPost, serve: (*handler).modifyUserInfo},
	"QueryUserInfos":          {method: http.MethodPost, allFailedCode: CodeUserNotRegistered, serve: (*handler).queryUserInfos},
	"CreateGroup":             {method: http.MethodPost, appRateCode: CodeCreateGroupRate, serve: (*handler).createGroup},
	"DismissGroup":            {method: http.MethodGet, groupLimited: true, appRateCode: CodeGroupRateLimited, serve: (*handler).dismissGroup},
	"InviteUsersIntoGroup":    {method: http.MethodPost, groupLimited: true, appRateCode: CodeGroupRateLimited, serve: (*handler).inviteUsers},
	"KickoutGroupUser":        {method: http.MethodPost, appRateCode: CodeKickRate, serve: (*handler).kickUsers},
	"TransferGroupOwner":      {method: http.MethodGet, groupLimited: true, appRateCode: CodeGroupRateLimited, serve: (*handler).transferOwner},
	"UpdateGroupData":         {method: http.MethodPost, appRateCode: CodeGroupRateLimited, serve: (*handler).updateGroupData},
	"ModifyGroupAttribute":    {method: http.MethodPost, appRateCode: CodeGroupRateLimited, serve: (*handler).modifyGroupAttribute},
	"QueryGroupInfo":          {method: http.MethodPost, serve: (*handler).queryGroupInfo},
	"QueryGroupMemberList":    {method: http.MethodPost, appRateCode: CodeMemberListRate, serve: (*handler).queryGroupMemberList},
	"QueryAppGroupList":       {method: http.MethodGet, appRateCode: CodeAppGroupListRate, appSlowCode: CodeAppGroupListRate, serve: (*handler).queryAppGroupList},
	"QueryGroupsInfoOfUser":   {method: http.MethodPost, serve: (*handler).queryGroupsInfoOfUser},
	"MuteGroup":               {method: http.MethodGet, serve: (*handler).muteGroup},
	"MuteGroupMembers":        {method: http.MethodGet, allFailedCode: CodeAllUsersFailed, serve: (*handler).muteGroupMembers},
	"FetchForbidGroupList":    {method: http.MethodPost, serve: (*handler).fetchForbidGroupList},
	"ModifyGroupLimit":        {method: http.MethodGet, serve: (*handler).modifyGroupLimit},
	"SetGroupMemberRole":      {method: http.MethodGet, serve: (*handler).setGroupMemberRole},
	"SetGroupMembersNickname": {method: http.MethodPost, groupLimited: true, appRateCode: CodeGroupRateLimited, serve: (*handler).setGroupMembersNickname},
}

// call is one authenticated request to an Action.
type call struct {
	ctx    context.Context
	name   string
	action action
	appID  string
	q      query  // GET parameters
	body   []byte // POST body
}

// decode reads the POST body into v.
func (c *call) decode(v any) error { return decodeJSON(c.body, v) }

// ServeHTTP answers every request with HTTP 200 and a ZIM envelope.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rid := newRequestID()
	name := ""
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			h.log.Error("zim: panic", "request_id", rid, "action", name, "panic", p, "stack", string(debug.Stack()))
			h.write(w, r, rid, name, nil, fail(CodeServerError, "server error, please retry"))
		}
	}()
	// Events carry the request's origin.
	r = r.WithContext(domain.WithOrigin(r.Context(), domain.Origin{Dialect: "zim", OperationID: rid, Route: r.URL.Query().Get("Action")}))
	resp, err := h.serve(w, r, &name)
	h.write(w, r, rid, name, resp, err)
}

func (h *handler) serve(w http.ResponseWriter, r *http.Request, name *string) (response, error) {
	values, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, paramError("malformed query string")
	}
	if err := h.authenticate(r.Context(), values); err != nil {
		return nil, err
	}
	q := query(values)
	*name = q.str("Action")
	if *name == "" {
		return nil, fail(CodeActionEmpty, "Action is empty")
	}
	act, ok := actions[*name]
	if !ok {
		return nil, fail(CodeActionUnsupported, "Action "+strconv.Quote(*name)+" is not supported")
	}
	if r.Method != act.method {
		return nil, fail(CodeActionUnsupported, "Action "+*name+" is called with "+act.method+", not "+r.Method)
	}
	c := &call{ctx: r.Context(), name: *name, action: act, appID: h.appKey(), q: q}
	if h.appLim != nil {
		code := act.appRateCode
		if code == 0 {
			code = CodeAppRateLimited
		}
		if err := h.allow(c, h.appLim, c.appID+"|"+c.name, code, "this AppID"); err != nil {
			return nil, err
		}
	}
	if act.appSlowCode != 0 && h.groupLim != nil {
		if err := h.allow(c, h.groupLim, c.appID+"|"+c.name, act.appSlowCode, "this AppID"); err != nil {
			return nil, err
		}
	}
	if act.method == http.MethodPost {
		c.body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return nil, paramError("request body is larger than %d bytes", maxBodyBytes)
			}
			return nil, paramError("request body could not be read")
		}
	}
	return act.serve(h, c)
}

// limitGroup applies the per-group limit of group-limited Actions.
func (h *handler) limitGroup(c *call, groupID string) error {
	if !c.action.groupLimited || h.groupLim == nil {
		return nil
	}
	return h.allow(c, h.groupLim, c.appID+"|"+c.name+"|"+groupID, CodeGroupRateLimited, "group "+groupID)
}

// allow asks lim about key and answers code when the limit is reached, or
// 660000001 when the limiter's shared state cannot be reached.
func (h *handler) allow(c *call, lim Limiter, key string, code int, what string) error {
	ok, err := lim.Allow(c.ctx, key)
	if err != nil {
		h.log.Error("zim: rate limit check failed", "action", c.name, "err", err)
		return fail(CodeServerError, "rate limiting is unavailable (shared state cannot be reached); please retry")
	}
	if !ok {
		return fail(code, "too many "+c.name+" requests for "+what+"; please retry later")
	}
	return nil
}

// operator checks FromUserId and that it is registered, and returns the
// actor of a server API call: the server acts with the app's authority and
// names FromUserId as the operator.
func (h *handler) operator(c *call, fromUserID string) (domain.Actor, error) {
	if err := checkID("FromUserId", fromUserID); err != nil {
		return domain.Actor{}, err
	}
	ok, err := h.svc.UserExists(c.ctx, fromUserID)
	if err != nil {
		return domain.Actor{}, err
	}
	if !ok {
		return domain.Actor{}, fail(CodeOperatorUnregistered, "operator "+fromUserID+" is not registered")
	}
	return domain.Actor{UserID: fromUserID, Admin: true}, nil
}

// server is the actor of calls that name no operator.
var server = domain.Actor{Admin: true}

func (h *handler) write(w http.ResponseWriter, r *http.Request, rid, name string, resp response, err error) {
	if resp == nil || err != nil && !isAllFailed(err) {
		resp = &Envelope{}
	}
	env := resp.envelope()
	if err != nil {
		env.Code, env.Message = h.errorCode(rid, name, err)
	} else {
		env.Code, env.Message = CodeOK, "success"
	}
	env.RequestID = rid
	body, merr := json.Marshal(resp)
	if merr != nil {
		h.log.Error("zim: encode response", "request_id", rid, "action", name, "err", merr)
		body, _ = json.Marshal(&Envelope{Code: CodeServerError, Message: "server error, please retry", RequestID: rid})
	}
	h.log.Info("zim request", "request_id", rid, "action", name, "code", env.Code)
	route := name
	if _, known := actions[name]; !known {
		route = "" // no Action, or one the client made up: no label of its own
	}
	reqinfo.Record(r.Context(), "zim", route, env.Code, IsRateLimitCode(env.Code))
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Request-Id", rid)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(append(body, '\n'))
}

// errorCode maps err to the code and message of the response, logging
// internal errors (whose text never reaches the client).
func (h *handler) errorCode(rid, name string, err error) (int, string) {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.Code, ae.Message
	}
	code, msg := codeOf(name, err)
	if code == CodeServerError {
		h.log.Error("zim: request failed", "request_id", rid, "action", name, "err", err)
	}
	return code, msg
}

func newRequestID() string {
	return strconv.FormatUint(100_000_000_000_000_000+rand.Uint64N(900_000_000_000_000_000), 10)
}
