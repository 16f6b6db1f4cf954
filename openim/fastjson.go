package openim

import (
	"strconv"
	"unicode/utf8"
)

// Hand-written JSON for the answers of the hot read routes (group infos,
// joined groups, member pages). encoding/json reflects over every field of
// every element: for 10 groups or 20 members that was a fifth of the
// request's CPU time. The bytes are exactly encoding/json's (field order,
// HTML-safe string escaping, invalid UTF-8 as U+FFFD), which
// TestFastJSONMatchesEncodingJSON checks on generated values.

// appender is an answer's data that writes its own JSON.
type appender interface {
	appendJSON(b []byte) []byte
}

// appendOKEnvelope is json.Marshal(envelope{Data: data}) for a data that
// writes its own JSON.
func appendOKEnvelope(b []byte, data appender) []byte {
	b = append(b, `{"errCode":0,"errMsg":"","errDlt":"","data":`...)
	b = data.appendJSON(b)
	return append(b, '}')
}

func (r groupInfosResp) appendJSON(b []byte) []byte {
	b = append(b, `{"groupInfos":`...)
	b = appendGroupInfos(b, r.GroupInfos)
	return append(b, '}')
}

func (r joinedGroupListResp) appendJSON(b []byte) []byte {
	b = append(b, `{"total":`...)
	b = strconv.AppendInt(b, r.Total, 10)
	b = append(b, `,"groups":`...)
	b = appendGroupInfos(b, r.Groups)
	return append(b, '}')
}

func (r membersResp) appendJSON(b []byte) []byte {
	b = append(b, `{"total":`...)
	b = strconv.AppendInt(b, r.Total, 10)
	b = append(b, `,"members":`...)
	if r.Members == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range r.Members {
			if i > 0 {
				b = append(b, ',')
			}
			b = r.Members[i].appendJSON(b)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

func appendGroupInfos(b []byte, gs []groupInfo) []byte {
	if gs == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i := range gs {
		if i > 0 {
			b = append(b, ',')
		}
		b = gs[i].appendJSON(b)
	}
	return append(b, ']')
}

func (g *groupInfo) appendJSON(b []byte) []byte {
	b = append(b, `{"groupID":`...)
	b = appendJSONString(b, g.GroupID)
	b = append(b, `,"groupName":`...)
	b = appendJSONString(b, g.GroupName)
	b = append(b, `,"notification":`...)
	b = appendJSONString(b, g.Notification)
	b = append(b, `,"introduction":`...)
	b = appendJSONString(b, g.Introduction)
	b = append(b, `,"faceURL":`...)
	b = appendJSONString(b, g.FaceURL)
	b = append(b, `,"ownerUserID":`...)
	b = appendJSONString(b, g.OwnerUserID)
	b = append(b, `,"createTime":`...)
	b = strconv.AppendInt(b, g.CreateTime, 10)
	b = append(b, `,"memberCount":`...)
	b = strconv.AppendInt(b, g.MemberCount, 10)
	b = append(b, `,"ex":`...)
	b = appendJSONString(b, g.Ex)
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(g.Status), 10)
	b = append(b, `,"creatorUserID":`...)
	b = appendJSONString(b, g.CreatorUserID)
	b = append(b, `,"groupType":`...)
	b = strconv.AppendInt(b, int64(g.GroupType), 10)
	b = append(b, `,"needVerification":`...)
	b = strconv.AppendInt(b, int64(g.NeedVerification), 10)
	b = append(b, `,"lookMemberInfo":`...)
	b = strconv.AppendInt(b, int64(g.LookMemberInfo), 10)
	b = append(b, `,"applyMemberFriend":`...)
	b = strconv.AppendInt(b, int64(g.ApplyMemberFriend), 10)
	b = append(b, `,"notificationUpdateTime":`...)
	b = strconv.AppendInt(b, g.NotificationUpdateTime, 10)
	b = append(b, `,"notificationUserID":`...)
	b = appendJSONString(b, g.NotificationUserID)
	return append(b, '}')
}

func (m *memberInfo) appendJSON(b []byte) []byte {
	b = append(b, `{"groupID":`...)
	b = appendJSONString(b, m.GroupID)
	b = append(b, `,"userID":`...)
	b = appendJSONString(b, m.UserID)
	b = append(b, `,"roleLevel":`...)
	b = strconv.AppendInt(b, int64(m.RoleLevel), 10)
	b = append(b, `,"joinTime":`...)
	b = strconv.AppendInt(b, m.JoinTime, 10)
	b = append(b, `,"nickname":`...)
	b = appendJSONString(b, m.Nickname)
	b = append(b, `,"faceURL":`...)
	b = appendJSONString(b, m.FaceURL)
	b = append(b, `,"appMangerLevel":`...)
	b = strconv.AppendInt(b, int64(m.AppMangerLevel), 10)
	b = append(b, `,"joinSource":`...)
	b = strconv.AppendInt(b, int64(m.JoinSource), 10)
	b = append(b, `,"operatorUserID":`...)
	b = appendJSONString(b, m.OperatorUserID)
	b = append(b, `,"ex":`...)
	b = appendJSONString(b, m.Ex)
	b = append(b, `,"muteEndTime":`...)
	b = strconv.AppendInt(b, m.MuteEndTime, 10)
	b = append(b, `,"inviterUserID":`...)
	b = appendJSONString(b, m.InviterUserID)
	return append(b, '}')
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as encoding/json writes a string (with its
// default HTML escaping): <, >, & and control characters as \u00XX (but
// \b \f \n \r \t), " and \ escaped, invalid UTF-8 as \ufffd, U+2028 and
// U+2029 as \u2028 and \u2029.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if jsonSafe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// jsonSafe holds the ASCII bytes encoding/json copies as they are (with
// HTML escaping on).
var jsonSafe = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()
