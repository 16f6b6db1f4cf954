package zim

import (
	"errors"
	"fmt"

	"github.com/groupd/groupd/domain"
)

// Return codes, named after reference/zim/Return_codes.mdx and the Actions'
// own tables.
const (
	CodeOK = 0

	// Gateway: signing and routing.
	CodeAppIDInvalid          = 100000001
	CodeTimestampEmpty        = 100000002
	CodeTimestampInvalid      = 100000003
	CodeSignatureExpired      = 100000004
	CodeSignatureInvalid      = 100000005
	CodeActionEmpty           = 100000006
	CodeActionUnsupported     = 100000007
	CodeNonceEmpty            = 100000008
	CodeSignatureEmpty        = 100000009
	CodeSecretUnavailable     = 100000010
	CodeSignatureVersionEmpty = 100000013
	CodeSignatureVersionBad   = 100000014

	// Business.
	CodeServerError          = 660000001
	CodeParamError           = 660000002
	CodeLogicError           = 660000003
	CodeTooManyUsers         = 660000011
	CodeUserIDTooLong        = 660000012
	CodeAppRateLimited       = 660300005
	CodeGroupRateLimited     = 660300006
	CodeOperatorUnregistered = 660500002
	CodeGroupNotFound        = 660600001
	CodeMemberListRate       = 660600004 // QueryGroupMemberList over its 20/s
	CodeKickRate             = 660600005 // KickoutGroupUser over its 20/s
	CodeAppGroupListRate     = 660600007 // QueryAppGroupList over its 1/s
	CodeKickedNotInGroup     = 660600008
	CodeGroupInfoFailed      = 660600009
	CodeCreateGroupRate      = 660600010 // CreateGroup over its 20/s
	CodeGroupExists          = 660600011
	CodeGroupOwnerNotFound   = 660600013
	CodeMemberCountLimit     = 660600016
	CodeAttributeCountLimit  = 660600019
	CodeAttributeLength      = 660600020
	CodeNotInGroup           = 660600024
	CodeRoleOwnerNotAllowed  = 660600029
	CodeFromEqualsTo         = 660600030
	CodeNoPermission         = 660600032
	CodeAllUsersFailed       = 660600033
	CodeUserRegisterRate     = 660700001 // UserRegister over its 20/s
	CodeUserExists           = 660700002
	CodeUserNameTooLong      = 660700006
	CodeUserAvatarTooLong    = 660700007
	CodeUserNotFound         = 660700012 // ModifyUserInfo: the user is not registered
	CodeUserNotRegistered    = 660700015 // QueryUserInfos: none of the users is registered
)

// kindCode is how one domain error kind reads in ZIM.
type kindCode struct {
	code int
	// byAction overrides code for Actions whose reference documents another.
	byAction map[string]int
	// itemOK: a failed item of this kind is a success to a ZIM client (a
	// user invited who is already a member) and is not reported.
	itemOK bool
}

// kindCodes is the one table from domain error kind to ZIM return code.
var kindCodes = map[domain.Kind]kindCode{
	domain.KindInternal:    {code: CodeServerError},
	domain.KindUnavailable: {code: CodeServerError},
	domain.KindInvalid:     {code: CodeParamError},
	domain.KindDuplicate:   {code: CodeParamError},
	domain.KindNotFound:    {code: CodeGroupInfoFailed},
	domain.KindUserNotFound: {code: CodeOperatorUnregistered, byAction: map[string]int{
		// The user Actions' own tables: "660700012 User is not registered"
		// (ModifyUserInfo); "660000002 Non-existent user ID" (QueryUserInfos,
		// whose ErrorList example carries it).
		"ModifyUserInfo": CodeUserNotFound, "QueryUserInfos": CodeParamError,
	}},
	domain.KindUserExists:    {code: CodeUserExists},
	domain.KindGroupNotFound: {code: CodeGroupNotFound},
	domain.KindDismissed:     {code: CodeGroupNotFound}, // a dismissed ZIM group no longer exists
	domain.KindGroupExists:   {code: CodeGroupExists},
	domain.KindNoPermission:  {code: CodeNoPermission},
	domain.KindNotMember:     {code: CodeNotInGroup, byAction: map[string]int{"KickoutGroupUser": CodeKickedNotInGroup}},
	domain.KindLimitReached:  {code: CodeMemberCountLimit, byAction: map[string]int{"ModifyGroupAttribute": CodeAttributeCountLimit}},
	domain.KindAlreadyMember: {code: CodeParamError, itemOK: true},
	domain.KindRateLimited:   {code: CodeAppRateLimited},
	domain.KindGroupType:     {code: CodeLogicError},
	domain.KindHandled:       {code: CodeLogicError},
	domain.KindMuted:         {code: CodeLogicError},
	domain.KindGroupMuted:    {code: CodeLogicError},
}

// detailCodes refine a kind by the error's detail (its Cause).
var detailCodes = []struct {
	detail error
	code   int
}{
	{domain.ErrActorNotMember, CodeNotInGroup},
}

// codeOf maps a domain error met by action to its ZIM code and a message
// safe for the client.
func codeOf(action string, err error) (int, string) {
	kind := domain.ErrorKind(err)
	msg := domain.ErrorMessage(err)
	if kind == domain.KindUnavailable {
		return CodeServerError, "service temporarily unavailable, please retry (" + msg + ")"
	}
	if kind == domain.KindInternal {
		return CodeServerError, "server error, please retry"
	}
	for _, d := range detailCodes {
		if errors.Is(err, d.detail) {
			return d.code, msg
		}
	}
	kc, ok := kindCodes[kind]
	if !ok {
		return CodeServerError, "server error, please retry"
	}
	if c, ok := kc.byAction[action]; ok {
		return c, msg
	}
	return kc.code, msg
}

// itemIgnored reports whether a failed item of this kind counts as done.
func itemIgnored(k domain.Kind) bool { return kindCodes[k].itemOK }

// apiError is an answer the dialect itself decides (bad signature, bad
// parameter), with its code and a client message.
type apiError struct {
	Code    int
	Message string
	// keepBody: the response body still goes out (a partial call none of
	// whose items succeeded lists them).
	keepBody bool
}

func (e *apiError) Error() string { return e.Message }

func fail(code int, msg string) error { return &apiError{Code: code, Message: msg} }

func paramError(format string, args ...any) error {
	return &apiError{Code: CodeParamError, Message: fmt.Sprintf(format, args...)}
}

func isAllFailed(err error) bool {
	var ae *apiError
	return errors.As(err, &ae) && ae.keepBody
}

// failure is one failed item of a call that allows partial success, as
// ErrorUsers / ErrorList report it.
type failure struct {
	UserID  string `json:"UserId"`
	SubCode int    `json:"SubCode"`
	msg     string
}

// failures maps the domain's item errors, leaving out those a ZIM client
// counts as done.
func failures(action string, items []domain.ItemError) []failure {
	out := make([]failure, 0, len(items))
	for _, it := range items {
		if itemIgnored(it.Kind) {
			continue
		}
		code, msg := codeOf(action, &domain.Error{Kind: it.Kind, Message: it.Msg})
		out = append(out, failure{UserID: it.ID, SubCode: code, msg: msg})
	}
	return out
}

// allFailed is the error of a partial call none of whose items succeeded:
// the Action's code, else the items' SubCode when they share one, else
// 660600033. The body still lists the items.
func allFailed(act action, fs []failure) error {
	code := act.allFailedCode
	if code == 0 {
		code = fs[0].SubCode
		for _, f := range fs[1:] {
			if f.SubCode != code {
				code = CodeAllUsersFailed
				break
			}
		}
	}
	msg := "all specified users failed"
	if fs[0].msg != "" {
		msg += "; first: " + fs[0].msg
	}
	return &apiError{Code: code, Message: msg, keepBody: true}
}
