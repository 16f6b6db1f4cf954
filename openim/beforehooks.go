package openim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/groupd/groupd/domain"
	"github.com/groupd/groupd/internal/webhookconf"
)

// OpenIM before-callbacks, as open-im-server v3.8.3 sends them
// (pkg/common/webhook/http_client.go, internal/rpc/group/callback.go,
// internal/rpc/user/callback.go): POST url + "/" + callbackCommand, header
// operationID, a JSON body of pkg/callbackstruct, synchronously in the
// handler before the domain call, so never inside the store's write
// transaction; the domain then checks every rule again in its transaction.
//
// The reply {actionCode, errCode, errMsg, errDlt, nextCode} refuses the
// change when actionCode ≠ 0 or nextCode = 1: the client gets the reply's
// errCode (80000 CallbackError when it is 0), errMsg and errDlt, and nothing
// changes. Otherwise the amended fields of the reply are applied as v3.8.3
// applies them; a field the reply leaves out changes nothing. When the
// receiver cannot be reached, times out or answers something that is not
// the reply's JSON, the change goes ahead if the callback's failedContinue
// is true, else it is refused with 90004 NetworkError (90007 DataError for
// an unreadable reply), v3.8.3's codes.

// OpenIM before-callback command names (pkg/callbackstruct/constant.go).
const (
	CallbackBeforeCreateGroupCommand        = "callbackBeforeCreateGroupCommand"
	CallbackBeforeMembersJoinGroupCommand   = "callbackBeforeMembersJoinGroupCommand"
	CallbackBeforeSetGroupMemberInfoCommand = "callbackBeforeSetGroupMemberInfoCommand"
	CallbackBeforeJoinGroupCommand          = "callbackBeforeJoinGroupCommand" // beforeApplyJoinGroup
	CallbackBeforeInviteJoinGroupCommand    = "callbackBeforeInviteJoinGroupCommand"
	CallbackBeforeSetGroupInfoCommand       = "callbackBeforeSetGroupInfoCommand"
	CallbackBeforeSetGroupInfoExCommand     = "callbackBeforeSetGroupInfoExCommand"
	CallbackBeforeUserRegisterCommand       = "callbackBeforeUserRegisterCommand"
	CallbackBeforeUpdateUserInfoCommand     = "callbackBeforeUpdateUserInfoCommand"
	CallbackBeforeUpdateUserInfoExCommand   = "callbackBeforeUpdateUserInfoExCommand"
)

// OpenIM codes of a failed or refusing callback (pkg/common/servererrs).
const (
	codeCallback = 80000 // CallbackError
	codeNetwork  = 90004 // NetworkError
	codeData     = 90007 // DataError
)

// maxCallbackTimeout caps a callback's timeout: v3.8.3's HTTP client
// (tools/utils/httputil.NewClientConfig) gives up after 15 s whatever
// webhooks.yml says; a timeout of 0 means this cap.
const maxCallbackTimeout = 15 * time.Second

// callbackTimeoutUnit is the unit of webhooks.yml's timeout (seconds);
// tests shorten it.
var callbackTimeoutUnit = time.Second

// callbackClient posts before-callbacks; deadlines come from the context.
var callbackClient = &http.Client{}

// maxCallbackReply caps the reply read from a receiver.
const maxCallbackReply = 4 << 20

// cbCommonResp is CommonCallbackResp.
type cbCommonResp struct {
	ActionCode int32  `json:"actionCode"`
	ErrCode    int32  `json:"errCode"`
	ErrMsg     string `json:"errMsg"`
	ErrDlt     string `json:"errDlt"`
	NextCode   int32  `json:"nextCode"`
}

// cbReply is a callback's answer: the common part and each key present.
type cbReply struct {
	keys map[string]json.RawMessage
}

// set stores the reply's key into *dst when it is present and not null
// (v3.8.3's datautil.NotNilReplace of a pointer field).
func set[T any](r cbReply, key string, dst *T) {
	raw, ok := r.keys[key]
	if !ok {
		return
	}
	var o opt[T]
	if json.Unmarshal(raw, &o) == nil && o.set {
		*dst = o.v
	}
}

// before posts one before-callback if it is enabled, and returns its reply
// (ok false: not called, or failed with failedContinue).
func (h *Handler) before(ctx context.Context, conf webhookconf.BeforeConfig, command string, body any) (cbReply, bool, error) {
	url := h.cfg.Webhooks.URL
	if !conf.Enable || url == "" {
		return cbReply{}, false, nil
	}
	opID := domain.OriginFrom(ctx).OperationID
	fail := func(code int, msg, detail string) (cbReply, bool, error) {
		if conf.FailedContinue {
			h.log.Warn("before-callback failed; failedContinue: the change goes ahead", "command", command,
				"operationID", opID, "error", detail)
			return cbReply{}, false, nil
		}
		h.log.Warn("before-callback failed: the change is refused", "command", command, "operationID", opID, "error", detail)
		return cbReply{}, false, &apiError{code: code, msg: msg, dlt: detail}
	}
	timeout := time.Duration(conf.Timeout) * callbackTimeoutUnit
	if timeout <= 0 || timeout > maxCallbackTimeout {
		timeout = maxCallbackTimeout
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(body); err != nil {
		return cbReply{}, false, fmt.Errorf("encode %s: %w", command, err)
	}
	fullURL := url + "/" + command
	req, err := http.NewRequestWithContext(cctx, http.MethodPost, fullURL, &buf)
	if err != nil {
		return fail(codeNetwork, "NetworkError", err.Error())
	}
	req.Header.Set("operationID", opID)
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	resp, err := callbackClient.Do(req)
	if err != nil {
		return fail(codeNetwork, "NetworkError", fmt.Sprintf("post url %s: %v", fullURL, unwrapURLError(err)))
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxCallbackReply))
	resp.Body.Close()
	if err != nil {
		return fail(codeNetwork, "NetworkError", fmt.Sprintf("post url %s: %v", fullURL, err))
	}
	// v3.8.3 reads the body whatever the HTTP status.
	var common cbCommonResp
	r := cbReply{}
	if err := json.Unmarshal(b, &common); err != nil {
		return fail(codeData, "DataError", err.Error()+" response format error")
	}
	if err := json.Unmarshal(b, &r.keys); err != nil {
		return fail(codeData, "DataError", err.Error()+" response format error")
	}
	if common.ActionCode != 0 || common.NextCode == 1 {
		code, msg := int(common.ErrCode), common.ErrMsg
		if code == 0 {
			code = codeCallback
			if msg == "" {
				msg = "CallbackError"
			}
		}
		h.log.Info("before-callback refused the change", "command", command, "operationID", opID,
			"actionCode", common.ActionCode, "nextCode", common.NextCode, "errCode", code)
		return cbReply{}, false, &apiError{code: code, msg: msg, dlt: common.ErrDlt}
	}
	return r, true, nil
}

func unwrapURLError(err error) error {
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) && ue.Unwrap() != nil {
		return ue.Unwrap()
	}
	return err
}

// errMsg is the answer's errMsg.
func (e *apiError) errMsg() string {
	if e.msg != "" {
		return e.msg
	}
	return codeNames[e.code]
}

// ---- group callbacks (pkg/callbackstruct/group.go) ----

// cbGroupAddMemberInfo is apistruct.GroupAddMemberInfo.
type cbGroupAddMemberInfo struct {
	UserID    string `json:"userID"`
	RoleLevel int32  `json:"roleLevel"`
}

// cbBeforeCreateGroupReq is CallbackBeforeCreateGroupReq: the group info
// (sdkws.GroupInfo, embedded) as the client sent it.
type cbBeforeCreateGroupReq struct {
	OperationID     string `json:"operationID"`
	CallbackCommand string `json:"callbackCommand"`
	groupInfo
	InitMemberList []cbGroupAddMemberInfo `json:"initMemberList"`
}

// beforeCreateGroup runs beforeCreateGroup and then beforeMemberJoinGroup
// for the initial members (v3.8.3 group.go CreateGroup), amending in.
func (h *Handler) beforeCreateGroup(ctx context.Context, c *call, req *createGroupReq, in *domain.CreateGroupInput) error {
	hooks := h.cfg.Webhooks
	if !hooks.BeforeCreateGroup.Enable && !hooks.BeforeMemberJoinGroup.Enable {
		return nil
	}
	// OpenIM checks the operator's access to the owner first.
	if !c.actor.Admin && c.actor.UserID != req.OwnerUserID {
		return domain.Errorf(domain.KindNoPermission, "only %s or an app admin may create a group owned by %s", req.OwnerUserID, req.OwnerUserID)
	}
	gi := req.GroupInfo
	body := cbBeforeCreateGroupReq{
		OperationID: domain.OriginFrom(ctx).OperationID, CallbackCommand: CallbackBeforeCreateGroupCommand,
		groupInfo: groupInfo{GroupID: gi.GroupID, GroupName: gi.GroupName, Notification: gi.Notification,
			Introduction: gi.Introduction, FaceURL: gi.FaceURL, Ex: gi.Ex, GroupType: int(gi.GroupType),
			NeedVerification: int(gi.NeedVerification), LookMemberInfo: int(gi.LookMemberInfo),
			ApplyMemberFriend: int(gi.ApplyMemberFriend)},
		InitMemberList: []cbGroupAddMemberInfo{{UserID: req.OwnerUserID, RoleLevel: domain.RoleOwner}},
	}
	for _, id := range req.AdminUserIDs {
		body.InitMemberList = append(body.InitMemberList, cbGroupAddMemberInfo{UserID: id, RoleLevel: domain.RoleAdmin})
	}
	for _, id := range req.MemberUserIDs {
		body.InitMemberList = append(body.InitMemberList, cbGroupAddMemberInfo{UserID: id, RoleLevel: domain.RoleMember})
	}
	r, ok, err := h.before(ctx, hooks.BeforeCreateGroup, CallbackBeforeCreateGroupCommand, body)
	if err != nil {
		return err
	}
	if ok {
		// v3.8.3 also replaces ownerUserID (unused: the owner is the
		// request's ownerUserID), status and creatorUserID (groupd sets
		// those itself); applyMemberFriend it does not replace.
		g := &in.Group
		set(r, "groupID", &g.GroupID)
		set(r, "groupName", &g.Name)
		set(r, "notification", &g.Notification)
		set(r, "introduction", &g.Introduction)
		set(r, "faceURL", &g.FaceURL)
		set(r, "ex", &g.Ex)
		set(r, "groupType", &g.GroupType)
		set(r, "needVerification", &g.NeedVerification)
		set(r, "lookMemberInfo", &g.LookMemberInfo)
		if err := needVerification(&g.NeedVerification); err != nil {
			return err
		}
	}
	if !hooks.BeforeMemberJoinGroup.Enable {
		return nil
	}
	if in.Group.GroupID == "" { // OpenIM picks the ID before this callback
		in.Group.GroupID = domain.NewGroupID(in.IDStyle)
	}
	ids := make([]string, 0, len(body.InitMemberList))
	for _, m := range body.InitMemberList {
		ids = append(ids, m.UserID)
	}
	in.Fields, err = h.beforeMembersJoin(ctx, in.Group.GroupID, in.Group.Ex, ids, nil)
	return err
}

// cbGroupMember is CallbackGroupMember.
type cbGroupMember struct {
	UserID string `json:"userID"`
	Ex     string `json:"ex"`
}

// cbBeforeMembersJoinGroupReq is CallbackBeforeMembersJoinGroupReq.
type cbBeforeMembersJoinGroupReq struct {
	CallbackCommand string          `json:"callbackCommand"`
	GroupID         string          `json:"groupID"`
	MembersList     []cbGroupMember `json:"memberList"`
	GroupEx         string          `json:"groupEx"`
}

// cbMemberJoinGroupCallBack is MemberJoinGroupCallBack.
type cbMemberJoinGroupCallBack struct {
	UserID      *string `json:"userID"`
	Nickname    *string `json:"nickname"`
	FaceURL     *string `json:"faceURL"`
	RoleLevel   *int32  `json:"roleLevel"`
	MuteEndTime *int64  `json:"muteEndTime"`
	Ex          *string `json:"ex"`
}

// beforeMembersJoin runs beforeMemberJoinGroup for users about to join
// groupID (ex: each one's member ex, "" when absent) and returns the
// amended fields by user ID.
func (h *Handler) beforeMembersJoin(ctx context.Context, groupID, groupEx string, userIDs []string, ex map[string]string) (map[string]domain.MemberFields, error) {
	body := cbBeforeMembersJoinGroupReq{CallbackCommand: CallbackBeforeMembersJoinGroupCommand, GroupID: groupID, GroupEx: groupEx}
	for _, id := range userIDs {
		body.MembersList = append(body.MembersList, cbGroupMember{UserID: id, Ex: ex[id]})
	}
	r, ok, err := h.before(ctx, h.cfg.Webhooks.BeforeMemberJoinGroup, CallbackBeforeMembersJoinGroupCommand, body)
	if err != nil || !ok {
		return nil, err
	}
	var list []cbMemberJoinGroupCallBack
	if raw, ok := r.keys["memberCallbackList"]; ok {
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, &apiError{code: codeData, msg: "DataError", dlt: err.Error() + " response format error"}
		}
	}
	joining := make(map[string]bool, len(userIDs))
	for _, id := range userIDs {
		joining[id] = true
	}
	out := map[string]domain.MemberFields{}
	for _, m := range list {
		if m.UserID == nil || !joining[*m.UserID] { // v3.8.3 ignores users not joining
			continue
		}
		f := out[*m.UserID]
		if m.Nickname != nil {
			f.Nickname = m.Nickname
		}
		if m.FaceURL != nil {
			f.FaceURL = m.FaceURL
		}
		if m.Ex != nil {
			f.Ex = m.Ex
		}
		if m.RoleLevel != nil {
			v := int(*m.RoleLevel)
			f.RoleLevel = &v
		}
		if m.MuteEndTime != nil {
			f.MuteEndTime = m.MuteEndTime
		}
		out[*m.UserID] = f
	}
	return out, nil
}

// cbBeforeInviteUserToGroupReq is CallbackBeforeInviteUserToGroupReq.
type cbBeforeInviteUserToGroupReq struct {
	CallbackCommand string   `json:"callbackCommand"`
	OperationID     string   `json:"operationID"`
	GroupID         string   `json:"groupID"`
	Reason          string   `json:"reason"`
	InvitedUserIDs  []string `json:"invitedUserIDs"`
}

// beforeInvite runs beforeInviteUserToGroup (its refusedMembersAccount are
// not invited) and, when the invitation adds members rather than filing
// requests, beforeMemberJoinGroup (v3.8.3 group.go InviteUserToGroup).
func (h *Handler) beforeInvite(ctx context.Context, c *call, in *domain.InviteInput) error {
	hooks := h.cfg.Webhooks
	if hooks.BeforeInviteUserToGroup.Enable {
		body := cbBeforeInviteUserToGroupReq{CallbackCommand: CallbackBeforeInviteJoinGroupCommand,
			OperationID: domain.OriginFrom(ctx).OperationID, GroupID: in.GroupID, Reason: in.Reason, InvitedUserIDs: in.UserIDs}
		r, ok, err := h.before(ctx, hooks.BeforeInviteUserToGroup, CallbackBeforeInviteJoinGroupCommand, body)
		if err != nil {
			return err
		}
		var refused []string
		if ok {
			set(r, "refusedMembersAccount", &refused)
		}
		if len(refused) > 0 {
			keep := in.UserIDs[:0:0]
			for _, id := range in.UserIDs {
				if !contains(refused, id) {
					keep = append(keep, id)
				}
			}
			in.UserIDs = keep
		}
	}
	if !hooks.BeforeMemberJoinGroup.Enable || len(in.UserIDs) == 0 {
		return nil
	}
	g, err := h.svc.GetGroup(ctx, c.actor, in.GroupID)
	if err != nil {
		return err
	}
	if !c.actor.Admin && g.NeedVerification == domain.VerifyAllNeedApproval {
		ms, err := h.svc.GetMembers(ctx, c.actor, in.GroupID, []string{c.actor.UserID})
		if err != nil {
			return err
		}
		if len(ms) == 0 || ms[0].RoleLevel < domain.RoleAdmin {
			return nil // an ordinary member's invitation files requests
		}
	}
	in.Fields, err = h.beforeMembersJoin(ctx, g.GroupID, g.Ex, in.UserIDs, nil)
	return err
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// cbJoinGroupReq is CallbackJoinGroupReq (beforeApplyJoinGroup).
type cbJoinGroupReq struct {
	CallbackCommand string `json:"callbackCommand"`
	GroupID         string `json:"groupID"`
	GroupType       string `json:"groupType"`
	ApplyID         string `json:"applyID"`
	ReqMessage      string `json:"reqMessage"`
	Ex              string `json:"ex"`
}

// beforeJoin runs beforeApplyJoinGroup for every application and, when the
// group lets the applicant in directly, beforeMemberJoinGroup (v3.8.3
// group.go JoinGroup).
func (h *Handler) beforeJoin(ctx context.Context, c *call, in *domain.JoinInput) error {
	hooks := h.cfg.Webhooks
	if !hooks.BeforeApplyJoinGroup.Enable && !hooks.BeforeMemberJoinGroup.Enable {
		return nil
	}
	g, err := h.svc.GetGroup(ctx, c.actor, in.GroupID)
	if err != nil {
		return err
	}
	if g.Status == domain.StatusDismissed {
		return domain.Errorf(domain.KindDismissed, "group %s is dismissed", g.GroupID)
	}
	applicant := in.UserID
	if applicant == "" {
		applicant = c.actor.UserID
	}
	// groupType is string(group.GroupType) in v3.8.3: the rune of the
	// number ("\u0002" for a working group), not its digits.
	body := cbJoinGroupReq{CallbackCommand: CallbackBeforeJoinGroupCommand, GroupID: g.GroupID,
		GroupType: string(rune(g.GroupType)), ApplyID: applicant, ReqMessage: in.ReqMsg, Ex: in.Ex}
	if _, _, err := h.before(ctx, hooks.BeforeApplyJoinGroup, CallbackBeforeJoinGroupCommand, body); err != nil {
		return err
	}
	if !hooks.BeforeMemberJoinGroup.Enable || g.NeedVerification != domain.VerifyDirect {
		return nil
	}
	fields, err := h.beforeMembersJoin(ctx, g.GroupID, g.Ex, []string{applicant}, map[string]string{applicant: in.Ex})
	if f, ok := fields[applicant]; ok {
		in.Fields = &f
	}
	return err
}

// beforeAccept runs beforeMemberJoinGroup when an agreed application will
// add its applicant (v3.8.3 group.go GroupApplicationResponse).
func (h *Handler) beforeAccept(ctx context.Context, c *call, req *applicationResponseReq) ([]domain.MemberFields, error) {
	if !h.cfg.Webhooks.BeforeMemberJoinGroup.Enable || int(req.HandleResult) != domain.RequestAgreed {
		return nil, nil
	}
	g, err := h.svc.GetGroup(ctx, c.actor, req.GroupID)
	if err != nil {
		return nil, err
	}
	reqs, err := h.svc.UserGroupRequest(ctx, c.actor, req.GroupID, req.FromUserID)
	if err != nil {
		return nil, err
	}
	if len(reqs) == 0 || reqs[0].HandleResult != domain.RequestPending {
		return nil, nil // the domain answers
	}
	if ms, err := h.svc.GetMembers(ctx, c.actor, req.GroupID, []string{req.FromUserID}); err != nil {
		return nil, err
	} else if len(ms) > 0 {
		return nil, nil // already in: nobody joins
	}
	fields, err := h.beforeMembersJoin(ctx, g.GroupID, g.Ex, []string{req.FromUserID}, map[string]string{req.FromUserID: reqs[0].Ex})
	if f, ok := fields[req.FromUserID]; ok {
		return []domain.MemberFields{f}, err
	}
	return nil, err
}

// cbBeforeSetGroupMemberInfoReq is CallbackBeforeSetGroupMemberInfoReq.
type cbBeforeSetGroupMemberInfoReq struct {
	CallbackCommand string  `json:"callbackCommand"`
	GroupID         string  `json:"groupID"`
	UserID          string  `json:"userID"`
	Nickname        *string `json:"nickName"`
	FaceURL         *string `json:"faceURL"`
	RoleLevel       *int32  `json:"roleLevel"`
	Ex              *string `json:"ex"`
}

// beforeSetMember runs beforeSetGroupMemberInfo for one member's patch,
// amending it (v3.8.3 group.go SetGroupMemberInfo calls it per member).
func (h *Handler) beforeSetMember(ctx context.Context, p *domain.MemberPatch) error {
	conf := h.cfg.Webhooks.BeforeSetGroupMemberInfo
	if !conf.Enable {
		return nil
	}
	body := cbBeforeSetGroupMemberInfoReq{CallbackCommand: CallbackBeforeSetGroupMemberInfoCommand,
		GroupID: p.GroupID, UserID: p.UserID, Nickname: p.Nickname, FaceURL: p.FaceURL, Ex: p.Ex}
	if p.RoleLevel != nil {
		v := int32(*p.RoleLevel)
		body.RoleLevel = &v
	}
	r, ok, err := h.before(ctx, conf, CallbackBeforeSetGroupMemberInfoCommand, body)
	if err != nil || !ok {
		return err
	}
	setPtr(r, "nickName", &p.Nickname)
	setPtr(r, "faceURL", &p.FaceURL)
	setPtr(r, "ex", &p.Ex)
	setPtr(r, "roleLevel", &p.RoleLevel)
	return nil
}

// setPtr is set for a pointer field: present and not null replaces it.
func setPtr[T any](r cbReply, key string, dst **T) {
	var v T
	ok := false
	if raw, present := r.keys[key]; present {
		var o opt[T]
		if json.Unmarshal(raw, &o) == nil && o.set {
			v, ok = o.v, true
		}
	}
	if ok {
		*dst = &v
	}
}

// cbBeforeSetGroupInfoReq is CallbackBeforeSetGroupInfoReq (v3.8.3 leaves
// its operationID empty).
type cbBeforeSetGroupInfoReq struct {
	CallbackCommand   string `json:"callbackCommand"`
	OperationID       string `json:"operationID"`
	GroupID           string `json:"groupID"`
	GroupName         string `json:"groupName"`
	Notification      string `json:"notification"`
	Introduction      string `json:"introduction"`
	FaceURL           string `json:"faceURL"`
	Ex                string `json:"ex"`
	NeedVerification  int32  `json:"needVerification"`
	LookMemberInfo    int32  `json:"lookMemberInfo"`
	ApplyMemberFriend int32  `json:"applyMemberFriend"`
}

// beforeSetGroupInfo runs beforeSetGroupInfo, amending req. v3.8.3 applies
// the reply's groupID, groupName, faceURL, introduction, ex,
// needVerification, lookMemberInfo and applyMemberFriend, not its
// notification.
func (h *Handler) beforeSetGroupInfo(ctx context.Context, req *setGroupInfoReq) error {
	conf := h.cfg.Webhooks.BeforeSetGroupInfo
	if !conf.Enable {
		return nil
	}
	s := &req.GroupInfoForSet
	body := cbBeforeSetGroupInfoReq{CallbackCommand: CallbackBeforeSetGroupInfoCommand, GroupID: s.GroupID,
		GroupName: s.GroupName, Notification: s.Notification, Introduction: s.Introduction, FaceURL: s.FaceURL,
		Ex: s.Ex.v, NeedVerification: s.NeedVerification.v, LookMemberInfo: s.LookMemberInfo.v,
		ApplyMemberFriend: s.ApplyMemberFriend.v}
	r, ok, err := h.before(ctx, conf, CallbackBeforeSetGroupInfoCommand, body)
	if err != nil || !ok {
		return err
	}
	set(r, "groupID", &s.GroupID)
	set(r, "groupName", &s.GroupName)
	set(r, "faceURL", &s.FaceURL)
	set(r, "introduction", &s.Introduction)
	setOptField(r, "ex", &s.Ex, false)
	setOptField(r, "needVerification", &s.NeedVerification, false)
	setOptField(r, "lookMemberInfo", &s.LookMemberInfo, false)
	setOptField(r, "applyMemberFriend", &s.ApplyMemberFriend, false)
	return nil
}

// setOptField amends an opt request field from the reply's key: a value
// sets it; null leaves it as it is, or with nullClears makes it unchanged.
func setOptField[T any](r cbReply, key string, dst *opt[T], nullClears bool) {
	raw, ok := r.keys[key]
	if !ok {
		return
	}
	var o opt[T]
	if json.Unmarshal(raw, &o) != nil {
		return
	}
	if o.set || nullClears {
		*dst = o
	}
}

// cbBeforeSetGroupInfoExReq is CallbackBeforeSetGroupInfoExReq (wrapper
// fields: the value, or null when not set; operationID left empty, as in
// v3.8.3).
type cbBeforeSetGroupInfoExReq struct {
	CallbackCommand   string  `json:"callbackCommand"`
	OperationID       string  `json:"operationID"`
	GroupID           string  `json:"groupID"`
	GroupName         *string `json:"groupName"`
	Notification      *string `json:"notification"`
	Introduction      *string `json:"introduction"`
	FaceURL           *string `json:"faceURL"`
	Ex                *string `json:"ex"`
	NeedVerification  *int32  `json:"needVerification"`
	LookMemberInfo    *int32  `json:"lookMemberInfo"`
	ApplyMemberFriend *int32  `json:"applyMemberFriend"`
}

// beforeSetGroupInfoEx runs beforeSetGroupInfoEx, amending req: v3.8.3
// applies groupID, groupName, faceURL, introduction, ex, needVerification,
// lookMemberInfo and applyMemberFriend (null makes a field unchanged), not
// notification.
func (h *Handler) beforeSetGroupInfoEx(ctx context.Context, req *setGroupInfoExReq) error {
	conf := h.cfg.Webhooks.BeforeSetGroupInfoEx
	if !conf.Enable {
		return nil
	}
	body := cbBeforeSetGroupInfoExReq{CallbackCommand: CallbackBeforeSetGroupInfoExCommand, GroupID: req.GroupID,
		GroupName: req.GroupName.ptr(), Notification: req.Notification.ptr(), Introduction: req.Introduction.ptr(),
		FaceURL: req.FaceURL.ptr(), Ex: req.Ex.ptr(), NeedVerification: req.NeedVerification.ptr(),
		LookMemberInfo: req.LookMemberInfo.ptr(), ApplyMemberFriend: req.ApplyMemberFriend.ptr()}
	r, ok, err := h.before(ctx, conf, CallbackBeforeSetGroupInfoExCommand, body)
	if err != nil || !ok {
		return err
	}
	set(r, "groupID", &req.GroupID)
	setOptField(r, "groupName", &req.GroupName, true)
	setOptField(r, "faceURL", &req.FaceURL, true)
	setOptField(r, "introduction", &req.Introduction, true)
	setOptField(r, "ex", &req.Ex, true)
	setOptField(r, "needVerification", &req.NeedVerification, true)
	setOptField(r, "lookMemberInfo", &req.LookMemberInfo, true)
	setOptField(r, "applyMemberFriend", &req.ApplyMemberFriend, true)
	return nil
}

// ---- user callbacks (pkg/callbackstruct/user.go) ----

// cbBeforeUserRegisterReq is CallbackBeforeUserRegisterReq (users are
// sdkws.UserInfo).
type cbBeforeUserRegisterReq struct {
	CallbackCommand string     `json:"callbackCommand"`
	Users           []userInfo `json:"users"`
}

// beforeUserRegister runs beforeUserRegister: a reply with users replaces
// the users to register (v3.8.3 user callback.go).
func (h *Handler) beforeUserRegister(ctx context.Context, users *[]domain.User) error {
	conf := h.cfg.Webhooks.BeforeUserRegister
	if !conf.Enable {
		return nil
	}
	body := cbBeforeUserRegisterReq{CallbackCommand: CallbackBeforeUserRegisterCommand, Users: make([]userInfo, len(*users))}
	for i, u := range *users {
		body.Users[i] = userInfo{UserID: u.UserID, Nickname: u.Nickname, FaceURL: u.FaceURL, Ex: u.Ex}
	}
	r, ok, err := h.before(ctx, conf, CallbackBeforeUserRegisterCommand, body)
	if err != nil || !ok {
		return err
	}
	var amended []userInfo
	if raw, ok := r.keys["users"]; ok {
		if err := json.Unmarshal(raw, &amended); err != nil {
			return &apiError{code: codeData, msg: "DataError", dlt: err.Error() + " response format error"}
		}
	}
	if len(amended) != 0 {
		out := make([]domain.User, len(amended))
		for i, u := range amended {
			out[i] = domain.User{UserID: u.UserID, Nickname: u.Nickname, FaceURL: u.FaceURL, Ex: u.Ex}
		}
		*users = out
	}
	return nil
}

// cbBeforeUpdateUserInfoReq is CallbackBeforeUpdateUserInfoReq and
// CallbackBeforeUpdateUserInfoExReq (same JSON). v3.8.3 never fills ex.
type cbBeforeUpdateUserInfoReq struct {
	CallbackCommand string  `json:"callbackCommand"`
	UserID          string  `json:"userID"`
	Nickname        *string `json:"nickName"`
	FaceURL         *string `json:"faceURL"`
	Ex              *string `json:"ex"`
}

// beforeUpdateUser runs beforeUpdateUserInfo (ex false: nickName and
// faceURL always sent, "" meaning unchanged) or beforeUpdateUserInfoEx
// (null when not set), amending the patch with the reply's nickName,
// faceURL and ex.
func (h *Handler) beforeUpdateUser(ctx context.Context, p *domain.UserPatch, nickname, faceURL *string, ex bool) error {
	conf, cmd := h.cfg.Webhooks.BeforeUpdateUserInfo, CallbackBeforeUpdateUserInfoCommand
	if ex {
		conf, cmd = h.cfg.Webhooks.BeforeUpdateUserInfoEx, CallbackBeforeUpdateUserInfoExCommand
	}
	if !conf.Enable {
		return nil
	}
	body := cbBeforeUpdateUserInfoReq{CallbackCommand: cmd, UserID: p.UserID, Nickname: nickname, FaceURL: faceURL}
	r, ok, err := h.before(ctx, conf, cmd, body)
	if err != nil || !ok {
		return err
	}
	setPtr(r, "nickName", &p.Nickname)
	setPtr(r, "faceURL", &p.FaceURL)
	setPtr(r, "ex", &p.Ex)
	if !ex { // update_user_info: "" leaves a field unchanged
		for _, f := range []**string{&p.Nickname, &p.FaceURL, &p.Ex} {
			if *f != nil && **f == "" {
				*f = nil
			}
		}
	}
	return nil
}
