package openim

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/groupd/groupd/domain"
	"github.com/groupd/groupd/internal/jsontext"
)

// OpenIM error codes groupd answers with.
const (
	codeInternal         = 500
	codeArgs             = 1001
	codeNoPermission     = 1002
	codeDuplicateKey     = 1003
	codeRecordNotFound   = 1004
	codeUserIDNotFound   = 1101
	codeRegistered       = 1102
	codeGroupIDNotFound  = 1201
	codeGroupIDExisted   = 1202
	codeNotInGroupYet    = 1203
	codeDismissed        = 1204
	codeGroupType        = 1205
	codeRequestHandled   = 1206
	codeMutedInGroup     = 1402
	codeMutedGroup       = 1403
	codeTokenExpired     = 1501
	codeTokenInvalid     = 1502
	codeTokenMalformed   = 1503
	codeTokenNotValidYet = 1504
	codeTokenUnknown     = 1505
	codeTokenKicked      = 1506
	codeTokenNotExist    = 1507
)

// codeNames is each code's errMsg, as OpenIM names it.
var codeNames = map[int]string{
	codeInternal:         "ServerInternalError",
	codeArgs:             "ArgsError",
	codeNoPermission:     "NoPermissionError",
	codeDuplicateKey:     "DuplicateKeyError",
	codeRecordNotFound:   "RecordNotFoundError",
	codeUserIDNotFound:   "UserIDNotFoundError",
	codeRegistered:       "RegisteredAlreadyError",
	codeGroupIDNotFound:  "GroupIDNotFoundError",
	codeGroupIDExisted:   "GroupIDExisted",
	codeNotInGroupYet:    "NotInGroupYetError",
	codeDismissed:        "DismissedAlreadyError",
	codeGroupType:        "GroupTypeNotSupport",
	codeRequestHandled:   "GroupRequestHandled",
	codeMutedInGroup:     "MutedInGroup",
	codeMutedGroup:       "MutedGroup",
	codeTokenExpired:     "TokenExpiredError",
	codeTokenInvalid:     "TokenInvalidError",
	codeTokenMalformed:   "TokenMalformedError",
	codeTokenNotValidYet: "TokenNotValidYetError",
	codeTokenUnknown:     "TokenUnknownError",
	codeTokenKicked:      "TokenKickedError",
	codeTokenNotExist:    "TokenNotExistError",
}

// codeRule is how one domain error kind (or detail) reads in OpenIM: a
// code, and the routes where OpenIM's group service answers another.
type codeRule struct {
	code    int
	byRoute map[string]int
}

// The routes whose operator, when not a member, OpenIM answers "record not
// found": they look the operator's membership up before checking a role.
var actorLookupRoutes = map[string]int{
	"/group/quit_group": codeRecordNotFound, "/group/set_group_info": codeRecordNotFound,
	"/group/set_group_info_ex": codeRecordNotFound, "/group/invite_user_to_group": codeRecordNotFound,
	"/group/mute_group": codeRecordNotFound, "/group/cancel_mute_group": codeRecordNotFound,
	"/group/mute_group_member": codeRecordNotFound, "/group/cancel_mute_group_member": codeRecordNotFound,
	"/group/group_application_response": codeRecordNotFound,
}

// kindCodes is the one table from domain error kind to OpenIM code. A kind
// missing here answers ServerInternalError. OpenIM's group service never
// answers NotInGroupYet (1203) or GroupTypeNotSupport (1205).
var kindCodes = map[domain.Kind]codeRule{
	domain.KindInternal:     {code: codeInternal},
	domain.KindUnavailable:  {code: codeInternal},
	domain.KindInvalid:      {code: codeArgs},
	domain.KindLimitReached: {code: codeArgs},
	domain.KindNoPermission: {code: codeNoPermission},
	domain.KindDuplicate:    {code: codeDuplicateKey},
	domain.KindAlreadyMember: {code: codeDuplicateKey, byRoute: map[string]int{
		"/group/join_group": codeArgs,
	}},
	domain.KindNotFound: {code: codeRecordNotFound},
	domain.KindUserNotFound: {code: codeUserIDNotFound, byRoute: map[string]int{
		"/group/invite_user_to_group": codeRecordNotFound, "/group/join_group": codeRecordNotFound,
	}},
	domain.KindUserExists:    {code: codeRegistered},
	domain.KindGroupNotFound: {code: codeGroupIDNotFound},
	domain.KindGroupExists:   {code: codeGroupIDExisted},
	domain.KindNotMember:     {code: codeNoPermission, byRoute: actorLookupRoutes},
	domain.KindDismissed:     {code: codeDismissed},
	domain.KindGroupType:     {code: codeArgs},
	domain.KindHandled:       {code: codeRequestHandled},
	domain.KindMuted:         {code: codeMutedInGroup},
	domain.KindGroupMuted:    {code: codeMutedGroup},
}

// detailCodes refine a kind by the error's detail, first match wins.
var detailCodes = []struct {
	detail error
	rule   codeRule
}{
	{domain.ErrActorNotMember, codeRule{code: codeNoPermission, byRoute: actorLookupRoutes}},
	{domain.ErrTargetNotMember, codeRule{code: codeArgs, byRoute: map[string]int{
		"/group/kick_group": codeUserIDNotFound, "/group/quit_group": codeRecordNotFound,
		"/group/mute_group_member": codeRecordNotFound, "/group/cancel_mute_group_member": codeRecordNotFound,
	}}},
	{domain.ErrTargetSelf, codeRule{code: codeNoPermission, byRoute: map[string]int{"/group/kick_group": codeArgs}}},
	{domain.ErrTargetOwner, codeRule{code: codeNoPermission, byRoute: map[string]int{"/group/kick_group": codeArgs}}},
}

// codeOf is the OpenIM code of a domain error met on route.
func codeOf(route string, err error) int {
	kind := domain.ErrorKind(err)
	rule, ok := kindCodes[kind]
	if !ok {
		return codeInternal
	}
	if kind != domain.KindInternal && kind != domain.KindUnavailable {
		for _, d := range detailCodes {
			if errors.Is(err, d.detail) {
				rule = d.rule
				break
			}
		}
	}
	if c, ok := rule.byRoute[route]; ok {
		return c
	}
	return rule.code
}

// forRoute turns a domain error met on route into the answer for it;
// dialect errors pass through.
func forRoute(route string, err error) error {
	if err == nil {
		return nil
	}
	var ae *apiError
	if errors.As(err, &ae) {
		return err
	}
	return asAPIErrorCode(err, codeOf(route, err))
}

// apiError is an answer with a non-zero errCode.
type apiError struct {
	code   int
	msg    string // the errMsg; "" = the code's name (codeNames)
	dlt    string // the whole errDlt
	cause  error  // for the log only
	status int    // HTTP status; 0 means 200
	// retryAfter is the Retry-After of a 429 in seconds; 0 means 1.
	retryAfter int
}

func (e *apiError) Error() string {
	if e.cause != nil {
		return fmt.Sprintf("%d %s: %v", e.code, e.dlt, e.cause)
	}
	return fmt.Sprintf("%d %s", e.code, e.dlt)
}

func (e *apiError) Unwrap() error { return e.cause }

// errorf builds an error answer whose errDlt is the detail followed by
// ": [code]Name", the shape OpenIM gives (": [1004]RecordNotFoundError"
// with no detail).
func errorf(code int, format string, args ...any) *apiError {
	detail := fmt.Sprintf(format, args...)
	return &apiError{code: code, dlt: detail + ": [" + strconv.Itoa(code) + "]" + codeNames[code]}
}

// asAPIError turns any error into the answer for it, through kindCodes.
// Internal errors never show their text to the client.
func asAPIError(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	return asAPIErrorCode(err, codeOf("", err))
}

// asAPIErrorCode is the answer with code for a domain error.
func asAPIErrorCode(err error, code int) *apiError {
	if domain.ErrorKind(err) == domain.KindUnavailable {
		// A backing service (database, Redis) is down: 500 with a
		// detail that says so, so clients know to retry.
		e := errorf(codeInternal, "service temporarily unavailable, please retry (%s)", domain.ErrorMessage(err))
		e.cause = err
		return e
	}
	if code == codeInternal {
		e := errorf(codeInternal, "")
		e.cause = err
		return e
	}
	e := errorf(code, "%s", domain.ErrorMessage(err))
	e.cause = err
	return e
}

// envelope is every answer's body.
type envelope struct {
	ErrCode int    `json:"errCode"`
	ErrMsg  string `json:"errMsg"`
	ErrDlt  string `json:"errDlt"`
	Data    any    `json:"data,omitempty"`
}

// respond writes the answer for (data, err), with HTTP 200 unless the error
// says otherwise, and returns the errCode and status sent. A nil data omits
// the data field. An answer of at least gzipMin bytes (never when gzipMin
// < 0) is gzip-compressed for a client that accepts it.
func respond(w http.ResponseWriter, r *http.Request, data any, err error, gzipMin int) (int, int) {
	env := envelope{Data: data}
	status := http.StatusOK
	if err != nil {
		ae := asAPIError(err)
		env = envelope{ErrCode: ae.code, ErrMsg: ae.errMsg(), ErrDlt: ae.dlt}
		if ae.status != 0 {
			status = ae.status
		}
	}
	bp := bodyBuffers.Get().(*[]byte)
	defer putBodyBuffer(bp)
	var body []byte
	if fast, ok := data.(appender); ok && err == nil {
		body = appendOKEnvelope((*bp)[:0], fast)
		*bp = body // keep the grown buffer
	} else {
		var merr error
		if body, merr = json.Marshal(env); merr != nil {
			env = envelope{ErrCode: codeInternal, ErrMsg: codeNames[codeInternal], ErrDlt: errorf(codeInternal, "").dlt}
			body, _ = json.Marshal(env)
		}
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Add("Vary", "Accept-Encoding")
	if gzipMin >= 0 && len(body) >= gzipMin && acceptsGzip(r.Header.Values("Accept-Encoding")) {
		zp := bodyBuffers.Get().(*[]byte)
		defer putBodyBuffer(zp)
		buf := bytes.NewBuffer((*zp)[:0])
		zw := gzipWriters.Get().(*gzip.Writer)
		zw.Reset(buf)
		_, _ = zw.Write(body)
		_ = zw.Close()
		gzipWriters.Put(zw)
		body = buf.Bytes()
		*zp = body
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if status == http.StatusTooManyRequests {
		h.Set("Retry-After", strconv.Itoa(max(1, asAPIError(err).retryAfter)))
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
	return env.ErrCode, status
}

// bodyBuffers reuses answer buffers (the JSON, and its gzip): the
// ResponseWriter copies what it is given, so a buffer is free once written.
var bodyBuffers = sync.Pool{New: func() any {
	b := make([]byte, 0, 8<<10)
	return &b
}}

// putBodyBuffer returns a buffer to bodyBuffers, unless one answer made it
// large (kept, it would pin that memory).
func putBodyBuffer(bp *[]byte) {
	if cap(*bp) <= 256<<10 {
		*bp = (*bp)[:0]
		bodyBuffers.Put(bp)
	}
}

// gzipWriters reuses gzip writers: each holds about 800 KB of compressor
// state, too much to allocate per reply. BestSpeed: JSON answers of a few
// KiB shrink nearly as much as at the default level, at a fraction of the
// CPU time.
var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed) // cannot fail for a valid level
	return zw
}}

// acceptsGzip reports whether Accept-Encoding allows gzip (q=0 refuses it).
func acceptsGzip(values []string) bool {
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			name = strings.ToLower(strings.TrimSpace(name))
			if name != "gzip" && name != "x-gzip" && name != "*" {
				continue
			}
			q := strings.ReplaceAll(strings.ToLower(params), " ", "")
			if q == "q=0" || strings.HasPrefix(q, "q=0.0") && strings.Trim(q[3:], "0.") == "" {
				return false
			}
			return true
		}
	}
	return false
}

// decode reads the JSON request body into v. An empty body counts as {}.
// Any problem is an ArgsError naming it.
func decode(r *http.Request, v any) error {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errorf(codeArgs, "request body is larger than %d bytes", mbe.Limit)
		}
		return errorf(codeArgs, "cannot read request body: %v", err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if p := jsontext.Problem(body); p != "" {
		return errorf(codeArgs, "%s", p)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return errorf(codeArgs, "%s", jsonProblem(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return errorf(codeArgs, "invalid JSON: unexpected data after the request object")
	}
	return nil
}

// jsonProblem describes a decoding error for the client.
func jsonProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("malformed JSON at byte %d: %v", se.Offset, se.Error())
	case errors.As(err, &te) && te.Field != "":
		return fmt.Sprintf("invalid JSON: field %q must be %s, not %s", te.Field, jsonType(te.Type.String()), te.Value)
	case errors.As(err, &te):
		return fmt.Sprintf("invalid JSON: request must be %s, not %s", jsonType(te.Type.String()), te.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "malformed JSON: unexpected end of input"
	}
	return "invalid JSON: " + err.Error()
}

// jsonType names a Go type the way a JSON client thinks of it.
func jsonType(goType string) string {
	switch {
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	case goType == "string":
		return "a string"
	case goType == "bool":
		return "a boolean"
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "uint"):
		return "an integer (" + goType + ")"
	case strings.HasPrefix(goType, "float"):
		return "a number"
	}
	return "an object"
}
