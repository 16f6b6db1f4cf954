package events

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/groupd/groupd/domain"
	"github.com/groupd/groupd/internal/webhookconf"
)

// OpenIM after-callbacks, as open-im-server v3.8.3 sends them: POST
// url + "/" + callbackCommand, header operationID, a JSON body of
// pkg/callbackstruct (command names from constant.go). They come from the
// durable log, so unlike OpenIM's in-memory queue (2 workers, 100 slots, no
// retry) none is lost. Every request also carries the header
// X-Groupd-Event-Id (the event ID) for de-duplication.
//
// Mapping (event → callback; events OpenIM has no callback for are skipped):
//
//	user.registered          callbackAfterUserRegisterCommand (one user per event)
//	user.updated             callbackAfterUpdateUserInfoCommand, or …ExCommand from /user/update_user_info_ex
//	group.created            callbackAfterCreateGroupCommand
//	group.updated            callbackAfterSetGroupInfoCommand, or …ExCommand from /group/set_group_info_ex
//	member.joined (apply)    callbackAfterJoinGroupCommand (only direct joins, as in OpenIM)
//	member.quit              callbackAfterQuitGroupCommand
//	member.kicked            callbackAfterKickGroupCommand
//	group.dismissed          callbackAfterDisMissGroupCommand
//	group.owner_transferred  callbackAfterTransferGroupOwnerCommand
//	member.updated           callbackAfterSetGroupMemberInfoCommand

// OpenIM callback command names (pkg/callbackstruct/constant.go).
const (
	CallbackAfterUserRegisterCommand       = "callbackAfterUserRegisterCommand"
	CallbackAfterUpdateUserInfoCommand     = "callbackAfterUpdateUserInfoCommand"
	CallbackAfterUpdateUserInfoExCommand   = "callbackAfterUpdateUserInfoExCommand"
	CallbackAfterCreateGroupCommand        = "callbackAfterCreateGroupCommand"
	CallbackAfterSetGroupInfoCommand       = "callbackAfterSetGroupInfoCommand"
	CallbackAfterSetGroupInfoExCommand     = "callbackAfterSetGroupInfoExCommand"
	CallbackAfterJoinGroupCommand          = "callbackAfterJoinGroupCommand"
	CallbackAfterQuitGroupCommand          = "callbackAfterQuitGroupCommand"
	CallbackAfterKickGroupCommand          = "callbackAfterKickGroupCommand"
	CallbackAfterDisMissGroupCommand       = "callbackAfterDisMissGroupCommand"
	CallbackAfterTransferGroupOwnerCommand = "callbackAfterTransferGroupOwnerCommand"
	CallbackAfterSetGroupMemberInfoCommand = "callbackAfterSetGroupMemberInfoCommand"
)

// WebhookConfig is OpenIM's config/webhooks.yml (package webhookconf; the
// before-callbacks in it are package openim's).
type WebhookConfig = webhookconf.Config

// AfterConfig is one after-callback's settings; Timeout is in seconds.
type AfterConfig = webhookconf.AfterConfig

// LoadWebhookConfig reads a webhooks.yml file.
func LoadWebhookConfig(path string) (WebhookConfig, error) { return webhookconf.Load(path) }

// AllAfterCallbacks returns a config with every after-callback enabled
// (timeout 5 s) at url: the --openim-webhook-url shortcut.
func AllAfterCallbacks(url string) WebhookConfig {
	on := AfterConfig{Enable: true, Timeout: 5}
	return WebhookConfig{URL: url, AfterUserRegister: on, AfterUpdateUserInfo: on, AfterUpdateUserInfoEx: on,
		AfterCreateGroup: on, AfterSetGroupInfo: on, AfterSetGroupInfoEx: on, AfterJoinGroup: on, AfterQuitGroup: on,
		AfterKickGroupMember: on, AfterDismissGroup: on, AfterTransferGroupOwner: on, AfterSetGroupMemberInfo: on}
}

// OpenIMWebhooks is the sink of OpenIM after-callbacks.
type OpenIMWebhooks struct {
	cfg    WebhookConfig
	client *http.Client
}

// NewOpenIMWebhooks returns the sink for cfg.
func NewOpenIMWebhooks(cfg WebhookConfig) *OpenIMWebhooks {
	return &OpenIMWebhooks{cfg: cfg, client: &http.Client{}}
}

// Name implements Sink.
func (*OpenIMWebhooks) Name() string { return "openim-webhooks" }

// Deliver posts the event's callback, if OpenIM has one and it is enabled.
func (w *OpenIMWebhooks) Deliver(ctx context.Context, ev domain.Event) error {
	cmd, body, conf, err := w.callback(ev)
	if err != nil {
		return Permanent(err)
	}
	if cmd == "" || !conf.Enable {
		return nil
	}
	timeout := time.Duration(conf.Timeout) * time.Second
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	return postJSON(ctx, w.client, timeout, w.cfg.URL+"/"+cmd, map[string]string{"operationID": ev.OperationID}, ev.ID, body)
}

// OpenIM JSON bodies (pkg/callbackstruct).
type (
	openimUserInfo struct { // sdkws.UserInfo
		UserID           string `json:"userID"`
		Nickname         string `json:"nickname"`
		FaceURL          string `json:"faceURL"`
		Ex               string `json:"ex"`
		CreateTime       int64  `json:"createTime"`
		AppMangerLevel   int32  `json:"appMangerLevel"`
		GlobalRecvMsgOpt int32  `json:"globalRecvMsgOpt"`
	}
	openimGroupInfo struct { // sdkws.GroupInfo
		GroupID                string `json:"groupID"`
		GroupName              string `json:"groupName"`
		Notification           string `json:"notification"`
		Introduction           string `json:"introduction"`
		FaceURL                string `json:"faceURL"`
		OwnerUserID            string `json:"ownerUserID"`
		CreateTime             int64  `json:"createTime"`
		MemberCount            uint32 `json:"memberCount"`
		Ex                     string `json:"ex"`
		Status                 int32  `json:"status"`
		CreatorUserID          string `json:"creatorUserID"`
		GroupType              int32  `json:"groupType"`
		NeedVerification       int32  `json:"needVerification"`
		LookMemberInfo         int32  `json:"lookMemberInfo"`
		ApplyMemberFriend      int32  `json:"applyMemberFriend"`
		NotificationUpdateTime int64  `json:"notificationUpdateTime"`
		NotificationUserID     string `json:"notificationUserID"`
	}
	openimAddMember struct { // apistruct.GroupAddMemberInfo
		UserID    string `json:"userID"`
		RoleLevel int32  `json:"roleLevel"`
	}
	// CallbackAfterCreateGroupReq: the command, the embedded GroupInfo, initMemberList.
	openimAfterCreateGroup struct {
		CallbackCommand string `json:"callbackCommand"`
		openimGroupInfo
		InitMemberList []openimAddMember `json:"initMemberList"`
	}
	openimAfterUserRegister struct {
		CallbackCommand string           `json:"callbackCommand"`
		Users           []openimUserInfo `json:"users"`
	}
	openimAfterUpdateUserInfo struct {
		CallbackCommand string `json:"callbackCommand"`
		UserID          string `json:"userID"`
		Nickname        string `json:"nickName"`
		FaceURL         string `json:"faceURL"`
		Ex              string `json:"ex"`
	}
	openimAfterUpdateUserInfoEx struct { // *wrapperspb.StringValue: the value, or null
		CallbackCommand string  `json:"callbackCommand"`
		UserID          string  `json:"userID"`
		Nickname        *string `json:"nickName"`
		FaceURL         *string `json:"faceURL"`
		Ex              *string `json:"ex"`
	}
	openimAfterSetGroupInfo struct {
		CallbackCommand   string  `json:"callbackCommand"`
		OperationID       string  `json:"operationID"`
		GroupID           string  `json:"groupID"`
		GroupName         string  `json:"groupName"`
		Notification      string  `json:"notification"`
		Introduction      string  `json:"introduction"`
		FaceURL           string  `json:"faceURL"`
		Ex                *string `json:"ex"`
		NeedVerification  *int32  `json:"needVerification"`
		LookMemberInfo    *int32  `json:"lookMemberInfo"`
		ApplyMemberFriend *int32  `json:"applyMemberFriend"`
	}
	openimAfterSetGroupInfoEx struct {
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
	openimAfterJoinGroup struct {
		CallbackCommand string `json:"callbackCommand"`
		OperationID     string `json:"operationID"`
		GroupID         string `json:"groupID"`
		ReqMessage      string `json:"reqMessage"`
		JoinSource      int32  `json:"joinSource"`
		InviterUserID   string `json:"inviterUserID"`
	}
	openimQuitGroup struct {
		CallbackCommand string `json:"callbackCommand"`
		GroupID         string `json:"groupID"`
		UserID          string `json:"userID"`
	}
	openimKickGroupMember struct {
		CallbackCommand string   `json:"callbackCommand"`
		GroupID         string   `json:"groupID"`
		KickedUserIDs   []string `json:"kickedUserIDs"`
		Reason          string   `json:"reason"`
	}
	openimDismissGroup struct {
		CallbackCommand string   `json:"callbackCommand"`
		GroupID         string   `json:"groupID"`
		OwnerID         string   `json:"ownerID"`
		GroupType       string   `json:"groupType"`
		MembersID       []string `json:"membersID"`
	}
	openimTransferGroupOwner struct {
		CallbackCommand string `json:"callbackCommand"`
		GroupID         string `json:"groupID"`
		OldOwnerUserID  string `json:"oldOwnerUserID"`
		NewOwnerUserID  string `json:"newOwnerUserID"`
	}
	openimAfterSetGroupMemberInfo struct {
		CallbackCommand string  `json:"callbackCommand"`
		GroupID         string  `json:"groupID"`
		UserID          string  `json:"userID"`
		Nickname        *string `json:"nickName"`
		FaceURL         *string `json:"faceURL"`
		RoleLevel       *int32  `json:"roleLevel"`
		Ex              *string `json:"ex"`
	}
)

func groupInfo(g *domain.Group) openimGroupInfo {
	if g == nil {
		return openimGroupInfo{}
	}
	return openimGroupInfo{GroupID: g.GroupID, GroupName: g.Name, Notification: g.Notification, Introduction: g.Introduction,
		FaceURL: g.FaceURL, OwnerUserID: g.OwnerUserID, CreateTime: g.CreateTime, MemberCount: uint32(g.MemberCount), Ex: g.Ex,
		Status: int32(g.Status), CreatorUserID: g.CreatorUserID, GroupType: int32(g.GroupType),
		NeedVerification: int32(g.NeedVerification), LookMemberInfo: int32(g.LookMemberInfo),
		ApplyMemberFriend: int32(g.ApplyMemberFriend), NotificationUpdateTime: g.NotificationUpdateTime,
		NotificationUserID: g.NotificationUserID}
}

func int32p(v *int) *int32 {
	if v == nil {
		return nil
	}
	x := int32(*v)
	return &x
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// callback returns the command, body and settings of ev's callback ("" when
// OpenIM has none).
func (w *OpenIMWebhooks) callback(ev domain.Event) (string, any, AfterConfig, error) {
	d, err := ev.Decode()
	if err != nil {
		return "", nil, AfterConfig{}, fmt.Errorf("event %d: %w", ev.ID, err)
	}
	c := &w.cfg
	switch ev.Type {
	case domain.EventUserRegistered:
		users := make([]openimUserInfo, len(d.Users))
		for i, u := range d.Users {
			users[i] = openimUserInfo{UserID: u.UserID, Nickname: u.Nickname, FaceURL: u.FaceURL, Ex: u.Ex, CreateTime: u.CreateTime}
		}
		return CallbackAfterUserRegisterCommand, openimAfterUserRegister{CallbackAfterUserRegisterCommand, users}, c.AfterUserRegister, nil
	case domain.EventUserUpdated:
		if len(d.Users) == 0 {
			return "", nil, AfterConfig{}, nil
		}
		u, p := d.Users[0], d.UserPatch
		if p == nil {
			p = &domain.UserPatch{UserID: u.UserID}
		}
		// As OpenIM: the request's nickname and face URL; ex is never
		// filled in (v3.8 leaves it out of both bodies).
		if d.Route == "/user/update_user_info_ex" {
			return CallbackAfterUpdateUserInfoExCommand, openimAfterUpdateUserInfoEx{CallbackCommand: CallbackAfterUpdateUserInfoExCommand,
				UserID: u.UserID, Nickname: p.Nickname, FaceURL: p.FaceURL}, c.AfterUpdateUserInfoEx, nil
		}
		return CallbackAfterUpdateUserInfoCommand, openimAfterUpdateUserInfo{CallbackCommand: CallbackAfterUpdateUserInfoCommand,
			UserID: u.UserID, Nickname: deref(p.Nickname), FaceURL: deref(p.FaceURL)}, c.AfterUpdateUserInfo, nil
	case domain.EventGroupCreated:
		body := openimAfterCreateGroup{CallbackCommand: CallbackAfterCreateGroupCommand, openimGroupInfo: groupInfo(d.Group)}
		body.InitMemberList = []openimAddMember{}
		for _, m := range d.Members {
			body.InitMemberList = append(body.InitMemberList, openimAddMember{UserID: m.UserID, RoleLevel: int32(m.RoleLevel)})
		}
		return CallbackAfterCreateGroupCommand, body, c.AfterCreateGroup, nil
	case domain.EventGroupUpdated:
		p := d.GroupPatch
		if p == nil {
			p = &domain.GroupPatch{}
		}
		if d.Route == "/group/set_group_info_ex" {
			return CallbackAfterSetGroupInfoExCommand, openimAfterSetGroupInfoEx{CallbackCommand: CallbackAfterSetGroupInfoExCommand,
				OperationID: ev.OperationID, GroupID: ev.GroupID, GroupName: p.Name, Notification: p.Notification,
				Introduction: p.Introduction, FaceURL: p.FaceURL, Ex: p.Ex, NeedVerification: int32p(p.NeedVerification),
				LookMemberInfo: int32p(p.LookMemberInfo), ApplyMemberFriend: int32p(p.ApplyMemberFriend)}, c.AfterSetGroupInfoEx, nil
		}
		return CallbackAfterSetGroupInfoCommand, openimAfterSetGroupInfo{CallbackCommand: CallbackAfterSetGroupInfoCommand,
			OperationID: ev.OperationID, GroupID: ev.GroupID, GroupName: deref(p.Name), Notification: deref(p.Notification),
			Introduction: deref(p.Introduction), FaceURL: deref(p.FaceURL), Ex: p.Ex, NeedVerification: int32p(p.NeedVerification),
			LookMemberInfo: int32p(p.LookMemberInfo), ApplyMemberFriend: int32p(p.ApplyMemberFriend)}, c.AfterSetGroupInfo, nil
	case domain.EventMembersJoined:
		if d.JoinKind != domain.JoinKindApply || len(d.Members) == 0 {
			return "", nil, AfterConfig{}, nil // OpenIM calls afterJoinGroup only on a direct join
		}
		m := d.Members[0]
		return CallbackAfterJoinGroupCommand, openimAfterJoinGroup{CallbackCommand: CallbackAfterJoinGroupCommand,
			OperationID: ev.OperationID, GroupID: ev.GroupID, ReqMessage: d.Reason, JoinSource: int32(m.JoinSource),
			InviterUserID: m.InviterUserID}, c.AfterJoinGroup, nil
	case domain.EventMemberQuit:
		uid := ""
		if len(d.UserIDs) > 0 {
			uid = d.UserIDs[0]
		}
		return CallbackAfterQuitGroupCommand, openimQuitGroup{CallbackAfterQuitGroupCommand, ev.GroupID, uid}, c.AfterQuitGroup, nil
	case domain.EventMembersKicked:
		return CallbackAfterKickGroupCommand, openimKickGroupMember{CallbackAfterKickGroupCommand, ev.GroupID, d.UserIDs, d.Reason}, c.AfterKickGroupMember, nil
	case domain.EventGroupDismissed:
		owner, gt := "", 0
		if d.Group != nil {
			owner, gt = d.Group.OwnerUserID, d.Group.GroupType
		}
		ids := d.UserIDs
		if ids == nil {
			ids = []string{}
		}
		// OpenIM sends string(group.GroupType): the int32 converted to a
		// one-rune string ("\u0002" for a working group), not "2".
		return CallbackAfterDisMissGroupCommand, openimDismissGroup{CallbackAfterDisMissGroupCommand, ev.GroupID, owner,
			string(rune(gt)), ids}, c.AfterDismissGroup, nil
	case domain.EventOwnerTransferred:
		return CallbackAfterTransferGroupOwnerCommand, openimTransferGroupOwner{CallbackAfterTransferGroupOwnerCommand, ev.GroupID,
			d.OldOwner, d.NewOwner}, c.AfterTransferGroupOwner, nil
	case domain.EventMemberUpdated:
		if len(d.Members) == 0 {
			return "", nil, AfterConfig{}, nil
		}
		m, p := d.Members[0], d.MemberPatch
		if p == nil {
			p = &domain.MemberPatch{}
		}
		return CallbackAfterSetGroupMemberInfoCommand, openimAfterSetGroupMemberInfo{CallbackCommand: CallbackAfterSetGroupMemberInfoCommand,
			GroupID: ev.GroupID, UserID: m.UserID, Nickname: p.Nickname, FaceURL: p.FaceURL, RoleLevel: int32p(p.RoleLevel),
			Ex: p.Ex}, c.AfterSetGroupMemberInfo, nil
	}
	return "", nil, AfterConfig{}, nil
}

// postJSON POSTs body as JSON with the event ID header; a 2xx answer is a
// delivery, anything else (or no answer within timeout) an error.
func postJSON(ctx context.Context, client *http.Client, timeout time.Duration, url string, headers map[string]string, eventID int64, body any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return Permanent(err)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		return Permanent(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Groupd-Event-Id", strconv.FormatInt(eventID, 10))
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s answered HTTP %d", url, resp.StatusCode)
	}
	return nil
}
