package zim

import (
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
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
func decodeJSON(body []byte, v any) error {
	if len(strings.TrimSpace(string(body))) == 0 {
		body = []byte("{}")
	}
	if err := json.Unmarshal(body, v); err != nil {
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
	n, err := strconv.ParseInt(s, 10, 64)
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
		n, err := strconv.Atoi(s)
		if err != nil {
			return nil, paramError("%s holds %q, not an integer", name, s)
		}
		out = append(out, n)
	}
	return out, nil
}
