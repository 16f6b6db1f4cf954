package zim

import (
	"encoding/json"
	"errors"
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/groupd/groupd/internal/jsontext"
)

// Limits of the reference that the dialect checks before the domain sees a
// request. The attribute limits come from domain.Limits instead.
const (
	maxIDLen            = 32 // user and group IDs, bytes
	maxGroupNameRunes   = 50
	maxGroupNoticeLen   = 300 // bytes
	maxAvatarLen        = 500 // bytes
	maxUserNameLen      = 256 // bytes
	maxNicknameLen      = 256 // bytes
	maxReasonLen        = 32  // KickoutGroupUser CustomReason, bytes
	maxRegisterUsers    = 100
	maxModifyUsers      = 100
	maxQueryUsers       = 100
	maxUserExtraLen     = 32 << 10 // ModifyUserInfo Extra: 2 KB by default, "Maximum is 32 KB"
	maxCreateMembers    = 100
	maxInviteUsers      = 100
	maxKickUsers        = 50
	maxMuteUsers        = 20
	maxMuteRoles        = 20
	maxNicknameUsers    = 20
	maxMuteSeconds      = 2_592_000
	maxMemberListLimit  = 1000
	maxAppGroupLimit    = 10000
	maxJoinedGroupLimit = 100
	forbidScanWindow    = 10000
	maxBodyBytes        = 1 << 20
)

// idChars are the characters the reference allows in IDs besides ASCII
// letters and digits.
const idChars = "!#$%&()+-:;<=.>?@[]^_{}|~"

// checkID validates a required ID field: present and at most 32 bytes.
func checkID(field, v string) error {
	if v == "" {
		return paramError("%s is required", field)
	}
	if len(v) > maxIDLen {
		return paramError("%s is longer than %d bytes", field, maxIDLen)
	}
	return nil
}

// checkNewID also checks the characters of an ID that is being created.
func checkNewID(field, v string) error {
	if err := checkID(field, v); err != nil {
		return err
	}
	if !validIDChars(v) {
		return paramError("%s %q may hold only letters, digits and %s", field, v, idChars)
	}
	return nil
}

func validIDChars(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(idChars, c) >= 0
		if !ok {
			return false
		}
	}
	return true
}

func checkBytes(field, v string, max int) error {
	if len(v) > max {
		return paramError("%s is longer than %d bytes", field, max)
	}
	return nil
}

func checkRunes(field, v string, max int) error {
	if !utf8.ValidString(v) {
		return paramError("%s is not valid UTF-8", field)
	}
	if n := utf8.RuneCountInString(v); n > max {
		return paramError("%s has %d characters, at most %d allowed", field, n, max)
	}
	return nil
}

// dedupe returns ids without repeats, in first-seen order, leaving out drop.
func dedupe(ids []string, drop string) []string {
	seen := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if seen[id] || (drop != "" && id == drop) {
			continue
		}
		seen[id] = true
		out = append(out, id)
	}
	return out
}

// decodeJSON decodes a POST body into v. An empty body is an empty object.
// A number written with a fraction or exponent whose value is an integer
// (2.0, 1.0e2) decodes into an integer field (see integralNumbers).
func decodeJSON(body []byte, v any) error {
	if len(strings.TrimSpace(string(body))) == 0 {
		body = []byte("{}")
	}
	if p := jsontext.Problem(body); p != "" {
		return paramError("%s", p)
	}
	if err := json.Unmarshal(integralNumbers(body), v); err != nil {
		var te *json.UnmarshalTypeError
		var se *json.SyntaxError
		switch {
		case errors.As(err, &te) && te.Field != "":
			return paramError("request body: field %s must be a JSON %s", te.Field, jsonKind(te.Type.Kind().String()))
		case errors.As(err, &te):
			// Not te.Error(): it names the Go type, an internal detail.
			return paramError("request body must be a JSON object, not %s", te.Value)
		case errors.As(err, &se):
			return paramError("request body is not valid JSON: %s at byte %d", se.Error(), se.Offset)
		}
		return paramError("request body is not valid JSON")
	}
	return nil
}

// integralNumbers rewrites each JSON number of body (outside strings) that
// has a fraction or an exponent but an integer value as that integer: 2.0 →
// 2, 1.0e2 → 100, -3E0 → -3, 0.0 → 0. The reference types many fields as
// number/integer, and JSON encoders of other languages write integers as
// floats (Python's json of a float, PHP's json_encode with
// JSON_PRESERVE_ZERO_FRACTION, Jackson of a Double); Go's decoder refuses
// them for integer fields. Numbers with a fractional value (2.5) and
// integers too large for 64 bits stay as they are, so that they fail to
// decode into an integer field (660000002). Invalid JSON is returned
// unchanged for the decoder to refuse. Body is not modified; without any
// rewrite it is returned as is.
func integralNumbers(body []byte) []byte {
	var out []byte // nil until the first rewrite
	copied := 0    // body[:copied] is in out
	for i := 0; i < len(body); {
		switch c := body[i]; {
		case c == '"':
			i = skipJSONString(body, i)
		case c == '-' || c >= '0' && c <= '9':
			j := i + 1
			for j < len(body) && isNumberByte(body[j]) {
				j++
			}
			if n, ok := integralLiteral(string(body[i:j])); ok {
				out = append(append(out, body[copied:i]...), n...)
				copied = j
			}
			i = j
		default:
			i++
		}
	}
	if out == nil {
		return body
	}
	return append(out, body[copied:]...)
}

// skipJSONString returns the index after the string starting at body[i] (a
// quote), or len(body) when it does not end.
func skipJSONString(body []byte, i int) int {
	for i++; i < len(body); i++ {
		switch body[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(body)
}

func isNumberByte(c byte) bool {
	return c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-'
}

// jsonNumber is the grammar of a JSON number (RFC 8259): sign, integer,
// fraction, exponent.
var jsonNumber = regexp.MustCompile(`^(-?)(0|[1-9][0-9]*)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?$`)

// integralLiteral returns lit, a JSON number with a fraction or exponent,
// as an integer literal when its value is an integer of at most 20 digits.
func integralLiteral(lit string) (string, bool) {
	if !strings.ContainsAny(lit, ".eE") {
		return "", false // an integer already
	}
	m := jsonNumber.FindStringSubmatch(lit)
	if m == nil {
		return "", false
	}
	sign, whole, frac := m[1], m[2], m[3]
	exp := 0
	if m[4] != "" {
		e, err := strconv.Atoi(m[4])
		if err != nil || e > 1000 || e < -1000 {
			return "", false
		}
		exp = e
	}
	// The value is 0.digits × 10^point.
	digits := whole + frac
	point := len(whole) + exp
	trimmed := strings.TrimLeft(digits, "0")
	point -= len(digits) - len(trimmed)
	digits = strings.TrimRight(trimmed, "0")
	switch {
	case digits == "":
		return "0", true
	case len(digits) > point || point > 20:
		return "", false // a fraction, or too large for any integer field
	}
	return sign + digits + strings.Repeat("0", point-len(digits)), true
}

// parseInt parses a decimal integer, also written as an integral number
// with a fraction or exponent (2.0, 1e2), as integralNumbers accepts them.
func parseInt(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err == nil {
		return n, nil
	}
	if lit, ok := integralLiteral(s); ok {
		return strconv.ParseInt(lit, 10, 64)
	}
	return 0, err
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "slice", "array":
		return "array"
	case "struct", "map", "ptr":
		return "object"
	case "bool":
		return "boolean"
	}
	return "number (integer)"
}

// query reads GET parameters.
type query url.Values

func (q query) has(name string) bool {
	_, ok := q[name]
	return ok
}

func (q query) str(name string) string { return url.Values(q).Get(name) }

// list returns an array parameter, sent as name[]=a&name[]=b (or name=a&name=b).
func (q query) list(name string) []string {
	if v, ok := q[name+"[]"]; ok {
		return v
	}
	return q[name]
}

// int64 parses an optional integer parameter; absent or empty reads as def.
func (q query) int64(name string, def int64) (int64, error) {
	s := q.str(name)
	if s == "" {
		return def, nil
	}
	n, err := parseInt(s)
	if err != nil {
		return 0, paramError("%s %q is not an integer", name, s)
	}
	return n, nil
}

// bool parses an optional boolean parameter (true/false/1/0).
func (q query) bool(name string) (bool, error) {
	s := q.str(name)
	if s == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, paramError("%s %q is not true or false", name, s)
	}
	return b, nil
}

// ints parses an array of integers.
func (q query) ints(name string) ([]int, error) {
	raw := q.list(name)
	out := make([]int, 0, len(raw))
	for _, s := range raw {
		n, err := parseInt(s)
		if err != nil || n < math.MinInt32 || n > math.MaxInt32 {
			return nil, paramError("%s holds %q, not an integer", name, s)
		}
		out = append(out, int(n))
	}
	return out, nil
}
