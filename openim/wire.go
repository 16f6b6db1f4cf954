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

// kindCodes is the one table from domain error kind to OpenIM code. A kind
// missing here answers ServerInternalError.
var kindCodes = map[domain.Kind]int{
	domain.KindInternal:      codeInternal,
	domain.KindUnavailable:   codeInternal,
	domain.KindInvalid:       codeArgs,
	domain.KindLimitReached:  codeArgs,
	domain.KindNoPermission:  codeNoPermission,
	domain.KindDuplicate:     codeDuplicateKey,
	domain.KindAlreadyMember: codeDuplicateKey,
	domain.KindNotFound:      codeRecordNotFound,
	domain.KindUserNotFound:  codeUserIDNotFound,
	domain.KindUserExists:    codeRegistered,
	domain.KindGroupNotFound: codeGroupIDNotFound,
	domain.KindGroupExists:   codeGroupIDExisted,
	domain.KindNotMember:     codeNotInGroupYet,
	domain.KindDismissed:     codeDismissed,
	domain.KindGroupType:     codeGroupType,
	domain.KindHandled:       codeRequestHandled,
	domain.KindMuted:         codeMutedInGroup,
	domain.KindGroupMuted:    codeMutedGroup,
}

// apiError is an answer with a non-zero errCode.
type apiError struct {
	code   int
	dlt    string // the whole errDlt
	cause  error  // for the log only
	status int    // HTTP status; 0 means 200
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
	if domain.ErrorKind(err) == domain.KindUnavailable {
		// A backing service (database, Redis) is down: 500 with a
		// detail that says so, so clients know to retry.
		e := errorf(codeInternal, "service temporarily unavailable, please retry (%s)", domain.ErrorMessage(err))
		e.cause = err
		return e
	}
	code, ok := kindCodes[domain.ErrorKind(err)]
	if !ok || code == codeInternal {
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
// the data field.
func respond(w http.ResponseWriter, r *http.Request, data any, err error) (int, int) {
	env := envelope{Data: data}
	status := http.StatusOK
	if err != nil {
		ae := asAPIError(err)
		env = envelope{ErrCode: ae.code, ErrMsg: codeNames[ae.code], ErrDlt: ae.dlt}
		if ae.status != 0 {
			status = ae.status
		}
	}
	body, merr := json.Marshal(env)
	if merr != nil {
		env = envelope{ErrCode: codeInternal, ErrMsg: codeNames[codeInternal], ErrDlt: errorf(codeInternal, "").dlt}
		body, _ = json.Marshal(env)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Add("Vary", "Accept-Encoding")
	if len(body) >= gzipMinBytes && acceptsGzip(r.Header.Values("Accept-Encoding")) {
		var buf bytes.Buffer
		zw := gzipWriters.Get().(*gzip.Writer)
		zw.Reset(&buf)
		_, _ = zw.Write(body)
		_ = zw.Close()
		gzipWriters.Put(zw)
		body = buf.Bytes()
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if status == http.StatusTooManyRequests {
		h.Set("Retry-After", "1")
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
	return env.ErrCode, status
}

// gzipWriters reuses gzip writers: each holds about 800 KB of compressor
// state, too much to allocate per reply. BestSpeed: JSON answers of a few
// KiB shrink nearly as much as at the default level, at a fraction of the
// CPU time.
var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed) // cannot fail for a valid level
	return zw
}}

// gzipMinBytes is the smallest answer worth compressing: below it the
// Huffman tables cost more CPU (≈20 µs) than the bytes saved are worth.
const gzipMinBytes = 1024

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
